package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/models"
	"budgetpoint/syncer"
)

// SyncState is what the dashboard's sync box shows.
type SyncState struct {
	// Available is false when the point has no sync engine (pages built
	// without one, as in some tests).
	Available bool
	// Enabled is false when the point runs without a hub (no --hub).
	Enabled   bool
	LastPush  *time.Time
	LastPull  *time.Time
	Queue     int64
	QueueMore bool // Queue is QueueShown, and there are more
	LastError string
	// Rejected: what the hub did not store, and why; not sent again.
	Rejected []db.Rejected
}

// QueueShown is how many queued entries the pages count at most: past it
// they say "10000 or more", and the dashboard takes no longer however long
// the queue of a point that has not reached the hub has grown.
const QueueShown = 10000

// syncState reads the sync engine's status through its type, and falls back
// to counting the outbox so that "waiting to send" is always shown.
func (a *App) syncState(c *gin.Context) SyncState {
	ctx := c.Request.Context()
	if a.Sync != nil {
		st, err := a.Sync.StatusUpTo(ctx, QueueShown)
		if err == nil {
			return SyncState{Available: true, Enabled: st.Enabled, LastPush: st.LastPushAt, LastPull: st.LastPullAt,
				Queue: int64(st.QueueLength), QueueMore: st.QueueLength >= QueueShown, LastError: st.LastError, Rejected: st.Rejected}
		}
		a.S.Log.Warn("sync status", "err", err)
	}
	st := SyncState{}
	n, _, err := a.S.DB.OutboxStatsUpTo(ctx, QueueShown)
	if err != nil {
		a.S.Log.Warn("outbox length", "err", err)
	}
	st.Queue, st.QueueMore = int64(n), n >= QueueShown
	return st
}

// syncStatusJSON answers the sync box's content for the page's script.
func (a *App) syncStatusJSON(c *gin.Context) {
	c.JSON(http.StatusOK, a.syncState(c))
}

// syncRun is "sync now" without JavaScript: it runs a round (as POST
// /api/v1/sync/run does) and comes back to the dashboard saying how it went.
func (a *App) syncRun(c *gin.Context) {
	lang := LangOf(c)
	if a.Sync == nil || !a.Sync.Enabled() {
		a.Redirect(c, "/", "info", Translate(lang, "sync.unavailable"))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), syncer.RunTimeout)
	defer cancel()
	if err := a.Sync.RunOnce(ctx); err != nil {
		msg := Translate(lang, "sync.failed")
		if e, ok := models.AsError(err); ok {
			msg += PunctOf(lang).Colon + Bilingual(lang, e.Message)
		} else {
			msg += PunctOf(lang).Colon + err.Error()
		}
		a.Redirect(c, "/", "error", msg)
		return
	}
	a.Redirect(c, "/", "ok", Translate(lang, "sync.done"))
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
