package syncer

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
)

// RunTimeout bounds how long POST /api/v1/sync/run waits for its round.
var RunTimeout = 3 * time.Minute

// API is the point's sync over HTTP, the handlers of the routes that
// handlers/routes.go lists (handlers.SyncAPI):
//
//	GET  /api/v1/sync/status  admin, staff: last push and pull, queue, last error
//	POST /api/v1/sync/run     admin, staff: push and pull now, then the status
type API struct {
	s  *Syncer
	hs *handlers.Server
}

// NewAPI is the sync's handlers over s, answering through hs.
func (s *Syncer) NewAPI(hs *handlers.Server) *API { return &API{s: s, hs: hs} }

// SyncStatus is GET /api/v1/sync/status.
func (a *API) SyncStatus(c *gin.Context) {
	st, err := a.s.Status(c.Request.Context())
	if err != nil {
		a.hs.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// SyncRun is POST /api/v1/sync/run: a round now, then the status.
func (a *API) SyncRun(c *gin.Context) {
	if !a.s.Enabled() {
		a.hs.Fail(c, a.s.RunOnce(c.Request.Context()))
		return
	}
	// The round goes on if the caller gives up waiting: it is safe to
	// stop anywhere, but there is no point in wasting the work done.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), RunTimeout)
	defer cancel()
	// A failed round is not a failed request: the status says what went
	// wrong (RunOnce records and logs it).
	_ = a.s.RunOnce(ctx)
	a.SyncStatus(c)
}
