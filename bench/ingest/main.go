// Command ingest is budgetpoint's load command. In one run, on one disk, it
// measures
//
//   - the baseline: raw go-sqlite3 inserts of response-like rows, one row per
//     transaction, with the server's own connection settings (db.DSN: WAL,
//     synchronous=FULL, foreign keys, busy timeout), measured before and
//     after the load so that a shared machine's drift shows;
//   - the real server binary (built with go build into a temporary
//     directory, started with `serve --demo` on a temporary data directory,
//     with a staff login and token made through the command line) and
//     PocketBase v0.36.8 (bench/pocketbase, a module of its own) side by
//     side, loaded in turn, phase by phase, for -rounds rounds, with
//     realistic, varied, valid responses over loopback HTTP at 16 and 64
//     concurrent keep-alive clients: requests per second, p50, p99, and the
//     CPU time per request of each server and of this load generator;
//   - both servers' resident memory (/proc/PID/status), anonymous and
//     file-backed apart, when idle and after the load;
//
// then checks that every acknowledged response is stored and the summary
// counters equal a recount (and every record PocketBase acknowledged is in
// its database), and prints tables with the ratios against the goals of
// issue 13. Every phase is bounded by a request count and a time limit;
// everything stays on the loopback interface and in a temporary directory.
// -scale measures instead how the summary, the dashboard, the exports and
// memory hold up as one point's data grows (scale.go). docs/performance.md
// describes the method and recorded runs.
//
//	go run ./bench/ingest [-requests 20000] [-rounds 2] [-clients 16,64] [-pocketbase=false] [-cpuprofile F]
//	go run ./bench/ingest -scale 1000,10000,100000,1000000
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/models"
)

type config struct {
	dir      string
	requests int
	rounds   int
	warmup   int
	maxTime  time.Duration
	clients  []int
	rawRows  int
	rawTime  time.Duration
	keep     bool
	seed     uint64
	url      string
	token    string
	bin      string
	std      bool
	// pocketbase: load PocketBase (bench/pocketbase) the same way, after the server.
	pocketbase bool
	// profile, memprofile: write the server's CPU and allocation profiles here.
	profile, memprofile string
}

func main() {
	var c config
	var clients, scale string
	flag.StringVar(&c.dir, "dir", "", "where to make the temporary directory (default: the system's temporary directory); the baseline and the server use the same one")
	flag.IntVar(&c.requests, "requests", 20000, "requests per client-count phase")
	flag.IntVar(&c.rounds, "rounds", 2, "alternating rounds of the server's and PocketBase's phases")
	flag.IntVar(&c.warmup, "warmup", 1000, "unmeasured requests before the first phase")
	flag.DurationVar(&c.maxTime, "max-time", 30*time.Second, "time limit of each phase")
	flag.StringVar(&clients, "clients", "16,64", "concurrent clients of each phase, comma-separated")
	flag.IntVar(&c.rawRows, "raw-rows", 5000, "rows of each baseline measurement")
	flag.DurationVar(&c.rawTime, "raw-time", 15*time.Second, "time limit of each baseline measurement")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary directory")
	flag.Uint64Var(&c.seed, "seed", 2027, "seed of the generated responses")
	flag.BoolVar(&c.std, "std-client", false, "send with net/http's client instead of the lean HTTP/1.1 client (costs the shared CPUs more)")
	flag.BoolVar(&c.pocketbase, "pocketbase", true, "also load PocketBase v0.36.8 (bench/pocketbase, built from its own module) the same way, right after the server")
	flag.StringVar(&c.profile, "cpuprofile", "", "write the server's CPU profile of the whole run (serve --cpuprofile) to this file; read it with go tool pprof")
	flag.StringVar(&c.memprofile, "memprofile", "", "write the server's allocations of the whole run (serve --memprofile) to this file")
	flag.StringVar(&scale, "scale", "", "instead: grow one point's data to each of these sizes (e.g. 1000,10000,100000,1000000) and measure the summary, the dashboard, the exports, a short ingest and memory at each")
	flag.StringVar(&c.bin, "bin", "", "use this budgetpoint binary instead of building one from the module")
	flag.StringVar(&c.url, "url", "", "only load an already running server (with demo content) at this URL, e.g. for profiling; needs -token")
	flag.StringVar(&c.token, "token", "", "with -url: a staff or admin bearer token")
	flag.Parse()
	for _, s := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 1024 {
			fatal("bad -clients %q", clients)
		}
		c.clients = append(c.clients, n)
	}
	if c.requests < 1 || c.rawRows < 1 || c.rounds < 1 {
		fatal("-requests and -raw-rows must be positive")
	}
	if scale != "" {
		var sizes []int
		for _, f := range strings.Split(scale, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || (len(sizes) > 0 && n <= sizes[len(sizes)-1]) {
				fatal("bad -scale %q: sizes in growing order", scale)
			}
			sizes = append(sizes, n)
		}
		if err := runScale(c, sizes); err != nil {
			fatal("%v", err)
		}
		return
	}
	if c.url != "" {
		if c.token == "" {
			fatal("-url needs -token")
		}
		if err := loadOnly(c); err != nil {
			fatal("%v", err)
		}
		return
	}
	if err := run(c); err != nil {
		fatal("%v", err)
	}
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ingest: "+format+"\n", args...)
	os.Exit(1)
}

type phase struct {
	round     int // of the alternating rounds (0: a baseline)
	clients   int
	n         int
	status    map[int]int
	elapsed   time.Duration
	lat       []time.Duration
	firstErr  string
	cpu       time.Duration // the server's CPU time (user+system) during the phase
	clientCPU time.Duration // this load generator's CPU time during the phase
}

// cpuPerReq is the server's CPU time per request, which a busy shared machine
// disturbs less than the rate.
func (p *phase) cpuPerReq() string {
	if p.cpu == 0 || p.n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f µs", float64(p.cpu.Microseconds())/float64(p.n))
}

func (p *phase) clientCPUPerReq() string {
	if p.n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f µs", float64(p.clientCPU.Microseconds())/float64(p.n))
}

func (p *phase) rate() float64 { return float64(p.n) / p.elapsed.Seconds() }

func (p *phase) pct(q float64) time.Duration {
	if len(p.lat) == 0 {
		return 0
	}
	i := int(q*float64(len(p.lat))+0.5) - 1
	return p.lat[min(max(i, 0), len(p.lat)-1)]
}

func run(c config) error {
	base, bin, done, err := setUp(c, "bp-ingest-")
	if err != nil {
		return err
	}
	defer done()

	rng := rand.New(rand.NewPCG(c.seed, c.seed^0x9e3779b97f4a7c15))
	defs := demo.Questionnaires()

	// (a) the baseline, before the server runs.
	raw1, err := rawInserts(filepath.Join(base, "raw-1.db"), c, rng, defs)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	fmt.Printf("raw one-row-per-transaction inserts (before): %d rows in %v = %.0f rows/s\n", raw1.n, raw1.elapsed.Round(time.Millisecond), raw1.rate())

	// (b) the server and (c) PocketBase, both started now and loaded in
	// turn, phase by phase, for -rounds rounds: each phase of one is
	// followed by the same phase of the other, so that a drift of the
	// shared machine falls on both.
	data := filepath.Join(base, "data")
	srv, err := startServer(bin, data, base, c.profile, c.memprofile, true)
	if err != nil {
		return err
	}
	defer srv.kill()
	token, err := benchLogin(bin, data)
	if err != nil {
		return err
	}
	before, err := countResponses(filepath.Join(data, db.FileName))
	if err != nil {
		return err
	}
	var pb *server
	if c.pocketbase {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		if pb, err = startPocketBase(root, base); err != nil {
			return err
		}
		defer pb.kill()
	}
	time.Sleep(2 * time.Second) // let start-up settle
	idle := procStatus(srv.cmd.Process.Pid)
	fmt.Printf("server pid %d on %s, idle: VmRSS %s (anonymous %s)\n", srv.cmd.Process.Pid, srv.url, kb(idle["VmRSS"]), kb(idle["RssAnon"]))
	var pbIdle map[string]int64
	if pb != nil {
		pbIdle = procStatus(pb.cmd.Process.Pid)
		fmt.Printf("PocketBase pid %d on %s, idle: VmRSS %s (anonymous %s)\n", pb.cmd.Process.Pid, pb.url, kb(pbIdle["VmRSS"]), kb(pbIdle["RssAnon"]))
	}

	client := stdClient(c)
	created, pbCreated := 0, 0
	if c.warmup > 0 {
		w, err := load(client, srv.url, token, c.clients[0], bodies(rng, defs, c.warmup), c.maxTime)
		if err != nil {
			return err
		}
		created += w.status[http.StatusCreated]
		fmt.Printf("warm-up: %d requests at %d clients, %.0f req/s (not counted)\n", w.n, w.clients, w.rate())
		if pb != nil {
			w, err := loadWant(client, pb.url, "", c.clients[0], pbBodies(bodies(rng, defs, c.warmup)), c.maxTime, http.StatusOK)
			if err != nil {
				return err
			}
			pbCreated += w.status[http.StatusOK]
		}
	}
	var phases, pbPhases []*phase
	for round := 1; round <= c.rounds; round++ {
		for _, n := range c.clients {
			runtime.GC()
			reqs := bodies(rng, defs, c.requests)
			var pbReqs []request
			if pb != nil {
				pbReqs = pbBodies(bodies(rng, defs, c.requests))
			}
			p, err := runPhase(client, "server", srv, token, round, n, reqs, c.maxTime, http.StatusCreated)
			if err != nil {
				return err
			}
			created += p.status[http.StatusCreated]
			phases = append(phases, p)
			if pb == nil {
				continue
			}
			runtime.GC()
			q, err := runPhase(client, "PocketBase", pb, "", round, n, pbReqs, c.maxTime, http.StatusOK)
			if err != nil {
				return err
			}
			pbCreated += q.status[http.StatusOK]
			pbPhases = append(pbPhases, q)
		}
	}
	after := procStatus(srv.cmd.Process.Pid)
	var pbAfter map[string]int64
	if pb != nil {
		pbAfter = procStatus(pb.cmd.Process.Pid)
	}
	if client != nil {
		client.CloseIdleConnections()
	}
	time.Sleep(3 * time.Second)
	settled := procStatus(srv.cmd.Process.Pid)
	if err := srv.stop(); err != nil {
		return fmt.Errorf("stopping the server: %w", err)
	}

	// Nothing acknowledged is missing, and the counters agree with a recount.
	stored, err := countResponses(filepath.Join(data, db.FileName))
	if err != nil {
		return err
	}
	check := "ok"
	if stored-before != created {
		check = fmt.Sprintf("FAILED: %d responses acknowledged with 201, %d stored", created, stored-before)
	} else if err := recountAll(data); err != nil {
		check = "FAILED: " + err.Error()
	}
	fmt.Printf("check: %d responses acknowledged with 201, %d new rows, counters == recount: %s\n", created, stored-before, check)
	pbCheck := "not run (-pocketbase=false)"
	if pb != nil {
		if err := pb.stop(); err != nil {
			return fmt.Errorf("stopping PocketBase: %w", err)
		}
		n, err := countPocketBase(base)
		switch {
		case err != nil:
			pbCheck = "FAILED: " + err.Error()
		case n != pbCreated:
			pbCheck = fmt.Sprintf("FAILED: %d records acknowledged with 200, %d stored", pbCreated, n)
		default:
			pbCheck = fmt.Sprintf("ok (%d records acknowledged, %d stored)", pbCreated, n)
		}
	}

	// (a) again, after the load, on the same disk.
	raw2, err := rawInserts(filepath.Join(base, "raw-2.db"), c, rng, defs)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	fmt.Printf("raw one-row-per-transaction inserts (after): %d rows in %v = %.0f rows/s\n", raw2.n, raw2.elapsed.Round(time.Millisecond), raw2.rate())

	report(raw1, raw2, phases, idle, after, settled, check)
	if pb != nil {
		reportPocketBase(phases, pbPhases, pbIdle, pbAfter, pbCheck)
	}
	if check != "ok" {
		return errors.New("the server lost or miscounted responses")
	}
	for _, p := range phases {
		if p.status[http.StatusCreated] != p.n {
			return fmt.Errorf("%d clients: not every request was answered 201", p.clients)
		}
	}
	return nil
}

// setUp makes the run's temporary directory (removed by done unless -keep),
// says what machine this is, and builds the server binary into it.
func setUp(c config, prefix string) (base, bin string, done func(), err error) {
	base, err = os.MkdirTemp(c.dir, prefix)
	if err != nil {
		return "", "", nil, err
	}
	done = func() { os.RemoveAll(base) }
	if c.keep {
		fmt.Printf("temporary directory (kept): %s\n", base)
		done = func() {}
	}
	printMachine(base)
	if bin, err = serverBinary(c, base); err != nil {
		done()
		return "", "", nil, err
	}
	return base, bin, done, nil
}

// serverBinary builds the server from this module into base, or takes -bin.
func serverBinary(c config, base string) (string, error) {
	if c.bin != "" {
		bin, err := filepath.Abs(c.bin)
		if err == nil {
			fmt.Printf("server binary: %s\n", bin)
		}
		return bin, err
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(base, "budgetpoint")
	fmt.Printf("building %s …\n", bin)
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	return bin, nil
}

// loadOnly runs the load phases against a server someone else started.
func loadOnly(c config) error {
	rng := rand.New(rand.NewPCG(c.seed, uint64(time.Now().UnixNano())))
	defs := demo.Questionnaires()
	client := stdClient(c)
	for _, n := range c.clients {
		p, err := load(client, strings.TrimRight(c.url, "/"), c.token, n, bodies(rng, defs, c.requests), c.maxTime)
		if err != nil {
			return err
		}
		fmt.Printf("%d clients: %d requests in %v = %.0f req/s, p50 %v, p99 %v, load generator CPU %s/request, statuses %v\n", n, p.n,
			p.elapsed.Round(time.Millisecond), p.rate(), ms(p.pct(0.50)), ms(p.pct(0.99)), p.clientCPUPerReq(), p.status)
		if p.firstErr != "" {
			fmt.Printf("  first failure: %s\n", p.firstErr)
		}
	}
	return nil
}

// stdClient is net/http's client when -std-client is given, else nil (the lean client).
func stdClient(c config) *http.Client {
	if !c.std {
		return nil
	}
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 2048, MaxIdleConnsPerHost: 2048, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}, Timeout: 60 * time.Second}
}

func report(raw1, raw2 *phase, phases []*phase, idle, after, settled map[string]int64, check string) {
	raw := max(raw1.rate(), raw2.rate()) // the stricter baseline of the two
	fmt.Println()
	fmt.Println("| measurement | requests | req/s | p50 | p99 | server CPU/request | ratio to raw |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	fmt.Printf("| raw insert, 1 row/tx, FULL (before) | %d | %.0f | %v | %v | – | %.2f |\n", raw1.n, raw1.rate(), ms(raw1.pct(0.5)), ms(raw1.pct(0.99)), raw1.rate()/raw)
	fmt.Printf("| raw insert, 1 row/tx, FULL (after) | %d | %.0f | %v | %v | – | %.2f |\n", raw2.n, raw2.rate(), ms(raw2.pct(0.5)), ms(raw2.pct(0.99)), raw2.rate()/raw)
	for _, p := range phases {
		fmt.Printf("| server, round %d, %d clients | %d | %.0f | %v | %v | %s | **%.2f** |\n", p.round, p.clients, p.n, p.rate(), ms(p.pct(0.5)), ms(p.pct(0.99)), p.cpuPerReq(), p.rate()/raw)
	}
	fmt.Println()
	fmt.Println("| server memory | VmRSS | of which anonymous | of which file-backed | VmHWM (peak) |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, m := range []struct {
		what string
		st   map[string]int64
	}{{"idle, after start-up with demo content", idle}, {"right after the load", after}, {"3 s after the load", settled}} {
		fmt.Printf("| %s | %s | %s | %s | %s |\n", m.what, kb(m.st["VmRSS"]), kb(m.st["RssAnon"]), kb(m.st["RssFile"]), kb(m.st["VmHWM"]))
	}
	fmt.Println()
	fmt.Printf("baseline (higher of before/after): %.0f rows/s\n", raw)
	for _, p := range phases {
		fmt.Printf("ratio server/raw, round %d, %d clients: %.2f  (goal ≥ 0.90: %s)\n", p.round, p.clients, p.rate()/raw, pass(p.rate()/raw >= 0.9))
	}
	for _, p := range phases {
		if p.clients == 64 {
			fmt.Printf("server CPU per accepted response, round %d, 64 clients: %s  (goal ≤ 100 µs: %s)\n", p.round, p.cpuPerReq(), pass(p.n > 0 && p.cpu <= time.Duration(p.n)*100*time.Microsecond))
		}
	}
	fmt.Printf("idle RSS: %s, of which anonymous %s (goal ≤ 12 MB: %s), file-backed %s\n", kb(idle["VmRSS"]), kb(idle["RssAnon"]), pass(idle["RssAnon"] <= 12*1024), kb(idle["RssFile"]))
	fmt.Printf("after-load RSS / idle RSS: %.2f\n", float64(after["VmRSS"])/float64(idle["VmRSS"]))
	fmt.Printf("durability check: %s\n", check)
}

func pass(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func kb(v int64) string { return fmt.Sprintf("%.1f MB", float64(v)/1024) }

// printMachine says what the numbers were measured on.
func printMachine(dir string) {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	load := []string{"?", "?", "?"}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil && len(strings.Fields(string(b))) >= 3 {
		load = strings.Fields(string(b))[:3]
	}
	var st syscall.Statfs_t
	syscall.Statfs(dir, &st)
	fmt.Printf("machine: %d CPUs (%s), %s %s, Go %s, load average %s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH,
		runtime.Version(), strings.Join(load, " "))
	fmt.Printf(", directory %s (filesystem type 0x%x)\n", dir, st.Type)
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run this from inside the budgetpoint module")
	}
	return filepath.Dir(mod), nil
}

// rawInserts is the baseline: response-like rows, each in its own
// transaction, through the same driver and connection settings as the server.
func rawInserts(path string, c config, rng *rand.Rand, defs []models.Definition) (*phase, error) {
	conn, err := sql.Open("sqlite3", db.DSN(path, "_txlock=immediate"))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	if _, err := conn.Exec(`CREATE TABLE responses (
  rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, questionnaire_id TEXT NOT NULL, version INTEGER NOT NULL,
  topic_id TEXT NOT NULL, respondent_kind TEXT NOT NULL, deputy_id TEXT, respondent_desc TEXT NOT NULL DEFAULT '',
  channel TEXT NOT NULL, answers TEXT NOT NULL, content_hash TEXT NOT NULL, serial TEXT NOT NULL DEFAULT '',
  entered_by TEXT NOT NULL DEFAULT '', submitted_by INTEGER, created_at TEXT NOT NULL);
CREATE INDEX responses_q ON responses(questionnaire_id, rowid);
CREATE INDEX responses_topic ON responses(topic_id);
CREATE INDEX responses_user ON responses(submitted_by, rowid);`); err != nil {
		return nil, err
	}
	type row struct {
		id, qid, topic, kind, channel, answers, serial string
	}
	rows := make([]row, c.rawRows)
	for i := range rows {
		d := &defs[pick(rng, defs)]
		s := demo.RandomSubmission(rng, d, "bench")
		a, _ := json.Marshal(s.Answers)
		rows[i] = row{s.ID, d.ID, d.TopicID, s.Respondent.Kind, s.Channel, string(a), s.Serial}
	}
	ins, err := conn.Prepare(`INSERT INTO responses(id, questionnaire_id, version, topic_id, respondent_kind, respondent_desc, channel, answers, content_hash, serial, submitted_by, created_at)
		VALUES(?,?,1,?,?,'',?,?,?,?,1,?)`)
	if err != nil {
		return nil, err
	}
	defer ins.Close()
	p := &phase{clients: 1, status: map[int]int{}}
	start := time.Now()
	deadline := start.Add(c.rawTime)
	for i, r := range rows {
		t0 := time.Now()
		if t0.After(deadline) {
			break
		}
		tx, err := conn.Begin()
		if err != nil {
			return nil, err
		}
		if _, err := tx.Stmt(ins).Exec(r.id, r.qid, r.topic, r.kind, r.channel, r.answers, fmt.Sprintf("%064x", i), r.serial, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			tx.Rollback()
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
		p.lat = append(p.lat, time.Since(t0))
		p.n++
	}
	p.elapsed = time.Since(start)
	slices.Sort(p.lat)
	return p, nil
}

// pick chooses a questionnaire the way the demo content weighs them (240:90).
func pick(rng *rand.Rand, defs []models.Definition) int {
	if len(defs) > 1 && rng.IntN(330) >= 240 {
		return 1 + rng.IntN(len(defs)-1)
	}
	return 0
}

type request struct {
	path string
	body []byte
}

// bodies makes n valid, varied submissions to the demo questionnaires, as
// staff typing in paper forms and online answers would send them.
func bodies(rng *rand.Rand, defs []models.Definition, n int) []request {
	deps := demo.Deputies()
	descs := []string{"红塔区玉兴街道居民", "个体工商户", "退休教师", "社区工作者", "高校学生", "企业财务人员"}
	out := make([]request, n)
	for i := range out {
		d := &defs[pick(rng, defs)]
		s := demo.RandomSubmission(rng, d, "bench")
		resp := map[string]string{"kind": s.Respondent.Kind}
		switch {
		case s.Respondent.Kind == "deputy" && rng.IntN(2) == 0:
			resp["deputy_id"] = deps[rng.IntN(len(deps))].ID
		case s.Respondent.Kind == "public" && rng.IntN(2) == 0:
			resp["description"] = descs[rng.IntN(len(descs))]
		}
		body := map[string]any{"id": s.ID, "respondent": resp, "channel": s.Channel, "answers": s.Answers}
		if s.Serial != "" {
			body["serial"] = s.Serial
		}
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		out[i] = request{"/api/v1/questionnaires/" + d.ID + "/responses", b}
	}
	return out
}

// load sends the requests from the given number of concurrent clients, each
// waiting for its answer before sending the next, until all are sent or the
// time limit passes.
// runPhase loads one server (the point's, or PocketBase with no token) with
// reqs from n clients, counts the server's CPU over it, and prints its line.
func runPhase(client *http.Client, name string, s *server, token string, round, n int, reqs []request, limit time.Duration, want int) (*phase, error) {
	cpu0 := procCPU(s.cmd.Process.Pid)
	p, err := loadWant(client, s.url, token, n, reqs, limit, want)
	if err != nil {
		return nil, err
	}
	p.cpu, p.round = procCPU(s.cmd.Process.Pid)-cpu0, round
	cpu := "CPU per request " + p.cpuPerReq()
	if token != "" {
		cpu = "CPU per request: server " + p.cpuPerReq() + ", load generator " + p.clientCPUPerReq()
	}
	fmt.Printf("round %d, %s, %d clients: %d requests in %v = %.0f req/s, p50 %v, p99 %v, %s, statuses %v\n", round, name, n, p.n,
		p.elapsed.Round(time.Millisecond), p.rate(), ms(p.pct(0.50)), ms(p.pct(0.99)), cpu, p.status)
	if p.firstErr != "" {
		fmt.Printf("  first failure: %s\n", p.firstErr)
	}
	return p, nil
}

func load(client *http.Client, base, token string, clients int, reqs []request, limit time.Duration) (*phase, error) {
	return loadWant(client, base, token, clients, reqs, limit, http.StatusCreated)
}

// loadWant is load for a server whose success is the status want
// (PocketBase answers a created record 200).
func loadWant(client *http.Client, base, token string, clients int, reqs []request, limit time.Duration, want int) (*phase, error) {
	p := &phase{clients: clients, status: map[int]int{}}
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	var fatalErr atomic.Value
	conns := make([]*leanConn, clients)
	for i := range conns {
		var err error
		if conns[i], err = newLeanConn(base); err != nil {
			return nil, err
		}
	}
	cpu0 := selfCPU()
	start := time.Now()
	deadline := start.Add(limit)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(lc *leanConn) {
			defer wg.Done()
			defer lc.close()
			lat := make([]time.Duration, 0, len(reqs)/clients+1)
			status := map[int]int{}
			firstErr := ""
			buf := make([]byte, 4096)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) || time.Now().After(deadline) {
					break
				}
				r := reqs[i]
				t0 := time.Now()
				var code, n int
				var err error
				if client != nil {
					code, n, err = stdPost(client, base, r.path, token, r.body, buf)
				} else {
					code, n, err = lc.post(r.path, token, r.body, buf)
				}
				if err != nil {
					fatalErr.CompareAndSwap(nil, err)
					break
				}
				lat = append(lat, time.Since(t0))
				status[code]++
				if code != want && firstErr == "" {
					firstErr = fmt.Sprintf("%d %s", code, buf[:n])
				}
			}
			mu.Lock()
			p.lat = append(p.lat, lat...)
			for k, v := range status {
				p.status[k] += v
			}
			if p.firstErr == "" {
				p.firstErr = firstErr
			}
			mu.Unlock()
		}(conns[w])
	}
	wg.Wait()
	p.elapsed = time.Since(start)
	p.clientCPU = selfCPU() - cpu0
	if e := fatalErr.Load(); e != nil {
		return nil, fmt.Errorf("%d clients: %w", clients, e.(error))
	}
	p.n = len(p.lat)
	slices.Sort(p.lat)
	return p, nil
}

// selfCPU is the user and system CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type server struct {
	cmd  *exec.Cmd
	url  string
	done chan error
	log  string
}

// startServer starts `serve` (with --demo when asked) on a free loopback port and waits until
// it answers.
func startServer(bin, data, base, profile, memprofile string, withDemo bool) (*server, error) {
	args := []string{"serve", "--data", data, "--addr", "127.0.0.1:0"}
	if withDemo {
		args = append(args, "--demo")
	}
	for _, f := range []struct{ flag, path string }{{"--cpuprofile", profile}, {"--memprofile", memprofile}} {
		if f.path == "" {
			continue
		}
		p, err := filepath.Abs(f.path)
		if err != nil {
			return nil, err
		}
		args = append(args, f.flag, p)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "BUDGETPOINT_HUB=") // never sync anywhere
	return startProcess("the server", cmd, filepath.Join(base, "server.log"), func(line string) (string, bool) {
		i := strings.Index(line, "http://")
		return line[max(i, 0):], i >= 0 && strings.Contains(line, "contact point")
	}, "/api/v1/health")
}

// startProcess starts cmd (its stderr to logPath), takes its address from
// the first line of its stdout that addr accepts, and waits until health
// answers 200 there.
func startProcess(what string, cmd *exec.Cmd, logPath string, addr func(line string) (string, bool), health string) (*server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan error, 1), log: logPath}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := addr(sc.Text()); ok {
				select {
				case found <- u:
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() { s.done <- cmd.Wait(); logf.Close() }()
	select {
	case s.url = <-found:
	case err := <-s.done:
		s.done <- err
		return nil, fmt.Errorf("%s stopped at start-up (%v); see %s", what, err, logPath)
	case <-time.After(60 * time.Second):
		s.kill()
		return nil, fmt.Errorf("%s did not start within 60 s", what)
	}
	for i := 0; ; i++ {
		res, err := http.Get(s.url + health)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if i > 100 {
			s.kill()
			return nil, fmt.Errorf("%s does not answer %s: %v", what, health, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(30 * time.Second):
		s.kill()
		return errors.New("the server did not stop within 30 s of SIGTERM")
	}
}

func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
	}
}

// benchPassword is the bench login's password (scale.go signs in with it).
const benchPassword = "Load-Test-Pass-2026!"

// benchLogin makes the staff login "bench" with the command line and a
// bearer token of it.
func benchLogin(bin, data string) (string, error) {
	if err := cli(bin, benchPassword+"\n", "user", "add", "--data", data, "--name", "bench", "--role", "staff"); err != nil {
		return "", err
	}
	token, err := cliOut(bin, "token", "create", "--data", data, "--user", "bench")
	return strings.TrimSpace(token), err
}

func cli(bin, stdin string, args ...string) error {
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("budgetpoint %s: %v: %s", strings.Join(args[:2], " "), err, out)
	}
	return nil
}

func cliOut(bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("budgetpoint %s: %v: %s", strings.Join(args[:2], " "), err, stderr.String())
	}
	return string(out), nil
}

// procStatus reads the kB fields of /proc/PID/status.
func procStatus(pid int) map[string]int64 {
	m := map[string]int64{}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return m
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 2 && f[1] == "kB" {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			m[k] = n
		}
	}
	return m
}

// procCPU is a process's user and system CPU time so far.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces: the fields start after its ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times; 100 on Linux.
const clockTicks = 100

func countResponses(path string) (int, error) {
	c, err := sql.Open("sqlite3", db.DSN(path, "_query_only=1"))
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var n int
	err = c.QueryRow(`SELECT count(*) FROM responses`).Scan(&n)
	return n, err
}

// recountAll compares every topic's kept counters with a recount from the rows.
func recountAll(data string) error {
	d, err := db.Open(data)
	if err != nil {
		return err
	}
	defer d.Close()
	ctx := context.Background()
	for _, t := range demo.Topics() {
		kept, err := d.StoredCounters(ctx, t.ID)
		if err != nil {
			return err
		}
		re, err := d.Recount(ctx, t.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(kept, re) {
			return fmt.Errorf("topic %s: counters differ from the recount", t.ID)
		}
	}
	return nil
}
