package forms

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"budgetpoint/models"
)

func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	e, ok := models.AsError(err)
	if !ok || e.Code != models.EInvalid {
		t.Fatalf("%v, want validation_failed", err)
	}
	if !strings.Contains(e.Message, " / ") {
		t.Fatalf("message %q not in Chinese and English", e.Message)
	}
	return e.Fields
}

// Check names fields by their json path and words them with the field's
// labels in both languages, never with Go struct names.
func TestCheckNamesFieldsByJSONPathWithLabels(t *testing.T) {
	Setup()
	Setup() // safe twice
	req := ActivityRequest{Kind: "party", TopicID: "t1", Title: "", HeldOn: "2026/11/20",
		Participants: ParticipantsRequest{Public: -1},
		Opinions:     []ActivityOpinionRequest{{Content: "好"}, {Content: "", Proposer: ProposerRequest{Kind: "public"}}}}
	f := fields(t, Check("活动", &req))
	want := map[string][]string{
		"kind":                      {"活动类别", "kind"},
		"title":                     {"活动名称", "title"},
		"held_on":                   {"日期", "date"},
		"participants.public":       {"群众人数", "public"},
		"opinions[0].proposer.kind": {"提出人类别", "proposer kind"},
		"opinions[1].content":       {"意见内容", "content"},
	}
	for path, words := range want {
		msg, ok := f[path]
		if !ok {
			t.Fatalf("%s not named: %v", path, f)
		}
		zh, en, ok := strings.Cut(msg, " / ")
		if !ok || !strings.Contains(zh, words[0]) || !strings.Contains(en, words[1]) {
			t.Fatalf("%s: %q should name %q and %q", path, msg, words[0], words[1])
		}
		for _, goName := range []string{"Kind", "HeldOn", "Participants", "Opinions", "Content", "ActivityRequest"} {
			if strings.Contains(msg, goName) {
				t.Fatalf("%s: message %q uses the Go name %s", path, msg, goName)
			}
		}
	}
	if len(f) != len(want) {
		t.Fatalf("named %v, want %d fields", f, len(want))
	}
	ok := ActivityRequest{Kind: "forum", TopicID: "t1", Title: "座谈会", HeldOn: "2026-11-20"}
	if err := Check("活动", &ok); err != nil {
		t.Fatalf("valid request: %v", err)
	}
}

func TestCheckResponseRequest(t *testing.T) {
	req := ResponseRequest{ID: "nope", Version: -1, Respondent: RespondentRequest{Kind: "alien"}, Channel: "fax"}
	f := fields(t, Check("答卷", &req))
	for _, k := range []string{"id", "version", "respondent.kind", "channel", "answers"} {
		if f[k] == "" {
			t.Fatalf("%s not named: %v", k, f)
		}
	}
}

func TestDecodeOnly(t *testing.T) {
	var r ResponseRequest
	cases := []struct {
		body, code, field string
	}{
		{`{"answers": `, models.EBadRequest, ""},
		{``, models.EBadRequest, ""},
		{`{"answers": {}} x`, models.EBadRequest, ""},
		{`{"version": "2"}`, models.EBadRequest, "version"},
		{`{"respondent": {"kind": true}}`, models.EBadRequest, "respondent.kind"},
		{`{"answers": [1]}`, models.EBadRequest, "answers"},
	}
	for _, c := range cases {
		err := DecodeOnly(strings.NewReader(c.body), &r)
		e, ok := models.AsError(err)
		if !ok || e.Code != c.code || !strings.Contains(e.Message, " / ") {
			t.Fatalf("%q: %v", c.body, err)
		}
		if c.field != "" && e.Fields[c.field] == "" {
			t.Fatalf("%q: field %s not named: %v", c.body, c.field, e.Fields)
		}
	}
	// Over the limit: too_large.
	rec := httptest.NewRecorder()
	body := http.MaxBytesReader(rec, io.NopCloser(strings.NewReader(`{"serial": "`+strings.Repeat("x", 5000)+`"}`)), 100)
	err := DecodeOnly(body, &r)
	if models.ErrorCode(err) != models.ETooLarge {
		t.Fatalf("over the limit: %v", err)
	}
	if err := DecodeOnly(strings.NewReader(`{"id": "0b7c6f1e-3f43-4c8e-9a55-2f3d1c2b9a10", "answers": {"a": 1}}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.ID == "" || string(r.Answers["a"]) != "1" {
		t.Fatalf("decoded %+v", r)
	}
}

func TestActivityOpinionIDsAreStable(t *testing.T) {
	req := ActivityRequest{ID: "0b7c6f1e-3f43-4c8e-9a55-2f3d1c2b9a10", Kind: "forum", Opinions: []ActivityOpinionRequest{{Content: "一"}, {Content: "二"}}}
	a1, a2 := req.Activity(), req.Activity()
	if a1.Opinions[0].ID == a1.Opinions[1].ID || a1.Opinions[0].ID != a2.Opinions[0].ID {
		t.Fatalf("opinion ids %v %v", a1.Opinions, a2.Opinions)
	}
}
