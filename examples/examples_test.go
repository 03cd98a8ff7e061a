// Package examples_test runs every program under examples/, so that
// `go test ./...` (and CI) fails when an example stops building or exiting
// 0.
package examples_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// examples are the programs run, one per directory of examples/.
var examples = []string{"custom-channel", "embed-scheduler", "mount-handler", "plan-goal"}

// runTimeout bounds one example's run (not its build).
const runTimeout = 2 * time.Minute

func TestExamplesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every example; skipped with -short")
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "testdata" {
			dirs = append(dirs, e.Name())
		}
	}
	if !slices.Equal(dirs, examples) {
		t.Fatalf("examples/ has %v; this test runs %v: add the new example to the list", dirs, examples)
	}
	// go test puts $GOROOT/bin first in PATH, so this is the go command
	// that runs the test.
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command: %v", err)
	}
	bin := t.TempDir()
	args := []string{"build", "-o", bin + string(os.PathSeparator)}
	for _, d := range examples {
		args = append(args, "./"+d)
	}
	if out, err := exec.Command(gocmd, args...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, filepath.Join(bin, name))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("%s did not finish within %s:\n%s", name, runTimeout, out.String())
			}
			if err != nil {
				t.Fatalf("%s: %v (want exit 0):\n%s", name, err, out.String())
			}
			if out.Len() == 0 {
				t.Errorf("%s printed nothing", name)
			}
			t.Logf("%s:\n%s", name, out.String())
		})
	}
}
