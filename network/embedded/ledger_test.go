package embedded

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/sceau/sceau/network"
)

func TestInitCreatesTheLedgerLayout(t *testing.T) {
	l, dir := newTestLedger(t)

	for _, c := range []struct {
		path string
		perm os.FileMode
	}{
		{"orgs", 0o700},
		{"orgs/ministry", 0o700},
		{"orgs/ministry/ca.key", 0o600},
		{"orgs/ministry/key.pem", 0o600},
		{"orgs/ministry/ca.pem", 0o644},
		{"orgs/ministry/cert.pem", 0o644},
		{"ledger.db", 0o600},
	} {
		fi, err := os.Stat(filepath.Join(dir, c.path))
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if got := fi.Mode().Perm(); got != c.perm {
			t.Errorf("%s has mode %v, want %v", c.path, got, c.perm)
		}
	}
	want := Genesis{ChannelID: "sceau", ChaincodeName: "sceau", GovernanceOrg: "ministry", GovernanceMSP: "MinistryMSP"}
	got := l.Genesis()
	if got.CreatedAt.IsZero() {
		t.Error("the genesis settings have no creation time")
	}
	got.CreatedAt = time.Time{}
	if got != want {
		t.Errorf("genesis settings %+v, want %+v", got, want)
	}
	info := mustInfo(t, l)
	if info.Height != 1 || len(info.Orgs) != 1 || info.Orgs[0].MSPID != "MinistryMSP" || info.Orgs[0].Org != "ministry" {
		t.Errorf("a new ledger: height %d, orgs %+v; want height 1 and the ministry trusted", info.Height, info.Orgs)
	}
}

func TestInitRefusesAnExistingLedger(t *testing.T) {
	l, dir := newTestLedger(t)
	l.Close()
	_, err := Init(context.Background(), dir, InitOptions{OpenOptions: OpenOptions{Chaincode: newTestChaincode}})
	if !errors.Is(err, ErrLedgerExists) {
		t.Fatalf("Init over an existing ledger: %v, want ErrLedgerExists", err)
	}
}

func TestInitRefusesBadSettings(t *testing.T) {
	for _, opts := range []InitOptions{
		{ChannelID: "Upper"},
		{ChaincodeName: "bad name"},
		{GovernanceOrg: "Ministry"},
		{GovernanceOrg: "../escape"},
	} {
		if _, err := Init(context.Background(), t.TempDir(), opts); err == nil {
			t.Errorf("Init with %+v succeeded", opts)
		}
	}
}

func TestGenesisSettingsComeFromTheLedger(t *testing.T) {
	dir := t.TempDir()
	l, err := Init(context.Background(), dir, InitOptions{ChannelID: "exams", ChaincodeName: "sceau-cc", GovernanceOrg: "rectorat", OpenOptions: OpenOptions{Chaincode: newTestChaincode}})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	var built Genesis
	l, err = Open(context.Background(), dir, OpenOptions{Chaincode: func(g Genesis) (shim.Chaincode, error) {
		built = g
		return newTestChaincode(g)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if built.ChannelID != "exams" || built.ChaincodeName != "sceau-cc" || built.GovernanceOrg != "rectorat" || built.GovernanceMSP != "RectoratMSP" {
		t.Errorf("the chaincode was built from %+v, want the genesis settings", built)
	}
	if got := string(mustEvaluate(t, l, "whoami")); got != "RectoratMSP|member.rectorat" {
		t.Errorf("the default reader is %q, want the governance org's member", got)
	}
}

func TestOpenWithoutLedger(t *testing.T) {
	_, err := Open(context.Background(), t.TempDir(), OpenOptions{})
	if !errors.Is(err, ErrNoLedger) {
		t.Fatalf("Open of an empty directory: %v, want ErrNoLedger", err)
	}
}

func TestSubmitEvaluateAndRestart(t *testing.T) {
	l, dir := newTestLedger(t)
	ctx := context.Background()

	mustSubmit(t, l, "ministry", "put", "k1", "v1")
	if got := string(mustEvaluate(t, l, "get", "k1")); got != "v1" {
		t.Fatalf("get k1 = %q, want v1", got)
	}
	// Evaluate discards writes: no block, no state.
	height := mustInfo(t, l).Height
	if _, err := l.Evaluate(ctx, "", "put", "k2", "v2"); err != nil {
		t.Fatal(err)
	}
	if h := mustInfo(t, l).Height; h != height {
		t.Errorf("Evaluate added a block: height %d → %d", height, h)
	}
	if _, err := l.Evaluate(ctx, "", "get", "k2"); err == nil {
		t.Error("a write made during Evaluate was kept")
	}
	mustSubmit(t, l, "ministry", "del", "k1")
	mustSubmit(t, l, "ministry", "put", "k3", "v3")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Submit(ctx, "ministry", "put", "x", "y"); !errors.Is(err, network.ErrUnavailable) {
		t.Errorf("Submit on a closed ledger: %v, want ErrUnavailable", err)
	}

	l, err := Open(ctx, dir, OpenOptions{Chaincode: newTestChaincode})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Evaluate(ctx, "", "get", "k1"); err == nil {
		t.Error("deleted key k1 is back after a restart")
	}
	if got := string(mustEvaluate(t, l, "get", "k3")); got != "v3" {
		t.Errorf("after a restart, k3 = %q, want v3", got)
	}
	if h := mustInfo(t, l).Height; h != 4 {
		t.Errorf("height after genesis and 3 transactions = %d, want 4", h)
	}
	mustSubmit(t, l, "ministry", "put", "k4", "v4") // the chain goes on after a restart
	mustVerifyClean(t, l)
}

func TestRefusedTransactionWritesNothing(t *testing.T) {
	l, _ := newTestLedger(t)
	ctx := context.Background()
	before := mustInfo(t, l)

	_, err := l.Submit(ctx, "ministry", "fail", "issuer suspended")
	var ce *network.ContractError
	if !errors.As(err, &ce) || ce.Function != "fail" || ce.Message != "issuer suspended" {
		t.Fatalf("a refused transaction: %v, want ContractError{fail, issuer suspended}", err)
	}
	if errors.Is(err, network.ErrUnavailable) {
		t.Error("a chaincode refusal must not read as an unavailable ledger")
	}
	_, err = l.Submit(ctx, "ministry", "panic")
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("a panicking chaincode: %v, want an error", err)
	}
	after := mustInfo(t, l)
	if after.Height != before.Height || after.StateKeys != 0 || after.TipHash != before.TipHash {
		t.Errorf("refused transactions changed the ledger: %+v → %+v", before, after)
	}
	if _, err := l.Evaluate(ctx, "", "fail", "nope"); !errors.As(err, &ce) {
		t.Errorf("a refused evaluation: %v, want a ContractError", err)
	}
}

func TestGetStateReadsCommittedStateOnly(t *testing.T) {
	l, _ := newTestLedger(t)
	if got := string(mustSubmit(t, l, "ministry", "readown", "k", "new")); got != "committed=" {
		t.Errorf("GetState after PutState in the same transaction saw %q, want the committed (absent) value", got)
	}
	if got := string(mustSubmit(t, l, "ministry", "readown", "k", "newer")); got != "committed=new" {
		t.Errorf("GetState saw %q, want the committed value \"new\"", got)
	}
}

func TestTransactionDataAsOnFabric(t *testing.T) {
	l, _ := newTestLedger(t)
	id, err := l.Identity("ministry")
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.NewProposal(id, "txinfo")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := id.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.SubmitProposal(context.Background(), sp)
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]string
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(append(append([]byte(nil), p.Nonce...), id.Creator()...))
	if info["txid"] != hex.EncodeToString(sum[:]) || info["txid"] != p.TxID {
		t.Errorf("GetTxID = %s, want hex SHA-256(nonce || creator) = %x", info["txid"], sum)
	}
	if info["channel"] != "sceau" {
		t.Errorf("GetChannelID = %q, want sceau", info["channel"])
	}
	if want := p.Timestamp.UTC().Format(time.RFC3339Nano); info["timestamp"] != want {
		t.Errorf("GetTxTimestamp = %s, want the proposal's %s", info["timestamp"], want)
	}
	binding := sha256.Sum256(append(append(append([]byte(nil), p.Nonce...), id.Creator()...), make([]byte, 8)...))
	if info["binding"] != hex.EncodeToString(binding[:]) {
		t.Errorf("GetBinding = %s, want SHA-256(nonce || creator || epoch 0)", info["binding"])
	}
}

func TestCreatorIsASerializedIdentity(t *testing.T) {
	l, _ := newTestLedger(t)
	if got := string(mustSubmit(t, l, "ministry", "whoami")); got != "MinistryMSP|member.ministry" {
		t.Errorf("cid sees %q, want MinistryMSP|member.ministry", got)
	}
}

func TestSecondOpenIsRefusedQuickly(t *testing.T) {
	l, dir := newTestLedger(t)
	_ = l
	start := time.Now()
	_, err := Open(context.Background(), dir, OpenOptions{Chaincode: newTestChaincode})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrInUse) || !errors.Is(err, network.ErrUnavailable) {
		t.Fatalf("second Open: %v, want ErrInUse (and ErrUnavailable)", err)
	}
	if want := "ledger " + dir + " is in use by another process"; err.Error() != want {
		t.Errorf("second Open says %q, want %q", err, want)
	}
	if elapsed > 5*time.Second {
		t.Errorf("second Open blocked for %v", elapsed)
	}
	if _, err := Init(context.Background(), dir, InitOptions{}); !errors.Is(err, ErrInUse) {
		t.Errorf("Init over an open ledger: %v, want ErrInUse", err)
	}
}

func TestContextCancellation(t *testing.T) {
	l, _ := newTestLedger(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Submit(ctx, "ministry", "put", "k", "v"); !errors.Is(err, context.Canceled) {
		t.Errorf("Submit with a cancelled context: %v", err)
	}
	if _, err := l.Evaluate(ctx, "", "get", "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("Evaluate with a cancelled context: %v", err)
	}
	if h := mustInfo(t, l).Height; h != 1 {
		t.Errorf("a cancelled Submit was committed (height %d)", h)
	}
}

func TestUnknownOrg(t *testing.T) {
	l, _ := newTestLedger(t)
	if _, err := l.Submit(context.Background(), "examoffice", "put", "k", "v"); !errors.Is(err, ErrUnknownOrg) {
		t.Errorf("Submit as an org never provisioned: %v, want ErrUnknownOrg", err)
	}
}
