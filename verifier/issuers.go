package verifier

import (
	"context"
	"fmt"
	"sync"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network"
)

// issuerRecord is an issuer as the ledger holds it, with its public keys
// parsed on first use. It is never changed once built, so verifications
// may share it.
type issuerRecord struct {
	*network.Issuer
	keys []parsedKey // one per Issuer.Keys
}

// parsedKey is one key of an issuerRecord, parsed once.
type parsedKey struct {
	once sync.Once
	pub  *credential.PublicKey
	err  error
}

func newIssuerRecord(is *network.Issuer) *issuerRecord {
	return &issuerRecord{Issuer: is, keys: make([]parsedKey, len(is.Keys))}
}

// publicKey returns the issuer's key i, parsed, or why the ledger's key
// cannot be used: it does not parse, or its kid is not its thumbprint.
func (r *issuerRecord) publicKey(i int) (*credential.PublicKey, error) {
	k := &r.keys[i]
	k.once.Do(func() {
		key := &r.Keys[i]
		pub, err := credential.ParsePublicJWK([]byte(key.JWK))
		switch {
		case err != nil:
			k.err = fmt.Errorf("key %s of issuer %s on the ledger is unusable: %v", key.KID, r.ID, err)
		case pub.KID() != key.KID:
			k.err = fmt.Errorf("key %s of issuer %s on the ledger has the thumbprint %s", key.KID, r.ID, pub.KID())
		default:
			k.pub = pub
		}
	})
	return k.pub, k.err
}

// issuerCache keeps the issuer records a verifier read from a ledger that
// numbers its state versions, each with the version it was read at. A
// record is served only while the ledger is still at that version: nothing
// was committed since it was read, so it is the ledger's current record.
// A key compromise, a rotation or a suspension moves the version and is
// seen by the next verification, as without the cache; while nothing is
// committed, verifications neither read nor decode the issuer again, nor
// parse its keys.
//
// Only records the ledger returned are kept, one per registered issuer
// verified, replaced when the version moves: the cache grows no larger
// than the registry.
type issuerCache struct {
	contract *network.Contract
	versions network.StateVersioner

	mu   sync.Mutex
	byID map[string]versionedIssuer
}

// versionedIssuer is an issuer record and the state version it was read at.
type versionedIssuer struct {
	version uint64
	record  *issuerRecord
}

func newIssuerCache(contract *network.Contract, versions network.StateVersioner) *issuerCache {
	return &issuerCache{contract: contract, versions: versions, byID: map[string]versionedIssuer{}}
}

// issuer returns issuer id as the ledger holds it now.
func (c *issuerCache) issuer(ctx context.Context, id string) (*issuerRecord, error) {
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
	is, err := c.contract.GetIssuer(ctx, id)
	if err != nil {
		return nil, err
	}
	record := newIssuerRecord(is)
	c.mu.Lock()
	// Concurrent verifications may read the record at several versions:
	// keep the newest.
	if cur, ok := c.byID[id]; !ok || cur.version <= version {
		c.byID[id] = versionedIssuer{version: version, record: record}
	}
	c.mu.Unlock()
	return record, nil
}
