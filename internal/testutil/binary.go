package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RunWithBinary builds the real budgetpoint binary once from moduleDir (the
// module's root, relative to the test's package) for a TestMain, runs the
// tests with its path in *bin, and exits with their status.
func RunWithBinary(m *testing.M, moduleDir string, bin *string) {
	dir, err := os.MkdirTemp("", "budgetpoint-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*bin = filepath.Join(dir, "budgetpoint")
	cmd := exec.Command("go", "build", "-o", *bin, ".")
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building budgetpoint: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
