package hub_test

import "testing"

// A key dropped in one committee version and brought back with another type
// must be refused, as a point's own SaveQuestionnaire refuses it: otherwise
// one counter key holds two kinds of answers (rating scores and option
// values) at every point and in the hub's sums.
func TestReviewCommitteeVersionKeepsTypeAgainstEveryEarlierVersion(t *testing.T) {
	e := newEnv(t)
	e.apiJSON(t, "POST", "/api/v1/committee/topics", map[string]any{"id": "t-c", "kind": "budget_draft", "fiscal_year": 2027, "title": "事项"}, 201, nil)
	q := func(qs ...map[string]any) map[string]any {
		return map[string]any{"id": "q-c", "topic_id": "t-c", "title": "问卷", "questions": qs}
	}
	rating := map[string]any{"key": "x", "type": "rating", "label": "评分"}
	text := map[string]any{"key": "y", "type": "text", "label": "意见"}
	choice := map[string]any{"key": "x", "type": "single_choice", "label": "选择",
		"options": []map[string]any{{"value": "a", "label": "A"}, {"value": "b", "label": "B"}}}
	e.apiJSON(t, "POST", "/api/v1/committee/questionnaires", q(rating, text), 201, nil) // v1: x rating
	e.apiJSON(t, "POST", "/api/v1/committee/questionnaires", q(text), 201, nil)         // v2: x dropped
	e.apiJSON(t, "POST", "/api/v1/committee/questionnaires", q(choice, text), 422, nil) // v3: x back as a choice
}
