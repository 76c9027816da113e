package syncer

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// NewClient with roots trusts a hub whose certificate they sign, and only
// such a hub: without them (the system's roots) the same hub is refused
// with a certificate error. TLS 1.2 stays the minimum either way.
func TestNewClientRootCAs(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	trusting := NewClient(pool)
	defer trusting.CloseIdleConnections()
	res, err := trusting.Get(srv.URL)
	if err != nil {
		t.Fatalf("with the hub's CA: %v", err)
	}
	res.Body.Close()

	system := NewClient(nil)
	defer system.CloseIdleConnections()
	if res, err := system.Get(srv.URL); err == nil {
		res.Body.Close()
		t.Fatal("with the system's roots: a hub with a test certificate was trusted")
	} else if !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("with the system's roots: %v, want a certificate error", err)
	}

	for name, c := range map[string]*http.Client{"roots": trusting, "system": system} {
		if v := c.Transport.(*http.Transport).TLSClientConfig.MinVersion; v != tls.VersionTLS12 {
			t.Errorf("%s: MinVersion %x, want TLS 1.2", name, v)
		}
	}
}
