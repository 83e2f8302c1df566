package hardening

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildSceau builds the sceau command from the module's source into a
// temporary folder and returns its path. The go build cache makes every
// build after the first a link.
func buildSceau(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(t.TempDir(), "sceau")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building sceau: %v\n%s", err, out)
	}
	return bin
}

// runSceau runs the sceau binary with args and returns its exit code and
// everything it printed. A binary that cannot be run is exit code -1, the
// error as output. It may be called from any goroutine.
func runSceau(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out.String()
	}
	if err != nil {
		return -1, fmt.Sprintf("running sceau %s: %v", strings.Join(args, " "), err)
	}
	return 0, out.String()
}
