package models

import (
	"encoding/json"
	"testing"
)

// Number answers up to 10^9 with at most three decimals are allowed
// (MaxNumber, NumberScale); about 1.5% of such values at 10^7 and above were
// refused as "at most 3 decimals" because v*1000 in float64 misses an
// integer by more than the absolute tolerance 1e-6.
func TestLargeNumbersWithThreeDecimalsAccepted(t *testing.T) {
	max := 1e9
	d := &Definition{ID: "q", TopicID: "t", Title: "q", Questions: []Question{{Key: "amount", Type: Number, Label: "金额", Max: &max}}}
	for s, want := range map[string]int64{
		"33554432.123":  33554432123,
		"12345678.901":  12345678901,
		"987654321.987": 987654321987,
		"0.3":           300,
		// 0.1+0.2 in float64: within the tolerance of 300 thousandths.
		"0.30000000000000004": 300,
	} {
		a, bad := d.CheckAnswers(map[string]json.RawMessage{"amount": json.RawMessage(s)})
		if len(bad) > 0 {
			t.Errorf("%s refused: %v", s, bad)
			continue
		}
		if got := a["amount"].Milli; got != want {
			t.Errorf("%s → %d thousandths, want %d", s, got, want)
		}
	}
	if _, bad := d.CheckAnswers(map[string]json.RawMessage{"amount": json.RawMessage("1.0001")}); bad["answers.amount"] == "" {
		t.Errorf("four decimals accepted (refusals: %v)", bad)
	}
}
