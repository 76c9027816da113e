package main

// The power-loss and fsync-failure drills (docs/reliability.md): the real
// binary runs under an LD_PRELOAD shim (testdata/powercut/shim.c) that logs
// how to undo every change SQLite makes in the data directory; a "power
// cut" is SIGKILL followed by rollbackToSynced, which undoes every change
// that was not made durable by fsync (of the file, or of the directory for
// a file's creation or removal).

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// buildShim compiles the shim into a temporary directory, or skips the test
// when gcc is missing.
func buildShim(t *testing.T) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc is missing: the power-loss drills build their LD_PRELOAD shim with it (apt-get install gcc)")
	}
	out := filepath.Join(t.TempDir(), "powercut.so")
	cmd := exec.Command(gcc, "-shared", "-fPIC", "-O2", "-Wall", "-o", out, filepath.Join("testdata", "powercut", "shim.c"), "-ldl", "-lpthread")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the shim: %v\n%s", err, b)
	}
	return out
}

// buildNormalBinary builds the control binary: the product with SQLite's
// synchronous=NORMAL (db.synchronous), which the drill must catch losing
// acknowledged responses.
// It is built once, beside the real binary (removed with it by TestMain).
func buildNormalBinary(t *testing.T) string {
	t.Helper()
	normalOnce.Do(func() {
		out := filepath.Join(filepath.Dir(binPath), "budgetpoint-normal")
		cmd := exec.Command("go", "build", "-ldflags", "-X budgetpoint/db.synchronous=NORMAL", "-o", out, ".")
		if b, err := cmd.CombinedOutput(); err != nil {
			normalErr = fmt.Errorf("building the NORMAL control binary: %v\n%s", err, b)
			return
		}
		normalBin = out
	})
	if normalErr != nil {
		t.Fatal(normalErr)
	}
	return normalBin
}

var (
	normalOnce sync.Once
	normalBin  string
	normalErr  error
)

// ---- the undo log and the cut ----

type undoRec struct {
	typ    byte
	path   string
	ino    uint64
	a, b   uint64
	data   []byte
	offset int64
}

func readUndoLog(path string) ([]undoRec, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []undoRec
	for off := 0; off < len(b); {
		start := off
		// The last record may be cut short by the kill: the shim writes a
		// record whole before it makes the change, so that change was
		// never made.
		need := func(n int) bool { return off+n <= len(b) }
		if !need(5) {
			return out, nil
		}
		r := undoRec{typ: b[off], offset: int64(start)}
		pl := int(binary.LittleEndian.Uint32(b[off+1:]))
		off += 5
		if !need(pl + 32) {
			return out, nil
		}
		r.path = string(b[off : off+pl])
		off += pl
		r.ino = binary.LittleEndian.Uint64(b[off:])
		r.a = binary.LittleEndian.Uint64(b[off+8:])
		r.b = binary.LittleEndian.Uint64(b[off+16:])
		n := int(binary.LittleEndian.Uint64(b[off+24:]))
		off += 32
		if !need(n) {
			return out, nil
		}
		r.data = b[off : off+n]
		off += n
		if !strings.ContainsRune("WTSCUD", rune(r.typ)) {
			return nil, fmt.Errorf("undo log %s: unknown record %q at %d", path, r.typ, start)
		}
		out = append(out, r)
	}
	return out, nil
}

// cutStats says what a cut undid.
type cutStats struct {
	Records, Undone, Removed, Restored int
	Bytes                              int64
}

// rollbackToSynced turns the files of dir back into what the disk held at
// each one's last successful fsync, after the process that logged to
// logPath was killed: newest first, every write and truncation of a file
// not fsynced since is undone, a file created since the directory's last
// fsync is removed, one unlinked since is put back. The -shm files
// (memory, not disk) are removed. The log is removed after.
func rollbackToSynced(logPath, dir string) (cutStats, error) {
	recs, err := readUndoLog(logPath)
	if err != nil {
		return cutStats{}, err
	}
	st := cutStats{Records: len(recs)}
	lastS := map[uint64]int{}
	lastD := -1
	for i, r := range recs {
		switch r.typ {
		case 'S':
			lastS[r.ino] = i
		case 'D':
			lastD = i
		}
	}
	gone := map[uint64]bool{}
	files := map[string]*os.File{}
	closeAll := func() {
		for p, f := range files {
			f.Close()
			delete(files, p)
		}
	}
	defer closeAll()
	openIno := func(path string, ino uint64) (*os.File, error) {
		if f, ok := files[path]; ok {
			return f, nil
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return nil, err
		}
		var s syscall.Stat_t
		if err := syscall.Fstat(int(f.Fd()), &s); err != nil {
			f.Close()
			return nil, err
		}
		if s.Ino != ino {
			f.Close()
			return nil, fmt.Errorf("%s is inode %d, the log says %d", path, s.Ino, ino)
		}
		files[path] = f
		return f, nil
	}
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		switch r.typ {
		case 'W', 'T':
			if s, ok := lastS[r.ino]; (ok && s > i) || gone[r.ino] {
				continue // made durable by a later fsync, or durably unlinked
			}
			f, err := openIno(r.path, r.ino)
			if err != nil {
				return st, fmt.Errorf("undo %c at %d: %w", r.typ, r.offset, err)
			}
			if r.typ == 'W' {
				// Bytes overwritten come back, then the size before the write.
				if len(r.data) > 0 {
					if _, err := f.WriteAt(r.data, int64(r.a)); err != nil {
						return st, err
					}
				}
				if err := f.Truncate(int64(r.b)); err != nil {
					return st, err
				}
			} else {
				if err := f.Truncate(int64(r.b)); err != nil {
					return st, err
				}
				if len(r.data) > 0 {
					if _, err := f.WriteAt(r.data, int64(r.a)); err != nil {
						return st, err
					}
				}
			}
			st.Undone++
			st.Bytes += int64(len(r.data))
		case 'C':
			if i < lastD || gone[r.ino] {
				continue
			}
			if _, err := openIno(r.path, r.ino); err != nil {
				return st, fmt.Errorf("undo creation at %d: %w", r.offset, err)
			}
			files[r.path].Close()
			delete(files, r.path)
			if err := os.Remove(r.path); err != nil {
				return st, err
			}
			st.Removed++
		case 'U':
			keep := string(r.data)
			if i < lastD {
				gone[r.ino] = true
				os.Remove(keep)
				continue
			}
			if f, ok := files[r.path]; ok {
				f.Close()
				delete(files, r.path)
			}
			if err := os.Link(keep, r.path); err != nil {
				return st, fmt.Errorf("undo unlink at %d: %w", r.offset, err)
			}
			os.Remove(keep)
			st.Restored++
		}
	}
	closeAll()
	shm, _ := filepath.Glob(filepath.Join(dir, "*-shm"))
	for _, p := range shm {
		if err := os.Remove(p); err != nil {
			return st, err
		}
	}
	return st, os.Remove(logPath)
}

// ---- a server under the shim ----

// powerRig runs one server (point or hub) under the shim on one data
// directory, across cuts.
type powerRig struct {
	t          *testing.T
	bin, shim  string
	data, side string
	args       []string // the subcommand and its flags, without --data and --addr
	runs       int
	log, ctl   string
	p          *proc
	cuts       []cutStats
}

func newPowerRig(t *testing.T, bin, shim, data string, args ...string) *powerRig {
	side := t.TempDir()
	return &powerRig{t: t, bin: bin, shim: shim, data: data, side: side, args: args, ctl: filepath.Join(side, "fault")}
}

func (r *powerRig) start() *proc {
	r.t.Helper()
	r.runs++
	r.log = filepath.Join(r.side, fmt.Sprintf("undo-%d.log", r.runs))
	env := append(cleanEnv(), "LD_PRELOAD="+r.shim, "POWERCUT_DIR="+r.data, "POWERCUT_LOG="+r.log, "POWERCUT_CTL="+r.ctl)
	args := append(append([]string(nil), r.args...), "--data", r.data, "--addr", "127.0.0.1:0")
	r.p = startProc(r.t, r.bin, env, args...)
	return r.p
}

// cut kills the server (SIGKILL) and rolls its files back to what was synced.
func (r *powerRig) cut() cutStats {
	r.t.Helper()
	r.p.cmd.Process.Signal(syscall.SIGKILL)
	<-r.p.exited
	st, err := rollbackToSynced(r.log, r.data)
	if err != nil {
		r.t.Fatalf("rolling back to the synced state: %v", err)
	}
	r.cuts = append(r.cuts, st)
	return st
}

// stopAndCut stops the server cleanly (SIGTERM), then cuts the power: what
// a clean stop makes durable stays.
func (r *powerRig) stopAndCut() cutStats {
	r.t.Helper()
	r.p.stop(r.t)
	st, err := rollbackToSynced(r.log, r.data)
	if err != nil {
		r.t.Fatalf("rolling back to the synced state: %v", err)
	}
	return st
}

// fault switches the shim's fault: "eio", "enospc" or "" for none.
func (r *powerRig) fault(what string) {
	r.t.Helper()
	if err := os.WriteFile(r.ctl, []byte(what+"\n"), 0o600); err != nil {
		r.t.Fatal(err)
	}
}

// ---- clients and what they were told ----

// outcome is what a client was told about one request.
type outcome int

const (
	acked   outcome = iota // 201 (or 200 at the hub): must be stored
	refused                // 503 unavailable: stored or not, never half
	unknown                // no answer (the server died): stored or not
)

// ledger records every request the clients sent and its outcome.
type ledger struct {
	mu      sync.Mutex
	bodies  map[string]any
	outcome map[string]outcome
	round   atomic.Int64 // acknowledged since the round began
	n503    atomic.Int64
	bad     []string // answers the drill does not allow
}

func newLedger() *ledger {
	return &ledger{bodies: map[string]any{}, outcome: map[string]outcome{}}
}

func (l *ledger) note(id string, body any, o outcome) {
	l.mu.Lock()
	l.bodies[id] = body
	l.outcome[id] = o
	l.mu.Unlock()
	if o == acked {
		l.round.Add(1)
	}
}

func (l *ledger) badAnswer(s string) {
	l.mu.Lock()
	if len(l.bad) < 20 {
		l.bad = append(l.bad, s)
	}
	l.mu.Unlock()
}

func (l *ledger) ids(o outcome) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for id, x := range l.outcome {
		if x == o {
			out = append(out, id)
		}
	}
	return out
}

// isUnavailable reports whether an answer is the contract's 503
// unavailable with a message in Chinese and English.
func isUnavailable(status int, body []byte) bool {
	if status != 503 {
		return false
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	return json.Unmarshal(body, &e) == nil && e.Error.Code == models.EUnavailable && strings.Contains(e.Error.Message, " / ")
}

// load runs clients that each send send(rng) until stop is closed; send
// returns the request's id, body, and the answer (err for none). ok is the
// status of an acknowledgement. A client whose request got no answer waits
// for stop (the server is gone).
func load(l *ledger, clients int, stop chan struct{}, ok int, send func(rng *rand.Rand) (string, any, int, []byte, error)) *sync.WaitGroup {
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			for {
				select {
				case <-stop:
					return
				default:
				}
				id, body, status, b, err := send(rng)
				switch {
				case err != nil:
					l.note(id, body, unknown)
					<-stop
					return
				case status == ok:
					l.note(id, body, acked)
				case isUnavailable(status, b):
					l.note(id, body, refused)
					l.n503.Add(1)
					time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
				default:
					l.badAnswer(fmt.Sprintf("%s: %d %s", id, status, testutil.Trunc(b)))
				}
			}
		}()
	}
	return &wg
}

// waitAcked waits until the round has n acknowledgements, failing if the
// server stops or nothing is acknowledged for a minute (a hang).
func waitAcked(t *testing.T, l *ledger, p *proc, n int64) {
	t.Helper()
	last, since := l.round.Load(), time.Now()
	for l.round.Load() < n {
		select {
		case <-p.exited:
			t.Fatalf("the server stopped under load: %s", p.stderr.String())
		case <-time.After(2 * time.Millisecond):
		}
		if now := l.round.Load(); now != last {
			last, since = now, time.Now()
		} else if time.Since(since) > time.Minute {
			t.Fatalf("nothing acknowledged for a minute (%d of %d this round): the server hangs", now, n)
		}
	}
}

// httpClient bounds every request of the drills: a hang is a failure, not a wait.
var httpClient = &http.Client{Timeout: 60 * time.Second}

func doJSON(method, url, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}
