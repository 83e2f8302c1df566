package issuer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer/register"
	"github.com/sceau/sceau/network"
)

// Credentials issued one at a time (Desk.IssueOne) are anchored in
// micro-batches: a credential waits at most Window for others of the same
// issuer and type, and while one batch is being anchored the next requests
// queue up and go together in the following batch. Under light load each
// credential is anchored alone without delay; under heavy load one ledger
// transaction carries many. A batch never exceeds maxMicroBatch credentials.

// maxMicroBatch bounds a micro-batch: three forms per credential stay well
// under the chaincode's MaxBatchDigests.
const maxMicroBatch = 1000

// microBatcher anchors single credentials in micro-batches, one goroutine
// per issuer and type. It is safe for concurrent use.
type microBatcher struct {
	contract *network.Contract
	window   time.Duration
	logger   *slog.Logger
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	// drained is closed once close has answered every queued credential.
	drained   chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	lanes map[string]chan *pendingAnchor
}

// pendingAnchor is one credential waiting for its batch, with its entry
// in its issuer's register (its Batch set once its batch is made).
type pendingAnchor struct {
	cred *issued
	// leaf, when set, is what is anchored instead of cred's forms: a form
	// issued later for a credential already anchored, whose entry (zero)
	// adds nothing to the register.
	leaf  []string
	entry register.Entry
	reg   *register.Register
	reply chan anchorReply
}

// anchorReply is where a credential ended up.
type anchorReply struct {
	anchor credential.Anchor
	err    error
}

func newMicroBatcher(contract *network.Contract, window time.Duration, logger *slog.Logger) *microBatcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &microBatcher{contract: contract, window: window, logger: logger, ctx: ctx, cancel: cancel, drained: make(chan struct{}), lanes: map[string]chan *pendingAnchor{}}
}

// anchor anchors cred as issuer (acting as ledger identity org) and
// returns its anchor, once its batch is committed; its batch is recorded
// in the issuer's register reg, with entry, around the anchoring.
func (m *microBatcher) anchor(ctx context.Context, issuerID, org, typ string, cred *issued, reg *register.Register, entry register.Entry) (credential.Anchor, error) {
	return m.submit(ctx, issuerID, org, typ, &pendingAnchor{cred: cred, entry: entry, reg: reg, reply: make(chan anchorReply, 1)})
}

// anchorForm anchors digest, a form issued later for a credential of
// issuer's already anchored, as a leaf of its own, and returns its anchor.
func (m *microBatcher) anchorForm(ctx context.Context, issuerID, org, typ, digest string, reg *register.Register) (credential.Anchor, error) {
	return m.submit(ctx, issuerID, org, typ, &pendingAnchor{leaf: []string{digest}, reg: reg, reply: make(chan anchorReply, 1)})
}

// submit queues p in its lane and waits for its anchor.
func (m *microBatcher) submit(ctx context.Context, issuerID, org, typ string, p *pendingAnchor) (credential.Anchor, error) {
	lane, err := m.lane(issuerID, org, typ)
	if err != nil {
		return credential.Anchor{}, err
	}
	select {
	case lane <- p:
	case <-ctx.Done():
		return credential.Anchor{}, ctx.Err()
	case <-m.ctx.Done():
		return credential.Anchor{}, errShuttingDown
	}
	// Once queued, the credential may be anchored: wait for the outcome
	// even if the caller goes away, so the desk's copy is written.
	select {
	case r := <-p.reply:
		return r.anchor, r.err
	case <-m.drained:
		// Queued after close drained the lane: nothing will anchor it.
		select {
		case r := <-p.reply:
			return r.anchor, r.err
		default:
			return credential.Anchor{}, errShuttingDown
		}
	}
}

// errShuttingDown answers the credentials the batcher will not anchor:
// the desk is closed, and for the caller the ledger is out of reach.
var errShuttingDown = fmt.Errorf("%w: %w", ErrClosed, network.ErrUnavailable)

// lane returns the queue of issuer's credentials of type typ, starting its
// goroutine on first use.
func (m *microBatcher) lane(issuerID, org, typ string) (chan *pendingAnchor, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctx.Err() != nil {
		return nil, errShuttingDown
	}
	key := issuerID + "\x00" + typ
	lane, ok := m.lanes[key]
	if !ok {
		lane = make(chan *pendingAnchor, maxMicroBatch)
		m.lanes[key] = lane
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.run(issuerID, org, typ, lane)
		}()
	}
	return lane, nil
}

// run anchors the lane's credentials until the batcher is closed.
func (m *microBatcher) run(issuerID, org, typ string, lane chan *pendingAnchor) {
	for {
		var batch []*pendingAnchor
		select {
		case p := <-lane:
			batch = append(batch, p)
		case <-m.ctx.Done():
			return
		}
		batch = m.gather(lane, batch)
		m.commit(issuerID, org, typ, batch)
	}
}

// gather adds to batch what is queued, waiting up to the window.
func (m *microBatcher) gather(lane chan *pendingAnchor, batch []*pendingAnchor) []*pendingAnchor {
	var deadline <-chan time.Time
	if m.window > 0 {
		t := time.NewTimer(m.window)
		defer t.Stop()
		deadline = t.C
	}
	for len(batch) < maxMicroBatch {
		if deadline == nil {
			select {
			case p := <-lane:
				batch = append(batch, p)
				continue
			default:
				return batch
			}
		}
		select {
		case p := <-lane:
			batch = append(batch, p)
		case <-deadline:
			return batch
		case <-m.ctx.Done():
			return batch
		}
	}
	return batch
}

// commit anchors batch as one ledger transaction and answers each credential.
func (m *microBatcher) commit(issuerID, org, typ string, batch []*pendingAnchor) {
	c := &chunk{BatchID: microBatchID(issuerID, time.Now()), Leaves: make([][]string, len(batch)), entries: []register.Entry{}}
	for i, p := range batch {
		if p.leaf != nil {
			c.Leaves[i] = p.leaf
			continue
		}
		c.Leaves[i] = p.cred.Forms.Digests()
		e := p.entry
		e.Batch = c.BatchID
		c.entries = append(c.entries, e)
	}
	reg := batch[0].reg // one issuer's
	fail := func(err error) {
		for _, p := range batch {
			p.reply <- anchorReply{err: err}
		}
	}
	var (
		proofs [][]string
		err    error
	)
	if c.Root, proofs, err = merkleTree(c.Leaves); err != nil {
		fail(err)
		return
	}
	req := c.anchorRequest(issuerID, typ)
	if err := reg.Pending(c.BatchID, req.Root, c.entries); err != nil {
		fail(err)
		return
	}
	// The anchoring goes on even if the desk is closing: the callers
	// waiting on it are told how it ended.
	if _, err := m.contract.AnchorBatch(context.WithoutCancel(m.ctx), org, req); err != nil {
		// It may still have been committed: the register keeps the batch
		// pending, for the next opening to settle.
		reg.Release(c.entries)
		fail(fmt.Errorf("anchoring batch %s: %w", c.BatchID, err))
		return
	}
	if err := reg.Anchored(c.BatchID, c.entries); err != nil {
		// Anchored, hence issued: the next opening files the pending batch.
		m.logger.Error("recording an anchored batch in the register", "batch", c.BatchID, "err", err)
	}
	for i, p := range batch {
		p.reply <- anchorReply{anchor: credential.Anchor{Batch: c.BatchID, Root: req.Root, Index: i, Proof: proofs[i]}}
	}
}

// microBatchID names a micro-batch: the issuer, "api", the time and 32
// random bits, e.g. examoffice-api-20250704T093000.123-1f2e3d4c.
func microBatchID(issuerID string, t time.Time) string {
	var r [4]byte
	rand.Read(r[:]) // never fails (crypto/rand)
	return issuerID + "-api-" + t.UTC().Format("20060102T150405.000") + "-" + hex.EncodeToString(r[:])
}

// close stops the lanes once their current batch is answered; requests
// still queued are told the desk is closed (errShuttingDown).
func (m *microBatcher) close() { m.closeOnce.Do(m.shutdown) }

func (m *microBatcher) shutdown() {
	m.mu.Lock()
	m.cancel()
	lanes := m.lanes
	m.mu.Unlock()
	m.wg.Wait()
	for _, lane := range lanes {
		for {
			select {
			case p := <-lane:
				p.reply <- anchorReply{err: errShuttingDown}
				continue
			default:
			}
			break
		}
	}
	close(m.drained)
}
