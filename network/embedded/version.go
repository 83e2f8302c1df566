package embedded

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sceau/sceau/network"
)

var _ network.StateVersioner = (*Ledger)(nil)

// StateVersion returns the version of the ledger's committed state: the id
// of the store's last committed write transaction, as a read of the store
// sees it. Every commit (a block) is one such write, and the ledger is the
// store's only writer (Open locks it), so the version grows with every
// commit and with nothing else. It is read from the store itself, not from
// the commit path's own counters, and costs one read transaction.
func (l *Ledger) StateVersion(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if l.closed.Load() {
		return 0, fmt.Errorf("ledger %s is closed: %w", l.dir, network.ErrUnavailable)
	}
	var version uint64
	err := l.db.View(func(tx *bolt.Tx) error {
		version = uint64(tx.ID())
		return nil
	})
	if err != nil {
		return 0, unavailable("reading the state version of ledger "+l.dir, err)
	}
	return version, nil
}
