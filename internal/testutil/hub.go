package testutil

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/hub"
)

// HubPoints are the points of every test hub: three of the six, with
// secrets; yimen has no English name.
var HubPoints = []hub.Point{
	{ID: "hongta", Name: "红塔区人大常委会", NameEN: "Hongta District People's Congress Standing Committee", Secret: "secret-hongta-0123456789"},
	{ID: "tonghai", Name: "通海县人大常委会", NameEN: "Tonghai County People's Congress Standing Committee", Secret: "secret-tonghai-0123456789"},
	{ID: "yimen", Name: "易门县人大常委会", Secret: "secret-yimen-0123456789"},
}

// SecretOf is a test point's secret (a wrong one for an unknown point).
func SecretOf(id string) string {
	for _, p := range HubPoints {
		if p.ID == id {
			return p.Secret
		}
	}
	return "no-such-secret-0000"
}

// HubEnv is a real hub over HTTP: its database on a temporary SQLite file,
// the hub's service, the real router with the accounts API, the points' sync
// and the committee API.
type HubEnv struct {
	DB   *db.DB
	Hub  *hub.Hub
	S    *handlers.Server
	HTTP *Server
	URL  string
	Logs *Buffer
	Dir  string
}

// NewHub starts a hub serving HubPoints. extra adds more routes (the
// committee's pages) after the hub's own.
func NewHub(t testing.TB, extra ...func(r *gin.Engine, s *handlers.Server, h *hub.Hub)) *HubEnv {
	t.Helper()
	dir := DataDir(t)
	d := openHubDB(t, dir)
	logs := &Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	h := hub.New(hub.NewStore(d, log), append([]hub.Point(nil), HubPoints...), log)
	s := handlers.NewServer(d, handlers.Config{PointID: "hub", Hub: true, Log: log, BodyLimits: hub.BodyLimits(), UnitExists: h.Store.UnitExists})
	r := s.Router(handlers.APIs{Hub: hub.NewAPI(h, s)})
	for _, f := range extra {
		f(r, s, h)
	}
	e := &HubEnv{DB: d, Hub: h, S: s, Logs: logs, Dir: dir}
	e.HTTP = Serve(t, r)
	e.URL = e.HTTP.URL
	return e
}

// User creates a login at the hub and returns a bearer token for it.
func (e *HubEnv) User(t testing.TB, name, role string) string {
	t.Helper()
	_, tok := MakeUser(t, e.DB, name, role, "")
	return tok
}

// RawDB opens the database file in dir read-only beside the server, for a
// test to count rows of any table; closed at the end of the test.
func RawDB(t testing.TB, dir string) *sql.DB {
	t.Helper()
	c, err := sql.Open("sqlite3", db.DSN(filepath.Join(dir, db.FileName), "_query_only=1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Count returns the rows of a table in the database in dir.
func Count(t testing.TB, dir, table string) int {
	t.Helper()
	var n int
	if err := RawDB(t, dir).QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

var rawMu sync.Mutex
var raws = map[string]*sql.DB{}

// RawOf is RawDB for the directory of d, opened once per database and
// test; for a hub on PostgreSQL, a pool of its own on its database (with ?
// placeholders).
func RawOf(t testing.TB, d *db.DB) *sql.DB {
	t.Helper()
	rawMu.Lock()
	defer rawMu.Unlock()
	if c, ok := raws[d.Path]; ok {
		return c
	}
	if d.Postgres() {
		addr, ok := pgAddrs.Load(d)
		if !ok {
			t.Fatal("a PostgreSQL database not opened by testutil")
		}
		c, err := db.PostgresPool(addr.(string))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	c, err := sql.Open("sqlite3", db.DSN(d.Path, "_query_only=1"))
	if err != nil {
		t.Fatal(err)
	}
	raws[d.Path] = c
	path := d.Path
	t.Cleanup(func() {
		rawMu.Lock()
		defer rawMu.Unlock()
		delete(raws, path)
		c.Close()
	})
	return c
}

// ReceivedAt sets when the hub received every batch of a point so far (as
// if they had come at that time), through a connection of its own to the
// database file: the server and its writer run on, untouched, and no clock
// is swapped under them.
func (e *HubEnv) ReceivedAt(t testing.TB, point string, at time.Time) {
	t.Helper()
	var n int64
	err := e.DB.Write(context.Background(), func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE hub_batches SET received_at=? WHERE point_id=?`, db.FormatTime(at), point)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil || n == 0 {
		t.Fatalf("no batch of %s to date back (%v)", point, err)
	}
}

// ResponseIDs is the ids of a questionnaire's responses not voided, in
// the order they were stored.
func ResponseIDs(t testing.TB, raw *sql.DB, qid string) []string {
	t.Helper()
	rows, err := raw.Query(`SELECT id FROM responses WHERE questionnaire_id=? AND voided_at IS NULL ORDER BY rowid`, qid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// CountOf returns the rows of a table of d (either engine).
func CountOf(t testing.TB, d *db.DB, table string) int {
	t.Helper()
	var n int
	QueryRow(t, d, `SELECT count(*) FROM `+table, nil, &n)
	return n
}

// Do sends a request to the hub (see Env.Do).
func (e *HubEnv) Do(t testing.TB, method, path, token string, body any) *Resp {
	t.Helper()
	r, err := Request(e.URL, method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}
