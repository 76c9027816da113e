// Command hubload measures how many signed sync batches per second the hub
// ingests (each applied once, with a 200 only after its durable commit), in
// one run on this machine: one hub process on SQLite, then one and two
// processes sharing one PostgreSQL database, each loaded by the same
// generator (many points, each batch a summary of a topic with a higher seq
// and a few opinions, C concurrent clients, every batch delivered twice so
// that half are duplicates to recognise). It prints batches per second per
// phase and the ratios, and checks that each batch was stored once.
// PostgreSQL: a throw-away cluster by scripts/postgres.sh (or the one
// BUDGETPOINT_TEST_POSTGRES names). docs/performance.md holds a run.
//
//	go run ./bench/hubload [-points 150] [-clients 16] [-batches 3000]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/models"
	"budgetpoint/syncproto"
)

func main() {
	points := flag.Int("points", 150, "points in the points file (a province-wide rollout)")
	clients := flag.Int("clients", 16, "concurrent clients")
	batches := flag.Int("batches", 3000, "distinct batches per phase (each delivered twice)")
	flag.Parse()
	base, err := os.MkdirTemp("", "hubload-")
	check(err)
	defer os.RemoveAll(base)
	bin := filepath.Join(base, "budgetpoint")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	check(build.Run())

	var list []map[string]string
	for i := range *points {
		list = append(list, map[string]string{"id": fmt.Sprintf("p%03d", i), "name": fmt.Sprintf("联系点 %d", i), "secret": fmt.Sprintf("hubload-secret-%03d-0123456789", i)})
	}
	pf, _ := json.Marshal(map[string]any{"points": list})
	pointsFile := filepath.Join(base, "points.json")
	check(os.WriteFile(pointsFile, pf, 0o600))

	pg := os.Getenv("BUDGETPOINT_TEST_POSTGRES")
	if pg == "" {
		out, err := exec.Command("scripts/postgres.sh", "start").Output()
		check(err)
		env := map[string]string{}
		for _, m := range regexp.MustCompile(`export (\w+)='([^']*)'`).FindAllStringSubmatch(string(out), -1) {
			env[m[1]] = m[2]
		}
		pg = env["BUDGETPOINT_TEST_POSTGRES"]
		defer exec.Command("scripts/postgres.sh", "stop", env["BUDGETPOINT_TEST_PG_DIR"]).Run()
	}
	fmt.Printf("hub ingest, %d points, %d clients, %d batches per phase (each sent twice), %s\n", *points, *clients, *batches, time.Now().Format(time.RFC3339))
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load before: %s", b)
	}
	type result struct {
		name string
		rate float64
	}
	var results []result
	run := func(name string, procs int, database string) {
		var hubs []*exec.Cmd
		var urls []string
		for i := range procs {
			args := []string{"hub", "--addr", "127.0.0.1:0", "--data", filepath.Join(base, fmt.Sprintf("%s-%d", strings.ReplaceAll(name, " ", "-"), i)), "--points", pointsFile}
			if database != "" {
				args = append(args, "--database", database)
			}
			cmd, url := startHub(bin, args)
			hubs = append(hubs, cmd)
			urls = append(urls, url)
		}
		rate, stored := load(urls, list, *clients, *batches)
		for _, h := range hubs {
			h.Process.Signal(os.Interrupt)
			h.Wait()
		}
		results = append(results, result{name, rate})
		fmt.Printf("%-32s %8.0f batches/s   stored once: %v\n", name, rate, stored == *batches)
	}
	run("SQLite, 1 process", 1, "")
	for _, procs := range []int{1, 2} {
		name := fmt.Sprintf("PostgreSQL, %d process(es)", procs)
		dbname := fmt.Sprintf("hubload_%d_%d", procs, time.Now().UnixNano()%1e6)
		admin, err := db.PostgresPool(pg)
		check(err)
		_, err = admin.Exec("CREATE DATABASE " + dbname)
		check(err)
		admin.Close()
		run(name, procs, strings.Replace(pg, "/postgres?", "/"+dbname+"?", 1))
	}
	fmt.Println()
	for _, r := range results[1:] {
		fmt.Printf("%s / %s: %.2f×\n", r.name, results[0].name, r.rate/results[0].rate)
	}
	need := float64(*points) / 30
	slowest := results[0].rate
	for _, r := range results {
		slowest = min(slowest, r.rate)
	}
	fmt.Printf("a rollout of %d points, each pushing every 30 s, needs %.1f batches/s: %.0f× below the slowest phase\n", *points, need, slowest/need)
}

var addrRe = regexp.MustCompile(`http://(127\.0\.0\.1:[0-9]+)`)

func startHub(bin string, args []string) (*exec.Cmd, string) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = nil
	out, err := cmd.StdoutPipe()
	check(err)
	check(cmd.Start())
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := addrRe.FindStringSubmatch(sc.Text()); m != nil {
			go func() {
				for sc.Scan() {
				}
			}()
			return cmd, "http://" + m[1]
		}
	}
	fatal("the hub did not start: %v", sc.Err())
	return nil, ""
}

// load sends every batch twice (the second copy a duplicate to recognise)
// from the points round the list, clients at a time, spread over the hubs,
// and returns distinct batches per second and how many were taken as new.
func load(urls []string, points []map[string]string, clients, n int) (float64, int) {
	type job struct {
		body  []byte
		point string
	}
	jobs := make([]job, 0, 2*n)
	seq := map[string]int64{}
	for i := range n {
		p := points[i%len(points)]
		seq[p["id"]]++
		c := models.Counters{models.CounterKey{Bucket: "responses"}: seq[p["id"]] * 3}
		s := models.BuildSummary("t-load", p["id"], seq[p["id"]], time.Now().Truncate(time.Second), c, nil)
		ops := []models.Opinion{}
		for j := range 2 {
			ops = append(ops, models.Opinion{ID: uuid.NewString(), TopicID: "t-load", Source: "forum", Content: fmt.Sprintf("意见 %d-%d", i, j),
				Proposer: models.Proposer{Kind: "public"}, Status: "reported", RecordedAt: time.Now().Truncate(time.Second)})
		}
		b, err := json.Marshal(syncproto.Batch{BatchID: uuid.NewString(), PointID: p["id"], Summaries: []models.Summary{s}, Activities: []models.Activity{}, Opinions: ops})
		check(err)
		jobs = append(jobs, job{b, p["id"]}, job{b, p["id"]})
	}
	secret := map[string]string{}
	for _, p := range points {
		secret[p["id"]] = p["secret"]
	}
	var next, fresh atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute}
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				j := jobs[i]
				for attempt := 0; ; attempt++ {
					req, _ := http.NewRequestWithContext(context.Background(), "POST", urls[(i+w)%len(urls)]+syncproto.PathBatches, bytes.NewReader(j.body))
					syncproto.SignRequest(req, j.point, secret[j.point], j.body, time.Now())
					res, err := client.Do(req)
					if err == nil && res.StatusCode == 200 {
						var ack syncproto.BatchAck
						json.NewDecoder(res.Body).Decode(&ack)
						res.Body.Close()
						if !ack.Duplicate {
							fresh.Add(1)
						}
						break
					}
					if res != nil {
						res.Body.Close()
					}
					if attempt > 20 {
						fatal("a batch was refused: %v %v", err, res)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(t0).Seconds(), int(fresh.Load())
}

func check(err error) {
	if err != nil {
		fatal("%v", err)
	}
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "hubload: "+format+"\n", args...)
	os.Exit(1)
}
