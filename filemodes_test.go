package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"budgetpoint/db"
)

// The hub's new data directory, written first by the demo points file, is
// 0700; the points file, the database and a backup made with the CLI 0600,
// whatever the umask (0 here, so that a strict umask proves nothing).
func TestHubDemoAndBackupFileModes(t *testing.T) {
	base := t.TempDir()
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })

	data := filepath.Join(base, "hub-data")
	out, err := runUntilListening(t, []string{"hub", "--demo", "--addr", "127.0.0.1:0", "--data", data}, nil)
	if err != nil {
		t.Fatalf("hub --demo: %v\n%s", err, out)
	}
	backup := filepath.Join(base, "hub.db")
	if err := run(context.Background(), []string{"backup", "--data", data, "--out", backup}, envOf(nil), strings.NewReader(""), &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{
		data:                                    0o700,
		filepath.Join(data, "points-demo.json"): 0o600,
		filepath.Join(data, db.FileName):        0o600,
		backup:                                  0o600,
	} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", path, got, want)
		}
	}
}
