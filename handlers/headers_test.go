package handlers_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
	"budgetpoint/syncproto"
)

// headerCase is one request and the status it must get; every answer under
// /api must carry nosniff and no-store, whatever the outcome.
type headerCase struct {
	name, method, path, token string
	body                      any
	edit                      func(*http.Request) // after the token is set
	want                      int
}

func checkAPIHeaders(t *testing.T, base string, cases []headerCase) {
	t.Helper()
	for _, c := range cases {
		res, err := testutil.RequestWith(base, c.method, c.path, c.body, func(r *http.Request) {
			if c.token != "" {
				r.Header.Set("Authorization", "Bearer "+c.token)
			}
			if c.edit != nil {
				c.edit(r)
			}
		})
		if err != nil {
			t.Fatalf("%s: %s %s: %v", c.name, c.method, c.path, err)
		}
		if res.Status != c.want {
			t.Errorf("%s: %s %s: status %d, want %d: %s", c.name, c.method, c.path, res.Status, c.want, testutil.Trunc(res.Body))
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: %s %s (%d): X-Content-Type-Options %q, want nosniff", c.name, c.method, c.path, res.Status, got)
		}
		if got := res.Header.Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
			t.Errorf("%s: %s %s (%d): Cache-Control %q, want no-store alone", c.name, c.method, c.path, res.Status, got)
		}
	}
}

// chunked sends body with no length known, so that the limit is met while
// reading (the handler's 413), not from Content-Length (limitBody's).
func chunked(body string) func(*http.Request) {
	return func(r *http.Request) {
		r.Body = io.NopCloser(io.MultiReader(strings.NewReader(body)))
		r.ContentLength = -1
	}
}

func TestAPIHeadersAtAPoint(t *testing.T) {
	e := testutil.New(t, func(r *gin.Engine, s *handlers.Server) {
		// A page of its own headers, as web/site.go's assets: left alone.
		r.GET("/page", func(c *gin.Context) {
			c.Header("Cache-Control", "public, max-age=60")
			c.String(200, "a page")
		})
	})
	_, staff := e.User(t, "staff1", "staff", "")
	_, admin := e.User(t, "admin1", "admin", "")
	big := `{"id":"t-big","title":"` + strings.Repeat("x", 2<<20) + `"}`
	checkAPIHeaders(t, e.URL, []headerCase{
		{name: "health", method: "GET", path: "/api/v1/health", want: 200},
		{name: "created", method: "POST", path: "/api/v1/topics", token: staff, body: testutil.Topic("t1"), want: 201},
		{name: "list", method: "GET", path: "/api/v1/topics", token: staff, want: 200},
		{name: "one", method: "GET", path: "/api/v1/topics/t1", token: staff, want: 200},
		{name: "summary", method: "GET", path: "/api/v1/topics/t1/summary", token: staff, want: 200},
		{name: "users (admin)", method: "GET", path: "/api/v1/users", token: admin, want: 200},
		{name: "sync status (the syncer's route)", method: "GET", path: "/api/v1/sync/status", token: staff, want: 200},
		{name: "sign-in refused", method: "POST", path: "/api/v1/login", body: map[string]string{"name": "staff1", "password": "wrong-password"}, want: 401},
		{name: "no login", method: "GET", path: "/api/v1/topics", want: 401},
		{name: "bad token", method: "GET", path: "/api/v1/me", token: "not-a-token", want: 401},
		{name: "role may not", method: "GET", path: "/api/v1/users", token: staff, want: 403},
		{name: "not JSON", method: "POST", path: "/api/v1/topics", token: staff, body: "{not json", want: 400},
		{name: "invalid", method: "POST", path: "/api/v1/topics", token: staff, body: map[string]any{"id": "t2"}, want: 422},
		{name: "conflict", method: "POST", path: "/api/v1/topics", token: staff, body: map[string]any{"id": "t1", "kind": "other", "fiscal_year": 2027, "title": "另一个"}, want: 409},
		{name: "no such record", method: "GET", path: "/api/v1/topics/nope", token: staff, want: 404},
		{name: "no such route", method: "GET", path: "/api/v1/nothing-here", want: 404},
		{name: "no such route, /api alone", method: "GET", path: "/api", want: 404},
		{name: "no such public link", method: "GET", path: "/api/v1/public/no-such-token", want: 404},
		{name: "method not allowed", method: "DELETE", path: "/api/v1/health", want: 405},
		{name: "too large by Content-Length", method: "POST", path: "/api/v1/topics", token: staff, body: big, want: 413},
		{name: "too large while read", method: "POST", path: "/api/v1/topics", token: staff, body: big, edit: chunked(big), want: 413},
	})

	res, err := testutil.Request(e.URL, "GET", "/page", "", nil)
	if err != nil || res.Status != 200 {
		t.Fatalf("page: %v %v", err, res)
	}
	if got := res.Header.Values("Cache-Control"); len(got) != 1 || got[0] != "public, max-age=60" {
		t.Errorf("a page's Cache-Control changed: %q", got)
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "" {
		t.Errorf("a page got X-Content-Type-Options %q from the API's middleware", got)
	}
}

func TestAPIHeadersAtTheHub(t *testing.T) {
	e := testutil.NewHub(t)
	committee := e.User(t, "committee1", "committee")
	admin := e.User(t, "admin1", "admin")
	signed := func(point, secret string, body []byte) func(*http.Request) {
		return func(r *http.Request) { syncproto.SignRequest(r, point, secret, body, time.Now()) }
	}
	batch := []byte(`{"batch_id":"0b9e6c1e-8f0c-4d7e-9a43-3f1f7c2b5a10","point_id":"hongta","summaries":[],"activities":[],"opinions":[]}`)
	hugeBatch := bytes.Repeat([]byte(" "), syncproto.MaxBatchBytes+1)
	big := `{"id":"t-big","title":"` + strings.Repeat("x", 2<<20) + `"}`
	checkAPIHeaders(t, e.URL, []headerCase{
		{name: "health", method: "GET", path: "/api/v1/health", want: 200},
		{name: "me", method: "GET", path: "/api/v1/me", token: committee, want: 200},
		{name: "users (admin)", method: "GET", path: "/api/v1/users", token: admin, want: 200},
		{name: "points", method: "GET", path: "/api/v1/committee/points", token: committee, want: 200},
		{name: "publish", method: "POST", path: "/api/v1/committee/topics", token: committee, body: testutil.Topic("t1"), want: 201},
		{name: "summary", method: "GET", path: "/api/v1/committee/topics/t1/summary", token: committee, want: 200},
		{name: "workbook", method: "GET", path: "/api/v1/committee/topics/t1/export.xlsx", token: committee, want: 200},
		{name: "opinions", method: "GET", path: "/api/v1/committee/opinions", token: committee, want: 200},
		{name: "activities", method: "GET", path: "/api/v1/committee/activities", token: committee, want: 200},
		{name: "committee without login", method: "GET", path: "/api/v1/committee/points", want: 401},
		{name: "bad limit", method: "GET", path: "/api/v1/committee/opinions?limit=0", token: committee, want: 400},
		{name: "publish invalid", method: "POST", path: "/api/v1/committee/topics", token: committee, body: map[string]any{"id": "t2"}, want: 422},
		{name: "no such topic", method: "GET", path: "/api/v1/committee/topics/nope/summary", token: committee, want: 404},
		{name: "no point routes at the hub", method: "GET", path: "/api/v1/topics", token: committee, want: 404},
		{name: "committee method not allowed", method: "DELETE", path: "/api/v1/committee/points", token: committee, want: 405},
		{name: "committee too large", method: "POST", path: "/api/v1/committee/topics", token: committee, body: big, want: 413},
		{name: "batch signed", method: "POST", path: syncproto.PathBatches, body: batch, edit: signed("hongta", testutil.SecretOf("hongta"), batch), want: 200},
		{name: "batch unsigned", method: "POST", path: syncproto.PathBatches, body: batch, want: 401},
		{name: "batch wrongly signed", method: "POST", path: syncproto.PathBatches, body: batch, edit: signed("hongta", testutil.SecretOf("tonghai"), batch), want: 401},
		{name: "batch too large", method: "POST", path: syncproto.PathBatches, body: hugeBatch, want: 413},
		{name: "batch method not allowed", method: "PUT", path: syncproto.PathBatches, body: batch, want: 405},
		{name: "updates signed", method: "GET", path: syncproto.PathUpdates + "?since=0", edit: signed("hongta", testutil.SecretOf("hongta"), nil), want: 200},
		{name: "updates unsigned", method: "GET", path: syncproto.PathUpdates + "?since=0", want: 401},
	})
}

// TestAttachment: a download's name is sent in UTF-8 (filename*) with an
// ASCII stand-in (filename).
func TestAttachment(t *testing.T) {
	r := gin.New()
	r.GET("/f", func(c *gin.Context) { handlers.Attachment(c, `纸质问卷导入模板-"A".xlsx`) })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/f", nil))
	got := w.Header().Get("Content-Disposition")
	want := `attachment; filename="________-_A_.xlsx"; filename*=UTF-8''%E7%BA%B8%E8%B4%A8%E9%97%AE%E5%8D%B7%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF-%22A%22.xlsx`
	if got != want {
		t.Errorf("Content-Disposition %q\nwant %q", got, want)
	}
}
