package models

import (
	"encoding/json"
	"testing"
)

// Number answers up to 10^9 with at most three decimals are allowed
// (MaxNumber, NumberScale); about 1.5% of such values at 10^7 and above were
// refused as "at most 3 decimals" because v*1000 in float64 misses an
// integer by more than the absolute tolerance 1e-6.
func TestReviewLargeNumbersWithThreeDecimalsAccepted(t *testing.T) {
	max := 1e9
	d := &Definition{ID: "q", TopicID: "t", Title: "q", Questions: []Question{{Key: "amount", Type: Number, Label: "金额", Max: &max}}}
	for _, s := range []string{"33554432.123", "12345678.901", "987654321.987", "0.3", "0.30000000000000004"} {
		a, bad := d.CheckAnswers(map[string]json.RawMessage{"amount": json.RawMessage(s)})
		if len(bad) > 0 {
			t.Errorf("%s refused: %v", s, bad)
			continue
		}
		t.Logf("%s → %d thousandths", s, a["amount"].Milli)
	}
	if _, bad := d.CheckAnswers(map[string]json.RawMessage{"amount": json.RawMessage("1.0001")}); len(bad) == 0 {
		t.Error("four decimals accepted")
	}
}
