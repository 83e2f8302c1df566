package embedded

import (
	"context"
	"testing"
	"time"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

func TestZZPhases(t *testing.T) {
	l, _ := newTestLedger(t)
	id, _ := l.Identity("ministry")
	for i := 0; i < 3; i++ {
		p, _ := l.NewProposal(id, "putmany", fmt.Sprintf("b%06d-", i), "50000", "400")
		sp, _ := id.Sign(p)
		t0 := time.Now()
		var tInv, tEnc, tApply time.Duration
		tx, err := l.db.Begin(true)
		if err != nil { t.Fatal(err) }
		b, _ := openBuckets(tx)
		inv, err := l.invoke(tx, b, p)
		if err != nil { t.Fatal(err) }
		tInv = time.Since(t0); t1 := time.Now()
		blk := &block{Number: l.height, PrevHash: l.tip[:], Kind: kindTransaction, Proposal: sp.Proposal, Signature: sp.Signature, Writes: inv.writes}
		raw, hash, _ := encodeBlock(blk)
		tEnc = time.Since(t1); t2 := time.Now()
		if err := appendBlock(b, blk, raw, hash, p); err != nil { t.Fatal(err) }
		tApply = time.Since(t2); t3 := time.Now()
		if err := tx.Commit(); err != nil { t.Fatal(err) }
		l.height++; l.tip = hash
		t.Logf("invoke %v encode %v (%d bytes) apply %v commit %v", tInv, tEnc, len(raw), tApply, time.Since(t3))
		_ = context.Background
		_ = bolt.ErrTimeout
	}
}
