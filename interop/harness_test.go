package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// node runs the independent implementations of this folder's package.json.
type node struct {
	dir string // this folder, where node_modules is
}

var (
	nodeOnce sync.Once
	nodeErr  error
	nodeSkip string
)

// needNode returns the node runner, installing the pinned packages with
// `npm ci` the first time if node_modules is missing. It skips the test, with
// a message saying why, when node or npm is not on this machine.
func needNode(t *testing.T) *node {
	t.Helper()
	if testing.Short() {
		t.Skip("interop tests drive node and the sceau binary; skipped with -short")
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	nodeOnce.Do(func() {
		for _, tool := range []string{"node", "npm"} {
			if _, err := exec.LookPath(tool); err != nil {
				nodeSkip = fmt.Sprintf("interop: %s is not on PATH; install Node.js 20 or later to run the tests against independent implementations", tool)
				return
			}
		}
		// npm ci when nothing is installed, or when the lockfile changed
		// since (npm writes node_modules/.package-lock.json as it installs).
		installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
		if lock, lerr := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil && lerr == nil && !lock.ModTime().After(installed.ModTime()) {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			nodeErr = fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
		}
	})
	if nodeSkip != "" {
		t.Skip(nodeSkip)
	}
	if nodeErr != nil {
		t.Fatal(nodeErr)
	}
	return &node{dir: dir}
}

// run runs js/<script> with in encoded as JSON on stdin and decodes its
// stdout as JSON into out. A script that fails says why on stderr, which the
// error carries.
func (n *node) run(t *testing.T, script string, in, out any) error {
	t.Helper()
	input, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("js", script))
	cmd.Dir = n.dir
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("node js/%s: %v: %s", script, err, strings.TrimSpace(stderr.String()))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return fmt.Errorf("node js/%s printed %q, not JSON: %v", script, stdout.String(), err)
	}
	return nil
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// sceauBinary builds the sceau command of this module once per test run.
func sceauBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sceau-interop-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "sceau")
		cmd := exec.Command("go", "build", "-o", binPath, "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// home is a Sceau home for one test, driven through the sceau binary.
type home struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

func newHome(t *testing.T) *home {
	t.Helper()
	dir := t.TempDir()
	return &home{t: t, bin: sceauBinary(t), dir: dir, env: append(os.Environ(), "LC_ALL=C", "SCEAU_KEY_PASSPHRASE=interop-test-passphrase")}
}

// sceau runs the command with the home's global flags and returns its
// stdout; a non-zero exit fails the test.
func (h *home) sceau(args ...string) string {
	h.t.Helper()
	out, err := h.try(args...)
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// try runs the command and returns stdout, or an error carrying the exit
// code and stderr.
func (h *home) try(args ...string) (string, error) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.bin, append([]string{"--home", h.dir}, args...)...)
	cmd.Env = h.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return stdout.String(), fmt.Errorf("sceau %s: exit %d: %s", strings.Join(args, " "), exit.ExitCode(), strings.TrimSpace(stderr.String()))
	}
	if err != nil {
		return "", fmt.Errorf("sceau %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String(), nil
}

// issuerWithCredentials makes an accredited issuer "examoffice" and issues
// one credential per row of a small Pix CSV as bundle files, returning the
// bundles' paths.
func (h *home) issuerWithCredentials(rows int) []string {
	h.t.Helper()
	h.sceau("ledger", "init")
	h.sceau("issuer", "init", "--id", "examoffice", "--name", "Office des examens")
	h.sceau("issuer", "accredit", "--id", "examoffice", "--types", "Diploma,PixCertification")
	csv := filepath.Join(h.dir, "pix.csv")
	out := h.sceau("template", "--type", "PixCertification", "--example")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		h.t.Fatalf("sceau template --example printed %d lines, want header and one row", len(lines))
	}
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for i := range rows {
		b.WriteString(withStudentID(lines[1], i) + "\n")
	}
	if err := os.WriteFile(csv, []byte(b.String()), 0o600); err != nil {
		h.t.Fatal(err)
	}
	outDir := filepath.Join(h.dir, "out")
	h.sceau("issue", "--issuer", "examoffice", "--type", "PixCertification", "--input", csv, "--out", outDir, "--bundles")
	bundles, err := filepath.Glob(filepath.Join(outDir, "*.json"))
	if err != nil || len(bundles) != rows {
		h.t.Fatalf("issued %d bundles (%v), want %d", len(bundles), err, rows)
	}
	return bundles
}

// withStudentID replaces the INE (first field) of a template row so that
// each row is another student.
func withStudentID(row string, i int) string {
	_, rest, _ := strings.Cut(row, ";")
	return fmt.Sprintf("%010dA;%s", i+1, rest)
}

// bundle is the part of a bundle file the interop tests read.
type bundle struct {
	ID     string `json:"id"`
	Issuer string `json:"issuer"`
	VCJWT  string `json:"vc_jwt"`
	SDJWT  string `json:"sd_jwt"`
	QR     string `json:"qr"`
}

func readBundle(t *testing.T, path string) bundle {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// waitForLists waits until the server at base publishes every status list
// of issuer (it publishes them as it starts, in the background), at most
// 60 s: independent verifiers fetch the list a credential names.
func waitForLists(t *testing.T, base, issuer string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for _, kind := range []string{"ietf", "revocation", "suspension"} {
		for {
			resp, err := http.Get(base + "/status/" + issuer + "/" + kind)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("the %s status list of %s was not published at %s within 60 s (%v)", kind, issuer, base, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
