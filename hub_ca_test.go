package main

import (
	"bytes"
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
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"budgetpoint/demo"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
	"budgetpoint/syncer"
)

// testCA is a certificate authority made for a test: its PEM file and
// what it needs to sign a server's certificate.
type testCA struct {
	file string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T, dir, name string) testCA {
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
		KeyUsage:     x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := testCA{file: filepath.Join(dir, name+".pem"), cert: c, key: key, pool: x509.NewCertPool()}
	ca.pool.AddCert(c)
	writePEM(t, ca.file, "CERTIFICATE", der)
	return ca
}

// serverCert signs a certificate for 127.0.0.1 and localhost (not a CA)
// and writes it and its key into dir.
func (ca testCA) serverCert(t *testing.T, dir, name string) (certFile, keyFile string) {
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
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", kder)
	return certFile, keyFile
}

func writePEM(t *testing.T, file, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// hubRun runs a demo hub over HTTPS through run() until the test ends and
// returns its https:// URL.
func hubRun(t *testing.T, cert, key string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &testutil.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"hub", "--demo", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key}, envOf(nil), nil, out)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hub after cancel: %v", err)
		}
	})
	re := regexp.MustCompile(`committee hub: (https://[0-9.:]+)`)
	for deadline := time.Now().Add(60 * time.Second); ; {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("hub returned at start: %v\n%s", err, out.String())
		case <-time.After(5 * time.Millisecond):
		}
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub did not print an https:// URL:\n%s", out.String())
		}
	}
}

// signedIn returns a client signed in at base as name (cookies kept),
// trusting roots for HTTPS.
func signedIn(t *testing.T, base, name, password string, roots *x509.CertPool) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	t.Cleanup(c.CloseIdleConnections)
	res, err := testutil.RequestWithClient(c, base, "POST", "/api/v1/login", map[string]string{"name": name, "password": password}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "sign-in as "+name+" at "+base)
	return c
}

// hubPoint is the hub's view of one point (GET /api/v1/committee/points).
func hubPoint(t *testing.T, c *http.Client, base, id string) hub.PointStatus {
	t.Helper()
	res, err := testutil.RequestWithClient(c, base, "GET", "/api/v1/committee/points?limit=100", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Items []hub.PointStatus `json:"items"`
	}
	res.Want(t, 200, "the hub's points").JSON(t, &page)
	for _, p := range page.Items {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("the hub does not list point %s: %s", id, testutil.Trunc(res.Body))
	return hub.PointStatus{}
}

// pointSyncs starts a demo point hongta against hubURL with extra flags,
// signs in as its demo staff and returns a function that reads its sync status.
func pointSyncs(t *testing.T, hubURL string, extra ...string) func() syncer.Status {
	t.Helper()
	args := append([]string{"--demo", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--point-id", "hongta",
		"--hub", hubURL, "--hub-secret", demoSecret("hongta"), "--sync-interval", "1s"}, extra...)
	r := serveRun(t, args, nil)
	c := signedIn(t, r.url, "staff", demo.DemoPassword, nil)
	return func() syncer.Status {
		t.Helper()
		res, err := testutil.RequestWithClient(c, r.url, "GET", "/api/v1/sync/status", nil, nil)
		if err != nil {
			t.Fatalf("the point stopped answering: %v", err)
		}
		var st syncer.Status
		res.Want(t, 200, "the point's sync status").JSON(t, &st)
		return st
	}
}

// waitFor polls until ok or a minute has passed.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after a minute: %s", what)
		}
	}
}

// A hub whose certificate a private CA signed: a point given that CA with
// --hub-ca syncs (its push reaches the hub); without --hub-ca (the system's
// roots), or given another CA, it fails with a certificate error in its
// sync status, keeps answering, and nothing reaches the hub.
func TestHubCA(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, dir, "committee-ca")
	other := newTestCA(t, dir, "other-ca")
	cert, key := ca.serverCert(t, dir, "hub")
	hubURL := hubRun(t, cert, key)
	committee := signedIn(t, hubURL, "committee", demoPassword, ca.pool)

	for _, c := range []struct {
		name  string
		extra []string
	}{
		{"without --hub-ca", nil},
		{"--hub-ca of another CA", []string{"--hub-ca", other.file}},
	} {
		t.Run(c.name, func(t *testing.T) {
			status := pointSyncs(t, hubURL, c.extra...)
			var st syncer.Status
			waitFor(t, "no sync error", func() bool { st = status(); return st.LastError != "" })
			if !strings.Contains(st.LastError, "certificate") {
				t.Errorf("the sync error does not name the certificate: %q", st.LastError)
			}
			if st.LastPushAt != nil || st.QueueLength == 0 {
				t.Errorf("pushed without trusting the hub: last push %v, queue %d", st.LastPushAt, st.QueueLength)
			}
			if p := hubPoint(t, committee, hubURL, "hongta"); p.LastBatchAt != nil {
				t.Errorf("a batch reached the hub from a point that does not trust it: %+v", p)
			}
		})
	}

	t.Run("--hub-ca of the hub's CA", func(t *testing.T) {
		status := pointSyncs(t, hubURL, "--hub-ca", ca.file)
		var st syncer.Status
		waitFor(t, "the push did not complete", func() bool { st = status(); return st.LastPushAt != nil && st.QueueLength == 0 })
		if st.LastError != "" {
			t.Errorf("sync error with the hub's CA: %q", st.LastError)
		}
		p := hubPoint(t, committee, hubURL, "hongta")
		if p.LastBatchAt == nil || p.Totals.Topics == 0 {
			t.Errorf("the hub has nothing from the point: %+v", p)
		}
	})
}

// A --hub-ca file that is missing, unreadable or holds no certificate, and
// --hub-ca without an https:// --hub, are refused at start (a usage error,
// exit status 2) naming the file or the flag, in Chinese and English,
// before the data directory is touched; from the flag or the environment.
func TestHubCARefused(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, dir, "ca")
	missing := filepath.Join(dir, "none.pem")
	notPEM := filepath.Join(dir, "not-pem.pem")
	keyOnly := filepath.Join(dir, "key-only.pem")
	broken := filepath.Join(dir, "broken.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writePEM(t, keyOnly, "PRIVATE KEY", []byte("whatever"))
	writePEM(t, broken, "CERTIFICATE", []byte("not DER"))
	secret := []string{"--hub-secret", "a-secret-0123456789abcdef"}
	https := append([]string{"--hub", "https://127.0.0.1:1"}, secret...)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		says string
	}{
		{"missing file", append([]string{"--hub-ca", missing}, https...), nil, missing},
		{"missing file from the environment", https, map[string]string{"BUDGETPOINT_HUB_CA": missing}, missing},
		{"a directory, not a file", append([]string{"--hub-ca", dir}, https...), nil, dir},
		{"not PEM", append([]string{"--hub-ca", notPEM}, https...), nil, notPEM},
		{"a key, no certificate", append([]string{"--hub-ca", keyOnly}, https...), nil, keyOnly},
		{"a certificate block that does not parse", append([]string{"--hub-ca", broken}, https...), nil, broken},
		{"without --hub", []string{"--hub-ca", ca.file}, nil, "--hub-ca"},
		{"with an http:// hub", append([]string{"--hub-ca", ca.file, "--hub", "http://127.0.0.1:1"}, secret...), nil, "https://"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, c.args...)
			out, err := runUntilListening(t, args, c.env)
			if err == nil {
				t.Fatalf("run %v started; want it refused:\n%s", args, out)
			}
			if !isUsage(err) {
				t.Fatalf("run %v: %v, want a usage error (exit status 2)", args, err)
			}
			if msg := err.Error(); !strings.Contains(msg, " / ") || !strings.Contains(msg, c.says) || !strings.Contains(msg, "--hub-ca") {
				t.Fatalf("run %v: the message does not name %s and --hub-ca in Chinese and English: %v", args, c.says, err)
			}
			if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("run %v: the data directory was touched before the refusal (%v)", args, err)
			}
		})
	}
	t.Run("the binary exits 2", func(t *testing.T) {
		// Were it not refused, the server is stopped after a while.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, binPath, append([]string{"serve", "--data", filepath.Join(t.TempDir(), "d"), "--addr", "127.0.0.1:0", "--hub-ca", notPEM}, https...)...)
		cmd.Env = cleanEnv()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("serve --hub-ca %s: %v, want exit status 2; stderr: %s", notPEM, err, stderr.String())
		}
		if !strings.Contains(stderr.String(), notPEM) || !strings.Contains(stderr.String(), " / ") {
			t.Fatalf("stderr does not name the file: %q", stderr.String())
		}
	})
	// A good file is taken, and the point starts.
	out, err := runUntilListening(t, append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--hub-ca", ca.file}, https...), nil)
	if err != nil {
		t.Fatalf("a good --hub-ca was refused: %v\n%s", err, out)
	}
}
