package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// binPath is the real binary, built once for the tests that run it as a process.
var binPath string

func TestMain(m *testing.M) { testutil.RunWithBinary(m, ".", &binPath) }

// ---- the binary as a process ----

// cli runs the binary to completion and returns its stdout; it fails the
// test unless the exit status is want.
func cli(t *testing.T, stdin string, want int, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != want {
		t.Fatalf("budgetpoint %v: exit status %d, want %d\nstdout: %s\nstderr: %s", args, code, want, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

// cleanEnv is the environment without BUDGETPOINT_* settings of whoever runs the tests.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BUDGETPOINT_") {
			env = append(env, kv)
		}
	}
	return env
}

// proc is a running server process.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *testutil.Buffer
	exited chan struct{}
}

// startServer starts `budgetpoint serve` on dir and a free port and waits
// until it listens.
func startServer(t *testing.T, dir string) *proc {
	t.Helper()
	return startProc(t, binPath, cleanEnv(), "serve", "--data", dir, "--addr", "127.0.0.1:0")
}

// startProc starts the binary bin with env and args (a server on
// 127.0.0.1:0: serve or hub) and waits until it says where it listens.
func startProc(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	p := &proc{cmd: cmd, stderr: &testutil.Buffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		re := regexp.MustCompile(`http://[0-9.:]+`)
		for sc.Scan() {
			if u := re.FindString(sc.Text()); u != "" {
				select {
				case urls <- u:
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() { cmd.Wait(); close(p.exited) }()
	select {
	case p.url = <-urls:
	case <-p.exited:
		t.Fatalf("the server stopped at start: %s", p.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not start listening: %s", p.stderr.String())
	}
	return p
}

// stop ends the server with SIGTERM and checks it stopped cleanly.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.exited
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("server exit status %d after SIGTERM: %s", code, p.stderr.String())
	}
}

func post(base, path, token string, body any) (*testutil.Resp, error) {
	return testutil.Request(base, "POST", path, token, body)
}

// TestCrashKeepsAcknowledged kills a real server with SIGKILL while 64
// clients submit, restarts it and finds every acknowledged response, the
// unacknowledged ones either stored whole or not at all, and the counters
// equal to a recount.
func TestCrashKeepsAcknowledged(t *testing.T) {
	data := t.TempDir()
	cli(t, "Crash-test-2026\n", 0, "user", "add", "--data", data, "--name", "staff", "--role", "staff")
	out, _ := cli(t, "", 0, "token", "create", "--data", data, "--user", "staff")
	token := strings.TrimSpace(out)

	p := startServer(t, data)
	mustPost := func(base, path string, body any, want int) {
		t.Helper()
		res, err := post(base, path, token, body)
		if err != nil || res.Status != want {
			t.Fatalf("POST %s: %v %v", path, err, res)
		}
	}
	mustPost(p.url, "/api/v1/topics", testutil.Topic("t1"), 201)
	mustPost(p.url, "/api/v1/questionnaires", testutil.Definition("q1", "t1"), 201)

	const clients, target = 64, 600
	var (
		mu      sync.Mutex
		acked   = map[string]map[string]any{} // 201 or 200: stored
		unknown = map[string]map[string]any{} // no answer: stored or not
		nAcked  atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := uuid.NewString()
				body := testutil.Response(id, rng.IntN(1000))
				res, err := post(p.url, "/api/v1/questionnaires/q1/responses", token, body)
				mu.Lock()
				switch {
				case err != nil:
					unknown[id] = body
				case res.Status == 201:
					acked[id] = body
					nAcked.Add(1)
				default:
					t.Errorf("client %d: %d %s", c, res.Status, res.Body)
				}
				mu.Unlock()
				if err != nil {
					// The server is gone: wait for the test to say so.
					<-stop
					return
				}
			}
		}()
	}
	for nAcked.Load() < target {
		select {
		case <-p.exited:
			t.Fatalf("the server stopped under load: %s", p.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
	close(stop)
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("killed with %d responses acknowledged, %d without an answer", len(acked), len(unknown))

	p2 := startServer(t, data)
	list := func() map[string]models.Response {
		t.Helper()
		got := map[string]models.Response{}
		after := ""
		for {
			res, err := testutil.Request(p2.url, "GET", "/api/v1/questionnaires/q1/responses?limit=500&after="+after, token, nil)
			if err != nil || res.Status != 200 {
				t.Fatalf("list: %v %v", err, res)
			}
			var page models.Page[models.Response]
			res.JSON(t, &page)
			for _, r := range page.Items {
				got[r.ID] = r
			}
			if page.Next == nil {
				return got
			}
			after = *page.Next
		}
	}
	stored := list()
	for id := range acked {
		if _, ok := stored[id]; !ok {
			t.Fatalf("response %s was acknowledged with 201 but is gone after the crash", id)
		}
	}
	// Retrying what had no answer stores it or recognises it; never a conflict.
	for id, body := range unknown {
		res, err := post(p2.url, "/api/v1/questionnaires/q1/responses", token, body)
		if err != nil || (res.Status != 201 && res.Status != 200) {
			t.Fatalf("retry of %s after the crash: %v %v", id, err, res)
		}
		if _, was := stored[id]; was != (res.Status == 200) {
			t.Fatalf("retry of %s: status %d but stored before the retry: %v", id, res.Status, was)
		}
	}
	n := 0
	for id, body := range acked {
		if n++; n > 50 {
			break
		}
		res, err := post(p2.url, "/api/v1/questionnaires/q1/responses", token, body)
		if err != nil || res.Status != 200 {
			t.Fatalf("retry of acknowledged %s: %v %v", id, err, res)
		}
	}
	stored = list()
	res, err := testutil.Request(p2.url, "GET", "/api/v1/topics/t1/summary", token, nil)
	if err != nil || res.Status != 200 {
		t.Fatalf("summary: %v %v", err, res)
	}
	var s models.Summary
	res.JSON(t, &s)
	if s.Responses.Total != int64(len(stored)) || len(stored) < len(acked) {
		t.Fatalf("summary counts %d responses, %d are stored, %d were acknowledged", s.Responses.Total, len(stored), len(acked))
	}
	p2.stop(t)

	d, err := db.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	testutil.CheckCounters(t, d, "t1")
}

// Bad command lines stop the binary with a message and exit status 2.
func TestBinaryExitStatus(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	for _, args := range [][]string{
		{},
		{"nonsense"},
		{"serve", "--no-such-flag"},
		{"serve", "--data", filepath.Join(file, "data")},
		{"user", "add", "--data", t.TempDir()},
	} {
		_, stderr := cli(t, "", 2, args...)
		if !strings.Contains(stderr, "budgetpoint:") || !strings.Contains(stderr, " / ") {
			t.Fatalf("%v: no clear message: %q", args, stderr)
		}
	}
}

// ---- run() in this process ----

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// serveRun runs `serve` through run() until the returned stop is called;
// it returns the base URL and the output.
type running struct {
	url    string
	out    *testutil.Buffer
	cancel context.CancelFunc
	done   chan error
}

func serveRun(t *testing.T, args []string, env map[string]string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{out: &testutil.Buffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- run(ctx, append([]string{"serve"}, args...), envOf(env), nil, r.out) }()
	re := regexp.MustCompile(`https?://[0-9.:]+`)
	deadline := time.Now().Add(60 * time.Second)
	for r.url == "" {
		select {
		case err := <-r.done:
			t.Fatalf("serve returned at start: %v\n%s", err, r.out.String())
		case <-time.After(5 * time.Millisecond):
		}
		r.url = re.FindString(r.out.String())
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start: %s", r.out.String())
		}
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the context and waits for run to return; it must return nil.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
}

func isUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

func TestRunRefusesBadConfiguration(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	corrupt := t.TempDir()
	os.WriteFile(filepath.Join(corrupt, db.FileName), bytes.Repeat([]byte("not a database "), 500), 0o600)
	good := t.TempDir()
	cases := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"no subcommand", nil, nil},
		{"unknown subcommand", []string{"frobnicate"}, nil},
		{"bad flag", []string{"serve", "--colour"}, nil},
		{"extra argument", []string{"serve", "now"}, nil},
		{"data dir under a file", []string{"serve", "--data", filepath.Join(file, "data"), "--addr", "127.0.0.1:0"}, nil},
		{"data dir is a file", []string{"serve", "--data", file, "--addr", "127.0.0.1:0"}, nil},
		{"data dir under a file from the environment", []string{"serve"}, map[string]string{"BUDGETPOINT_DATA": filepath.Join(file, "d"), "BUDGETPOINT_ADDR": "127.0.0.1:0"}},
		{"not a database", []string{"serve", "--data", corrupt, "--addr", "127.0.0.1:0"}, nil},
		{"bad point id", []string{"serve", "--data", good, "--point-id", "红塔 区"}, nil},
		{"bad point id from the environment", []string{"serve", "--data", good}, map[string]string{"BUDGETPOINT_POINT_ID": "a b"}},
		{"bad interval from the environment", []string{"serve", "--data", good}, map[string]string{"BUDGETPOINT_SYNC_INTERVAL": "soon"}},
		{"interval too short", []string{"serve", "--data", good, "--sync-interval", "10ms"}, nil},
		{"hub without secret", []string{"serve", "--data", good, "--hub", "http://127.0.0.1:1"}, nil},
		{"address that cannot be listened on", []string{"serve", "--data", good, "--addr", "127.0.0.1:99999"}, nil},
		{"address from the environment that cannot be listened on", []string{"serve", "--data", good}, map[string]string{"BUDGETPOINT_ADDR": "256.1.1.1:80"}},
		{"user add without name", []string{"user", "add", "--data", good, "--role", "staff"}, nil},
		{"user add with a bad role", []string{"user", "add", "--data", good, "--name", "x", "--role", "boss"}, nil},
		{"user without add", []string{"user", "remove"}, nil},
		{"token create without user", []string{"token", "create", "--data", good}, nil},
		{"backup without out", []string{"backup", "--data", good}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out testutil.Buffer
			done := make(chan error, 1)
			go func() { done <- run(ctx, c.args, envOf(c.env), strings.NewReader(""), &out) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				cancel()
				<-done
				t.Fatalf("run %v did not refuse; it started: %s", c.args, out.String())
			}
			if err == nil || !isUsage(err) {
				t.Fatalf("run %v: %v, want a usage error (exit status 2)", c.args, err)
			}
			if !strings.Contains(err.Error(), " / ") {
				t.Fatalf("message not in Chinese and English: %v", err)
			}
		})
	}
}

func TestRunEnvironmentAndFirstAdmin(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"BUDGETPOINT_ADDR": "127.0.0.1:0", "BUDGETPOINT_DATA": data, "BUDGETPOINT_POINT_ID": "tonghai", "BUDGETPOINT_SYNC_INTERVAL": "5s"}
	r := serveRun(t, nil, env)
	if _, err := os.Stat(filepath.Join(data, db.FileName)); err != nil {
		t.Fatalf("BUDGETPOINT_DATA not used: %v", err)
	}
	res, err := testutil.Request(r.url, "GET", "/api/v1/health", "", nil)
	if err != nil || res.Status != 200 || !strings.Contains(string(res.Body), `"point_id":"tonghai"`) {
		t.Fatalf("BUDGETPOINT_POINT_ID not used: %v %v", err, res)
	}
	m := regexp.MustCompile(`user admin, password (\S+)`).FindStringSubmatch(r.out.String())
	if m == nil {
		t.Fatalf("the first start did not print the admin password: %s", r.out.String())
	}
	res, err = post(r.url, "/api/v1/login", "", map[string]any{"name": "admin", "password": m[1]})
	if err != nil || res.Status != 200 {
		t.Fatalf("the printed admin password does not sign in: %v %v", err, res)
	}
	r.stop(t)

	// Again on the same data, with a flag that beats the environment: no new password.
	r = serveRun(t, []string{"--point-id", "yimen"}, env)
	if strings.Contains(r.out.String(), "password") {
		t.Fatalf("a second start printed a password again: %s", r.out.String())
	}
	res, err = testutil.Request(r.url, "GET", "/api/v1/health", "", nil)
	if err != nil || !strings.Contains(string(res.Body), `"point_id":"yimen"`) {
		t.Fatalf("the flag did not beat the environment: %v %v", err, res)
	}
	r.stop(t)
}

func TestRunUsersTokensAndBackup(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	none := envOf(nil)
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "add", "--data", data, "--name", "staff", "--role", "staff"}, none, strings.NewReader("Chosen-pw-2026\n"), &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "Chosen-pw-2026") {
		t.Fatalf("user add printed the password it was given: %s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"user", "add", "--name", "deputy", "--role", "deputy"}, envOf(map[string]string{"BUDGETPOINT_DATA": data}), strings.NewReader(""), &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("a generated password is printed: %s", out.String())
	}
	generated := m[1]
	err := run(ctx, []string{"user", "add", "--data", data, "--name", "staff", "--role", "admin"}, none, strings.NewReader("Another-pw-2026\n"), io.Discard)
	if err == nil || isUsage(err) || models.ErrorCode(err) != models.EConflict {
		t.Fatalf("a taken name: %v", err)
	}
	if err := run(ctx, []string{"user", "add", "--data", data, "--name", "short", "--role", "staff"}, none, strings.NewReader("abc\n"), io.Discard); !isUsage(err) {
		t.Fatalf("a short password: %v", err)
	}

	out.Reset()
	if err := run(ctx, []string{"token", "create", "--data", data, "--user", "staff"}, none, nil, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{40,}\n$`).MatchString(out.String()) {
		t.Fatalf("token create must print the token alone: %q", out.String())
	}
	token := strings.TrimSpace(out.String())
	if err := run(ctx, []string{"token", "create", "--data", data, "--user", "nobody"}, none, nil, io.Discard); err == nil {
		t.Fatal("a token for an unknown user")
	}

	r := serveRun(t, []string{"--data", data, "--addr", "127.0.0.1:0"}, nil)
	res, err := post(r.url, "/api/v1/login", "", map[string]any{"name": "deputy", "password": generated})
	if err != nil || res.Status != 200 {
		t.Fatalf("the generated password does not sign in: %v %v", err, res)
	}
	res, err = post(r.url, "/api/v1/login", "", map[string]any{"name": "staff", "password": "Chosen-pw-2026"})
	if err != nil || res.Status != 200 {
		t.Fatalf("the password from stdin does not sign in: %v %v", err, res)
	}
	if res, err := post(r.url, "/api/v1/topics", token, testutil.Topic("t1")); err != nil || res.Status != 201 {
		t.Fatalf("the CLI token does not work: %v %v", err, res)
	}
	if res, err := post(r.url, "/api/v1/questionnaires", token, testutil.Definition("q1", "t1")); err != nil || res.Status != 201 {
		t.Fatalf("questionnaire: %v %v", err, res)
	}
	for i := range 40 {
		if res, err := post(r.url, "/api/v1/questionnaires/q1/responses", token, testutil.Response(uuid.NewString(), i)); err != nil || res.Status != 201 {
			t.Fatalf("response: %v %v", err, res)
		}
	}
	// Back up while clients keep writing.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if res, err := post(r.url, "/api/v1/questionnaires/q1/responses", token, testutil.Response(uuid.NewString(), c*1000+i)); err != nil || res.Status != 201 {
					t.Errorf("response during backup: %v %v", err, res)
					return
				}
			}
		}()
	}
	backupDir := t.TempDir()
	out.Reset()
	err = run(ctx, []string{"backup", "--data", data, "--out", filepath.Join(backupDir, db.FileName)}, none, nil, &out)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup while serving: %v", err)
	}
	if err := run(ctx, []string{"backup", "--data", data, "--out", filepath.Join(backupDir, db.FileName)}, none, nil, io.Discard); err == nil {
		t.Fatal("a backup over an existing file")
	}
	r.stop(t)

	b, err := db.Open(backupDir)
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer b.Close()
	var n int
	testutil.RawOf(t, b).QueryRow(`SELECT count(*) FROM responses`).Scan(&n)
	if n < 40 {
		t.Fatalf("the backup holds %d responses, want at least 40", n)
	}
	if _, err := b.UserByToken(ctx, token); err != nil {
		t.Fatalf("the backup lost the token: %v", err)
	}
	testutil.CheckCounters(t, b, "t1")
}

// Cancelling the context (SIGINT/SIGTERM in main) lets requests in flight
// finish, their writes included, then closes the database cleanly.
func TestRunGracefulShutdown(t *testing.T) {
	// The request in flight is a real one (creating a topic) whose body is
	// still on its way when the shutdown begins: it asks "Expect:
	// 100-continue", so the client learns when the handler starts reading the
	// body, and the body comes through a pipe only after the cancel.
	data := t.TempDir()
	var out testutil.Buffer
	if err := run(context.Background(), []string{"user", "add", "--data", data, "--name", "clerk", "--role", "staff"}, envOf(nil), strings.NewReader("Shutdown-test-1\n"), &out); err != nil {
		t.Fatal(err)
	}
	out = testutil.Buffer{}
	if err := run(context.Background(), []string{"token", "create", "--data", data, "--user", "clerk"}, envOf(nil), nil, &out); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	r := serveRun(t, []string{"--data", data, "--addr", "127.0.0.1:0"}, nil)
	entered := make(chan struct{})
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", r.url+"/api/v1/topics", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{Got100Continue: func() { close(entered) }}))
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	got := make(chan *http.Response, 1)
	go func() {
		res, err := client.Do(req)
		if err != nil {
			t.Error(err)
		}
		got <- res
	}()
	<-entered
	r.cancel()
	r.cancel = nil
	if _, err := pw.Write([]byte(`{"id": "t-slow", "kind": "other", "fiscal_year": 2026, "title": "在途请求"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res := <-got
	if res == nil || res.StatusCode != 201 {
		t.Fatalf("the request in flight did not finish: %v", res)
	}
	res.Body.Close()
	if err := <-r.done; err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
	// New connections are refused now.
	if _, err := testutil.Request(r.url, "GET", "/api/v1/health", "", nil); err == nil {
		t.Fatal("the server still answers after shutdown")
	}
	// Closed cleanly: the write-ahead log is folded back into the file.
	if st, err := os.Stat(filepath.Join(data, db.FileName+"-wal")); err == nil && st.Size() > 0 {
		t.Fatalf("the WAL still holds %d bytes after a clean stop", st.Size())
	}
	d, err := db.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Topic(context.Background(), "t-slow"); err != nil {
		t.Fatalf("the write of the request in flight is gone: %v", err)
	}
}
