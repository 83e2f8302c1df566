package embedded

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sceau/sceau/network"
)

var _ network.ChainReader = (*Ledger)(nil)

// Tip is where a ledger's block log ends.
type Tip = network.Tip

// publishHead makes the current height and tip visible to Tip. The caller
// holds the writer token (or is opening the ledger).
func (l *Ledger) publishHead() {
	l.head.Store(&Tip{Height: l.height, Hash: hex.EncodeToString(l.tip[:])})
}

// Tip returns the ledger's height and the hash of its last block, as
// committed. It reads no store.
func (l *Ledger) Tip(ctx context.Context) (network.Tip, error) {
	if err := ctx.Err(); err != nil {
		return network.Tip{}, err
	}
	if l.closed.Load() {
		return network.Tip{}, fmt.Errorf("ledger %s is closed: %w", l.dir, network.ErrUnavailable)
	}
	return *l.head.Load(), nil
}

// BlockHash returns the hash of block n (hex SHA-256 of its bytes), with
// network.ErrNotFound when the ledger has no such block.
func (l *Ledger) BlockHash(ctx context.Context, n uint64) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var hash string
	err := l.db.View(func(tx *bolt.Tx) error {
		b, err := openBuckets(tx)
		if err != nil {
			return err
		}
		raw := blockAt(b.blocks, n)
		if raw == nil {
			return fmt.Errorf("block %d of ledger %s: %w", n, l.dir, network.ErrNotFound)
		}
		sum := sha256.Sum256(raw)
		hash = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		if errors.Is(err, network.ErrNotFound) {
			return "", err
		}
		return "", unavailable("reading a block of ledger "+l.dir, err)
	}
	return hash, nil
}

// Damaged returns why the ledger refuses to serve, or nil: its last block
// does not match the hash recorded when it was committed, or its state
// does not match the state digest of its last block (the store was changed
// behind the ledger's back). Reads then fail with ErrDamaged and
// network.ErrUnavailable; Info, Verify and Export still work, to locate
// the change.
func (l *Ledger) Damaged() error { return l.damaged }
