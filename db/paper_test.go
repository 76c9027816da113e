package db_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

func paperDB(t *testing.T) (*db.DB, string) {
	t.Helper()
	d, err := db.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ctx := context.Background()
	if err := d.CreateTopic(ctx, &models.Topic{ID: "t1", Kind: "budget_draft", FiscalYear: 2027, Title: "预算草案"}); err != nil {
		t.Fatal(err)
	}
	lo, hi := 0.0, 1000.0
	_, _, err = d.SaveQuestionnaire(ctx, models.Definition{ID: "q1", TopicID: "t1", Title: "问卷", Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "总体评价", Required: true, Options: []models.Option{{Value: "satisfied", Label: "满意"}, {Value: "basic", Label: "基本满意"}, {Value: "unsatisfied", Label: "不满意"}}},
		{Key: "pri", Type: models.MultipleChoice, Label: "优先", Options: []models.Option{{Value: "edu", Label: "教育"}, {Value: "health", Label: "医疗"}, {Value: "road", Label: "道路"}}},
		{Key: "amount", Type: models.Number, Label: "金额", Min: &lo, Max: &hi},
		{Key: "advice", Type: models.Text, Label: "意见", Opinion: true},
	}}, models.OriginLocal)
	if err != nil {
		t.Fatal(err)
	}
	return d, "q1"
}

func paperAns(t *testing.T, m map[string]any) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for k, v := range m {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = b
	}
	return out
}

// checkCounts asserts the topic's total responses and that the kept counters
// equal an independent recount of the stored rows.
func paperCheckCounts(t *testing.T, d *db.DB, want int64) {
	t.Helper()
	ctx := context.Background()
	s, err := d.Summary(ctx, "t1", "hongta")
	if err != nil {
		t.Fatal(err)
	}
	if s.Responses.Total != want {
		t.Errorf("summary total = %d, want %d", s.Responses.Total, want)
	}
	kept, err := d.StoredCounters(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	re, err := d.Recount(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(kept, re) {
		t.Errorf("kept counters differ from recount:\nkept %v\nre   %v", kept, re)
	}
}

func paperAuditActions(t *testing.T, d *db.DB, batch, serial string) []string {
	t.Helper()
	log, err := d.PaperAuditLog(context.Background(), batch, serial)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range log {
		out = append(out, a.Action)
	}
	return out
}

func TestDoubleEntry(t *testing.T) {
	ctx := context.Background()
	d, qid := paperDB(t)
	b := db.PaperBatch{Name: "座谈会 2026-11-18", QuestionnaireID: qid, Expected: 3, DoubleEntry: true, CreatedBy: "clerk1"}
	if err := d.CreatePaperBatch(ctx, &b); err != nil {
		t.Fatal(err)
	}
	enter := func(serial string, pass int, user string, ans map[string]any) db.PaperResult {
		t.Helper()
		r, err := d.EnterPaper(ctx, db.PaperEntryInput{BatchID: b.ID, Serial: serial, Pass: pass, Answers: paperAns(t, ans), UserName: user})
		if err != nil {
			t.Fatalf("enter %s pass %d: %v", serial, pass, err)
		}
		return r
	}
	a1 := map[string]any{"overall": "satisfied", "pri": []string{"edu", "road"}, "amount": 120, "advice": "修路"}
	a2 := map[string]any{"overall": "basic", "amount": 5}

	t.Run("agreeing passes count once", func(t *testing.T) {
		if r := enter("1", 1, "clerk1", a1); r.Status != db.PaperPending || r.Created {
			t.Fatalf("first pass: %+v", r)
		}
		paperCheckCounts(t, d, 0)
		r := enter("1", 2, "clerk2", a1)
		if r.Status != db.PaperCounted || !r.Created {
			t.Fatalf("second pass: %+v", r)
		}
		paperCheckCounts(t, d, 1)
		if _, err := d.EnterPaper(ctx, db.PaperEntryInput{BatchID: b.ID, Serial: "1", Pass: 2, Answers: paperAns(t, a1), UserName: "clerk2"}); models.ErrorCode(err) != models.EConflict {
			t.Fatalf("re-entering a counted form: %v, want conflict", err)
		}
		paperCheckCounts(t, d, 1)
		page, err := d.Responses(ctx, qid, db.ResponseFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].Serial != "1" || page.Items[0].Channel != "paper" || page.Items[0].EnteredBy != "clerk1、clerk2" {
			t.Fatalf("stored response: %+v", page.Items)
		}
	})

	t.Run("a mismatch is not counted until resolved", func(t *testing.T) {
		enter("2", 1, "clerk1", a2)
		wrong := map[string]any{"overall": "unsatisfied", "amount": 50}
		r := enter("2", 2, "clerk2", wrong)
		if r.Status != db.PaperMismatch || r.Created || !reflect.DeepEqual(r.Differs, []string{"overall", "amount"}) {
			t.Fatalf("mismatch: %+v", r)
		}
		paperCheckCounts(t, d, 1)
		got, err := d.PaperBatch(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Counted != 1 || got.Mismatch != 1 {
			t.Fatalf("batch counts: %+v", got)
		}
		// Typing the same serial again in the same pass is refused without Replace.
		if _, err := d.EnterPaper(ctx, db.PaperEntryInput{BatchID: b.ID, Serial: "2", Pass: 2, Answers: paperAns(t, a2), UserName: "clerk2"}); models.ErrorCode(err) != models.EConflict {
			t.Fatalf("same serial and pass again: %v, want conflict", err)
		}
		// Re-typing the second pass, still wrong: history keeps the change.
		if _, err := d.EnterPaper(ctx, db.PaperEntryInput{BatchID: b.ID, Serial: "2", Pass: 2, Replace: true,
			Answers: paperAns(t, map[string]any{"overall": "unsatisfied", "amount": 5}), UserName: "clerk2"}); err != nil {
			t.Fatal(err)
		}
		paperCheckCounts(t, d, 1)
		// The paper says: basic, 5 (the first pass was right).
		res, err := d.ResolvePaper(ctx, b.ID, "2", paperAns(t, a2), "chief", 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != db.PaperCounted || !res.Created {
			t.Fatalf("resolve: %+v", res)
		}
		paperCheckCounts(t, d, 1+1)
		if _, err := d.ResolvePaper(ctx, b.ID, "2", paperAns(t, a2), "chief", 0); models.ErrorCode(err) != models.EConflict {
			t.Fatalf("resolving twice: %v, want conflict", err)
		}
		paperCheckCounts(t, d, 2)
		want := []string{"enter", "enter", "mismatch", "reenter", "mismatch", "resolve"}
		if got := paperAuditActions(t, d, b.ID, "2"); !reflect.DeepEqual(got, want) {
			t.Fatalf("audit = %v, want %v", got, want)
		}
		log, err := d.PaperAuditLog(ctx, b.ID, "2")
		if err != nil || len(log) != len(want) {
			t.Fatalf("audit log: %d rows (%v), want %d", len(log), err, len(want))
		}
		re := log[3]
		if re.QuestionKey != "amount" || re.OldValue != "50" || re.NewValue != "5" || re.UserName != "clerk2" || re.Pass != 2 {
			t.Fatalf("re-entry audit row: %+v", re)
		}
		rs := log[5]
		if rs.QuestionKey != "overall" || rs.NewValue != `"basic"` || rs.UserName != "chief" {
			t.Fatalf("resolve audit row: %+v", rs)
		}
	})

	t.Run("a pending form is not counted", func(t *testing.T) {
		enter("3", 1, "clerk1", a2)
		paperCheckCounts(t, d, 2)
		if _, err := d.ResolvePaper(ctx, b.ID, "3", paperAns(t, a2), "chief", 0); models.ErrorCode(err) != models.EConflict {
			t.Fatalf("resolving a form without mismatch: %v, want conflict", err)
		}
		got, err := d.PaperBatch(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Pending != 1 || got.Pass1 != 3 || got.Pass2 != 2 {
			t.Fatalf("batch: %+v", got)
		}
	})

	t.Run("invalid answers are refused naming the field", func(t *testing.T) {
		_, err := d.EnterPaper(ctx, db.PaperEntryInput{BatchID: b.ID, Serial: "", Pass: 1, Answers: paperAns(t, map[string]any{"overall": "nope"}), UserName: "clerk1"})
		e, ok := models.AsError(err)
		if !ok || e.Code != models.EInvalid || e.Fields["serial"] == "" || e.Fields["answers.overall"] == "" {
			t.Fatalf("got %v", err)
		}
	})
}

func TestSingleEntryCountsAtOnce(t *testing.T) {
	ctx := context.Background()
	d, qid := paperDB(t)
	b := db.PaperBatch{Name: "实地调研", QuestionnaireID: qid, Expected: 2}
	if err := d.CreatePaperBatch(ctx, &b); err != nil {
		t.Fatal(err)
	}
	r, err := d.EnterPaper(ctx, db.PaperEntryInput{BatchID: b.ID, Serial: "A7", Pass: 2, Answers: paperAns(t, map[string]any{"overall": "basic", "advice": "公开明细"}), UserName: "clerk1"})
	if err != nil || r.Status != db.PaperCounted || !r.Created {
		t.Fatalf("%+v %v", r, err)
	}
	paperCheckCounts(t, d, 1)
	s, err := d.Summary(ctx, "t1", "x")
	if err != nil {
		t.Fatal(err)
	}
	if s.Opinions.Total != 1 || s.Responses.ByChannel["paper"] != 1 {
		t.Fatalf("summary: %+v", s)
	}
	if _, err := d.EnterPaper(ctx, db.PaperEntryInput{BatchID: b.ID, Serial: "A7", Answers: paperAns(t, map[string]any{"overall": "satisfied"}), UserName: "clerk1"}); models.ErrorCode(err) != models.EConflict {
		t.Fatalf("same serial again: %v, want conflict", err)
	}
	paperCheckCounts(t, d, 1)
	if got := paperAuditActions(t, d, b.ID, "A7"); !reflect.DeepEqual(got, []string{"enter"}) {
		t.Fatalf("audit %v", got)
	}
}

func TestImportAllOrNothing(t *testing.T) {
	ctx := context.Background()
	d, qid := paperDB(t)
	b := db.PaperBatch{Name: "导入", QuestionnaireID: qid, Expected: 3}
	if err := d.CreatePaperBatch(ctx, &b); err != nil {
		t.Fatal(err)
	}
	rows := []db.PaperImportRow{
		{Row: 2, Serial: "1", Answers: paperAns(t, map[string]any{"overall": "satisfied", "amount": 10})},
		{Row: 3, Serial: "2", Answers: paperAns(t, map[string]any{"overall": "basic", "pri": []string{"edu"}})},
		{Row: 4, Serial: "3", Answers: paperAns(t, map[string]any{"amount": 5000})},     // missing required, out of range
		{Row: 5, Serial: "1", Answers: paperAns(t, map[string]any{"overall": "basic"})}, // repeats row 2
	}
	_, err := d.ImportPaper(ctx, b.ID, rows, "clerk1", 0)
	e, ok := models.AsError(err)
	if !ok || e.Code != models.EInvalid {
		t.Fatalf("got %v", err)
	}
	for _, f := range []string{"[4].answers.overall", "[4].answers.amount", "[5].serial"} {
		if e.Fields[f] == "" {
			t.Errorf("no error for %s in %v", f, e.Fields)
		}
	}
	if len(e.Fields) != 3 {
		t.Errorf("fields %v", e.Fields)
	}
	paperCheckCounts(t, d, 0)
	if forms, err := d.PaperForms(ctx, b.ID); err != nil || len(forms) != 0 {
		t.Fatalf("stored forms of a refused file: %v (%v)", forms, err)
	}

	n, err := d.ImportPaper(ctx, b.ID, rows[:2], "clerk1", 0)
	if err != nil || n != 2 {
		t.Fatalf("%d %v", n, err)
	}
	paperCheckCounts(t, d, 2)
	// A second file repeating a serial already stored is refused whole.
	_, err = d.ImportPaper(ctx, b.ID, []db.PaperImportRow{
		{Row: 2, Serial: "9", Answers: paperAns(t, map[string]any{"overall": "basic"})},
		{Row: 3, Serial: "2", Answers: paperAns(t, map[string]any{"overall": "basic"})},
	}, "clerk1", 0)
	if e, ok := models.AsError(err); !ok || e.Fields["[3].serial"] == "" {
		t.Fatalf("got %v", err)
	}
	paperCheckCounts(t, d, 2)
	if got := paperAuditActions(t, d, b.ID, ""); !reflect.DeepEqual(got, []string{"import", "import"}) {
		t.Fatalf("audit %v", got)
	}

	de := db.PaperBatch{Name: "双人", QuestionnaireID: qid, Expected: 3, DoubleEntry: true}
	if err := d.CreatePaperBatch(ctx, &de); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ImportPaper(ctx, de.ID, rows[:1], "clerk1", 0); models.ErrorCode(err) != models.EConflict {
		t.Fatalf("import into a double entry batch: %v", err)
	}
}

func TestSubmitResponsesAllOrNothing(t *testing.T) {
	ctx := context.Background()
	d, qid := paperDB(t)
	ok := db.Submission{ID: uuid.NewString(), Respondent: models.Respondent{Kind: "public"}, Channel: "online", Answers: paperAns(t, map[string]any{"overall": "basic"})}
	bad := db.Submission{Respondent: models.Respondent{Kind: "public"}, Channel: "online", Answers: paperAns(t, map[string]any{})}
	if _, err := d.SubmitResponses(ctx, qid, []db.Submission{ok, bad}); models.ErrorCode(err) != models.EInvalid {
		t.Fatalf("got %v", err)
	}
	paperCheckCounts(t, d, 0)
	ids, err := d.SubmitResponses(ctx, qid, []db.Submission{ok})
	if err != nil || len(ids) != 1 || ids[0] != ok.ID {
		t.Fatalf("%v %v", ids, err)
	}
	// The same id again with the same content is counted once, as SubmitResponse does.
	if _, created, err := d.SubmitResponse(ctx, qid, ok); err != nil || created {
		t.Fatalf("%v %v", created, err)
	}
	paperCheckCounts(t, d, 1)
}

func TestEvalCodes(t *testing.T) {
	ctx := context.Background()
	d, qid := paperDB(t)
	setID := uuid.NewString()
	codes, err := d.IssueEvalCodes(ctx, db.EvalCodeSet{ID: setID, QuestionnaireID: qid, Name: "测评"}, 3)
	if err != nil || len(codes) != 3 {
		t.Fatalf("%v %v", codes, err)
	}
	if _, err := d.IssueEvalCodes(ctx, db.EvalCodeSet{ID: setID, QuestionnaireID: qid, Name: "测评"}, 3); models.ErrorCode(err) != models.EConflict {
		t.Fatalf("same set twice: %v", err)
	}
	var n, plain int
	if err := testutil.RawOf(t, d).QueryRow(`SELECT count(*), coalesce(sum(hash=? OR CAST(hash AS TEXT) IN (?,?)),0) FROM eval_codes WHERE set_id=?`,
		[]byte(codes[0]), codes[0], db.FormatEvalCode(codes[0]), setID).Scan(&n, &plain); err != nil {
		t.Fatal(err)
	}
	if n != 3 || plain != 0 {
		t.Fatalf("%d codes stored, %d of them in plain text; want 3 and none", n, plain)
	}
	ans := paperAns(t, map[string]any{"overall": "unsatisfied"})
	rid := uuid.NewString()
	typed := " " + db.FormatEvalCode(codes[0]) + " "
	if _, err := d.EvalCode(ctx, typed); err != nil {
		t.Fatal(err)
	}
	if _, created, err := d.SubmitWithEvalCode(ctx, typed, rid, 0, ans); err != nil || !created {
		t.Fatalf("%v %v", created, err)
	}
	paperCheckCounts(t, d, 1)
	// A double tap sends the same response again: counted once, not an error.
	if _, created, err := d.SubmitWithEvalCode(ctx, codes[0], rid, 0, ans); err != nil || created {
		t.Fatalf("double tap: %v %v", created, err)
	}
	if _, _, err := d.SubmitWithEvalCode(ctx, codes[0], uuid.NewString(), 0, ans); models.ErrorCode(err) != models.EConflict {
		t.Fatalf("second use: %v", err)
	}
	if _, err := d.EvalCode(ctx, codes[0]); models.ErrorCode(err) != models.EConflict {
		t.Fatalf("used code: %v", err)
	}
	if _, _, err := d.SubmitWithEvalCode(ctx, "ABCDE-FGHJK", uuid.NewString(), 0, ans); models.ErrorCode(err) != models.ENotFound {
		t.Fatalf("unknown code: %v", err)
	}
	paperCheckCounts(t, d, 1)
	var dep, by, serial any
	if err := testutil.RawOf(t, d).QueryRow(`SELECT deputy_id, submitted_by, serial FROM responses WHERE id=?`, rid).Scan(&dep, &by, &serial); err != nil {
		t.Fatal(err)
	}
	if dep != nil || by != nil || serial != "" {
		t.Fatalf("the response keeps something of the person: %v %v %v", dep, by, serial)
	}
	sets, err := d.EvalCodeSets(ctx, qid)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1 || sets[0].Used != 1 || sets[0].Issued != 3 {
		t.Fatalf("%+v", sets)
	}
}
