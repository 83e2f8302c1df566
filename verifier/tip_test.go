package verifier

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
)

// chain is a block log a test moves: hashes[n] is block n's hash.
type chain struct{ hashes []string }

func (c *chain) Tip(context.Context) (network.Tip, error) {
	return network.Tip{Height: uint64(len(c.hashes)), Hash: c.hashes[len(c.hashes)-1]}, nil
}

func (c *chain) BlockHash(_ context.Context, n uint64) (string, error) {
	if n >= uint64(len(c.hashes)) {
		return "", network.ErrNotFound
	}
	return c.hashes[n], nil
}

// statusLedger answers every status read as active.
type statusLedger struct{ Ledger }

func (statusLedger) GetStatus(context.Context, string) (*record.DigestStatus, error) {
	return &record.DigestStatus{Status: record.StatusActive}, nil
}

func blocks(prefix string, n int) []string {
	hashes := []string{"genesis"}
	for i := 1; i < n; i++ {
		hashes = append(hashes, fmt.Sprintf("%s%d", prefix, i))
	}
	return hashes
}

func TestGuardNoticesALedgerBehindOrOnAnotherChain(t *testing.T) {
	ctx := context.Background()
	cache := NewCache(t.TempDir())
	c := &chain{hashes: blocks("a", 5)}
	read := func() error {
		// A new guard each time: as a new `sceau verify` would.
		_, err := cache.Guard(statusLedger{}, c).GetStatus(ctx, "d")
		return err
	}
	if err := read(); err != nil {
		t.Fatalf("the first read: %v", err)
	}
	c.hashes = blocks("a", 8) // moved forward
	if err := read(); err != nil {
		t.Fatalf("a ledger ahead on the same chain: %v", err)
	}
	for _, bad := range []struct {
		name   string
		hashes []string
	}{
		{"behind", blocks("a", 6)},
		{"same height, another chain", blocks("b", 8)},
		{"ahead, another chain", blocks("b", 12)},
	} {
		c.hashes = bad.hashes
		err := read()
		if !errors.Is(err, ErrRolledBack) || !errors.Is(err, network.ErrUnavailable) {
			t.Errorf("%s: %v, want ErrRolledBack and ErrUnavailable", bad.name, err)
		}
	}
	c.hashes = blocks("a", 9)
	if err := read(); err != nil {
		t.Fatalf("back on the chain it saw, ahead: %v", err)
	}
	// Another ledger (another block 0) has a tip of its own.
	other := &chain{hashes: append([]string{"other genesis"}, blocks("c", 3)[1:]...)}
	if _, err := cache.Guard(statusLedger{}, other).GetStatus(ctx, "d"); err != nil {
		t.Fatalf("another ledger: %v", err)
	}
}
