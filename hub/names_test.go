package hub_test

import (
	"testing"

	"budgetpoint/hub"
)

// A point's name: from the points file (in English its name_en where it
// has one), its id when the file does not list it.
func TestPointNames(t *testing.T) {
	h := hub.New(nil, []hub.Point{{ID: "hongta", Name: "红塔区联系点", NameEN: "Hongta point"}, {ID: "eshan", Name: "峨山县联系点"}}, nil)
	for _, c := range []struct{ id, zh, en string }{
		{"hongta", "红塔区联系点", "Hongta point"},
		{"eshan", "峨山县联系点", "峨山县联系点"},
		{"gone", "gone", "gone"},
	} {
		if zh, en := h.PointName(c.id), h.PointNameEN(c.id); zh != c.zh || en != c.en {
			t.Errorf("%s: %q / %q, want %q / %q", c.id, zh, en, c.zh, c.en)
		}
	}
}
