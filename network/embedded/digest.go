package embedded

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/chacha20"
)

// stateDigest is a digest of the whole committed state — every chaincode
// state entry (key and stored version) and every config entry — that a
// commit updates from its write set alone, and that every block records as
// it stands after the block's writes. Open recomputes it from the state
// and compares it with the tip block's: a state changed behind the
// ledger's back (an entry edited, added or deleted in ledger.db) no longer
// matches the block log, and the ledger refuses to serve it.
//
// It is a multiset hash: the sum, lane by lane modulo 2^64, of a 1024-bit
// value per entry, so that an entry is added or taken out in constant time
// whatever the order. Sixteen 64-bit lanes put a collision (a different
// state with the same sum) out of reach of the generalised birthday
// attacks that break narrow sums and XORs. An entry's value is the
// ChaCha20 key stream keyed by the SHA-256 of the entry: SHA-256 runs in
// hardware on common CPUs, and the whole costs about a third of SHAKE256's
// 1024 bits, which matters when Open reads millions of entries.
type stateDigest [digestLanes]uint64

const (
	digestLanes = 16
	digestSize  = digestLanes * 8
	// Entry domains: chaincode state, config state.
	domainState  = 's'
	domainConfig = 'c'
)

// entryHasher hashes state entries; it is not safe for concurrent use.
type entryHasher struct {
	h   hash.Hash
	sum [sha256.Size]byte
	out [digestSize]byte
	len [1 + binary.MaxVarintLen64]byte
}

func newEntryHasher() *entryHasher { return &entryHasher{h: sha256.New()} }

// entryNonce is the ChaCha20 nonce of every entry's key stream (each has
// its own key).
var entryNonce = make([]byte, chacha20.NonceSize)

// entry returns the digest of one entry: domain, key length, key, value.
func (e *entryHasher) entry(domain byte, key, value []byte) stateDigest {
	e.h.Reset()
	e.len[0] = domain
	n := binary.PutUvarint(e.len[1:], uint64(len(key)))
	e.h.Write(e.len[:1+n])
	e.h.Write(key)
	e.h.Write(value)
	e.h.Sum(e.sum[:0])
	clear(e.out[:])
	stream, err := chacha20.NewUnauthenticatedCipher(e.sum[:], entryNonce)
	if err != nil {
		panic(err) // a 32-byte key and a 12-byte nonce: cannot fail
	}
	stream.XORKeyStream(e.out[:], e.out[:])
	var d stateDigest
	for i := range d {
		d[i] = binary.LittleEndian.Uint64(e.out[i*8:])
	}
	return d
}

func (d *stateDigest) add(e stateDigest) {
	for i := range d {
		d[i] += e[i]
	}
}

func (d *stateDigest) sub(e stateDigest) {
	for i := range d {
		d[i] -= e[i]
	}
}

// bytes returns the digest as a block records it.
func (d *stateDigest) bytes() []byte {
	out := make([]byte, digestSize)
	for i, v := range d {
		binary.LittleEndian.PutUint64(out[i*8:], v)
	}
	return out
}

// parseStateDigest reads a digest as a block records it (bytes); ok is
// false when b is not one (a block of before state digests: nil).
func parseStateDigest(b []byte) (d stateDigest, ok bool) {
	if len(b) != digestSize {
		return d, false
	}
	for i := range d {
		d[i] = binary.LittleEndian.Uint64(b[i*8:])
	}
	return d, true
}

// computeStateDigest reads the whole state and config of a store.
func computeStateDigest(b *buckets) stateDigest {
	var d stateDigest
	h := newEntryHasher()
	for _, part := range []struct {
		bucket *bolt.Bucket
		domain byte
	}{{b.state, domainState}, {b.config, domainConfig}} {
		c := part.bucket.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			d.add(h.entry(part.domain, k, storedValue(part.bucket, k, v)))
		}
	}
	return d
}

// applyToDigest updates d for the writes of block blk before they are
// applied: each key's current entry, unless known absent (absent[i], for a
// transaction), leaves the digest, and its new entry joins it: for the
// chaincode state, the stored version values[i] (versionedValues).
func applyToDigest(d *stateDigest, b *buckets, blk *block, absent []bool, values [][]byte) {
	h := newEntryHasher()
	if blk.Kind != kindTransaction {
		for _, w := range blk.Writes {
			if old := valueAt(b.config, w.Key); old != nil {
				d.sub(h.entry(domainConfig, w.Key, old))
			}
			if !w.Delete {
				d.add(h.entry(domainConfig, w.Key, w.Value))
			}
		}
		return
	}
	for i, w := range blk.Writes {
		if !absent[i] {
			if old := valueAt(b.state, w.Key); old != nil {
				d.sub(h.entry(domainState, w.Key, old))
			}
		}
		if !w.Delete {
			d.add(h.entry(domainState, w.Key, values[i]))
		}
	}
}
