package handlers_test

import (
	"testing"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// TestSkipLogic: a question with relevant is asked only after the answers
// named: an answer to it otherwise is refused naming it; required holds
// only when it is asked; the summary's answered counts only answers given;
// a definition whose condition names a later question, a question that is
// no choice, or a value that is no option is refused naming it.
func TestSkipLogic(t *testing.T) {
	fx := newFixture(t)
	staff := fx.tokens["staff"]
	def := models.Definition{ID: "q-skip", TopicID: "t1", Title: "满意度", Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "总体评价", Required: true,
			Options: []models.Option{{Value: "good", Label: "满意"}, {Value: "bad", Label: "不满意"}}},
		{Key: "why", Type: models.Text, Label: "不满意的原因", Required: true, Relevant: &models.Relevance{Key: "overall", In: []string{"bad"}}},
		{Key: "areas", Type: models.MultipleChoice, Label: "关注领域", Options: []models.Option{{Value: "edu", Label: "教育"}, {Value: "health", Label: "医疗"}, {Value: "roads", Label: "道路"}}},
		{Key: "roads_detail", Type: models.Text, Label: "哪条道路", Relevant: &models.Relevance{Key: "areas", In: []string{"roads", "health"}}},
	}}
	fx.Do(t, "POST", "/api/v1/questionnaires", staff, def).Want(t, 201, "publish")
	path := "/api/v1/questionnaires/q-skip/responses"
	send := func(answers map[string]any, want int, what string) *testutil.Resp {
		return fx.Do(t, "POST", path, staff, map[string]any{"id": newID(), "respondent": map[string]any{"kind": "public"}, "answers": answers}).Want(t, want, what)
	}
	if e := send(map[string]any{"overall": "good", "why": "太慢"}, 422, "an answer to a question not asked").Err(t); e.Error.Fields["answers.why"] != models.MsgNotAsked {
		t.Errorf("not asked: %+v", e.Error.Fields)
	}
	if e := send(map[string]any{"overall": "bad"}, 422, "a required question asked and left out").Err(t); e.Error.Fields["answers.why"] != models.MsgAnswerRequired {
		t.Errorf("required when asked: %+v", e.Error.Fields)
	}
	send(map[string]any{"overall": "good"}, 201, "required but not asked")
	send(map[string]any{"overall": "good", "why": ""}, 201, "an empty answer to a question not asked")
	send(map[string]any{"overall": "bad", "why": "项目进度慢"}, 201, "asked and answered")
	send(map[string]any{"overall": "good", "areas": []string{"edu", "roads"}, "roads_detail": "县道"}, 201, "any of the multiple choices")
	if e := send(map[string]any{"overall": "good", "areas": []string{"edu"}, "roads_detail": "县道"}, 422, "none of the multiple choices").Err(t); e.Error.Fields["answers.roads_detail"] == "" {
		t.Errorf("multiple choice skip: %+v", e.Error.Fields)
	}
	send(map[string]any{"overall": "good", "areas": []string{"health"}}, 201, "asked and not answered")
	// answered counts the answers given; asked, for a question with skip
	// logic, the responses that asked it; a question always asked has no asked.
	counts := func(when string, want map[string][2]int64) {
		t.Helper()
		var s models.Summary
		fx.Do(t, "GET", "/api/v1/topics/t1/summary", staff, nil).Want(t, 200, "summary").JSON(t, &s)
		found := 0
		for _, qs := range s.Questionnaires {
			if qs.ID != "q-skip" {
				continue
			}
			for _, q := range qs.Questions {
				w, ok := want[q.Key]
				if !ok {
					if q.Asked != nil {
						t.Errorf("%s: %s is always asked, yet the summary says asked %d", when, q.Key, *q.Asked)
					}
					continue
				}
				found++
				if q.Asked == nil || *q.Asked != w[0] || q.Answered != w[1] {
					t.Errorf("%s: %s asked %v, answered %d; want asked %d, answered %d", when, q.Key, q.Asked, q.Answered, w[0], w[1])
				}
			}
		}
		if found != len(want) {
			t.Errorf("%s: %d of the questions with skip logic in the summary, want %d", when, found, len(want))
		}
		testutil.CheckCounters(t, fx.DB, "t1")
	}
	counts("after the responses", map[string][2]int64{"why": {1, 1}, "roads_detail": {2, 1}})

	// A correction that takes the reason for "why" away, and a void, move asked exactly.
	bad := newID()
	fx.Do(t, "POST", path, staff, map[string]any{"id": bad, "respondent": map[string]any{"kind": "public"},
		"answers": map[string]any{"overall": "bad", "why": "太慢", "areas": []string{"roads"}}}).Want(t, 201, "asked twice")
	counts("after one more", map[string][2]int64{"why": {2, 2}, "roads_detail": {3, 1}})
	fx.Do(t, "PATCH", "/api/v1/responses/"+bad, staff, map[string]any{"reason": "录错了：应为满意",
		"answers": map[string]any{"overall": "good", "areas": []string{"roads"}, "roads_detail": "玉江大道"}}).Want(t, 200, "correct")
	counts("after the correction", map[string][2]int64{"why": {1, 1}, "roads_detail": {3, 2}})
	fx.Do(t, "DELETE", "/api/v1/responses/"+bad, staff, map[string]any{"reason": "重复的问卷"}).Want(t, 200, "void")
	counts("after the void", map[string][2]int64{"why": {1, 1}, "roads_detail": {2, 1}})

	for i, r := range []*models.Relevance{
		{Key: "later", In: []string{"x"}},
		{Key: "why0", In: []string{"good"}},
		{Key: "overall", In: []string{"nope"}},
		{Key: "overall"},
	} {
		bad := models.Definition{ID: "q-bad-skip", TopicID: "t1", Title: "坏", Questions: []models.Question{
			{Key: "overall", Type: models.SingleChoice, Label: "总体", Options: []models.Option{{Value: "good", Label: "好"}, {Value: "bad", Label: "坏"}}},
			{Key: "why0", Type: models.Text, Label: "原因"},
			{Key: "follow", Type: models.Text, Label: "追问", Relevant: r},
			{Key: "later", Type: models.SingleChoice, Label: "后面", Options: []models.Option{{Value: "x", Label: "X"}, {Value: "y", Label: "Y"}}},
		}}
		if e := fx.Do(t, "POST", "/api/v1/questionnaires", staff, bad).Want(t, 422, "a bad condition").Err(t); e.Error.Fields["questions[2].relevant"] == "" {
			t.Errorf("bad condition %d: %+v", i, e.Error.Fields)
		}
	}
}
