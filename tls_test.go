package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
)

// testCert makes a self-signed certificate for 127.0.0.1 and localhost in
// dir, and returns its files and a pool that trusts it.
func testCert(t *testing.T, dir, name string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback},
		DNSNames:    []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(dir, name+".crt")
	keyFile = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return certFile, keyFile, pool
}

// A certificate without its key (or the other way round), a file that is
// missing or not PEM, and a key that is not the certificate's are refused
// at start with exit status 2, naming the flag or the file, before the data
// directory is touched; for serve and hub alike, from flags or environment.
func TestTLSFlagsRefused(t *testing.T) {
	dir := t.TempDir()
	cert, key, _ := testCert(t, dir, "a")
	_, otherKey, _ := testCert(t, dir, "b")
	missing := filepath.Join(dir, "none.crt")
	garbage := filepath.Join(dir, "garbage.key")
	if err := os.WriteFile(garbage, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		says string // in the message
	}{
		{"certificate without key", []string{"--tls-cert", cert}, nil, "--tls-key"},
		{"key without certificate", []string{"--tls-key", key}, nil, "--tls-cert"},
		{"key from the environment only", nil, map[string]string{"BUDGETPOINT_TLS_KEY": key}, "--tls-cert"},
		{"missing certificate file", []string{"--tls-cert", missing, "--tls-key", key}, nil, missing},
		{"key file not PEM", []string{"--tls-cert", cert, "--tls-key", garbage}, nil, garbage},
		{"key of another certificate", []string{"--tls-cert", cert, "--tls-key", otherKey}, nil, otherKey},
		{"mismatched pair from the environment", nil, map[string]string{"BUDGETPOINT_TLS_CERT": cert, "BUDGETPOINT_TLS_KEY": otherKey}, otherKey},
	}
	for _, sub := range []string{"serve", "hub"} {
		for _, c := range cases {
			t.Run(sub+", "+c.name, func(t *testing.T) {
				data := filepath.Join(t.TempDir(), "data")
				args := append([]string{sub, "--data", data, "--addr", "127.0.0.1:0"}, c.args...)
				if sub == "hub" {
					args = append(args, "--demo") // a points file: only TLS can be wrong
				}
				out, err := runUntilListening(t, args, c.env)
				if err == nil {
					t.Fatalf("run %v started; want it refused:\n%s", args, out)
				}
				if !isUsage(err) {
					t.Fatalf("run %v: %v, want a usage error (exit status 2)", args, err)
				}
				if !strings.Contains(err.Error(), " / ") || !strings.Contains(err.Error(), c.says) {
					t.Fatalf("run %v: the message does not name %s in Chinese and English: %v", args, c.says, err)
				}
				if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("run %v: the data directory was touched before the refusal (%v)", args, err)
				}
			})
		}
	}
}

// With --tls-cert and --tls-key, serve answers HTTPS only (TLS 1.2 at
// least), a sign-in gets a Secure session cookie, and every answer carries
// HSTS; plain HTTP to the same port reaches nothing. Without them, neither
// the header nor Secure.
func TestServeHTTPS(t *testing.T) {
	cert, key, pool := testCert(t, t.TempDir(), "point")
	r := serveRun(t, []string{"--data", t.TempDir(), "--addr", "127.0.0.1:0"},
		map[string]string{"BUDGETPOINT_TLS_CERT": cert, "BUDGETPOINT_TLS_KEY": key})
	if !strings.HasPrefix(r.url, "https://127.0.0.1:") {
		t.Fatalf("serve with TLS prints %q, want an https:// URL:\n%s", r.url, r.out.String())
	}
	pw := regexp.MustCompile(`user admin, password (\S+)`).FindStringSubmatch(r.out.String())
	if pw == nil {
		t.Fatalf("no admin password in the output:\n%s", r.out.String())
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(client.CloseIdleConnections)

	res, err := testutil.RequestWithClient(client, r.url, "POST", "/api/v1/login", map[string]string{"name": "admin", "password": pw[1]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "sign-in over HTTPS")
	checkHSTS(t, res.Header, "the sign-in")
	var session *http.Cookie
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == handlers.SessionCookie {
			session = c
		}
	}
	if session == nil || session.Value == "" {
		t.Fatalf("the sign-in set no session cookie: %v", res.Header["Set-Cookie"])
	}
	if !session.Secure {
		t.Errorf("the session cookie over HTTPS is not Secure: %v", res.Header["Set-Cookie"])
	}
	for _, path := range []string{"/login", "/api/v1/nothing-here"} {
		res, err := testutil.RequestWithClient(client, r.url, "GET", path, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkHSTS(t, res.Header, "GET "+path)
	}

	// TLS 1.1 is refused.
	old := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}}}
	if res, err := testutil.RequestWithClient(old, r.url, "GET", "/login", nil, nil); err == nil {
		t.Errorf("a TLS 1.1 client was answered: %d", res.Status)
	}

	// Plain HTTP to the same port gets no page, no cookie, and no HSTS (a
	// browser ignores HSTS over HTTP anyway).
	plainURL := "http://" + strings.TrimPrefix(r.url, "https://")
	res, err = testutil.Request(plainURL, "POST", "/api/v1/login", "", map[string]string{"name": "admin", "password": pw[1]})
	if err == nil {
		if res.Status != http.StatusBadRequest || len(res.Header["Set-Cookie"]) > 0 || strings.Contains(string(res.Body), "admin") {
			t.Errorf("plain HTTP to the HTTPS port was answered: %d %v %s", res.Status, res.Header, testutil.Trunc(res.Body))
		}
	}

	// Without TLS: plain HTTP, no HSTS, no Secure.
	p := serveRun(t, []string{"--data", t.TempDir(), "--addr", "127.0.0.1:0"}, nil)
	if !strings.HasPrefix(p.url, "http://") {
		t.Fatalf("serve without TLS prints %q", p.url)
	}
	ppw := regexp.MustCompile(`user admin, password (\S+)`).FindStringSubmatch(p.out.String())
	if ppw == nil {
		t.Fatalf("no admin password in the output:\n%s", p.out.String())
	}
	res, err = testutil.Request(p.url, "POST", "/api/v1/login", "", map[string]string{"name": "admin", "password": ppw[1]})
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "sign-in over HTTP")
	if h := res.Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("plain HTTP answers with HSTS %q", h)
	}
	if sc := strings.Join(res.Header["Set-Cookie"], "; "); sc == "" || strings.Contains(sc, "Secure") {
		t.Errorf("session cookie over plain HTTP: %q, want one, not Secure", sc)
	}
}

// The hub takes the same flags: HTTPS with HSTS.
func TestHubHTTPS(t *testing.T) {
	cert, key, pool := testCert(t, t.TempDir(), "hub")
	ctx, cancel := context.WithCancel(context.Background())
	out := &testutil.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"hub", "--demo", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key}, envOf(nil), nil, out)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hub after cancel: %v", err)
		}
	}()
	re := regexp.MustCompile(`committee hub: (https://[0-9.:]+)`)
	var url string
	for deadline := time.Now().Add(60 * time.Second); url == ""; {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("hub returned at start: %v\n%s", err, out.String())
		case <-time.After(5 * time.Millisecond):
		}
		if m := re.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub did not print an https:// URL:\n%s", out.String())
		}
	}
	if !strings.Contains(out.String(), "--hub https://127.0.0.1:0 ") {
		t.Errorf("the demo hub over HTTPS shows points an http:// hub:\n%s", out.String())
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	res, err := testutil.RequestWithClient(client, url, "POST", "/api/v1/login", map[string]string{"name": "committee", "password": demoPassword}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "committee sign-in at the hub over HTTPS")
	checkHSTS(t, res.Header, "the hub's sign-in")
	if sc := strings.Join(res.Header["Set-Cookie"], "; "); !strings.Contains(sc, "Secure") {
		t.Errorf("the hub's session cookie over HTTPS is not Secure: %q", sc)
	}
}

func checkHSTS(t *testing.T, h http.Header, what string) {
	t.Helper()
	if got := h.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("%s: Strict-Transport-Security %q, want max-age=31536000", what, got)
	}
}
