package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runUntilListening runs args through run() and stops the server as soon as
// it says it listens (http:// or https://); it returns run's error and the output. A refusal
// returns at once; a start that should have been refused returns nil.
func runUntilListening(t *testing.T, args []string, env map[string]string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := &stopWriter{stop: cancel, when: ": http"}
	err := run(ctx, args, envOf(env), strings.NewReader(""), out)
	if ctx.Err() == context.DeadlineExceeded {
		t.Fatalf("run %v neither refused nor listened within a minute: %s", args, out.String())
	}
	return out.String(), err
}

// --demo refuses an address others can reach, and a hub's real points file,
// with exit status 2 before it touches the data directory.
func TestDemoRefusedOffLoopback(t *testing.T) {
	points := filepath.Join(t.TempDir(), "points.json")
	if err := os.WriteFile(points, []byte(`{"points": [{"id": "hongta", "name": "红塔区人大常委会", "secret": "a-real-secret-0123456789"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		says string // in the message
	}{
		{"serve on every IPv4 address", []string{"serve", "--demo", "--addr", "0.0.0.0:8080"}, nil, "loopback"},
		{"hub on every IPv4 address", []string{"hub", "--demo", "--addr", "0.0.0.0:8080"}, nil, "loopback"},
		{"serve on every address, no host", []string{"serve", "--demo", "--addr", ":8080"}, nil, "loopback"},
		{"hub on every IPv6 address", []string{"hub", "--demo", "--addr", "[::]:8090"}, nil, "loopback"},
		{"serve on a LAN address", []string{"serve", "--demo", "--addr", "192.168.1.10:8080"}, nil, "loopback"},
		{"serve on a host name", []string{"serve", "--demo", "--addr", "budget.example:8080"}, nil, "loopback"},
		{"serve on a name that starts like localhost", []string{"serve", "--demo", "--addr", "localhost.example:8080"}, nil, "loopback"},
		{"serve, address from the environment", []string{"serve", "--demo"}, map[string]string{"BUDGETPOINT_ADDR": "0.0.0.0:8080"}, "loopback"},
		{"hub, demo from the environment", []string{"hub", "--addr", "0.0.0.0:8090"}, map[string]string{"BUDGETPOINT_DEMO": "true"}, "loopback"},
		{"hub with a real points file", []string{"hub", "--demo", "--addr", "127.0.0.1:0", "--points", points}, nil, "--points"},
		{"hub with a points file from the environment", []string{"hub", "--demo", "--addr", "127.0.0.1:0"}, map[string]string{"BUDGETPOINT_POINTS": points}, "--points"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			out, err := runUntilListening(t, append(c.args, "--data", data), c.env)
			if err == nil {
				t.Fatalf("run %v started; want it refused:\n%s", c.args, out)
			}
			if !isUsage(err) {
				t.Fatalf("run %v: %v, want a usage error (exit status 2)", c.args, err)
			}
			if !strings.Contains(err.Error(), " / ") || !strings.Contains(err.Error(), "--demo") || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("run %v: the message does not say why in Chinese and English: %v", c.args, err)
			}
			if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("run %v: the data directory was touched before the refusal (%v)", c.args, err)
			}
		})
	}
}

// The refusal is exit status 2 from the binary. (Port 0: were it not
// refused, it would not take a port anyone uses, and it is stopped after a
// while.)
func TestBinaryDemoOffLoopbackExit2(t *testing.T) {
	for _, sub := range []string{"serve", "hub"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, binPath, sub, "--demo", "--addr", "0.0.0.0:0", "--data", filepath.Join(t.TempDir(), "data"))
		cmd.Env = cleanEnv()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("%s --demo --addr 0.0.0.0:0: %v, want exit status 2; stderr: %s", sub, err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "budgetpoint:") || !strings.Contains(stderr.String(), "loopback") {
			t.Fatalf("%s: no clear message: %q", sub, stderr.String())
		}
	}
}

// --demo on a loopback address starts, as the README's blocks and the
// drills start it.
func TestDemoOnLoopbackStarts(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"serve", "--demo", "--addr", "127.0.0.1:0"}, nil},
		{[]string{"serve", "--demo", "--addr", "[::1]:0"}, nil},
		{[]string{"serve", "--demo"}, map[string]string{"BUDGETPOINT_ADDR": "127.0.0.2:0"}},
		{[]string{"hub", "--demo", "--addr", "127.0.0.1:0"}, nil},
		{[]string{"hub", "--demo", "--addr", "localhost:0"}, nil},
		{[]string{"hub", "--demo", "--addr", "[::ffff:127.0.0.1]:0"}, nil},
	} {
		data := filepath.Join(t.TempDir(), "data")
		out, err := runUntilListening(t, append(c.args, "--data", data), c.env)
		if err != nil {
			t.Fatalf("run %v %v: %v\n%s", c.args, c.env, err, out)
		}
		if !strings.Contains(out, ": http://") {
			t.Fatalf("run %v %v returned without listening:\n%s", c.args, c.env, out)
		}
	}
}
