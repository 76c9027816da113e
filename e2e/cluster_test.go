// Package e2e runs the sync drills of issue 3 with real processes on
// loopback: one budgetpoint binary, built once in TestMain, run as the
// committee hub and as the six contact points, with a recording reverse proxy
// between the points and the hub that captures every payload leaving a point.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"budgetpoint/internal/testutil"
	"budgetpoint/syncproto"
)

var bin string

func TestMain(m *testing.M) { testutil.RunWithBinary(m, "..", &bin) }

// env is the environment of a child process: ours without BUDGETPOINT_*.
func env() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BUDGETPOINT_") {
			out = append(out, kv)
		}
	}
	return out
}

// runCLI runs a one-shot subcommand and returns its stdout.
func runCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("budgetpoint %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// logBuf collects a process's output, safe for concurrent use.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// proc is a running server process.
type proc struct {
	name string
	cmd  *exec.Cmd
	URL  string
	log  *logBuf
	done chan struct{}
}

var addrRe = regexp.MustCompile(`http://(127\.0\.0\.1:[0-9]+)`)

// start runs budgetpoint with args (which must listen on 127.0.0.1:0) and
// waits until it prints the address it listens on.
func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, log: &logBuf{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env()
	p.cmd.Stderr = p.log
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.log, line)
			if m := addrRe.FindStringSubmatch(line); m != nil && !found {
				found = true
				addr <- m[1]
			}
		}
	}()
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	select {
	case a := <-addr:
		p.URL = "http://" + a
	case <-p.done:
		t.Fatalf("%s exited before listening:\n%s", name, p.log.String())
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("%s did not start listening:\n%s", name, p.log.String())
	}
	t.Cleanup(func() { p.kill() })
	return p
}

// stop ends the process cleanly (SIGTERM) and waits for it.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s did not stop on SIGTERM:\n%s", p.name, p.log.String())
	}
}

// kill ends the process with SIGKILL and waits for it.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
}

// client talks to one server's API with a bearer token.
type client struct {
	base, token string
}

var httpc = &http.Client{Timeout: 5 * time.Minute}

// call sends a request and returns the status and body.
func (c client) call(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// must sends a request, fails the test unless the status is one of want,
// and decodes the answer into out (when not nil).
func (c client) must(t testing.TB, method, path string, body any, out any, want ...int) int {
	t.Helper()
	st, b, err := c.call(method, path, body)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, c.base, path, err)
	}
	ok := false
	for _, w := range want {
		ok = ok || st == w
	}
	if !ok {
		t.Fatalf("%s %s%s: status %d, want %v: %s", method, c.base, path, st, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
	return st
}

// captured is one request a point sent towards the hub, and the answer.
type captured struct {
	At      time.Time
	PointID string
	Method  string
	Path    string
	Query   string
	Header  http.Header
	Body    []byte
	Status  int
	Answer  []byte
}

// holdSpec makes the proxy hold the next batch of one point: before it
// reaches the hub, or after the hub answered but before the point hears it.
type holdSpec struct {
	point string
	after bool
	held  chan captured
}

// recProxy is the recording reverse proxy between the points and the hub.
type recProxy struct {
	srv *httptest.Server

	mu     sync.Mutex
	target string // the hub's base URL; "" while it is down
	// targets: several hub processes, each request sent to one at random
	// ("" entries: down); used instead of target when set.
	targets []string
	refuse  map[string]bool // points whose requests get 503
	hold    *holdSpec       // at most one
	reqs    []captured
	fwd     *http.Client
}

func newProxy(t *testing.T) *recProxy {
	p := &recProxy{refuse: map[string]bool{}, fwd: &http.Client{Timeout: time.Minute}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *recProxy) setTarget(u string) {
	p.mu.Lock()
	p.target = u
	p.mu.Unlock()
}

// setTargets spreads the points' requests over several hub processes at
// random; a "" entry is one that is down (its share answered 502).
func (p *recProxy) setTargets(us ...string) {
	p.mu.Lock()
	p.targets = append([]string(nil), us...)
	p.mu.Unlock()
}

func (p *recProxy) setRefuse(point string, on bool) {
	p.mu.Lock()
	p.refuse[point] = on
	p.mu.Unlock()
}

// holdNext holds the next batch of point; the channel receives it once held.
func (p *recProxy) holdNext(point string, after bool) chan captured {
	h := &holdSpec{point: point, after: after, held: make(chan captured, 1)}
	p.mu.Lock()
	p.hold = h
	p.mu.Unlock()
	return h.held
}

// captures returns a copy of everything recorded so far.
func (p *recProxy) captures() []captured {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]captured(nil), p.reqs...)
}

func (p *recProxy) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := captured{At: time.Now(), PointID: r.Header.Get(syncproto.HeaderPointID), Method: r.Method, Path: r.URL.Path,
		Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	p.mu.Lock()
	target, refuse := p.target, p.refuse[c.PointID]
	if len(p.targets) > 0 {
		target = p.targets[mrand.IntN(len(p.targets))]
	}
	var h *holdSpec
	if p.hold != nil && p.hold.point == c.PointID && r.Method == http.MethodPost && r.URL.Path == syncproto.PathBatches {
		h, p.hold = p.hold, nil
	}
	p.mu.Unlock()
	record := func() {
		p.mu.Lock()
		p.reqs = append(p.reqs, c)
		p.mu.Unlock()
	}
	fail := func(st int, msg string) {
		c.Status, c.Answer = st, []byte(msg)
		record()
		w.WriteHeader(st)
		w.Write([]byte(msg))
	}
	if refuse {
		fail(http.StatusServiceUnavailable, `{"error":{"code":"unavailable","message":"proxy refuses / 代理拒绝"}}`)
		return
	}
	if h != nil && !h.after {
		record()
		h.held <- c
		<-r.Context().Done() // until the point is gone
		return
	}
	if target == "" {
		fail(http.StatusBadGateway, `{"error":{"code":"unavailable","message":"hub down / 预工委服务器停机"}}`)
		return
	}
	req, err := http.NewRequest(r.Method, target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		fail(http.StatusBadGateway, err.Error())
		return
	}
	for _, k := range []string{"Content-Type", "Accept", syncproto.HeaderPointID, syncproto.HeaderTimestamp, syncproto.HeaderSignature, syncproto.HeaderSignatureVersion} {
		if v := r.Header.Get(k); v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := p.fwd.Do(req)
	if err != nil {
		fail(http.StatusBadGateway, `{"error":{"code":"unavailable","message":"hub unreachable"}}`)
		return
	}
	ans, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.Status, c.Answer = resp.StatusCode, ans
	record()
	if h != nil {
		h.held <- c
		<-r.Context().Done()
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Date", resp.Header.Get("Date"))
	w.WriteHeader(resp.StatusCode)
	w.Write(ans)
}

// waitFor polls cond until it holds; after a generous deadline it fails
// with what cond last reported. It does not assert on timing: the deadline
// only stops a drill that would never converge.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	last := ""
	for {
		ok, why := cond()
		if ok {
			return
		}
		last = why
		select {
		case <-ctx.Done():
			t.Fatalf("%s: did not happen within %s; last: %s", what, limit, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
