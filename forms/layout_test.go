package forms

import (
	"strings"
	"testing"

	"budgetpoint/models"
)

// TestDateMessageShowsADate: a bad date is told with an example date
// (2026-11-20), never Go's layout 2006-01-02.
func TestDateMessageShowsADate(t *testing.T) {
	err := Check("活动", &ActivityRequest{Kind: "forum", TopicID: "t1", Title: "座谈会", HeldOn: "20/11/2026"})
	if err == nil {
		t.Fatal("a bad date passed")
	}
	e, ok := models.AsError(err)
	if !ok {
		t.Fatal(err)
	}
	msg := e.Fields["held_on"]
	if !strings.Contains(msg, "2026-11-20") || strings.Contains(msg, "2006-01-02") {
		t.Errorf("the message for a bad date: %s", msg)
	}
}
