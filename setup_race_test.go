package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/internal/testutil"
)

// raceProc is one run of the real binary in a first-start race.
type raceProc struct {
	args           []string
	cmd            *exec.Cmd
	stdout, stderr *testutil.Buffer
	exited         chan struct{}
	url            chan string // servers: the address once they listen
}

// listening is the line serveHTTP prints once a server listens (the hub's
// hints for starting points also hold URLs, but not at the end of a line).
var listening = regexp.MustCompile(`: (http://127\.0\.0\.1:[0-9]+)$`)

// newRaceProc prepares a run; start starts it.
func newRaceProc(stdin string, args ...string) *raceProc {
	p := &raceProc{args: args, cmd: exec.Command(binPath, args...), stdout: &testutil.Buffer{}, stderr: &testutil.Buffer{},
		exited: make(chan struct{}), url: make(chan string, 1)}
	p.cmd.Env = cleanEnv()
	p.cmd.Stdin = strings.NewReader(stdin)
	p.cmd.Stderr = p.stderr
	return p
}

func (p *raceProc) start(t *testing.T) error {
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := p.cmd.Start(); err != nil {
		return err
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.stdout.Write(append(sc.Bytes(), '\n'))
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case p.url <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() { <-read; p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return nil
}

func (p *raceProc) code() int { return p.cmd.ProcessState.ExitCode() }

func (p *raceProc) String() string {
	return fmt.Sprintf("budgetpoint %s\nstdout: %s\nstderr: %s", strings.Join(p.args, " "), p.stdout.String(), p.stderr.String())
}

// wait waits for a command to end and returns its exit status.
func (p *raceProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(90 * time.Second):
		t.Fatalf("did not end in 90 s: %s", p)
	}
	return p.code()
}

// waitStarted waits for a server to listen and returns its URL, or for it
// to stop and returns its exit status.
func (p *raceProc) waitStarted(t *testing.T) (string, int) {
	t.Helper()
	select {
	case u := <-p.url:
		return u, 0
	case <-p.exited:
		// It may have printed its address just before stopping.
		select {
		case u := <-p.url:
			t.Errorf("stopped after it listened on %s: %s", u, p)
		default:
		}
		return "", p.code()
	case <-time.After(90 * time.Second):
		t.Fatalf("the server did not listen within 90 s: %s", p)
	}
	return "", 0
}

// stop ends a server with SIGTERM; it must stop cleanly.
func (p *raceProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit status %d after SIGTERM: %s", code, p)
	}
}

// racer is one goroutine's CLI work: commands run one after the other.
type racer struct {
	procs []*raceProc
}

// startTogether starts every server and the first command of every racer at
// the same moment, then each racer's later commands as soon as its previous
// one ended. It returns when every racer's commands have ended.
func startTogether(t *testing.T, servers []*raceProc, racers []*racer) {
	t.Helper()
	for _, s := range servers {
		if err := s.start(t); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range racers {
		if err := r.procs[0].start(t); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(racers))
	for _, r := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, p := range r.procs {
				if i > 0 {
					if err := p.start(t); err != nil {
						errs <- err
						return
					}
				}
				<-p.exited
				if p.code() != 0 {
					return // checked by the caller; the rest would only repeat the failure
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// badSetup are the messages no process may print when processes set up the same new data directory.
var badSetup = []string{"database is locked", "already exists", "数据库迁移失败", "migrating", "panic", "UNIQUE constraint"}

func checkOutput(t *testing.T, p *raceProc) {
	t.Helper()
	all := p.stdout.String() + p.stderr.String()
	for _, bad := range badSetup {
		if strings.Contains(all, bad) {
			t.Errorf("%q in the output of %s", bad, p)
			return
		}
	}
}

// demoCounts is what one demo load stores, for comparing a raced load with.
func demoCounts(t *testing.T, d *db.DB) map[string]int64 {
	t.Helper()
	s := testutil.Snapshot(t, d)
	// users differ (the racers add their own); seq and the outbox's versions
	// count transactions, which depend on how the writes were batched.
	delete(s, "users")
	delete(s, "seq")
	delete(s, "outbox")
	return s
}

// checkDB opens the raced data directory and checks it is whole: every
// migration recorded once, one admin, the users named, and for a point the
// demo content stored once with counters equal to a recount.
func checkDB(t *testing.T, kind, dir string, users []string, want map[string]int64) {
	t.Helper()
	sets := map[string][][2]string{"serve": {{"accounts", "db/migrations/accounts"}, {"point", "db/migrations/point"}},
		"hub": {{"accounts", "db/migrations/accounts"}, {"hub", "hub/migrations"}}}[kind]
	var names []string
	for _, set := range sets {
		files, err := filepath.Glob(filepath.Join(set[1], "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no migrations found under %s: %v", set[1], err)
		}
		for _, f := range files {
			names = append(names, set[0]+"/"+filepath.Base(f))
		}
	}
	sort.Strings(names)
	open := func(dir string) (*db.DB, error) { return openData(dir, "") }
	if kind == "hub" {
		open = openHubData
	}
	d, err := open(dir)
	if err != nil {
		t.Fatalf("opening the raced directory: %v", err)
	}
	defer d.Close()
	raw := testutil.RawOf(t, d)
	rows, err := raw.Query(`SELECT schema || '/' || name, count(*) FROM schema_migrations GROUP BY schema, name ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var recorded []string
	for rows.Next() {
		var name string
		var n int
		rows.Scan(&name, &n)
		if n != 1 {
			t.Errorf("migration %s recorded %d times", name, n)
		}
		recorded = append(recorded, name)
	}
	rows.Close()
	if strings.Join(recorded, ",") != strings.Join(names, ",") {
		t.Errorf("migrations recorded %v, want %v", recorded, names)
	}
	var admins int
	if err := raw.QueryRow(`SELECT count(*) FROM users WHERE role='admin'`).Scan(&admins); err != nil {
		t.Fatal(err)
	}
	if admins != 1 {
		t.Errorf("%d admins, want 1", admins)
	}
	for _, u := range append([]string{"admin"}, users...) {
		if _, err := d.UserByName(context.Background(), u); err != nil {
			t.Errorf("user %s: %v", u, err)
		}
	}
	if want != nil {
		if got := demoCounts(t, d); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the demo content is not stored exactly once:\n got  %v\n want %v", got, want)
		}
		var topics []string
		for _, tp := range demo.Topics() {
			topics = append(topics, tp.ID)
		}
		testutil.CheckCounters(t, d, topics...)
	}
}

// TestFirstStartRace starts, at the same moment on a new data directory, two
// servers with --demo and CLI runs (user add then token create, and token
// create for a demo login that may not exist yet), for a contact point and
// for the hub, a few times over. No process may fail on the database or on
// set-up, and the database must be whole: every migration once, one admin,
// the demo content once.
func TestFirstStartRace(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	ref, err := db.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(context.Background(), ref, "hongta", io.Discard); err != nil {
		t.Fatal(err)
	}
	want := demoCounts(t, ref)
	ref.Close()

	const rounds = 3
	for _, kind := range []string{"serve", "hub"} {
		for round := 0; round < rounds; round++ {
			// In the last round the two servers ask for the same port: one of
			// them cannot listen, which must be its only complaint.
			samePort := round == rounds-1
			t.Run(fmt.Sprintf("%s-%d", kind, round), func(t *testing.T) {
				raceRound(t, kind, samePort, want)
			})
			if t.Failed() {
				return
			}
		}
	}
}

func raceRound(t *testing.T, kind string, samePort bool, want map[string]int64) {
	dir := filepath.Join(t.TempDir(), "data") // new: not even the directory exists
	demoUser, role := "staff", "staff"
	if kind == "hub" {
		demoUser, role, want = "committee", "committee", nil
	}
	addrs := []string{"127.0.0.1:0", "127.0.0.1:0"}
	if samePort {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = []string{ln.Addr().String(), ln.Addr().String()}
		ln.Close()
	}
	var servers []*raceProc
	for _, addr := range addrs {
		servers = append(servers, newRaceProc("", kind, "--demo", "--data", dir, "--addr", addr))
	}
	var racers []*racer
	var users []string
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("clerk%d", i)
		users = append(users, name)
		racers = append(racers, &racer{procs: []*raceProc{
			newRaceProc("Race-pw-2026\n", "user", "add", "--data", dir, "--name", name, "--role", role),
			newRaceProc("", "token", "create", "--data", dir, "--user", name),
		}})
	}
	// The demo login exists only once a server has made it: before, "not found" is the right answer.
	early := []*raceProc{newRaceProc("", "token", "create", "--data", dir, "--user", demoUser), newRaceProc("", "token", "create", "--data", dir, "--user", demoUser)}
	for _, p := range early {
		racers = append(racers, &racer{procs: []*raceProc{p}})
	}

	startTogether(t, servers, racers)

	for _, r := range racers {
		for _, p := range r.procs {
			checkOutput(t, p)
			select {
			case <-p.exited:
			default:
				continue // not run: the one before it failed, reported there
			}
			code := p.code()
			if code != 0 && !(code == 1 && containsProc(early, p) && strings.Contains(p.stderr.String(), "user not found")) {
				t.Errorf("exit status %d: %s", code, p)
			}
		}
	}
	var token string
	if p := racers[0].procs[1]; p.cmd.ProcessState != nil && p.code() == 0 {
		token = strings.TrimSpace(p.stdout.String())
	}
	path := "/api/v1/topics/t-2027-budget-draft/summary"
	if kind == "hub" {
		path = "/api/v1/committee/points"
	}
	var listeners []*raceProc
	for _, s := range servers {
		url, code := s.waitStarted(t)
		if url == "" {
			// The loser of the same port must have set up the data as well
			// and stopped on the port alone.
			if !samePort || code != 2 || !strings.Contains(s.stderr.String(), "cannot listen") {
				t.Errorf("the server stopped at start (exit status %d): %s", code, s)
			}
			checkOutput(t, s)
			continue
		}
		listeners = append(listeners, s)
		res, err := testutil.Request(url, "GET", path, token, nil)
		if err != nil {
			t.Errorf("GET %s at %s: %v", path, url, err)
		} else if res.Status != 200 {
			t.Errorf("GET %s at %s: %d %s", path, url, res.Status, res.Body)
		}
	}
	if want := map[bool]int{false: 2, true: 1}[samePort]; len(listeners) != want {
		t.Errorf("%d servers listen, want %d", len(listeners), want)
	}
	for _, s := range listeners {
		s.stop(t)
		checkOutput(t, s)
	}
	created := 0
	for _, s := range servers {
		created += strings.Count(s.stdout.String(), "created the first admin")
	}
	if created != 1 {
		t.Errorf("the admin was created %d times, want once", created)
	}
	if t.Failed() {
		return
	}
	checkDB(t, kind, dir, append(users, demoUser, map[string]string{"serve": "deputy", "hub": "committee"}[kind]), want)
}

func containsProc(ps []*raceProc, p *raceProc) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}
