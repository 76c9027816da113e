package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeBlock is one ```sh block of README.md.
type readmeBlock struct {
	line int // of its first line, counting from 1
	text string
}

// readmeBlocks returns the ```sh blocks of README.md in order.
func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []readmeBlock
	var cur *readmeBlock
	for i, l := range strings.Split(string(b), "\n") {
		switch {
		case cur == nil && strings.TrimSpace(l) == "```sh":
			cur = &readmeBlock{line: i + 2}
		case cur != nil && strings.TrimSpace(l) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += l + "\n"
		}
	}
	if cur != nil {
		t.Fatalf("README.md: the block at line %d is not closed", cur.line)
	}
	return out
}

// readmeSkips are the blocks this test cannot run, each recognised by what
// it holds; every other ```sh block is run. Each must match exactly one
// block, so that a changed README cannot skip a block silently.
var readmeSkips = []struct{ marker, why string }{
	// The newcomer's first two commands: `go run . serve --demo` serves until
	// stopped, and ./scripts/test.sh is the whole test suite, this test among it.
	{"./scripts/test.sh", "serves forever / is the test suite itself"},
	// A template for a real installation: a hub at hub.example, the point's
	// own $SECRET, /var/lib/budgetpoint.
	{"https://hub.example", "a template for a real installation"},
	// The load command: it loads the machine for minutes (docs/performance.md).
	{"go run ./bench/ingest", "the load command"},
}

// readmePorts are the fixed ports the README's blocks use.
var readmePorts = []int{8080, 8090, 8081, 8082}

// curlFails is curl told to fail on an HTTP error (-f in its first option),
// so that under bash -e a failing call fails the block.
var curlFails = regexp.MustCompile(`\bcurl\s+(-[a-zA-Z]*f[a-zA-Z]*|--fail)\s`)

// TestReadmeBlocks runs every ```sh block of README.md, in order, as a bash -e
// script in a scratch copy of the module, as a newcomer pasting them into one
// terminal would: servers one block starts in the background still run for the
// next. Each must exit 0; every curl in them has -f, so a failing call fails
// its block. At the end every process the blocks started is stopped (each
// block runs in its own process group).
func TestReadmeBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts servers on fixed ports")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README's blocks need %s: %v (Debian: apt-get install %s)", tool, err, tool)
		}
	}
	blocks := readmeBlocks(t)
	var run []readmeBlock
	matched := make([]int, len(readmeSkips))
	for _, b := range blocks {
		skip := false
		for i, s := range readmeSkips {
			if strings.Contains(b.text, s.marker) {
				matched[i]++
				skip = true
				t.Logf("README.md line %d: not run: %s", b.line, s.why)
			}
		}
		if !skip {
			run = append(run, b)
		}
	}
	for i, s := range readmeSkips {
		if matched[i] != 1 {
			t.Fatalf("README.md: %d blocks hold %q, want one: update readmeSkips", matched[i], s.marker)
		}
	}
	if len(run) == 0 {
		t.Fatal("README.md: no block to run")
	}
	for _, b := range run {
		for j, l := range strings.Split(b.text, "\n") {
			if strings.Contains(l, "curl ") && !curlFails.MatchString(l) {
				t.Errorf("README.md line %d: curl without -f: a failing call would go unnoticed: %s", b.line+j, l)
			}
		}
	}
	if t.Failed() {
		return
	}

	waitPortsFree(t, readmePorts, 15*time.Second)
	scratch := t.TempDir()
	copyModule(t, ".", scratch)
	scripts := t.TempDir()
	var groups []int
	// Registered after the TempDirs, so it runs before they are removed.
	t.Cleanup(func() { stopGroups(t, groups) })

	env := cleanEnv()
	for i, b := range run {
		script := filepath.Join(scripts, fmt.Sprintf("block-%d.sh", i+1))
		if err := os.WriteFile(script, []byte(b.text), 0o600); err != nil {
			t.Fatal(err)
		}
		// A file, not a pipe: servers started in the background keep it
		// open, and Wait would wait for them.
		out, err := os.Create(filepath.Join(scripts, fmt.Sprintf("block-%d.out", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		cmd := exec.Command("bash", "-e", script)
		cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = scratch, env, out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, cmd.Process.Pid)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(3 * time.Minute):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			err = errors.New("did not end within 3 minutes")
		}
		output := readFile(t, out.Name())
		if err != nil {
			t.Fatalf("README.md line %d: the block failed (%v):\n%s\noutput:\n%s", b.line, err, b.text, output)
		}
		t.Logf("README.md line %d: ran in %v", b.line, time.Since(start).Round(time.Millisecond))
	}
	// What servers in the background said meanwhile: a server that stopped
	// with an error prints "budgetpoint: …" (main), and nothing may complain
	// about the database.
	for i, b := range run {
		output := readFile(t, filepath.Join(scripts, fmt.Sprintf("block-%d.out", i+1)))
		for _, l := range strings.Split(output, "\n") {
			if strings.HasPrefix(l, "budgetpoint:") || strings.Contains(l, "database is locked") || strings.Contains(l, "panic") {
				t.Errorf("README.md line %d: a process of the block said: %s\noutput:\n%s", b.line, l, output)
				break
			}
		}
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitPortsFree waits until every port can be listened on at 127.0.0.1 (a run
// just before may still be stopping), and fails naming those still taken.
func waitPortsFree(t *testing.T, ports []int, wait time.Duration) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		var taken []string
		for _, p := range ports {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				taken = append(taken, strconv.Itoa(p))
				continue
			}
			ln.Close()
		}
		if len(taken) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the README's blocks use the ports %v, and %s still in use after %v: stop what listens there (an earlier budgetpoint?) and run again",
				ports, strings.Join(taken, ", ")+map[bool]string{true: " is", false: " are"}[len(taken) == 1], wait)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// copyModule copies the module's files (git's tracked and untracked but not
// ignored ones; without git, every file but .git and what the README's blocks
// make) from src to dst.
func copyModule(t *testing.T, src, dst string) {
	t.Helper()
	var files []string
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = src
	if out, err := cmd.Output(); err == nil {
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
	} else {
		made := regexp.MustCompile(`^(\.git|data|data-.*|hub-data|test-artifacts|budgetpoint)$`)
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			if rel != "." && !strings.Contains(rel, string(filepath.Separator)) && made.MatchString(rel) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				files = append(files, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		st, err := os.Lstat(filepath.Join(src, f))
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the work tree but still in git's index, or not a file
		}
		if err := copyFile(filepath.Join(src, f), filepath.Join(dst, f), st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "go.mod")); err != nil {
		t.Fatalf("the scratch copy has no go.mod: %v", err)
	}
}

func copyFile(src, dst string, perm fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// stopGroups ends every process of the given process groups: SIGTERM, and
// SIGKILL for what still runs 20 s later. It returns once none runs.
func stopGroups(t *testing.T, groups []int) {
	for _, g := range groups {
		syscall.Kill(-g, syscall.SIGTERM)
	}
	for _, sig := range []syscall.Signal{syscall.SIGKILL, 0} {
		deadline := time.Now().Add(20 * time.Second)
		for {
			alive := false
			for _, g := range groups {
				alive = alive || groupAlive(g)
			}
			if !alive {
				return
			}
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if sig == 0 {
			t.Errorf("processes of the README's blocks (process groups %v) did not stop", groups)
			return
		}
		for _, g := range groups {
			syscall.Kill(-g, sig)
		}
	}
}

// groupAlive reports whether a process of group g still runs. Processes whose
// shell ended belong to init, which may be slow to reap them: a zombie does
// not count, so /proc is read where there is one.
func groupAlive(g int) bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return syscall.Kill(-g, 0) == nil
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) >= 3 && f[0] != "Z" && f[2] == strconv.Itoa(g) {
			return true
		}
	}
	return false
}
