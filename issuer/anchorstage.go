package issuer

import (
	"context"
	"sync"

	"github.com/sceau/sceau/network"
)

// anchorsInFlight returns how many chunks the anchor stage anchors at once
// on ledger: as many transactions as it says are worth keeping in flight
// (network.ConcurrentSubmitter, a Fabric network), else two. The embedded
// ledger commits one transaction at a time, but anchoring a chunk is more
// than its transaction: the register's pending record synced to disk
// before it, the lookup of an earlier run's batch, the register's filing
// after. With two chunks in flight, chunk k+1's pending record is written
// and synced while the ledger commits chunk k, instead of the stage
// waiting for each disk sync in turn while the cores run out of chunks to
// sign; a third would only hold one more chunk in memory.
func anchorsInFlight(ledger network.Ledger) int {
	if cs, ok := ledger.(network.ConcurrentSubmitter); ok {
		return max(1, cs.ConcurrentSubmits())
	}
	return 2
}

// anchoring is a chunk whose anchoring has begun; done receives its outcome.
type anchoring struct {
	c    *chunk
	done chan error
}

// anchorChunks is the anchor stage of the pipeline: it anchors the chunks
// of in (each with r.anchor, one transaction) and passes them on to out in
// the order they came, with up to anchorsInFlight of them taken from in and
// not yet passed on (with one, it anchors a chunk, passes it on, then takes
// the next). Anchoring is order independent: every chunk was saved as
// resume state before it reaches this stage, and r.anchor first looks
// whether its batch is already on the ledger, so a run stopped with chunk
// k+1 anchored and chunk k not resumes correctly. On the first failure the
// chunks in flight are cancelled and waited for, and the failure returned.
func (r *issueRun) anchorChunks(parent context.Context, in <-chan *chunk, out chan<- *chunk) (err error) {
	ctx, cancel := context.WithCancelCause(parent)
	var wg sync.WaitGroup
	defer func() {
		cancel(err)
		wg.Wait()
	}()
	n := anchorsInFlight(r.s.Ledger)
	slots := make(chan struct{}, n)    // one per chunk taken and not yet passed on
	started := make(chan anchoring, n) // in the order taken
	wg.Go(func() {
		defer close(started)
		for {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			var c *chunk
			select {
			case got, ok := <-in:
				if !ok {
					return
				}
				c = got
			case <-ctx.Done():
				return
			}
			a := anchoring{c: c, done: make(chan error, 1)}
			wg.Go(func() { a.done <- r.anchor(ctx, a.c) })
			started <- a
		}
	})
	for a := range started {
		if err := <-a.done; err != nil {
			return err
		}
		select {
		case out <- a.c:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		<-slots
	}
	return context.Cause(ctx)
}
