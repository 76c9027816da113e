package testutil

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// Server is a real HTTP server on a loopback port, for the duration of a test.
type Server struct {
	URL     string
	Handler http.Handler
	srv     *http.Server
}

// Serve serves h on 127.0.0.1 at a free port until the end of the test.
func Serve(t testing.TB, h http.Handler) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Handler: h, srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go s.srv.Serve(ln) // ends with http.ErrServerClosed at Close
	t.Cleanup(s.Close)
	return s
}

// Close stops the server, letting requests in flight finish for a while.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		s.srv.Close()
	}
}
