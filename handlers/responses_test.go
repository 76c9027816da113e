package handlers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// Fifty clients post the same response at once: one 201, forty-nine 200,
// stored once, counted once.
func TestSameResponseFromFiftyClients(t *testing.T) {
	fx := newFixture(t)
	id := newID()
	body := testutil.Response(id, 3) // with advice: it also makes one opinion
	before := testutil.Snapshot(t, fx.DB)
	statuses := make([]int, 50)
	bodies := make([][]byte, 50)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := testutil.Request(fx.URL, "POST", "/api/v1/questionnaires/q1/responses", fx.tokens["staff"], body)
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i], bodies[i] = res.Status, res.Body
		}()
	}
	close(start)
	wg.Wait()
	n201, n200 := 0, 0
	for i, st := range statuses {
		var out struct {
			ID      string `json:"id"`
			Created *bool  `json:"created"`
		}
		json.Unmarshal(bodies[i], &out)
		switch {
		case st == 201 && out.ID == id && out.Created != nil && *out.Created:
			n201++
		case st == 200 && out.ID == id && out.Created != nil && !*out.Created:
			n200++
		default:
			t.Fatalf("client %d: %d %s", i, st, bodies[i])
		}
	}
	if n201 != 1 || n200 != 49 {
		t.Fatalf("%d×201, %d×200; want 1 and 49", n201, n200)
	}
	after := testutil.Snapshot(t, fx.DB)
	if after["responses"] != before["responses"]+1 || after["opinions"] != before["opinions"]+1 || after["seq"] != before["seq"]+1 {
		t.Fatalf("stored more than once: before %v after %v", before, after)
	}
	var s models.Summary
	fx.Do(t, "GET", "/api/v1/topics/t1/summary", fx.tokens["staff"], nil).Want(t, 200, "summary").JSON(t, &s)
	if s.Responses.Total != 1 || s.Questionnaires[0].Responses != 1 {
		t.Fatalf("counted %d times", s.Responses.Total)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
}

// Clients racing on one id with two different contents: one is stored,
// the others get 200 when they sent the same content, 409 otherwise.
func TestRacingDifferentContent(t *testing.T) {
	fx := newFixture(t)
	id := newID()
	a, b := testutil.Response(id, 1), testutil.Response(id, 2)
	statuses := make([]int, 40)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := a
			if i%2 == 1 {
				body = b
			}
			res, err := testutil.Request(fx.URL, "POST", "/api/v1/questionnaires/q1/responses", fx.tokens["staff"], body)
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = res.Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	if count[201] != 1 || count[200] != 19 || count[409] != 20 {
		t.Fatalf("statuses %v: want one 201, 19×200 and 20×409", count)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
}

type badCase struct {
	name   string
	body   any
	status int
	code   string
	fields []string // each must be named
}

func checkBad(t *testing.T, fx *fixture, method, path string, cases []badCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := testutil.Snapshot(t, fx.DB)
			res := fx.Do(t, method, path, fx.tokens["staff"], c.body)
			if res.Status != c.status {
				t.Fatalf("status %d, want %d: %s", res.Status, c.status, testutil.Trunc(res.Body))
			}
			e := res.Err(t)
			if e.Error.Code != c.code {
				t.Fatalf("code %s, want %s", e.Error.Code, c.code)
			}
			for _, f := range c.fields {
				if msg, ok := e.Error.Fields[f]; !ok || !strings.Contains(msg, " / ") {
					t.Fatalf("field %s not named (with a message in both languages): %v", f, e.Error.Fields)
				}
			}
			testutil.SameSnapshot(t, fx.DB, before, c.name)
		})
	}
}

func withAnswers(id string, kv ...any) map[string]any {
	r := testutil.Response(id, 1)
	ans := r["answers"].(map[string]any)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(ans, kv[i].(string))
		} else {
			ans[kv[i].(string)] = kv[i+1]
		}
	}
	return r
}

func TestBadResponses(t *testing.T) {
	fx := newFixture(t)
	badKind := withAnswers(newID(), "overall", "great")
	badKind["respondent"] = map[string]any{"kind": "visitor"}
	badKind["channel"] = "fax"
	negVersion := testutil.Response(newID(), 1)
	negVersion["version"] = -1
	noAnswers := testutil.Response(newID(), 1)
	delete(noAnswers, "answers")
	badID := testutil.Response("12345", 1)
	v9 := testutil.Response(newID(), 1)
	v9["version"] = 9
	checkBad(t, fx, "POST", "/api/v1/questionnaires/q1/responses", []badCase{
		{"malformed JSON", `{"id": "x", "answers": {`, 400, "bad_request", nil},
		{"not an object", `[1, 2, 3]`, 400, "bad_request", nil},
		{"empty body", ``, 400, "bad_request", nil},
		{"trailing data", `{"answers": {}} {"answers": {}}`, 400, "bad_request", nil},
		{"version of the wrong type", `{"version": "one", "respondent": {"kind": "public"}, "answers": {"overall": "basic"}}`, 400, "bad_request", []string{"version"}},
		{"respondent of the wrong type", `{"respondent": "public", "answers": {"overall": "basic"}}`, 400, "bad_request", []string{"respondent"}},
		{"respondent kind of the wrong type", `{"respondent": {"kind": 5}, "answers": {"overall": "basic"}}`, 400, "bad_request", []string{"respondent.kind"}},
		{"answers of the wrong type", `{"respondent": {"kind": "public"}, "answers": ["basic"]}`, 400, "bad_request", []string{"answers"}},
		{"unknown question key", withAnswers(newID(), "nope", 1), 422, "validation_failed", []string{"answers.nope"}},
		{"option not in the list", withAnswers(newID(), "overall", "great"), 422, "validation_failed", []string{"answers.overall"}},
		{"option not in the list of a multiple choice", withAnswers(newID(), "priorities", []string{"education", "defence"}), 422, "validation_failed", []string{"answers.priorities"}},
		{"an option twice", withAnswers(newID(), "priorities", []string{"education", "education"}), 422, "validation_failed", []string{"answers.priorities"}},
		{"too many choices", withAnswers(newID(), "priorities", []string{"education", "health", "social_security", "transport"}), 422, "validation_failed", []string{"answers.priorities"}},
		{"single choice of the wrong type", withAnswers(newID(), "overall", []string{"basic"}), 422, "validation_failed", []string{"answers.overall"}},
		{"number above its maximum", withAnswers(newID(), "amount", 100000.5), 422, "validation_failed", []string{"answers.amount"}},
		{"number below its minimum", withAnswers(newID(), "amount", -1), 422, "validation_failed", []string{"answers.amount"}},
		{"number with 4 decimals", withAnswers(newID(), "amount", 1.2345), 422, "validation_failed", []string{"answers.amount"}},
		{"number as text", withAnswers(newID(), "amount", "1200"), 422, "validation_failed", []string{"answers.amount"}},
		{"rating above the scale", withAnswers(newID(), "transparency", 6), 422, "validation_failed", []string{"answers.transparency"}},
		{"rating below the scale", withAnswers(newID(), "transparency", 0), 422, "validation_failed", []string{"answers.transparency"}},
		{"rating not whole", withAnswers(newID(), "transparency", 3.5), 422, "validation_failed", []string{"answers.transparency"}},
		{"over-long text", withAnswers(newID(), "advice", strings.Repeat("预", 201)), 422, "validation_failed", []string{"answers.advice"}},
		{"missing required answer", withAnswers(newID(), "overall", nil), 422, "validation_failed", []string{"answers.overall"}},
		{"empty required answer", withAnswers(newID(), "overall", ""), 422, "validation_failed", []string{"answers.overall"}},
		{"no answers at all", noAnswers, 422, "validation_failed", []string{"answers"}},
		{"every bad field at once", badKind, 422, "validation_failed", []string{"respondent.kind", "channel", "answers.overall"}},
		{"negative version", negVersion, 422, "validation_failed", []string{"version"}},
		{"version that does not exist", v9, 422, "validation_failed", []string{"version"}},
		{"id not a UUID", badID, 422, "validation_failed", []string{"id"}},
		{"a deputy named on a public response", map[string]any{"id": newID(), "respondent": map[string]any{"kind": "public", "deputy_id": "d-dep"}, "answers": map[string]any{"overall": "basic"}},
			422, "validation_failed", []string{"respondent.deputy_id"}},
		{"unknown deputy", map[string]any{"id": newID(), "respondent": map[string]any{"kind": "deputy", "deputy_id": "d-nobody"}, "answers": map[string]any{"overall": "basic"}},
			422, "validation_failed", []string{"respondent.deputy_id"}},
	})
	// A questionnaire that does not exist: 404.
	res := fx.Do(t, "POST", "/api/v1/questionnaires/nope/responses", fx.tokens["staff"], testutil.Response(newID(), 1))
	if res.Status != 404 || res.Err(t).Error.Code != "not_found" {
		t.Fatalf("unknown questionnaire: %d %s", res.Status, res.Body)
	}
}

// Bodies over 1 MiB are refused with 413, with or without a Content-Length.
func TestBodyTooLarge(t *testing.T) {
	fx := newFixture(t)
	big := `{"respondent": {"kind": "public"}, "answers": {"overall": "basic", "advice": "` + strings.Repeat("a", 2<<20) + `"}}`
	before := testutil.Snapshot(t, fx.DB)
	for _, chunked := range []bool{false, true} {
		res, err := testutil.RequestWith(fx.URL, "POST", "/api/v1/questionnaires/q1/responses", nil, func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+fx.tokens["staff"])
			r.Header.Set("Content-Type", "application/json")
			if chunked {
				r.Body = io.NopCloser(io.MultiReader(strings.NewReader(big))) // no length known: sent chunked
				r.ContentLength = -1
			} else {
				r.Body = io.NopCloser(bytes.NewReader([]byte(big)))
				r.ContentLength = int64(len(big))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 413 || res.Err(t).Error.Code != "too_large" {
			t.Fatalf("chunked=%v: %d %s", chunked, res.Status, testutil.Trunc(res.Body))
		}
	}
	// Other routes too.
	res := fx.Do(t, "POST", "/api/v1/questionnaires", fx.tokens["staff"], `{"id":"q-big","title":"`+strings.Repeat("x", 2<<20)+`"}`)
	if res.Status != 413 {
		t.Fatalf("big definition: %d", res.Status)
	}
	testutil.SameSnapshot(t, fx.DB, before, "a 2 MiB body")
}

func TestBadDefinitions(t *testing.T) {
	fx := newFixture(t)
	def := func(edit func(d map[string]any, qs []map[string]any)) map[string]any {
		b, _ := json.Marshal(testutil.Definition("q-new", "t1"))
		var d map[string]any
		json.Unmarshal(b, &d)
		var qs []map[string]any
		for _, q := range d["questions"].([]any) {
			qs = append(qs, q.(map[string]any))
		}
		edit(d, qs)
		return d
	}
	checkBad(t, fx, "POST", "/api/v1/questionnaires", []badCase{
		{"not JSON", `{"id": "q-new", "questions": [`, 400, "bad_request", nil},
		{"questions of the wrong type", `{"id": "q-new", "topic_id": "t1", "title": "x", "questions": {}}`, 400, "bad_request", []string{"questions"}},
		{"duplicate keys", def(func(d map[string]any, qs []map[string]any) { qs[1]["key"] = "overall" }), 422, "validation_failed", []string{"questions[1].key"}},
		{"choice without options", def(func(d map[string]any, qs []map[string]any) { delete(qs[0], "options") }), 422, "validation_failed", []string{"questions[0].options"}},
		{"duplicate option values", def(func(d map[string]any, qs []map[string]any) {
			qs[0]["options"].([]any)[1].(map[string]any)["value"] = "satisfied"
		}), 422, "validation_failed", []string{"questions[0].options[1].value"}},
		{"number min above max", def(func(d map[string]any, qs []map[string]any) { qs[3]["min"], qs[3]["max"] = 10, 5 }), 422, "validation_failed", []string{"questions[3].min"}},
		{"rating min above max", def(func(d map[string]any, qs []map[string]any) { qs[2]["min"], qs[2]["max"] = 5, 1 }), 422, "validation_failed", []string{"questions[2].min"}},
		{"unknown type", def(func(d map[string]any, qs []map[string]any) { qs[4]["type"] = "essay" }), 422, "validation_failed", []string{"questions[4].type"}},
		{"too many choices allowed", def(func(d map[string]any, qs []map[string]any) { qs[1]["max_choices"] = 9 }), 422, "validation_failed", []string{"questions[1].max_choices"}},
		{"opinion on a choice", def(func(d map[string]any, qs []map[string]any) { qs[0]["opinion"] = true }), 422, "validation_failed", []string{"questions[0].opinion"}},
		{"text limit too high", def(func(d map[string]any, qs []map[string]any) { qs[4]["max_length"] = 1000000 }), 422, "validation_failed", []string{"questions[4].max_length"}},
		{"no questions", def(func(d map[string]any, qs []map[string]any) { d["questions"] = []any{} }), 422, "validation_failed", []string{"questions"}},
		{"unknown topic", def(func(d map[string]any, qs []map[string]any) { d["topic_id"] = "t-nope" }), 422, "validation_failed", []string{"topic_id"}},
		{"every bad field at once", def(func(d map[string]any, qs []map[string]any) {
			d["id"], d["title"] = "bad id!", ""
			qs[1]["key"] = "overall"
			qs[4]["type"] = "essay"
			qs[3]["min"], qs[3]["max"] = 10, 5
		}), 422, "validation_failed", []string{"id", "title", "questions[1].key", "questions[4].type", "questions[3].min"}},
	})
}

func TestQuestionnaireVersionsOverHTTP(t *testing.T) {
	fx := newFixture(t)
	staff := fx.tokens["staff"]
	var q models.Questionnaire
	fx.Do(t, "POST", "/api/v1/questionnaires", staff, testutil.Definition("q1", "t1")).Want(t, 200, "same definition again").JSON(t, &q)
	if q.Version != 1 {
		t.Fatalf("same definition: version %d, want 1", q.Version)
	}
	changeType := testutil.Definition("q1", "t1")
	changeType.Questions[2].Type = models.Number
	before := testutil.Snapshot(t, fx.DB)
	res := fx.Do(t, "POST", "/api/v1/questionnaires", staff, changeType)
	if res.Status != 422 || res.Err(t).Error.Fields["questions[2].type"] == "" {
		t.Fatalf("changing a key's type: %d %s", res.Status, res.Body)
	}
	testutil.SameSnapshot(t, fx.DB, before, "changing a key's type")

	v2 := testutil.Definition("q1", "t1")
	v2.Questions[0].Options = v2.Questions[0].Options[:2] // "unsatisfied" removed
	fx.Do(t, "POST", "/api/v1/questionnaires", staff, v2).Want(t, 201, "changed definition").JSON(t, &q)
	if q.Version != 2 || q.LatestVersion != 2 {
		t.Fatalf("changed definition: version %d", q.Version)
	}
	fx.Do(t, "POST", "/api/v1/questionnaires", staff, v2).Want(t, 200, "v2 again").JSON(t, &q)
	if q.Version != 2 {
		t.Fatalf("v2 again: version %d", q.Version)
	}
	fx.Do(t, "GET", "/api/v1/questionnaires/q1?version=1", staff, nil).Want(t, 200, "get v1").JSON(t, &q)
	if q.Version != 1 || len(q.Questions[0].Options) != 3 {
		t.Fatalf("version 1 changed: %+v", q)
	}
	if res := fx.Do(t, "GET", "/api/v1/questionnaires/q1?version=7", staff, nil); res.Status != 404 {
		t.Fatalf("version 7: %d", res.Status)
	}
	// A response naming version 1 is checked against version 1.
	old := withAnswers(newID(), "overall", "unsatisfied")
	old["version"] = 1
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff, old).Want(t, 201, "answer to v1")
	latest := withAnswers(newID(), "overall", "unsatisfied")
	res = fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff, latest)
	if res.Status != 422 || res.Err(t).Error.Fields["answers.overall"] == "" {
		t.Fatalf("removed option against the latest version: %d %s", res.Status, res.Body)
	}
	latest["version"] = 2
	res = fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff, latest)
	if res.Status != 422 || res.Err(t).Error.Fields["answers.overall"] == "" {
		t.Fatalf("removed option against v2: %d %s", res.Status, res.Body)
	}
	var page models.Page[models.Response]
	fx.Do(t, "GET", "/api/v1/questionnaires/q1/responses", staff, nil).Want(t, 200, "list").JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].Version != 1 {
		t.Fatalf("stored: %+v", page.Items)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
}

func TestBadRequestsOfOtherResources(t *testing.T) {
	fx := newFixture(t)
	checkBad(t, fx, "POST", "/api/v1/topics", []badCase{
		{"bad kind and year", map[string]any{"kind": "budget", "fiscal_year": 1900, "title": "x"}, 422, "validation_failed", []string{"kind", "fiscal_year"}},
		{"no title", map[string]any{"kind": "other", "fiscal_year": 2026}, 422, "validation_failed", []string{"title"}},
		{"year of the wrong type", `{"kind": "other", "fiscal_year": "2026", "title": "x"}`, 400, "bad_request", []string{"fiscal_year"}},
		{"taken id", testutil.Topic("t1"), 409, "conflict", nil},
	})
	checkBad(t, fx, "POST", "/api/v1/activities", []badCase{
		{"bad date, kind and opinion", map[string]any{"kind": "party", "topic_id": "t1", "title": "座谈会", "held_on": "20/11/2026",
			"opinions": []any{map[string]any{"content": "", "proposer": map[string]any{"kind": "public"}}}},
			422, "validation_failed", []string{"kind", "held_on", "opinions[0].content"}},
		{"unknown topic", map[string]any{"kind": "forum", "topic_id": "t-nope", "title": "座谈会", "held_on": "2026-11-20"}, 422, "validation_failed", []string{"topic_id"}},
		{"negative participants", map[string]any{"kind": "forum", "topic_id": "t1", "title": "座谈会", "held_on": "2026-11-20",
			"participants": map[string]any{"public": -3}}, 422, "validation_failed", []string{"participants.public"}},
		{"unknown deputy", map[string]any{"kind": "forum", "topic_id": "t1", "title": "座谈会", "held_on": "2026-11-20", "deputy_ids": []string{"d-nobody"}},
			422, "validation_failed", []string{"deputy_ids[0]"}},
	})
	checkBad(t, fx, "POST", "/api/v1/opinions", []badCase{
		{"bad source", map[string]any{"topic_id": "t1", "source": "rumour", "content": "x", "proposer": map[string]any{"kind": "public"}}, 422, "validation_failed", []string{"source"}},
		{"no proposer kind", map[string]any{"topic_id": "t1", "source": "other", "content": "x"}, 422, "validation_failed", []string{"proposer.kind"}},
		{"unknown topic", map[string]any{"topic_id": "t-nope", "source": "forum", "content": "x", "proposer": map[string]any{"kind": "public"}}, 422, "validation_failed", []string{"topic_id"}},
	})
	checkBad(t, fx, "POST", "/api/v1/deputies", []badCase{
		{"bad level and ID number", map[string]any{"name": "张伟", "level": "village", "id_number": "123"}, 422, "validation_failed", []string{"level", "id_number"}},
	})
	checkBad(t, fx, "PATCH", "/api/v1/questionnaires/q1", []badCase{
		{"public missing", map[string]any{}, 422, "validation_failed", []string{"public"}},
		{"public of the wrong type", `{"public": "yes"}`, 400, "bad_request", []string{"public"}},
	})
}

// A client's retry is recognised whatever the form of the same content;
// other content under the same id is a conflict.
func TestRetriesAreRecognised(t *testing.T) {
	fx := newFixture(t)
	staff := fx.tokens["staff"]
	id := newID()
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff,
		`{"id":"`+id+`","respondent":{"kind":"public"},"answers":{"overall":"basic","priorities":["health","education"],"amount":1200,"advice":"建议"}}`).Want(t, 201, "first")
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff,
		`{"answers":{"advice":" 建议 ","amount":1200.000,"priorities":["education","health"],"overall":"basic"},"channel":"online","respondent":{"kind":"public"},"id":"`+id+`","version":1}`).Want(t, 200, "same content, other form")
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff,
		`{"id":"`+id+`","respondent":{"kind":"public"},"answers":{"overall":"basic","priorities":["health","education"],"amount":1201,"advice":"建议"}}`).Want(t, 409, "other content")
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff,
		`{"id":"`+id+`","respondent":{"kind":"public"},"channel":"paper","answers":{"overall":"basic","priorities":["health","education"],"amount":1200,"advice":"建议"}}`).Want(t, 409, "other channel")

	act := newID()
	first := `{"id":"` + act + `","kind":"forum","topic_id":"t1","title":"座谈会","held_on":"2026-11-20","opinions":[{"content":"建议一","proposer":{"kind":"deputy","deputy_id":"d-dep"}}]}`
	fx.Do(t, "POST", "/api/v1/activities", staff, first).Want(t, 201, "activity")
	fx.Do(t, "POST", "/api/v1/activities", staff, first).Want(t, 200, "activity again")
	fx.Do(t, "POST", "/api/v1/activities", staff, strings.Replace(first, `"opinions"`, `"deputy_ids":[],"opinions"`, 1)).Want(t, 200, "activity again with an empty deputy list")
	fx.Do(t, "POST", "/api/v1/activities", staff, strings.Replace(first, "建议一", "建议二", 1)).Want(t, 409, "activity with another opinion")

	op := map[string]any{"id": newID(), "topic_id": "t1", "source": "written", "content": "建议三", "proposer": map[string]any{"kind": "public", "description": "个体户"}}
	fx.Do(t, "POST", "/api/v1/opinions", staff, op).Want(t, 201, "opinion")
	fx.Do(t, "POST", "/api/v1/opinions", staff, op).Want(t, 200, "opinion again")
	op["content"] = "建议四"
	fx.Do(t, "POST", "/api/v1/opinions", staff, op).Want(t, 409, "opinion changed")
	testutil.CheckCounters(t, fx.DB, "t1")
}
