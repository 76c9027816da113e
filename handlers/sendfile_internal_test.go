package handlers

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
)

// A made file goes out whole with its length, after its audit; a failure
// to make it or to audit it sends nothing and is the caller's to answer.
func TestSendMade(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	body := bytes.Repeat([]byte("工作簿 "), 100000)
	var audited int
	fail := func(what string) error { return errors.New(what + " failed") }
	r := gin.New()
	r.GET("/:case", func(c *gin.Context) {
		write := func(w *bytes.Buffer) error {
			if c.Param("case") == "write" {
				w.Write(body[:10])
				return fail("write")
			}
			_, err := w.Write(body)
			return err
		}
		audit := func() error {
			if c.Param("case") == "audit" {
				return fail("audit")
			}
			audited++
			return nil
		}
		if err := s.SendMade(c, "汇总.xlsx", XLSX, write, audit); err != nil {
			c.String(http.StatusTeapot, "%v", err)
		}
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}

	res, got := get("/ok")
	if res.StatusCode != 200 || !bytes.Equal(got, body) || audited != 1 {
		t.Fatalf("status %d, %d bytes of %d, audited %d", res.StatusCode, len(got), len(body), audited)
	}
	if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q, want %d", cl, len(body))
	}
	if res.Header.Get("Content-Type") != XLSX || res.Header.Get("Cache-Control") != "no-store" ||
		res.Header.Get("Content-Disposition") == "" {
		t.Errorf("headers %v", res.Header)
	}
	for _, c := range []string{"write", "audit"} {
		res, got := get("/" + c)
		if res.StatusCode != http.StatusTeapot || string(got) == "" || res.Header.Get("Content-Disposition") != "" {
			t.Errorf("%s failing: status %d, disposition %q, body %q: want the caller's answer only", c, res.StatusCode, res.Header.Get("Content-Disposition"), got)
		}
	}
	if audited != 1 {
		t.Errorf("audited %d times, want once (a file that could not be made is not audited as exported)", audited)
	}
}
