package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
)

// tipsFile is where a cache remembers the highest tip it saw of each
// ledger.
const tipsFile = "tips.json"

// ErrRolledBack is wrapped (with network.ErrUnavailable) by the reads of a
// Guard when the ledger is behind the highest tip this verifier saw, or on
// another chain: what it holds now may undo revocations, so no verdict
// rests on it.
var ErrRolledBack = errors.New("the ledger is not the one this verifier saw")

// seenTip is a tip a cache remembers, by ledger (the hash of its block 0).
type seenTip struct {
	network.Tip
	// Genesis identifies the ledger: the hash of its block 0.
	Genesis string `json:"genesis"`
}

// Guard returns a Ledger that reads through ledger once chain (the same
// ledger's block log) proves to be at or ahead of the highest tip this
// cache saw of it, on the same chain: its height not lower, and its block
// at the remembered height the remembered one. Otherwise every read fails
// with an error wrapping ErrRolledBack and network.ErrUnavailable, and the
// verdict is indeterminate, never valid: a ledger.db copied back over a
// newer one (undoing a revocation) is noticed by every verifier that saw
// the newer one. Tips only move forward in the cache (tips.json).
//
// The check costs two in-memory reads on the embedded ledger while its
// tip does not move, and one block read and a cache write when it moved.
func (c *Cache) Guard(ledger Ledger, chain network.ChainReader) Ledger {
	return &guarded{Ledger: ledger, chain: chain, cache: c}
}

type guarded struct {
	Ledger
	chain network.ChainReader
	cache *Cache

	mu sync.Mutex
	// checked is the last tip found good.
	checked *network.Tip
	genesis string
}

func (g *guarded) GetIssuer(ctx context.Context, id string) (*record.Issuer, error) {
	if err := g.check(ctx); err != nil {
		return nil, err
	}
	return g.Ledger.GetIssuer(ctx, id)
}

func (g *guarded) GetStatus(ctx context.Context, digest string) (*record.DigestStatus, error) {
	if err := g.check(ctx); err != nil {
		return nil, err
	}
	return g.Ledger.GetStatus(ctx, digest)
}

func (g *guarded) GetBatch(ctx context.Context, id string) (*record.Batch, error) {
	if err := g.check(ctx); err != nil {
		return nil, err
	}
	return g.Ledger.GetBatch(ctx, id)
}

// check compares the ledger's tip with the cache's.
func (g *guarded) check(ctx context.Context) error {
	tip, err := g.chain.Tip(ctx)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.checked != nil && *g.checked == tip {
		return nil
	}
	if g.genesis == "" {
		if g.genesis, err = g.chain.BlockHash(ctx, 0); err != nil {
			return err
		}
	}
	g.cache.mu.Lock()
	defer g.cache.mu.Unlock()
	var tips []seenTip
	if _, err := g.cache.read(tipsFile, &tips); err != nil {
		return fmt.Errorf("%w: %w", network.ErrUnavailable, err)
	}
	i := -1
	for j := range tips {
		if tips[j].Genesis == g.genesis {
			i = j
		}
	}
	if i >= 0 {
		seen := tips[i].Tip
		rolledBack := func(format string, args ...any) error {
			return fmt.Errorf("%w: %w: %s (this verifier saw height %d, block %d %s; see tips.json in %s)",
				network.ErrUnavailable, ErrRolledBack, fmt.Sprintf(format, args...), seen.Height, seen.Height-1, seen.Hash, g.cache.dir)
		}
		switch {
		case tip.Height < seen.Height:
			return rolledBack("its height is %d, behind: it was rolled back", tip.Height)
		case tip.Height == seen.Height && tip.Hash != seen.Hash:
			return rolledBack("its last block is %s: it is on another chain", tip.Hash)
		case tip.Height > seen.Height:
			hash, err := g.chain.BlockHash(ctx, seen.Height-1)
			if err != nil {
				return err
			}
			if hash != seen.Hash {
				return rolledBack("its block %d is %s: it is on another chain", seen.Height-1, hash)
			}
		}
	}
	if i < 0 {
		tips = append(tips, seenTip{Genesis: g.genesis})
		i = len(tips) - 1
	}
	if tips[i].Tip != tip {
		tips[i].Tip = tip
		// The ledger passed the check: a cache that cannot be written
		// (a read-only home) only keeps the next verifications from
		// knowing this tip, it does not make this one doubtful.
		if data, err := json.Marshal(tips); err == nil {
			_ = g.cache.write(tipsFile, data)
		}
	}
	g.checked = &tip
	return nil
}
