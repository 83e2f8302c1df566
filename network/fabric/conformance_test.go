package fabric

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/ledgertest"
)

// enableFabric says how to run the tests that need a Fabric network.
const enableFabric = "put peer, orderer, configtxgen, osnadmin and cryptogen (Fabric v3.1.5) on PATH " +
	"and the ccaas builder next to them or in FABRIC_CCAAS_BUILDER to run this test"

// TestConformance brings the development network up with ./up (in a
// temporary work dir, on free ports, serving a sceau binary built from
// this module), runs the ledger client conformance suite against it — the
// suite the embedded ledger passes — and tears it down with ./down.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Fabric network; not in -short mode")
	}
	requireFabric(t)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	configPath := networkUp(ctx, t, buildSceau(ctx, t))
	cfg, err := LoadConfig(configPath)
	if err != nil {
		t.Fatalf("LoadConfig(%s): %v", configPath, err)
	}
	l, err := New(cfg, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("New(%s): %v", configPath, err)
	}
	t.Cleanup(func() { l.Close() })

	start := time.Now()
	ledgertest.Run(t, ledgertest.Harness{
		Ledger:     l,
		Governance: "ministry",
		ExamOffice: "examoffice",
		Pix:        "pix",
		Org: func(_ context.Context, org string) (string, error) {
			o, ok := cfg.Orgs[org]
			if !ok {
				return "", fmt.Errorf("%w: %q", ErrUnknownOrg, org)
			}
			return o.MSPID, nil
		},
		Height: func(ctx context.Context) (uint64, error) { return l.chainHeight(ctx, l.defaultReader) },
		Unreachable: func(t *testing.T) network.Ledger {
			return unreachable(t, cfg)
		},
	})
	t.Logf("conformance suite ran in %v", time.Since(start).Round(100*time.Millisecond))
	t.Run("BackdatedProposalsAreRefused", func(t *testing.T) { backdatedProposalsAreRefused(ctx, t, cfg) })
}

// TestClosedLedgerIsUnavailable: after Close, calls fail as the ledger
// being unavailable, for every org, as on the embedded ledger.
func TestClosedLedgerIsUnavailable(t *testing.T) {
	l, _ := openFake(t, true, "")
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := context.Background()
	for _, org := range []string{"", "pix"} {
		if _, err := l.Evaluate(ctx, org, "Whoami"); !errors.Is(err, network.ErrUnavailable) {
			t.Errorf("Evaluate as %q after Close: %v does not wrap network.ErrUnavailable", org, err)
		}
	}
	if _, err := l.Submit(ctx, "ministry", "Record"); !errors.Is(err, network.ErrUnavailable) {
		t.Errorf("Submit after Close: %v does not wrap network.ErrUnavailable", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// unreachable returns a client of the network in cfg whose every peer
// endpoint is a port nothing listens on.
func unreachable(t *testing.T, cfg *Config) network.Ledger {
	t.Helper()
	dead := *cfg
	dead.Orgs = make(map[string]OrgConfig, len(cfg.Orgs))
	endpoint := closedPort(t)
	for id, o := range cfg.Orgs {
		o.PeerEndpoint = endpoint
		dead.Orgs[id] = o
	}
	dead.Timeouts = Timeouts{Evaluate: 5 * time.Second, Endorse: 5 * time.Second, Submit: 5 * time.Second, CommitStatus: 5 * time.Second}
	l, err := New(&dead, Options{})
	if err != nil {
		t.Fatalf("New with dead endpoints: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// requireFabric skips the test unless the Fabric binaries and the ccaas
// builder are installed.
func requireFabric(t *testing.T) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"peer", "orderer", "configtxgen", "osnadmin", "cryptogen"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Skipf("%s not on PATH: %s", strings.Join(missing, ", "), enableFabric)
	}
	builder := os.Getenv("FABRIC_CCAAS_BUILDER")
	if builder == "" {
		peer, _ := exec.LookPath("peer")
		builder = filepath.Join(filepath.Dir(peer), "..", "builders", "ccaas")
	}
	if _, err := os.Stat(filepath.Join(builder, "bin", "detect")); err != nil {
		t.Skipf("no ccaas builder in %s: %s", builder, enableFabric)
	}
}

// buildSceau builds the sceau command of this module into a temporary
// directory and returns its path; SCEAU_BIN, when set, names a binary to
// use instead.
func buildSceau(ctx context.Context, t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("SCEAU_BIN"); bin != "" {
		t.Logf("serving the chaincode with SCEAU_BIN=%s", bin)
		return bin
	}
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(t.TempDir(), "sceau")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir = root
	start := time.Now()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building sceau in %s: %v\n%s", root, err, out)
	}
	t.Logf("sceau built in %v", time.Since(start).Round(100*time.Millisecond))
	return bin
}

// networkUp runs ./up in a fresh work dir on free ports, serving the
// chaincode with sceauBin, registers ./down for cleanup, and returns the
// ledger config path up printed.
func networkUp(ctx context.Context, t *testing.T, sceauBin string) string {
	t.Helper()
	workdir := filepath.Join(t.TempDir(), "fabric")
	base := freePortBlock(t, 41)
	env := append(os.Environ(),
		"FABRIC_WORKDIR="+workdir,
		"FABRIC_PORT_BASE="+strconv.Itoa(base),
		"SCEAU_BIN="+sceauBin,
	)
	t.Cleanup(func() {
		down := exec.Command("./down")
		down.Env = env
		if out, err := down.CombinedOutput(); err != nil {
			t.Errorf("down: %v\n%s", err, out)
		}
		// The orderer, the ministry's peer and the chaincode server are gone.
		for _, port := range []int{base, base + 10, base + 40} {
			if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
				conn.Close()
				t.Errorf("after down, port %d still accepts connections", port)
			}
		}
		if _, err := os.Stat(workdir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after down, the work dir %s is still there (%v)", workdir, err)
		}
	})

	up := exec.CommandContext(ctx, "./up")
	up.Env = env
	var stdout, stderr bytes.Buffer
	up.Stdout, up.Stderr = &stdout, &stderr
	start := time.Now()
	if err := up.Run(); err != nil {
		t.Fatalf("up: %v\n%s", err, stderr.String())
	}
	t.Logf("network up in %v (ports %d to %d)", time.Since(start).Round(100*time.Millisecond), base, base+40)

	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if path, ok := strings.CutPrefix(sc.Text(), "SCEAU_LEDGER_CONFIG="); ok {
			return path
		}
	}
	t.Fatalf("up printed no SCEAU_LEDGER_CONFIG= line; stdout:\n%s", stdout.String())
	return ""
}

// freePortBlock returns the first port of n consecutive loopback ports
// that are free now.
func freePortBlock(t *testing.T, n int) int {
	t.Helper()
	for base := 20000; base+n < 40000; base += 100 {
		free := true
		for p := base; p < base+n && free; p++ {
			lis, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				free = false
				continue
			}
			lis.Close()
		}
		if free {
			return base
		}
	}
	t.Fatalf("no block of %d free ports between 20000 and 40000", n)
	return 0
}
