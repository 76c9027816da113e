// Package testutil holds what budgetpoint's tests share: a real server on a
// temporary data directory, users and tokens, HTTP helpers, sample
// questionnaires and the counters == recount check. Importing it lowers the
// bcrypt cost so that tests stay fast.
package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/models"
	"budgetpoint/syncer"
)

func init() { db.BcryptCost = bcrypt.MinCost }

// Buffer is a bytes.Buffer safe for concurrent use (log output, stdout of run).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// OpenDB opens a fresh point database in a temporary directory, closed at the end of the test.
func OpenDB(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(DataDir(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// DataDir is a new temporary data directory, 0700 as the server makes one
// (t.TempDir's are 0755, which the server warns about).
func DataDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Dir is the data directory of a database opened in a temporary directory.
func Dir(d *db.DB) string { return filepath.Dir(d.Path) }

// Env is a real contact point server over HTTP on a temporary data directory.
type Env struct {
	DB *db.DB
	S  *handlers.Server
	// Router is the router served, every route on it.
	Router *gin.Engine
	HTTP   *Server
	URL    string
	Logs   *Buffer
}

// New starts a contact point's API server (point hongta) with its sync
// routes: the syncer is set up for a hub at a loopback port where nothing
// listens (a round fails at once, as with the link down), and never runs by
// itself. extra adds more routes after the API's.
func New(t testing.TB, extra ...func(r *gin.Engine, s *handlers.Server)) *Env {
	t.Helper()
	d := OpenDB(t)
	logs := &Buffer{}
	s := handlers.NewServer(d, handlers.Config{PointID: "hongta", Log: slog.New(slog.NewTextHandler(logs, nil))})
	sy := syncer.New(d, syncer.Config{Hub: "http://127.0.0.1:9", Secret: "test-secret-not-listening", PointID: "hongta",
		Interval: time.Minute, Log: slog.New(slog.NewTextHandler(logs, nil))})
	r := s.Router(handlers.APIs{Sync: sy.NewAPI(s)})
	for _, f := range extra {
		f(r, s)
	}
	e := &Env{DB: d, S: s, Router: r, Logs: logs}
	e.HTTP = Serve(t, r)
	e.URL = e.HTTP.URL
	return e
}

// User creates a login and returns it with a new API token.
func (e *Env) User(t testing.TB, name, role, deputyID string) (models.User, string) {
	t.Helper()
	return MakeUser(t, e.DB, name, role, deputyID)
}

// Password is the password MakeUser gives the login name: the same for the
// same name, different for another, and passing the password rule
// (models.CheckPassword) whatever the name.
func Password(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	for n := h.Sum32(); ; n++ {
		if pw := fmt.Sprintf("Tq#%010d", n); models.CheckPassword(name, pw) == nil {
			return pw
		}
	}
}

// WeakPasswords are passwords the rule refuses for the login name, one of
// each kind: too short (11111111, aaaaaaaa, password, Password1, the name),
// one class only (abcdefghij), common though long and mixed (Password123,
// Woaini@1314) and containing the name.
func WeakPasswords(name string) []string {
	return []string{"11111111", "aaaaaaaa", "password", name, "Password1", "abcdefghij", "Password123", "Woaini@1314",
		"My-" + strings.ToUpper(name) + "-2026"}
}

// MakeUser creates a login in d, with the password Password(name), and
// returns it with a new API token.
func MakeUser(t testing.TB, d *db.DB, name, role, deputyID string) (models.User, string) {
	t.Helper()
	ctx := context.Background()
	u, err := d.CreateUser(ctx, name, role, Password(name), deputyID)
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	tok, _, _, err := d.CreateToken(ctx, u.ID, db.TokenAPI)
	if err != nil {
		t.Fatal(err)
	}
	return u, tok
}

// Resp is an HTTP answer, read whole.
type Resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrBody is the contract's error body.
type ErrBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r *Resp) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("status %d: body is not the expected JSON (%v): %s", r.Status, err, Trunc(r.Body))
	}
}

// Err decodes an error body and checks its shape: a code and a message in
// Chinese with English after " / ".
func (r *Resp) Err(t testing.TB) ErrBody {
	t.Helper()
	var e ErrBody
	r.JSON(t, &e)
	if e.Error.Code == "" || !strings.Contains(e.Error.Message, " / ") {
		t.Fatalf("status %d: error body not in the contract's shape: %s", r.Status, Trunc(r.Body))
	}
	return e
}

// Trunc shortens a body for a failure message.
func Trunc(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// Client is the HTTP client the helpers use: enough idle connections for many clients.
var Client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}

// Do sends a request to the env's server. body may be nil, a string or
// []byte (sent as is), or anything else (sent as JSON).
func (e *Env) Do(t testing.TB, method, path, token string, body any) *Resp {
	t.Helper()
	r, err := Request(e.URL, method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// Request sends a request to base+path with a bearer token (when not empty).
func Request(base, method, path, token string, body any) (*Resp, error) {
	return RequestWith(base, method, path, body, func(r *http.Request) {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	})
}

// RequestWith sends a request after letting edit change it (headers).
func RequestWith(base, method, path string, body any, edit func(*http.Request)) (*Resp, error) {
	return RequestWithClient(Client, base, method, path, body, edit)
}

// RequestWithClient sends a request with the given client (for cookies).
func RequestWithClient(c *http.Client, base, method, path string, body any, edit func(*http.Request)) (*Resp, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if edit != nil {
		edit(req)
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &Resp{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// Want fails the test unless the answer has the status.
func (r *Resp) Want(t testing.TB, status int, what string) *Resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, Trunc(r.Body))
	}
	return r
}

func f(v float64) *float64 { return &v }

// Definition returns a questionnaire like the contract's example, with every question type.
func Definition(id, topicID string) models.Definition {
	return models.Definition{ID: id, TopicID: topicID, Title: "2027年玉溪市市级预算草案征求意见问卷",
		Questions: []models.Question{
			{Key: "overall", Type: models.SingleChoice, Label: "您对预算草案的总体评价", Required: true,
				Options: []models.Option{{Value: "satisfied", Label: "满意"}, {Value: "basic", Label: "基本满意"}, {Value: "unsatisfied", Label: "不满意"}}},
			{Key: "priorities", Type: models.MultipleChoice, Label: "您认为应优先保障的支出", MaxChoices: 3,
				Options: []models.Option{{Value: "education", Label: "教育"}, {Value: "health", Label: "医疗卫生"},
					{Value: "social_security", Label: "社会保障"}, {Value: "transport", Label: "交通运输"}}},
			{Key: "transparency", Type: models.Rating, Label: "预算公开透明程度", Min: f(1), Max: f(5)},
			{Key: "amount", Type: models.Number, Label: "建议增加的投入（万元）", Min: f(0), Max: f(100000)},
			{Key: "advice", Type: models.Text, Label: "其他意见建议", MaxLength: 200, Opinion: true},
		}}
}

// Topic is a valid topic request body.
func Topic(id string) map[string]any {
	return map[string]any{"id": id, "kind": "budget_draft", "fiscal_year": 2027, "title": "2027年市级预算草案 " + id}
}

// Response is a valid response body for Definition.
func Response(id string, i int) map[string]any {
	opts := []string{"satisfied", "basic", "unsatisfied"}
	pr := [][]string{{"education"}, {"health", "transport"}, {"education", "health", "social_security"}, {}}
	kinds := []string{"deputy", "public", "other"}
	m := map[string]any{"id": id, "respondent": map[string]any{"kind": kinds[i%3]}, "channel": []string{"online", "paper"}[i%2],
		"answers": map[string]any{"overall": opts[i%3], "priorities": pr[i%4], "transparency": 1 + i%5, "amount": float64(i%1000) + 0.25*float64(i%4)}}
	if i%3 == 0 {
		m["answers"].(map[string]any)["advice"] = fmt.Sprintf("建议加大对乡村道路硬化的投入 %d", i)
	}
	return m
}

// CheckCounters fails the test unless the kept counters of each topic equal
// a recount from the source rows, and the summary equals the recount's summary.
func CheckCounters(t testing.TB, d *db.DB, topics ...string) {
	t.Helper()
	ctx := context.Background()
	for _, topic := range topics {
		stored, err := d.StoredCounters(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		re, err := d.Recount(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stored, re) {
			t.Fatalf("topic %s: counters differ from the recount:\n%s", topic, DiffCounters(stored, re))
		}
		s1, err := d.Summary(ctx, topic, "hongta")
		if err != nil {
			t.Fatal(err)
		}
		s2, err := d.RecountSummary(ctx, topic, "hongta")
		if err != nil {
			t.Fatal(err)
		}
		for _, qn := range s1.Questionnaires {
			for _, q := range qn.Questions {
				if q.Asked != nil && *q.Asked < q.Answered {
					t.Fatalf("topic %s: %s/%s answered %d times, but asked only %d", topic, qn.ID, q.Key, q.Answered, *q.Asked)
				}
			}
		}
		s1.AsOf, s2.AsOf = time.Time{}, time.Time{}
		if !reflect.DeepEqual(s1, s2) {
			a, _ := json.Marshal(s1)
			b, _ := json.Marshal(s2)
			t.Fatalf("topic %s: summary differs from the recount's:\n%s\n%s", topic, a, b)
		}
	}
}

// DiffCounters lists the keys where two counter sets differ.
func DiffCounters(a, b models.Counters) string {
	var out []string
	for k, n := range a {
		if m, ok := b[k]; !ok || m != n {
			out = append(out, fmt.Sprintf("%v: kept %d, recount %d (present %v)", k, n, m, ok))
		}
	}
	for k, m := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%v: kept none, recount %d", k, m))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// Snapshot counts what is stored, to show that a refused request stored nothing.
func Snapshot(t testing.TB, d *db.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	raw := RawDB(t, Dir(d))
	for name, q := range map[string]string{
		"responses": `SELECT count(*) FROM responses`, "opinions": `SELECT count(*) FROM opinions`,
		"activities": `SELECT count(*) FROM activities`, "topics": `SELECT count(*) FROM topics`,
		"questionnaire_versions": `SELECT count(*) FROM questionnaire_versions`, "deputies": `SELECT count(*) FROM deputies`,
		"users": `SELECT count(*) FROM users`, "counters": `SELECT coalesce(sum(n),0) FROM counters`,
		"seq": `SELECT coalesce(sum(seq),0) FROM topics`, "outbox": `SELECT coalesce(sum(version),0) FROM outbox`,
	} {
		var n int64
		if err := raw.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[name] = n
	}
	return out
}

// SameSnapshot fails unless nothing changed since before.
func SameSnapshot(t testing.TB, d *db.DB, before map[string]int64, what string) {
	t.Helper()
	after := Snapshot(t, d)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("%s stored something: before %v, after %v", what, before, after)
	}
}

// WaitWALEmpty waits until the database of data directory dir has an empty
// WAL (its checkpointer empties it once the writes stop), failing after
// within.
func WaitWALEmpty(t testing.TB, dir string, within time.Duration) {
	t.Helper()
	wal := filepath.Join(dir, db.FileName+"-wal")
	for deadline := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		if st, err := os.Stat(wal); err == nil && st.Size() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the WAL is not emptied within %s of the last write", dir, within)
		}
	}
}
