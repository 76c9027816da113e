package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
	"budgetpoint/web"
)

// readmeNginx returns the one ```nginx block of README.md (the recipe of
// "Behind nginx").
func readmeNginx(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?ms)^```nginx\n(.*?)^```$").FindAllStringSubmatch(string(b), -1)
	if len(blocks) != 1 {
		t.Fatalf("README.md has %d ```nginx blocks, want the one of \"Behind nginx\"", len(blocks))
	}
	return blocks[0][1]
}

// replaceOnce replaces old, which must occur exactly once in s: a README
// recipe that changed shape fails the test instead of running untested.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("the README's nginx block holds %q %d times, want once:\n%s", old, n, s)
	}
	return strings.Replace(s, old, new, 1)
}

// nginxBinary is Debian's nginx, or "" when it is not installed.
func nginxBinary() string {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx" // not on a user's PATH
	}
	return ""
}

// freePort is a loopback port that nothing listens on just now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startNginx runs nginx in the foreground with the README's server block,
// listening on 127.0.0.1:port with the certificate given and passing to
// upstream; it is stopped at the end of the test.
func startNginx(t *testing.T, bin, upstream string, port int, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	server := readmeNginx(t)
	server = replaceOnce(t, server, "listen 443 ssl;", fmt.Sprintf("listen 127.0.0.1:%d ssl;", port))
	server = replaceOnce(t, server, "/etc/ssl/budgetpoint/fullchain.pem", cert)
	server = replaceOnce(t, server, "/etc/ssl/budgetpoint/privkey.pem", key)
	server = replaceOnce(t, server, "proxy_pass http://127.0.0.1:8080;", "proxy_pass "+upstream+";")
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;\n" // workers that can write the temporary directories
	}
	conf := fmt.Sprintf(`%sdaemon off;
master_process off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log;
events {}
http {
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
%[3]s}
`, user, dir, server)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", confPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			c.Close()
			return
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited at start (%v):\n%s\n%s\n%s", err, out.String(), log, conf)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on port %d:\n%s", port, out.String())
		}
	}
}

// httpsClientFrom is an HTTPS client trusting pool, with a cookie jar,
// whose connections leave from the loopback address ip.
func httpsClientFrom(t *testing.T, ip string, pool *x509.CertPool) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c := &http.Client{Timeout: 60 * time.Second, Jar: jar,
		Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// The README's client_max_body_size is the point's largest body limit.
func TestReadmeNginxBodySize(t *testing.T) {
	m := regexp.MustCompile(`client_max_body_size (\d+)m;`).FindStringSubmatch(readmeNginx(t))
	if m == nil {
		t.Fatal("the README's nginx block sets no client_max_body_size in MiB")
	}
	largest := int64(handlers.MaxBody)
	for _, n := range web.BodyLimits() {
		largest = max(largest, n)
	}
	if n, _ := strconv.ParseInt(m[1], 10, 64); n<<20 != largest {
		t.Errorf("client_max_body_size %sm in the README; the point's largest body is %d bytes", m[1], largest)
	}
}

// The README's recipe, really run: Debian's nginx with the README's server
// block (HTTPS, on a free port) in front of serve --trusted-proxy
// 127.0.0.1/32. Through it, from the client address 127.0.0.2: health
// answers with HSTS; a sign-in (JSON, the https:// Origin a browser sends)
// gets a Secure session cookie, which then reads the audit log, where the
// sign-in's address is 127.0.0.2, as nginx forwarded it, not the address
// the client forged in its own X-Forwarded-For; a body over the limit is
// refused by nginx.
func TestBehindNginx(t *testing.T) {
	bin := nginxBinary()
	if bin == "" {
		t.Skip("nginx is not installed: scripts/test.sh installs it as root (apt-get install nginx)")
	}
	if testing.Short() {
		t.Skip("starts nginx and a server")
	}
	r := serveRun(t, []string{"--data", t.TempDir(), "--addr", "127.0.0.1:0", "--trusted-proxy", "127.0.0.1/32"}, nil)
	pw := regexp.MustCompile(`user admin, password (\S+)`).FindStringSubmatch(r.out.String())
	if pw == nil {
		t.Fatalf("no admin password in the output:\n%s", r.out.String())
	}
	cert, key, pool := testCert(t, t.TempDir(), "nginx")
	port := freePort(t)
	startNginx(t, bin, r.url, port, cert, key)
	base := fmt.Sprintf("https://127.0.0.1:%d", port)
	client := httpsClientFrom(t, "127.0.0.2", pool)

	res, err := testutil.RequestWithClient(client, base, "GET", "/api/v1/health", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "health through nginx")
	checkHSTS(t, res.Header, "health through nginx")

	res, err = testutil.RequestWithClient(client, base, "POST", "/api/v1/login", map[string]string{"name": "admin", "password": pw[1]},
		func(req *http.Request) {
			req.Header.Set("Origin", base)
			req.Header.Set("X-Forwarded-For", "198.51.100.7") // forged: nginx appends the real peer
		})
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "sign-in through nginx with the https:// Origin")
	var session *http.Cookie
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == handlers.SessionCookie {
			session = c
		}
	}
	if session == nil || !session.Secure {
		t.Fatalf("the session cookie through nginx over HTTPS is missing or not Secure: %v", res.Header["Set-Cookie"])
	}

	// The first admin's generated password must be changed before anything else.
	var login struct {
		User models.User
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal(res.Body, &login); err != nil || !login.User.MustChangePassword {
		t.Fatalf("the first admin's sign-in does not ask for a new password: %v %s", err, res.Body)
	}
	res, err = testutil.RequestWithClient(client, base, "POST", "/api/v1/me/password", map[string]string{"current": pw[1], "new": "Behind-Nginx-2027"},
		func(req *http.Request) { req.Header.Set("X-CSRF-Token", login.CSRF) })
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "the first admin sets a new password through nginx")

	res, err = testutil.RequestWithClient(client, base, "GET", "/api/v1/audit?action=login", nil, nil) // the cookie alone
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "the audit log through nginx with the session cookie")
	var page models.Page[models.AuditEntry]
	if err := json.Unmarshal(res.Body, &page); err != nil || len(page.Items) != 1 {
		t.Fatalf("the sign-ins in the audit log: %v %s", err, testutil.Trunc(res.Body))
	}
	if e := page.Items[0]; e.Addr != "127.0.0.2" || e.Actor.User != "admin" || e.Result != models.AuditOK {
		t.Errorf("the sign-in's entry through nginx: %+v; want addr 127.0.0.2 (the client as nginx saw it)", e)
	}

	big := bytes.Repeat([]byte("x"), 9<<20)
	res, err = testutil.RequestWithClient(client, base, "POST", "/paper/q1/import", big, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(res.Body), "nginx") {
		t.Errorf("a 9 MiB body through nginx: %d %s, want nginx's 413", res.Status, testutil.Trunc(res.Body))
	}
}
