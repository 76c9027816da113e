package syncer

import (
	"testing"

	"budgetpoint/models"
)

// domain.md, "Personal data": what goes to the committee describes the
// proposer by role: a deputy by name and level, anyone else as "public" or
// "other" with an optional self-description. The API accepts a name for any
// proposer kind; a citizen's name must stay at the point.
func TestOutgoingOpinionKeepsCitizenNamesAtThePoint(t *testing.T) {
	o := OutgoingOpinion(models.Opinion{ID: "o1", TopicID: "t1", Source: "forum", Content: "建议",
		Proposer: models.Proposer{Kind: "public", Name: "张三", Level: "county", Description: "个体工商户"}}, "hongta")
	if o.Proposer.Name != "" || o.Proposer.Level != "" {
		t.Fatalf("a public proposer goes up as %+v", o.Proposer)
	}
	if o.Proposer.Description != "个体工商户" {
		t.Fatalf("self-description lost: %+v", o.Proposer)
	}
	d := OutgoingOpinion(models.Opinion{ID: "o2", Proposer: models.Proposer{Kind: "deputy", DeputyID: "d1", Name: "李明", Level: "county"}}, "hongta")
	if d.Proposer.Name != "李明" || d.Proposer.Level != "county" || d.Proposer.DeputyID != "" {
		t.Fatalf("a deputy goes up as %+v", d.Proposer)
	}
}
