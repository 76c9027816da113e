package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// An answer broken off half-way reads as incomplete over HTTP/1.1 and over
// HTTP/2 (which a point serving TLS itself speaks to browsers), with gin's
// recovery in the chain as Router has it: without breakOffs first, HTTP/2
// ended such an answer as if it were complete (found by a review).
func TestBreakOffOverHTTP1And2(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(breakOffs, gin.CustomRecovery(func(c *gin.Context, p any) { c.AbortWithStatus(http.StatusInternalServerError) }))
	r.GET("/x.csv", func(c *gin.Context) {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Status(http.StatusOK)
		c.Writer.WriteString("header\nrow 1\n")
		c.Writer.Flush()
		BreakOff(c)
	})
	for _, h2 := range []bool{false, true} {
		srv := httptest.NewUnstartedServer(r)
		srv.EnableHTTP2 = h2
		srv.StartTLS()
		res, err := srv.Client().Get(srv.URL + "/x.csv")
		var body []byte
		if err == nil {
			if h2 && res.ProtoMajor != 2 {
				t.Errorf("HTTP/2 asked for, %s spoken", res.Proto)
			}
			body, err = io.ReadAll(res.Body)
			res.Body.Close()
		}
		srv.Close()
		if err == nil {
			t.Errorf("HTTP/2 %v: the body %q was read without an error: a partial file that looks complete", h2, body)
		}
	}
}
