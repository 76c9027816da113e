package models

import (
	"testing"
)

func versionDef(qs ...Question) *Definition {
	d := &Definition{ID: "q", TopicID: "t", Title: "问卷", Questions: qs}
	d.Normalize()
	return d
}

// NextVersion: a new questionnaire is version 1; the same definition again is
// no new version; a change is latest+1; a key that comes back with another
// type, in any earlier version, is refused; so is a move to another topic.
func TestNextVersion(t *testing.T) {
	rating := Question{Key: "x", Type: Rating, Label: "评分"}
	text := Question{Key: "y", Type: Text, Label: "意见"}
	choice := Question{Key: "x", Type: SingleChoice, Label: "选择", Options: []Option{{Value: "a", Label: "A"}, {Value: "b", Label: "B"}}}
	var stored []StoredVersion
	save := func(d *Definition, wantV int, wantNew bool) {
		t.Helper()
		v, isNew, err := NextVersion(d, stored)
		if err != nil || v != wantV || isNew != wantNew {
			t.Fatalf("NextVersion = %d, %v, %v; want %d, %v, nil", v, isNew, err, wantV, wantNew)
		}
		if isNew {
			stored = append(stored, StoredVersion{Version: v, Hash: d.Hash(), Definition: d})
		}
	}
	save(versionDef(rating, text), 1, true)
	save(versionDef(rating, text), 1, false)
	save(versionDef(text), 2, true)
	if _, _, err := NextVersion(versionDef(choice, text), stored); err == nil {
		t.Fatal("x came back as a choice after being a rating in version 1: accepted")
	} else if e, ok := AsError(err); !ok || e.Code != EInvalid {
		t.Fatalf("want validation_failed, got %v", err)
	}
	moved := versionDef(text, Question{Key: "z", Type: Text, Label: "新"})
	moved.TopicID = "other"
	if _, _, err := NextVersion(moved, stored); err == nil {
		t.Fatal("a move to another topic was accepted")
	}
	save(versionDef(rating, text), 3, true) // the first shape again is a new version, not version 1
}
