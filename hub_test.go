package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHubRefusesBadPointsFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "points.json")
	os.WriteFile(bad, []byte(`{"points": [{"id": "hongta", "secret": `), 0o600)
	short := filepath.Join(dir, "short.json")
	os.WriteFile(short, []byte(`{"points": [{"id": "hongta", "secret": "x"}]}`), 0o600)
	for name, args := range map[string][]string{
		"does not parse": {"hub", "--data", filepath.Join(dir, "d1"), "--points", bad},
		"short secret":   {"hub", "--data", filepath.Join(dir, "d2"), "--points", short},
		"missing file":   {"hub", "--data", filepath.Join(dir, "d3"), "--points", filepath.Join(dir, "none.json")},
		"bad flag":       {"hub", "--nope"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), args, func(string) string { return "" }, nil, &out)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%s: %v, want a usage error (exit status 2)", name, err)
		} else if !strings.Contains(err.Error(), " / ") {
			t.Errorf("%s: message not in Chinese and English: %v", name, err)
		}
	}
}

func TestHubDemoPointsFile(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Stop the hub as soon as it says it listens: only the set-up is tested here.
	out := &stopWriter{stop: cancel, when: "committee hub: http://"}
	err := run(ctx, []string{"hub", "--demo", "--data", dir, "--addr", "127.0.0.1:0"}, func(string) string { return "" }, nil, out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "points-demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"hongta"`, `"jiangcheng"`, "demo-secret-hongta-2026"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("demo points file lacks %s", want)
		}
	}
	if !strings.Contains(out.String(), "--hub-secret demo-secret-hongta-2026") || !strings.Contains(out.String(), "committee") {
		t.Errorf("output does not say how to start points:\n%s", out.String())
	}
}

// stopWriter collects output and calls stop once it contains when.
type stopWriter struct {
	bytes.Buffer
	stop func()
	when string
}

func (w *stopWriter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Contains(w.Buffer.String(), w.when) {
		w.stop()
	}
	return n, err
}
