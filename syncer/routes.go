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

// Routes lists the point's sync routes; main adds them to the API server's router.
//
//	GET  /api/v1/sync/status  admin, staff: last push and pull, queue, last error
//	POST /api/v1/sync/run     admin, staff: push and pull now, then the status
func (s *Syncer) Routes(r *gin.Engine, hs *handlers.Server) {
	api := r.Group("/api/v1/sync")
	api.GET("/status", hs.Require(handlers.Staff...), func(c *gin.Context) {
		st, err := s.Status(c.Request.Context())
		if err != nil {
			hs.Fail(c, err)
			return
		}
		c.JSON(http.StatusOK, st)
	})
	api.POST("/run", hs.Require(handlers.Staff...), func(c *gin.Context) {
		if !s.Enabled() {
			hs.Fail(c, s.RunOnce(c.Request.Context()))
			return
		}
		// The round goes on if the caller gives up waiting: it is safe to
		// stop anywhere, but there is no point in wasting the work done.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), RunTimeout)
		defer cancel()
		// A failed round is not a failed request: the status says what went wrong.
		s.RunOnce(ctx)
		st, err := s.Status(c.Request.Context())
		if err != nil {
			hs.Fail(c, err)
			return
		}
		c.JSON(http.StatusOK, st)
	})
}
