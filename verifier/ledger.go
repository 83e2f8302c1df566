package verifier

import (
	"context"
	"fmt"
	"sync"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
)

// Ledger is what a verification reads from the ledger: the issuer's
// record, the status of each form's digest and, for a bundle, its batch.
// An error wraps network.ErrNotFound when the ledger holds no such record,
// and network.ErrUnavailable when the ledger could not be read: the checks
// needing the record then do not run, and the verdict is indeterminate,
// never valid.
//
// *network.Contract reads the ledger itself. Registry.Ledger keeps the
// issuer registry fresh and reuses issuer records while nothing is
// committed; Cache.Recorder keeps what a verification read, for offline
// use; Cache.Offline answers from that cache alone. A Ledger may hand the
// same record to several callers: none may change it.
type Ledger interface {
	GetIssuer(ctx context.Context, id string) (*record.Issuer, error)
	GetStatus(ctx context.Context, digest string) (*record.DigestStatus, error)
	GetBatch(ctx context.Context, id string) (*record.Batch, error)
}

var _ Ledger = (*network.Contract)(nil)

// onlineLedger returns what an online verification reads through
// contract: when its ledger numbers its state versions
// (network.StateVersioner), the contract with its issuer records kept
// while the version stays the same (currentIssuers); otherwise the
// contract itself.
func onlineLedger(contract *network.Contract) Ledger {
	if versions, ok := contract.Ledger.(network.StateVersioner); ok {
		return newCurrentIssuers(contract, versions)
	}
	return contract
}

// currentIssuers is a Ledger that keeps the issuer records it read from a
// ledger that numbers its state versions, each with the version it was
// read at. A record is served only while the ledger is still at that
// version: nothing was committed since it was read, so it is the ledger's
// current record. A key compromise, a rotation or a suspension moves the
// version and is seen by the next verification, as without the cache;
// while nothing is committed, verifications neither read nor decode the
// issuer again, nor (Verifier keeping the keys it parsed for the record
// it was handed) parse its keys. Statuses and batches are read every time.
//
// Only records the ledger returned are kept, one per registered issuer
// verified, replaced when the version moves: the cache grows no larger
// than the registry.
type currentIssuers struct {
	Ledger
	versions network.StateVersioner

	mu   sync.Mutex
	byID map[string]versionedIssuer
}

// versionedIssuer is an issuer record and the state version it was read at.
type versionedIssuer struct {
	version uint64
	record  *record.Issuer
}

// newCurrentIssuers returns ledger, keeping its issuer records while
// versions reports the state version they were read at.
func newCurrentIssuers(ledger Ledger, versions network.StateVersioner) *currentIssuers {
	return &currentIssuers{Ledger: ledger, versions: versions, byID: map[string]versionedIssuer{}}
}

// GetIssuer returns issuer id as the ledger holds it now.
func (c *currentIssuers) GetIssuer(ctx context.Context, id string) (*record.Issuer, error) {
	// The version is read before the record: the record is then at least
	// as new as the version it is filed under.
	version, err := c.versions.StateVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the ledger's state version: %w", err)
	}
	c.mu.Lock()
	cached, ok := c.byID[id]
	c.mu.Unlock()
	if ok && cached.version == version {
		return cached.record, nil
	}
	is, err := c.Ledger.GetIssuer(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	// Concurrent verifications may read the record at several versions:
	// keep the newest.
	if cur, ok := c.byID[id]; !ok || cur.version <= version {
		c.byID[id] = versionedIssuer{version: version, record: is}
	}
	c.mu.Unlock()
	return is, nil
}
