package db_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/mattn/go-sqlite3"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

func TestWrap(t *testing.T) {
	if db.Wrap("op", nil) != nil {
		t.Fatal("Wrap of nil is not nil")
	}
	// A driver error gets the operation once, and stays recognisable.
	err := db.Wrap("outer", db.Wrap("read topic t1", fmt.Errorf("seq: %w", sql.ErrNoRows)))
	if got := err.Error(); got != "read topic t1: seq: "+sql.ErrNoRows.Error() {
		t.Errorf("wrapped twice: %q", got)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("sql.ErrNoRows lost: %v", err)
	}
	if _, ok := models.AsError(err); ok {
		t.Errorf("a driver error became an application error: %v", err)
	}
	// An application error passes as it is (the same error).
	app := models.NotFound("事项", "topic")
	if got := db.Wrap("read topic t1", app); got != app {
		t.Errorf("application error changed: %v", got)
	}
	// A full or failing disk is unavailable, with the operation on its cause.
	for _, code := range []sqlite3.ErrNo{sqlite3.ErrFull, sqlite3.ErrIoErr} {
		err := db.Wrap("create topic t1", fmt.Errorf("insert: %w", sqlite3.Error{Code: code}))
		e, ok := models.AsError(err)
		if !ok || e.Code != models.EUnavailable || !strings.Contains(e.Message, "durable") {
			t.Fatalf("%v: %v, want unavailable", code, err)
		}
		if !strings.HasPrefix(e.Err.Error(), "create topic t1: insert: ") {
			t.Errorf("%v: cause %q does not name the operation", code, e.Err)
		}
		var se sqlite3.Error
		if !errors.As(err, &se) || se.Code != code {
			t.Errorf("%v: the driver error is not seen through: %v", code, err)
		}
		// A caller's Wrap leaves an operation already named.
		if again := db.Wrap("other", err); again.Error() != err.Error() {
			t.Errorf("%v: wrapped twice: %v", code, again)
		}
		// Translated once by Write, named by the caller: the cause gets the operation.
		late := db.Wrap("create topic t2", &models.Error{Code: models.EUnavailable, Message: "x", Err: fmt.Errorf("commit: %w", sqlite3.Error{Code: code})})
		if e, _ := models.AsError(late); e == nil || !strings.HasPrefix(e.Err.Error(), "create topic t2: commit: ") {
			t.Errorf("%v: translated error not named: %v", code, late)
		}
	}
	// Other driver errors stay internal.
	if _, ok := models.AsError(db.Wrap("op", sqlite3.Error{Code: sqlite3.ErrConstraint})); ok {
		t.Error("a constraint violation the code does not expect became an application error")
	}
}

// A store method that fails on the database names itself and its key.
func TestErrorsNameTheOperation(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := context.Background()
	raw := rawWriter(t, d)
	if _, err := raw.Exec(`DROP TABLE deputies`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Deputy(ctx, "d-liming"); err == nil || !strings.HasPrefix(err.Error(), "deputy d-liming: ") || !strings.Contains(err.Error(), "no such table") {
		t.Errorf("Deputy: %v", err)
	}
	err := d.CreateDeputy(ctx, &models.Deputy{ID: "d-wang", Name: "王", Level: "county"})
	if err == nil || !strings.HasPrefix(err.Error(), "create deputy d-wang: ") {
		t.Errorf("CreateDeputy: %v", err)
	}
	if _, ok := models.AsError(err); ok {
		t.Errorf("CreateDeputy: a missing table is an application error: %v", err)
	}
	// Still a conflict where the code expects a constraint violation.
	if err := d.CreateTopic(ctx, &models.Topic{ID: "t1", Kind: "budget_draft", FiscalYear: 2027, Title: "预算"}); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateTopic(ctx, &models.Topic{ID: "t1", Kind: "budget_draft", FiscalYear: 2027, Title: "预算"}); models.ErrorCode(err) != models.EConflict {
		t.Errorf("the same topic id again: %v, want conflict", err)
	}
	// A missing row is still not_found through the wrapping.
	if _, err := d.Topic(ctx, "t-none"); models.ErrorCode(err) != models.ENotFound {
		t.Errorf("Topic: %v, want not_found", err)
	}
	v, err := d.Setting(ctx, "nothing", "def")
	if err != nil || v != "def" {
		t.Errorf("Setting of an unset key: %q, %v", v, err)
	}
	if _, err := raw.Exec(`DROP TABLE settings`); err != nil {
		t.Fatal(err)
	}
	if v, err := d.Setting(ctx, "point_name", "def"); err == nil || !strings.HasPrefix(err.Error(), "setting point_name: ") {
		t.Errorf("Setting without its table: %q, %v, want the error", v, err)
	}
}

// The database refusing to grow (SQLITE_FULL) is unavailable, not internal,
// through Write and the method's wrapping; nothing is stored.
func TestFullDiskUnavailable(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := context.Background()
	fillUp(t, d)
	err := d.CreateTopic(ctx, &models.Topic{ID: "t-big", Kind: "budget_draft", FiscalYear: 2027, Title: "预算", Summary: strings.Repeat("说明", 40000)})
	e, ok := models.AsError(err)
	if !ok || e.Code != models.EUnavailable {
		t.Fatalf("CreateTopic on a full database: %v, want unavailable", err)
	}
	if !strings.Contains(err.Error(), "create topic t-big") || !strings.Contains(err.Error(), "full") {
		t.Errorf("the cause does not name the operation and the driver error: %v", err)
	}
	unfill(t, d)
	if _, err := d.Topic(ctx, "t-big"); models.ErrorCode(err) != models.ENotFound {
		t.Errorf("a failed write left something behind: %v", err)
	}
	// The writer goes on.
	if err := d.CreateTopic(ctx, &models.Topic{ID: "t-small", Kind: "budget_draft", FiscalYear: 2027, Title: "预算"}); err != nil {
		t.Fatalf("after the disk has room again: %v", err)
	}
}

// A stored response that cannot be read fails the recount, naming it,
// instead of being counted as answered with nothing.
func TestRecountSeesCorruptRow(t *testing.T) {
	d := testutil.OpenDB(t)
	ctx := context.Background()
	if err := d.CreateTopic(ctx, &models.Topic{ID: "t1", Kind: "budget_draft", FiscalYear: 2027, Title: "预算"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.SaveQuestionnaire(ctx, testutil.Definition("q1", "t1"), models.OriginLocal); err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	body := testutil.Response(id, 1)
	answers := map[string]json.RawMessage{}
	for k, v := range body["answers"].(map[string]any) {
		b, _ := json.Marshal(v)
		answers[k] = b
	}
	if _, _, err := d.SubmitResponse(ctx, "q1", db.Submission{ID: id, Respondent: models.Respondent{Kind: "public"}, Channel: "online", Answers: answers}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Recount(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	raw := rawWriter(t, d)
	for _, bad := range []string{`{"overall": 7}`, `{"overall": "basic"`} {
		if _, err := raw.Exec(`UPDATE responses SET answers=? WHERE id=?`, bad, id); err != nil {
			t.Fatal(err)
		}
		_, err := d.Recount(ctx, "t1")
		if err == nil || !strings.HasPrefix(err.Error(), "recount topic t1: response "+id) {
			t.Errorf("recount with answers %s: %v, want an error naming the response", bad, err)
		}
		if _, _, err := d.ChannelSummary(ctx, "t1"); err == nil || !strings.Contains(err.Error(), "response "+id) {
			t.Errorf("channel summary with answers %s: %v, want an error naming the response", bad, err)
		}
	}
}

// rawWriter opens the database file of d read-write beside it (to break it).
func rawWriter(t *testing.T, d *db.DB) *sql.DB {
	t.Helper()
	c, err := sql.Open("sqlite3", db.DSN(d.Path, ""))
	if err != nil {
		t.Fatal(err)
	}
	c.SetMaxOpenConns(1)
	t.Cleanup(func() { c.Close() })
	return c
}

// fillUp stops the writer's connection from growing the file: the next write
// that needs a new page fails with SQLITE_FULL, as on a full disk.
func fillUp(t *testing.T, d *db.DB) {
	t.Helper()
	if err := d.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`PRAGMA max_page_count = 1`) // at least the current size
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func unfill(t *testing.T, d *db.DB) {
	t.Helper()
	if err := d.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`PRAGMA max_page_count = 1073741823`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
