package embedded

import (
	"context"
	"errors"
	"testing"

	"github.com/sceau/sceau/network"
)

func TestStateVersionGrowsWithEveryCommitAndNothingElse(t *testing.T) {
	l, _ := newTestLedger(t)
	ctx := context.Background()
	version := func() uint64 {
		t.Helper()
		v, err := l.StateVersion(ctx)
		if err != nil {
			t.Fatalf("StateVersion: %v", err)
		}
		return v
	}
	v0 := version()
	if again := version(); again != v0 {
		t.Fatalf("version %d then %d with nothing committed", v0, again)
	}
	mustSubmit(t, l, "ministry", "put", "k", "v1")
	v1 := version()
	if v1 <= v0 {
		t.Fatalf("version %d after a commit, %d before: want it to grow", v1, v0)
	}
	mustEvaluate(t, l, "get", "k")
	if _, err := l.Submit(ctx, "ministry", "fail", "k", "v2"); err == nil {
		t.Fatal("the chaincode's refusal was committed")
	}
	if got := version(); got != v1 {
		t.Errorf("version %d after a query and a refused transaction, want %d unchanged", got, v1)
	}
	if _, err := l.ProvisionOrg(ctx, "examoffice"); err != nil {
		t.Fatal(err)
	}
	v2 := version()
	if v2 <= v1 {
		t.Errorf("version %d after a config block, %d before: want it to grow", v2, v1)
	}
	mustSubmit(t, l, "ministry", "put", "k", "v1")
	if got := version(); got <= v2 {
		t.Errorf("version %d after rewriting a value as it was, %d before: every commit counts", got, v2)
	}
}

func TestStateVersionOfAClosedLedgerIsUnavailable(t *testing.T) {
	l, _ := newTestLedger(t)
	l.Close()
	if _, err := l.StateVersion(context.Background()); !errors.Is(err, network.ErrUnavailable) {
		t.Errorf("StateVersion of a closed ledger: %v, want ErrUnavailable", err)
	}
}
