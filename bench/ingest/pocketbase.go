package main

// PocketBase side by side (issue 13): the same generator's responses, as
// records of a collection shaped like a response (bench/pocketbase, a
// module of its own), loaded by the same client right after the contact
// point, in the same run and directory.

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// pbCollectionPath is where PocketBase creates a record of the collection.
const pbCollectionPath = "/api/collections/responses/records"

// startPocketBase builds bench/pocketbase (its own module) into base and
// starts it on a free loopback port with its data in base/pb_data.
func startPocketBase(root, base string) (*server, error) {
	bin := filepath.Join(base, "pocketbase")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir, build.Stdout, build.Stderr = filepath.Join(root, "bench", "pocketbase"), os.Stderr, os.Stderr
	fmt.Printf("building %s (PocketBase v0.36.8) …\n", bin)
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build bench/pocketbase: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--dir", filepath.Join(base, "pb_data"), "--http", addr)
	return startProcess("PocketBase", cmd, filepath.Join(base, "pocketbase.log"), func(line string) (string, bool) {
		u, ok := strings.CutPrefix(line, "pocketbase listening on ")
		return u, ok
	}, "/api/health")
}

// pbBodies turns the contact point's requests into PocketBase's: the same
// response (its id as client_id, the questionnaire from the path, channel,
// respondent, answers), as a record of the collection.
func pbBodies(reqs []request) []request {
	out := make([]request, len(reqs))
	for i, r := range reqs {
		var b map[string]any
		if err := json.Unmarshal(r.body, &b); err != nil {
			panic(err)
		}
		qid := strings.TrimSuffix(strings.TrimPrefix(r.path, "/api/v1/questionnaires/"), "/responses")
		rec := map[string]any{"client_id": b["id"], "questionnaire_id": qid, "channel": b["channel"], "respondent": b["respondent"], "answers": b["answers"]}
		body, err := json.Marshal(rec)
		if err != nil {
			panic(err)
		}
		out[i] = request{pbCollectionPath, body}
	}
	return out
}

// countPocketBase counts the records PocketBase stored (its data.db).
func countPocketBase(base string) (int, error) {
	c, err := sql.Open("sqlite3", "file:"+filepath.Join(base, "pb_data", "data.db")+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var n int
	err = c.QueryRow(`SELECT count(*) FROM responses`).Scan(&n)
	return n, err
}

// reportPocketBase prints PocketBase's phases beside the server's and the
// ratios against the goals of issue 13.
func reportPocketBase(server, pb []*phase, pbIdle, pbAfter map[string]int64, pbCheck string) {
	fmt.Println()
	fmt.Println("| PocketBase v0.36.8 | requests | req/s | p50 | p99 | its CPU/request | server ÷ PocketBase (rate) | server ÷ PocketBase (p99) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|")
	type key struct{ round, clients int }
	byClients := map[key]*phase{}
	for _, p := range server {
		byClients[key{p.round, p.clients}] = p
	}
	for _, p := range pb {
		s := byClients[key{p.round, p.clients}]
		rate, p99 := "–", "–"
		if s != nil {
			rate = fmt.Sprintf("**%.2f**", s.rate()/p.rate())
			p99 = fmt.Sprintf("%.2f", float64(s.pct(0.99))/float64(p.pct(0.99)))
		}
		fmt.Printf("| round %d, %d clients | %d | %.0f | %v | %v | %s | %s | %s |\n", p.round, p.clients, p.n, p.rate(), ms(p.pct(0.5)), ms(p.pct(0.99)), p.cpuPerReq(), rate, p99)
	}
	fmt.Printf("PocketBase memory: idle VmRSS %s (anonymous %s), after the load %s (anonymous %s)\n",
		kb(pbIdle["VmRSS"]), kb(pbIdle["RssAnon"]), kb(pbAfter["VmRSS"]), kb(pbAfter["RssAnon"]))
	for _, p := range pb {
		s := byClients[key{p.round, p.clients}]
		if s == nil {
			continue
		}
		switch p.clients {
		case 64:
			fmt.Printf("server/PocketBase, round %d, 64 clients: %.2f× (goal ≥ 3: %s); p99 %.2f× (goal ≤ 0.25: %s)\n", p.round, s.rate()/p.rate(), pass(s.rate()/p.rate() >= 3),
				float64(s.pct(0.99))/float64(p.pct(0.99)), pass(float64(s.pct(0.99)) <= 0.25*float64(p.pct(0.99))))
		case 16:
			fmt.Printf("server/PocketBase, round %d, 16 clients: %.2f× (goal ≥ 2.5: %s)\n", p.round, s.rate()/p.rate(), pass(s.rate()/p.rate() >= 2.5))
		}
	}
	fmt.Printf("PocketBase check: %s\n", pbCheck)
}
