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

// A point refuses a plain http:// hub that is not on the loopback address
// (exit status 2, before the data directory is touched, naming
// --hub-insecure), unless --hub-insecure is given; https:// and a loopback
// hub are taken as they are. (0.0.0.0 reaches this machine only: no
// request leaves it.)
func TestHubURLMustBeHTTPS(t *testing.T) {
	refused := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"host name", []string{"--hub", "http://hub.example:8090"}, nil},
		{"LAN address", []string{"--hub", "http://192.168.1.5:8090"}, nil},
		{"every address", []string{"--hub", "http://0.0.0.0:1"}, nil},
		{"a name that starts like localhost", []string{"--hub", "http://localhost.example"}, nil},
		{"a name that ends like 127.0.0.1", []string{"--hub", "http://127.0.0.1.example"}, nil},
		{"IPv6 address", []string{"--hub", "http://[2001:db8::1]:8090"}, nil},
		{"hub from the environment", nil, map[string]string{"BUDGETPOINT_HUB": "http://10.0.0.1:8090"}},
		{"--hub-insecure=false", []string{"--hub", "http://hub.example", "--hub-insecure=false"}, nil},
	}
	for _, c := range refused {
		t.Run("refused, "+c.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--hub-secret", "a-secret-0123456789abcdef"}, c.args...)
			out, err := runUntilListening(t, args, c.env)
			if err == nil {
				t.Fatalf("run %v started; want it refused:\n%s", args, out)
			}
			if !isUsage(err) {
				t.Fatalf("run %v: %v, want a usage error (exit status 2)", args, err)
			}
			if msg := err.Error(); !strings.Contains(msg, " / ") || !strings.Contains(msg, "https://") || !strings.Contains(msg, "--hub-insecure") {
				t.Fatalf("run %v: the message does not say why and name --hub-insecure in Chinese and English: %v", args, err)
			}
			if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("run %v: the data directory was touched before the refusal (%v)", args, err)
			}
		})
	}
	taken := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"127.0.0.1", []string{"--hub", "http://127.0.0.1:1"}, nil},
		{"elsewhere in 127.0.0.0/8", []string{"--hub", "http://127.3.4.5:1"}, nil},
		{"::1", []string{"--hub", "http://[::1]:1"}, nil},
		{"localhost", []string{"--hub", "http://LocalHost:1"}, nil},
		{"https://", []string{"--hub", "https://0.0.0.0:1"}, nil},
		{"--hub-insecure", []string{"--hub", "http://0.0.0.0:1", "--hub-insecure"}, nil},
		{"BUDGETPOINT_HUB_INSECURE", []string{"--hub", "http://0.0.0.0:1"}, map[string]string{"BUDGETPOINT_HUB_INSECURE": "true"}},
	}
	for _, c := range taken {
		t.Run("taken, "+c.name, func(t *testing.T) {
			args := append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--hub-secret", "a-secret-0123456789abcdef"}, c.args...)
			out, err := runUntilListening(t, args, c.env)
			if err != nil {
				t.Fatalf("run %v: %v, want it to start", args, err)
			}
			if !strings.Contains(out, ": http://127.0.0.1:") {
				t.Fatalf("run %v returned without listening:\n%s", args, out)
			}
		})
	}
}

// The refusal is exit status 2 from the binary, with the reason on stderr.
// (Were it not refused, the server is stopped after a while; 0.0.0.0 keeps
// any request on this machine.)
func TestBinaryHubNotHTTPSExit2(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, "serve", "--data", filepath.Join(t.TempDir(), "d"), "--addr", "127.0.0.1:0",
		"--hub", "http://0.0.0.0:1", "--hub-secret", "a-secret-0123456789abcdef")
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("serve --hub http://0.0.0.0:1: %v, want exit status 2; stderr: %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "--hub-insecure") || !strings.Contains(stderr.String(), "https://") {
		t.Fatalf("stderr does not say why: %q", stderr.String())
	}
}
