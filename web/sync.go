package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
)

// SyncState is what the dashboard's sync box shows.
type SyncState struct {
	// Available is false while no sync engine answers /api/v1/sync/status
	// (no hub configured, or the sync package not built in).
	Available bool
	// Enabled is false when the point runs without a hub (no --hub).
	Enabled   bool
	LastPush  *time.Time
	LastPull  *time.Time
	Queue     int64
	LastError string
}

// SyncSource reports the sync state; the sync engine may set App.Sync to
// one. Without it, the pages ask the API (/api/v1/sync/status) in-process.
type SyncSource interface {
	SyncStatus(ctx context.Context) (SyncState, error)
}

// syncState asks the configured source, else the API in-process, and falls
// back to counting the outbox so that "waiting to send" is always shown.
func (a *App) syncState(c *gin.Context) SyncState {
	if a.Sync != nil {
		if st, err := a.Sync.SyncStatus(c.Request.Context()); err == nil {
			return st
		}
	}
	st := SyncState{}
	code, body := a.internal(c, http.MethodGet, "/api/v1/sync/status")
	if code == http.StatusOK {
		st = parseSyncStatus(body)
		st.Available = true
	}
	if !st.Available {
		st.Queue, _ = a.S.DB.OutboxLength(c.Request.Context())
	}
	return st
}

// parseSyncStatus reads the sync engine's status answer, accepting the
// likely names of its fields.
func parseSyncStatus(b []byte) SyncState {
	var m map[string]any
	json.Unmarshal(b, &m)
	if inner, ok := m["status"].(map[string]any); ok {
		m = inner
	}
	st := SyncState{Enabled: true}
	if e, ok := m["enabled"].(bool); ok {
		st.Enabled = e
	}
	timeOf := func(keys ...string) *time.Time {
		for _, k := range keys {
			v := m[k]
			if o, ok := v.(map[string]any); ok { // {"last_push": {"at": …}}
				v = o["at"]
			}
			if s, ok := v.(string); ok && s != "" {
				if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
					return &t
				}
			}
		}
		return nil
	}
	st.LastPush = timeOf("last_push", "last_push_at", "last_success", "pushed_at")
	st.LastPull = timeOf("last_pull", "last_pull_at", "pulled_at")
	for _, k := range []string{"queue", "queue_length", "queued", "pending", "outbox"} {
		if f, ok := m[k].(float64); ok {
			st.Queue = int64(f)
			break
		}
	}
	for _, k := range []string{"last_error", "error"} {
		switch v := m[k].(type) {
		case string:
			st.LastError = v
		case map[string]any:
			if s, ok := v["message"].(string); ok {
				st.LastError = s
			}
		}
		if st.LastError != "" {
			break
		}
	}
	return st
}

// internal serves a request to this server's own API in-process, as the
// signed-in person (same cookie, same CSRF token), and returns status and body.
func (a *App) internal(c *gin.Context, method, path string) (int, []byte) {
	if a.engine == nil {
		return http.StatusNotFound, nil
	}
	req := httptest.NewRequest(method, path, strings.NewReader(""))
	req = req.WithContext(c.Request.Context())
	req.RemoteAddr = c.Request.RemoteAddr
	for _, ck := range c.Request.Cookies() {
		req.AddCookie(ck)
	}
	if sess, ok := handlers.SessionOf(c); ok {
		req.Header.Set("X-CSRF-Token", sess.CSRF)
	}
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	a.engine.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// syncStatusJSON answers the sync box's content for the page's script.
func (a *App) syncStatusJSON(c *gin.Context) {
	c.JSON(http.StatusOK, a.syncState(c))
}

// syncRun is "sync now" without JavaScript: it runs the API's sync in-process
// and comes back to the dashboard saying how it went.
func (a *App) syncRun(c *gin.Context) {
	lang := LangOf(c)
	code, body := a.internal(c, http.MethodPost, "/api/v1/sync/run")
	switch {
	case code == http.StatusNotFound:
		a.Redirect(c, "/", "info", Translate(lang, "sync.unavailable"))
	case code >= 200 && code < 300:
		a.Redirect(c, "/", "ok", Translate(lang, "sync.done"))
	default:
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		json.Unmarshal(body, &e)
		msg := Translate(lang, "sync.failed")
		if e.Error.Message != "" {
			msg += "：" + Bilingual(lang, e.Error.Message)
		}
		a.Redirect(c, "/", "error", msg)
	}
}

// Age says how long ago a time was, in plain words.
func Age(lang string, t time.Time, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return Translate(lang, "age.now")
	case d < time.Hour:
		return Translate(lang, "age.minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return Translate(lang, "age.hours", int(d.Hours()))
	default:
		return Translate(lang, "age.days", int(d.Hours()/24))
	}
}
