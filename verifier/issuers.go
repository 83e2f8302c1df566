package verifier

import (
	"fmt"
	"sync"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
)

// issuerRecord is an issuer as the ledger holds it, with its public keys
// parsed on first use. It is never changed once built, so verifications
// may share it.
type issuerRecord struct {
	*record.Issuer
	keys []parsedKey // one per Issuer.Keys
}

// parsedKey is one key of an issuerRecord, parsed once.
type parsedKey struct {
	once sync.Once
	pub  *credential.PublicKey
	err  error
}

func newIssuerRecord(is *record.Issuer) *issuerRecord {
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

// parsedIssuers keeps, per issuer, the last record a verifier's Ledger
// handed it, with its keys parsed. A Ledger that hands the very same record
// again (Registry.Ledger, while nothing is committed) has its keys parsed
// once; a record read anew replaces the one kept, so there is one per
// issuer the ledger returned, no more.
type parsedIssuers struct {
	byID sync.Map // issuer id → *issuerRecord
}

// record returns is with its keys parsed on first use.
func (p *parsedIssuers) record(is *record.Issuer) *issuerRecord {
	if kept, ok := p.byID.Load(is.ID); ok {
		if r := kept.(*issuerRecord); r.Issuer == is {
			return r
		}
	}
	r := newIssuerRecord(is)
	p.byID.Store(is.ID, r)
	return r
}
