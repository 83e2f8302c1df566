package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/network/ledgertest"
	"github.com/sceau/sceau/org"
)

// ledgerCLI runs the sceau command line in-process with --home home and
// returns its exit code, standard output and standard error.
func ledgerCLI(t *testing.T, home string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), append([]string{"sceau", "--home", home}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// Names written to the ledger by populatedLedger, which the tampering
// tests look for in the blocks' bytes.
const (
	testIssuerName = "Office des examens de Lyon"
	testBatchID    = "lyon-2026-session-1"
)

// populatedLedger creates a ledger with `sceau ledger init` and, through
// the embedded ledger, commits blocks 1 to 4: the exam office's config
// block, RegisterIssuer, AccreditIssuer and AnchorBatch. Everything is
// closed when it returns.
func populatedLedger(t *testing.T) (home string) {
	t.Helper()
	home = filepath.Join(t.TempDir(), "home")
	if code, out, errOut := ledgerCLI(t, home, "ledger", "init"); code != 0 {
		t.Fatalf("ledger init: exit %d\n%s%s", code, out, errOut)
	}
	ctx := context.Background()
	l, err := embedded.Open(ctx, org.Home(home).LedgerDir(), embedded.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := network.NewContract(l)
	jwk, _ := ledgertest.NewPublicJWK(t)
	steps := []struct {
		name string
		do   func() error
	}{
		{"ProvisionOrg", func() error { _, err := l.ProvisionOrg(ctx, "examoffice"); return err }},
		{"RegisterIssuer", func() error { return c.RegisterIssuer(ctx, "examoffice", "lyon", testIssuerName, jwk) }},
		{"AccreditIssuer", func() error {
			return c.AccreditIssuer(ctx, governanceOrg, "lyon", []record.CredentialType{record.TypeDiploma}, "")
		}},
		{"AnchorBatch", func() error {
			req := ledgertest.NewAnchorRequest(t, testBatchID, "lyon", "Diploma", ledgertest.NewCredentials(t, 2, 1))
			_, err := c.AnchorBatch(ctx, "examoffice", req)
			return err
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	return home
}

// ledgerInfo reads the ledger's figures directly, not through the CLI.
func ledgerInfo(t *testing.T, home string) embedded.Info {
	t.Helper()
	l, err := embedded.Open(context.Background(), org.Home(home).LedgerDir(), embedded.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	info, err := l.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestLedgerInitRefusesAnExistingLedger(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	dir := org.Home(home).LedgerDir()
	code, out, errOut := ledgerCLI(t, home, "ledger", "init")
	if code != ExitOK || !strings.Contains(out, "ledger created in "+dir) {
		t.Fatalf("first ledger init: exit %d, output %q%q; want 0 and the ledger's folder", code, out, errOut)
	}
	before := ledgerInfo(t, home)

	code, out, errOut = ledgerCLI(t, home, "ledger", "init")
	if code == ExitOK {
		t.Fatalf("second ledger init succeeded: %q", out)
	}
	if !strings.Contains(errOut, dir) || !strings.Contains(errOut, "already") {
		t.Errorf("second ledger init says %q; want it to name %s and say a ledger is already there", errOut, dir)
	}
	if after := ledgerInfo(t, home); after.Height != before.Height || after.TipHash != before.TipHash {
		t.Errorf("second ledger init changed the ledger: height %d tip %s, was %d %s", after.Height, after.TipHash, before.Height, before.TipHash)
	}
}

func TestLedgerInfo(t *testing.T) {
	home := populatedLedger(t)
	want := ledgerInfo(t, home)
	if want.Height != 5 {
		t.Fatalf("the populated ledger has %d blocks, want 5", want.Height)
	}

	code, out, errOut := ledgerCLI(t, home, "ledger", "info")
	if code != ExitOK {
		t.Fatalf("ledger info: exit %d\n%s", code, errOut)
	}
	for _, line := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^height\s+5 blocks, 4 transactions$`),
		regexp.MustCompile(`(?m)^tip hash\s+` + want.TipHash + `$`),
		regexp.MustCompile(`(?m)^org\s+examoffice \(ExamofficeMSP\), CA `),
	} {
		if !line.MatchString(out) {
			t.Errorf("ledger info prints no line matching %s:\n%s", line, out)
		}
	}

	code, out, errOut = ledgerCLI(t, home, "ledger", "info", "--json")
	if code != ExitOK {
		t.Fatalf("ledger info --json: exit %d\n%s", code, errOut)
	}
	var got embedded.Info
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("ledger info --json is not JSON: %v\n%s", err, out)
	}
	if got.Height != want.Height || got.TipHash != want.TipHash || got.Transactions != 4 || got.StateKeys != want.StateKeys || len(got.Orgs) != 2 {
		t.Errorf("ledger info --json: height %d, tip %s, %d transactions, %d state keys, %d orgs; want %d, %s, 4, %d, 2",
			got.Height, got.TipHash, got.Transactions, got.StateKeys, len(got.Orgs), want.Height, want.TipHash, want.StateKeys)
	}
}

func TestLedgerExport(t *testing.T) {
	home := populatedLedger(t)
	info := ledgerInfo(t, home)
	out := filepath.Join(t.TempDir(), "blocks.jsonl")

	code, stdout, errOut := ledgerCLI(t, home, "ledger", "export", "--out", out)
	if code != ExitOK || !strings.Contains(stdout, out) {
		t.Fatalf("ledger export: exit %d, output %q%q; want 0 naming %s", code, stdout, errOut, out)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	type block struct {
		Number   uint64 `json:"number"`
		Hash     string `json:"hash"`
		PrevHash string `json:"prevHash"`
		Kind     string `json:"kind"`
		Function string `json:"function"`
		TxID     string `json:"txId"`
	}
	wantKinds := []string{"genesis", "config", "transaction", "transaction", "transaction"}
	wantFunctions := []string{"", "TrustOrg", "RegisterIssuer", "AccreditIssuer", "AnchorBatch"}
	var blocks []block
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var b block
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		if err := dec.Decode(&b); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", len(blocks)+1, err, sc.Text())
		}
		if dec.More() {
			t.Fatalf("line %d holds more than one JSON value", len(blocks)+1)
		}
		blocks = append(blocks, b)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if uint64(len(blocks)) != info.Height {
		t.Fatalf("export holds %d lines, the ledger %d blocks", len(blocks), info.Height)
	}
	for i, b := range blocks {
		if b.Number != uint64(i) || b.Kind != wantKinds[i] || b.Function != wantFunctions[i] {
			t.Errorf("line %d: block %d, %s, function %q; want block %d, %s, function %q", i+1, b.Number, b.Kind, b.Function, i, wantKinds[i], wantFunctions[i])
		}
		if h, err := hex.DecodeString(b.Hash); err != nil || len(h) != 32 {
			t.Errorf("block %d: hash %q is not a hex SHA-256", i, b.Hash)
		}
		if i > 0 && (b.PrevHash != blocks[i-1].Hash || b.TxID == "") {
			t.Errorf("block %d: prevHash %q, txId %q; want block %d's hash %q and a transaction id", i, b.PrevHash, b.TxID, i-1, blocks[i-1].Hash)
		}
	}
	if last := blocks[len(blocks)-1]; last.Hash != info.TipHash {
		t.Errorf("last exported block hashes to %s, ledger info's tip is %s", last.Hash, info.TipHash)
	}

	missing := filepath.Join(t.TempDir(), "no-such-folder", "blocks.jsonl")
	if code, _, _ := ledgerCLI(t, home, "ledger", "export", "--out", missing); code == ExitOK {
		t.Errorf("ledger export into a missing folder succeeded")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed export left %s behind (%v)", missing, err)
	}
}

// tamperBlock replaces, in committed block n of the embedded store, the
// first occurrence of old by new (of the same length), as someone editing
// ledger.db behind the ledger's back would. The store layout is
// network/embedded's (store.go): bucket "blocks", keys the block number as
// 8 bytes big-endian.
func tamperBlock(t *testing.T, home string, n uint64, old, new string) {
	t.Helper()
	if len(old) != len(new) {
		t.Fatalf("tamperBlock: %q and %q differ in length", old, new)
	}
	db, err := bolt.Open(filepath.Join(org.Home(home).LedgerDir(), "ledger.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		blocks := tx.Bucket([]byte("blocks"))
		if blocks == nil {
			return errors.New(`no "blocks" bucket`)
		}
		key := binary.BigEndian.AppendUint64(nil, n)
		raw := bytes.Clone(blocks.Get(key))
		i := bytes.Index(raw, []byte(old))
		if i < 0 {
			return fmt.Errorf("block %d does not hold %q", n, old)
		}
		copy(raw[i:], new)
		return blocks.Put(key, raw)
	})
	if err != nil {
		t.Fatalf("tampering with block %d: %v", n, err)
	}
}

func TestLedgerVerify(t *testing.T) {
	for _, tc := range []struct {
		name string
		// tamper edits the store; nil leaves it untouched.
		tamper func(t *testing.T, home string)
		// block is the edited block, which the output must name; -1 for none.
		block int
		// alone: no problem names another block. An edit of the genesis
		// block also makes later blocks fail (their signers are no longer
		// trusted, say).
		alone bool
	}{
		{"untouched", nil, -1, true},
		{"issuer name edited in a transaction block", func(t *testing.T, home string) {
			tamperBlock(t, home, 2, testIssuerName, strings.Replace(testIssuerName, "Lyon", "Lyom", 1))
		}, 2, true},
		{"batch id edited in the last block", func(t *testing.T, home string) {
			tamperBlock(t, home, 4, testBatchID, strings.Replace(testBatchID, "2026", "2025", 1))
		}, 4, true},
		{"org edited in a config block", func(t *testing.T, home string) {
			tamperBlock(t, home, 1, "examoffice", "examofficf")
		}, 1, true},
		{"CA certificate edited in the genesis block", func(t *testing.T, home string) {
			tamperBlock(t, home, 0, "-----BEGIN CERTIFICATE-----\nMII", "-----BEGIN CERTIFICATE-----\nMIJ")
		}, 0, false},
		// The ledger cannot even be opened: the error names the block.
		{"governance MSP ID edited in the genesis block", func(t *testing.T, home string) {
			tamperBlock(t, home, 0, "MinistryMSP", "MinistryMSQ")
		}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := populatedLedger(t)
			if tc.tamper != nil {
				tc.tamper(t, home)
			}
			code, out, errOut := ledgerCLI(t, home, "ledger", "verify")
			if tc.block < 0 {
				if code != ExitOK || !strings.HasPrefix(out, "ledger verified: 5 blocks, 4 transactions") {
					t.Errorf("verify of an untouched ledger: exit %d\n%s%s", code, out, errOut)
				}
				return
			}
			if code != ExitInvalid {
				t.Errorf("verify after the edit: exit %d, want %d\n%s%s", code, ExitInvalid, out, errOut)
			}
			if named := regexp.MustCompile(fmt.Sprintf(`\bblock %d\b`, tc.block)); !named.MatchString(out + errOut) {
				t.Errorf("verify after the edit of block %d does not name it:\n%s%s", tc.block, out, errOut)
			}
			for _, p := range problemLines(out) {
				var n int
				if _, err := fmt.Sscanf(p, "block %d:", &n); err != nil {
					t.Errorf("problem %q names no block", p)
					continue
				}
				if n < tc.block || (tc.alone && n != tc.block) {
					t.Errorf("problem %q: the edit was in block %d", p, tc.block)
				}
			}
			if tc.alone && (!strings.HasPrefix(out, "LEDGER DOES NOT VERIFY") || !strings.Contains(errOut, "does not verify")) {
				t.Errorf("verify after the edit says:\n%s%s", out, errOut)
			}
		})
	}
}

// problemLines returns the problems `ledger verify` lists, one per
// indented line.
func problemLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(l, "  "); ok {
			lines = append(lines, p)
		}
	}
	return lines
}

// TestLedgerInUse: while another process holds the ledger, the audit
// commands fail within about two seconds, saying the ledger is in use.
func TestLedgerInUse(t *testing.T) {
	home := populatedLedger(t)
	// The lock is the store's file lock, which the holder below takes as
	// another process would.
	held, err := embedded.Open(context.Background(), org.Home(home).LedgerDir(), embedded.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	for _, args := range [][]string{
		{"ledger", "info"},
		{"ledger", "verify"},
		{"ledger", "export", "--out", filepath.Join(t.TempDir(), "blocks.jsonl")},
	} {
		t.Run(args[1], func(t *testing.T) {
			type result struct {
				code        int
				out, errOut string
			}
			done := make(chan result, 1)
			start := time.Now()
			go func() {
				code, out, errOut := ledgerCLI(t, home, args...)
				done <- result{code, out, errOut}
			}()
			select {
			case r := <-done:
				elapsed := time.Since(start)
				if r.code == ExitOK {
					t.Fatalf("sceau %s succeeded while the ledger is held:\n%s", strings.Join(args, " "), r.out)
				}
				if !strings.Contains(r.errOut, "in use") || !strings.Contains(r.errOut, org.Home(home).LedgerDir()) {
					t.Errorf("sceau %s says %q; want it to say the ledger in %s is in use", strings.Join(args, " "), r.errOut, org.Home(home).LedgerDir())
				}
				if elapsed > 3*time.Second {
					t.Errorf("sceau %s took %v to give up, want about 2 s at most", strings.Join(args, " "), elapsed.Round(time.Millisecond))
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("sceau %s still waits for the ledger after 15 s", strings.Join(args, " "))
			}
		})
	}

	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := ledgerCLI(t, home, "ledger", "info"); code != ExitOK {
		t.Errorf("ledger info once the ledger is released: exit %d\n%s", code, errOut)
	}
}
