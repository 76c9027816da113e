package main

// Scaling with the data (issue 13, point 3): `go run ./bench/ingest -scale
// 1000,10000,100000,1000000` grows one contact point's data to each size in
// turn and, at each, starts the real server on it and measures what a
// person waits for: the summary of the main topic over the API, the
// dashboard page, and the streamed responses export (time to the first
// byte, to the last, and the server's memory while it runs); then a short
// ingest at 64 clients, and the server's memory after all of it.
//
// The data grows through the store's own batch path (db.SubmitResponses:
// checked, counted, their opinions recorded and queued, as over HTTP, 500
// to a transaction), so that a million responses take minutes, not an hour.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"budgetpoint/db"
	"budgetpoint/demo"
	"budgetpoint/models"
)

// scalePoint is what one size measured.
type scalePoint struct {
	size                    int
	grow                    time.Duration
	summary50, summary99    time.Duration
	dash50, dash99          time.Duration
	csvFirst, csvAll        time.Duration
	csvBytes                int64
	csvPeakRSS, csvPeakAnon int64
	xlsxFirst, xlsxAll      time.Duration
	xlsxPeakRSS             int64
	ingest                  *phase
	idle, after             map[string]int64
}

func runScale(c config, sizes []int) error {
	base, bin, done, err := setUp(c, "bp-scale-")
	if err != nil {
		return err
	}
	defer done()
	data := filepath.Join(base, "data")
	ctx := context.Background()
	d, err := db.Open(data)
	if err != nil {
		return err
	}
	if err := demo.Load(ctx, d, "hongta", io.Discard); err != nil {
		d.Close()
		return err
	}
	d.Close()
	token, err := benchLogin(bin, data)
	if err != nil {
		return err
	}
	defs := demo.Questionnaires()
	topic := defs[0].TopicID
	rng := rand.New(rand.NewPCG(c.seed, c.seed^0x51ed2701))
	have, err := countResponses(filepath.Join(data, db.FileName))
	if err != nil {
		return err
	}
	var out []*scalePoint
	for _, size := range sizes {
		sp := &scalePoint{size: size}
		if size > have {
			t0 := time.Now()
			if err := grow(data, rng, defs, size-have); err != nil {
				return fmt.Errorf("growing to %d responses: %w", size, err)
			}
			sp.grow = time.Since(t0)
			have = size
		}
		fmt.Printf("%d responses (grown in %v); measuring …\n", size, sp.grow.Round(time.Second))
		if err := measureScale(c, bin, data, base, token, topic, defs, rng, sp); err != nil {
			return fmt.Errorf("at %d responses: %w", size, err)
		}
		out = append(out, sp)
		if err := recountAll(data); err != nil {
			return fmt.Errorf("at %d responses: %w", size, err)
		}
	}
	reportScale(out)
	return nil
}

// grow adds n valid responses through the store, 500 to a transaction.
func grow(data string, rng *rand.Rand, defs []models.Definition, n int) error {
	d, err := db.Open(data)
	if err != nil {
		return err
	}
	defer d.Close()
	ctx := context.Background()
	const chunk = 500
	byQ := make([][]db.Submission, len(defs))
	for n > 0 {
		for i := range byQ {
			byQ[i] = byQ[i][:0]
		}
		for range min(chunk, n) {
			i := pick(rng, defs)
			byQ[i] = append(byQ[i], demo.RandomSubmission(rng, &defs[i], "hongta"))
		}
		for i, subs := range byQ {
			if len(subs) == 0 {
				continue
			}
			if _, err := d.SubmitResponses(ctx, defs[i].ID, subs); err != nil {
				return err
			}
		}
		n -= min(chunk, n)
	}
	return nil
}

func measureScale(c config, bin, data, base, token, topic string, defs []models.Definition, rng *rand.Rand, sp *scalePoint) error {
	srv, err := startServer(bin, data, base, "", "", false)
	if err != nil {
		return err
	}
	defer srv.kill()
	pid := srv.cmd.Process.Pid
	hc := &http.Client{Timeout: 10 * time.Minute}
	cookie, err := pageSession(hc, srv.url)
	if err != nil {
		return err
	}
	time.Sleep(time.Second)
	sp.idle = procStatus(pid)

	get := func(path string, bearer bool) (time.Duration, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.url+path, nil)
		if bearer {
			req.Header.Set("Authorization", "Bearer "+token)
		} else {
			req.AddCookie(cookie)
		}
		t0 := time.Now()
		res, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %s", path, res.Status)
		}
		return time.Since(t0), err
	}
	timeIt := func(path string, bearer bool, n int) (p50, p99 time.Duration, err error) {
		var ds []time.Duration
		for i := 0; i < n+10; i++ {
			d, err := get(path, bearer)
			if err != nil {
				return 0, 0, err
			}
			if i >= 10 { // the first ten warm up
				ds = append(ds, d)
			}
		}
		slices.Sort(ds)
		return ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)], nil
	}
	if sp.summary50, sp.summary99, err = timeIt("/api/v1/topics/"+topic+"/summary", true, 200); err != nil {
		return err
	}
	if sp.dash50, sp.dash99, err = timeIt("/", false, 50); err != nil {
		return err
	}
	qid := defs[0].ID
	if sp.csvFirst, sp.csvAll, sp.csvBytes, sp.csvPeakRSS, sp.csvPeakAnon, err = download(hc, srv.url+"/questionnaires/"+qid+"/responses.csv", cookie, pid); err != nil {
		return err
	}
	if sp.size <= 100000 { // the workbook is made whole before it is sent: the CSV is the one for large exports
		if sp.xlsxFirst, sp.xlsxAll, _, sp.xlsxPeakRSS, _, err = download(hc, srv.url+"/questionnaires/"+qid+"/responses.xlsx", cookie, pid); err != nil {
			return err
		}
	}
	reqs := bodies(rng, defs, 5000)
	runtime.GC()
	p, err := load(nil, srv.url, token, 64, reqs, c.maxTime)
	if err != nil {
		return err
	}
	if p.status[http.StatusCreated] != p.n {
		return fmt.Errorf("ingest: statuses %v (%s)", p.status, p.firstErr)
	}
	sp.ingest = p
	sp.after = procStatus(pid)
	xl := "xlsx not made above 100000 responses"
	if sp.xlsxAll > 0 {
		xl = fmt.Sprintf("xlsx first byte %v, all %v, peak RSS %s", ms(sp.xlsxFirst), sp.xlsxAll.Round(time.Millisecond), kb(sp.xlsxPeakRSS))
	}
	fmt.Printf("  summary p50 %v p99 %v; dashboard p50 %v p99 %v; CSV export first byte %v, all %v (%.1f MB), peak RSS %s (anonymous %s); %s; ingest %.0f req/s; RSS after %s (anonymous %s)\n",
		ms(sp.summary50), ms(sp.summary99), ms(sp.dash50), ms(sp.dash99), ms(sp.csvFirst), sp.csvAll.Round(time.Millisecond), float64(sp.csvBytes)/1e6,
		kb(sp.csvPeakRSS), kb(sp.csvPeakAnon), xl, p.rate(), kb(sp.after["VmRSS"]), kb(sp.after["RssAnon"]))
	return srv.stop()
}

// pageSession signs the bench login in for the pages (POST /api/v1/login
// sets the same session cookie the sign-in page does).
func pageSession(hc *http.Client, base string) (*http.Cookie, error) {
	body := strings.NewReader(`{"name":"bench","password":"` + benchPassword + `"}`)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/login", body)
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	for _, ck := range res.Cookies() {
		if ck.Name == "bp_session" {
			return ck, nil
		}
	}
	return nil, fmt.Errorf("sign-in: %s, no session cookie", res.Status)
}

// download fetches url, timing the first byte and the last, and samples
// the server's memory every 10 ms meanwhile.
func download(hc *http.Client, url string, cookie *http.Cookie, pid int) (first, all time.Duration, n int64, peakRSS, peakAnon int64, err error) {
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			st := procStatus(pid)
			peakRSS, peakAnon = max(peakRSS, st["VmRSS"]), max(peakAnon, st["RssAnon"])
			time.Sleep(10 * time.Millisecond)
		}
	}()
	defer func() { stop.Store(true); wg.Wait() }()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.AddCookie(cookie)
	t0 := time.Now()
	res, err := hc.Do(req)
	if err != nil {
		return
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, res.Status)
		return
	}
	buf := make([]byte, 64<<10)
	for {
		m, rerr := res.Body.Read(buf)
		if m > 0 && n == 0 {
			first = time.Since(t0)
		}
		n += int64(m)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			err = rerr
			return
		}
	}
	all = time.Since(t0)
	return
}

func reportScale(out []*scalePoint) {
	fmt.Println()
	fmt.Println("| responses | summary p50 / p99 | dashboard p50 / p99 | CSV export: first byte / all / size | CSV: server peak RSS (anonymous) | xlsx export: first byte / all | xlsx: peak RSS | ingest at 64 clients | server RSS after (anonymous / file) |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, sp := range out {
		xl, xlm := "not made", "–"
		if sp.xlsxAll > 0 {
			xl, xlm = fmt.Sprintf("%v / %v", ms(sp.xlsxFirst), sp.xlsxAll.Round(time.Millisecond)), kb(sp.xlsxPeakRSS)
		}
		fmt.Printf("| %d | %v / %v | %v / %v | %v / %v / %.1f MB | %s (%s) | %s | %s | %.0f req/s | %s (%s / %s) |\n", sp.size,
			ms(sp.summary50), ms(sp.summary99), ms(sp.dash50), ms(sp.dash99),
			ms(sp.csvFirst), sp.csvAll.Round(time.Millisecond), float64(sp.csvBytes)/1e6, kb(sp.csvPeakRSS), kb(sp.csvPeakAnon),
			xl, xlm, sp.ingest.rate(), kb(sp.after["VmRSS"]), kb(sp.after["RssAnon"]), kb(sp.after["RssFile"]))
	}
	first, last := out[0], out[len(out)-1]
	ratio := func(a, b time.Duration) float64 { return float64(b) / float64(a) }
	fmt.Println()
	fmt.Printf("summary p50 at %d ÷ at %d: %.2f (goal ≤ 2: %s); at %d: %v (goal < 1 ms: %s)\n", last.size, first.size, ratio(first.summary50, last.summary50),
		pass(ratio(first.summary50, last.summary50) <= 2), last.size, ms(last.summary50), pass(last.summary50 < time.Millisecond))
	fmt.Printf("dashboard p50 at %d ÷ at %d: %.2f (goal ≤ 2: %s)\n", last.size, first.size, ratio(first.dash50, last.dash50), pass(ratio(first.dash50, last.dash50) <= 2))
	for _, sp := range out {
		if sp.size == 100000 {
			fmt.Printf("CSV export of 100000: first byte %v (goal ≤ 1 s: %s), server peak RSS %s (goal < 100 MB: %s)\n", ms(sp.csvFirst),
				pass(sp.csvFirst <= time.Second), kb(sp.csvPeakRSS), pass(sp.csvPeakRSS < 100*1024))
		}
	}
	fmt.Printf("server RSS after %d responses: %s (goal ≤ 80 MB: %s)\n", last.size, kb(last.after["VmRSS"]), pass(last.after["VmRSS"] <= 80*1024))
}
