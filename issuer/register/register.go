package register

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
	"golang.org/x/crypto/chacha20poly1305"
)

// Keys give the register the secret its data key is wrapped under: the
// private part of the issuer's signing keys.
type Keys struct {
	// Current is the id of the issuer's current signing key, under which
	// the data key is wrapped.
	Current string
	// Secret returns the private key material of signing key kid (at least
	// 32 bytes of secret). It is asked for Current, and for an older key
	// only when the data key is still wrapped under it (after a rotation).
	Secret func(kid string) ([]byte, error)
}

// Register is an open register. It is safe for concurrent use.
type Register struct {
	path     string
	db       *bolt.DB
	aead     cipher.AEAD
	indexKey []byte

	// macs holds HMAC-SHA256 states under the index key, ready to reuse.
	macs sync.Pool

	// mu orders the writes, and guards claims and unfiled.
	mu sync.Mutex
	// claims maps the awards of credentials being issued in this process
	// to their credential id (see Claim).
	claims map[AwardKey]string
	// unfiled is what Anchored was told of and has not filed yet.
	unfiled unfiled
}

// unfiled holds anchored batches until they are filed, a few thousand
// credentials at a time (see Anchored): their entries are found here
// meanwhile, and stay claimed.
type unfiled struct {
	batches []anchoredBatch
	byAward map[AwardKey]*Entry
	byID    map[string]*Entry
	count   int
}

// anchoredBatch is a batch anchored on the ledger, to be filed, with the
// keys of its entries.
type anchoredBatch struct {
	batch   string
	entries []Entry
	awards  []AwardKey
	ids     [][]byte
}

// fileEvery is how many credentials of anchored batches wait, at most, to
// be filed together. More at once would share more index pages, but the
// filing transaction holds every page it touches, decoded: filing 16 384
// at a time took 8 µs less of CPU a credential on 200 000 rows, and pushed
// the heap of a million-row run to 334 MB (README, issue #13).
const fileEvery = 4096

// add keeps b until it is filed.
func (u *unfiled) add(b anchoredBatch) {
	if u.byAward == nil {
		u.byAward, u.byID = map[AwardKey]*Entry{}, map[string]*Entry{}
	}
	u.batches = append(u.batches, b)
	for i := range b.entries {
		e := &b.entries[i]
		e.Status = Anchored
		u.byAward[b.awards[i]] = e
		u.byID[e.ID] = e
	}
	u.count += len(b.entries)
}

// Errors of the register.
var (
	// ErrInUse is wrapped by Open's error when another process has the
	// register open.
	ErrInUse = errors.New("register in use by another process")
	// ErrNotFound is wrapped by the error of a lookup that finds nothing.
	ErrNotFound = errors.New("not in the register")
	// ErrDamaged is wrapped when the file does not open with its key, or
	// an index points to the wrong entry.
	ErrDamaged = errors.New("register damaged")
)

// openTimeout is how long Open waits for another process to close the file.
const openTimeout = time.Second

var (
	bucketMeta        = []byte("meta")
	bucketEntries     = []byte("entries")
	bucketAwards      = []byte("awards")
	bucketIDs         = []byte("ids")
	bucketPending     = []byte("pending")
	bucketSuperseding = []byte("superseding")
	bucketOffers      = []byte("offers")
	bucketOfferOwners = []byte("offer-students")
	bucketLaterForms  = []byte("later-forms")
	keyWrap           = []byte("wrap")
)

// wrap is the data key as the meta bucket keeps it.
type wrap struct {
	Version int `json:"v"`
	// KID is the signing key the wrapping key is derived from.
	KID string `json:"kid"`
	// Sealed is a random nonce and the data key, sealed.
	Sealed []byte `json:"sealed"`
}

// Open opens the register at path, creating it (and its folder, 0700) when
// there is none. keys unwrap its data key, or wrap a new one.
func Open(path string, keys Keys) (*Register, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("opening the register: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: openTimeout, FreelistType: bolt.FreelistArrayType})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s (a sceau issue or sceau serve on this home): try again once it is done", ErrInUse, path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the register %s: %w", path, err)
	}
	r := &Register{path: path, db: db, claims: map[AwardKey]string{}}
	if err := r.unlock(keys); err != nil {
		db.Close()
		return nil, err
	}
	return r, nil
}

// Close files what is left to file (see Anchored) and closes the file.
func (r *Register) Close() error {
	r.mu.Lock()
	err := r.update(nil, true)
	r.mu.Unlock()
	if cerr := r.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// unlock reads the data key, or makes one, and derives the register's keys.
func (r *Register) unlock(keys Keys) error {
	var dataKey []byte
	err := r.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketEntries, bucketAwards, bucketIDs, bucketPending, bucketSuperseding, bucketOffers, bucketOfferOwners, bucketLaterForms} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		stored := meta.Get(keyWrap)
		if stored == nil {
			dataKey = make([]byte, 32)
			rand.Read(dataKey) // never fails (crypto/rand)
			return r.putWrap(meta, keys, dataKey)
		}
		var w wrap
		if err := json.Unmarshal(stored, &w); err != nil || w.Version != 1 {
			return fmt.Errorf("%w: its key record is unreadable", ErrDamaged)
		}
		secret, err := keys.Secret(w.KID)
		if err != nil {
			return fmt.Errorf("the register is sealed under signing key %s: %w", w.KID, err)
		}
		if dataKey, err = unwrapKey(secret, w); err != nil {
			return err
		}
		if w.KID != keys.Current {
			return r.putWrap(meta, keys, dataKey)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("opening the register %s: %w", r.path, err)
	}
	entryKey, err := hkdf.Key(sha256.New, dataKey, nil, "sceau issuer register v1: entries", chacha20poly1305.KeySize)
	if err != nil {
		return err
	}
	if r.indexKey, err = hkdf.Key(sha256.New, dataKey, nil, "sceau issuer register v1: index", 32); err != nil {
		return err
	}
	r.macs.New = func() any { return hmac.New(sha256.New, r.indexKey) }
	r.aead, err = chacha20poly1305.NewX(entryKey)
	return err
}

// putWrap stores dataKey wrapped under the current signing key.
func (r *Register) putWrap(meta *bolt.Bucket, keys Keys, dataKey []byte) error {
	secret, err := keys.Secret(keys.Current)
	if err != nil {
		return err
	}
	aead, err := wrapAEAD(secret)
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	w := wrap{Version: 1, KID: keys.Current, Sealed: aead.Seal(nonce, nonce, dataKey, wrapAD(keys.Current))}
	data, err := json.Marshal(w)
	if err != nil {
		return err
	}
	return meta.Put(keyWrap, data)
}

func unwrapKey(secret []byte, w wrap) ([]byte, error) {
	aead, err := wrapAEAD(secret)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(w.Sealed) < n {
		return nil, fmt.Errorf("%w: its key record is unreadable", ErrDamaged)
	}
	dataKey, err := aead.Open(nil, w.Sealed[:n], w.Sealed[n:], wrapAD(w.KID))
	if err != nil || len(dataKey) != 32 {
		return nil, fmt.Errorf("%w: signing key %s does not open it", ErrDamaged, w.KID)
	}
	return dataKey, nil
}

func wrapAEAD(secret []byte) (cipher.AEAD, error) {
	if len(secret) < 32 {
		return nil, errors.New("register: the signing key's secret is too short to wrap a key under")
	}
	k, err := hkdf.Key(sha256.New, secret, nil, "sceau issuer register v1: data key wrapping", chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	return chacha20poly1305.NewX(k)
}

func wrapAD(kid string) []byte { return []byte("sceau-register/v1/wrap/" + kid) }

// seal encrypts plain as the value of key in bucket.
func (r *Register) seal(bucket, key, plain []byte) []byte {
	nonce := make([]byte, r.aead.NonceSize(), r.aead.NonceSize()+len(plain)+r.aead.Overhead())
	rand.Read(nonce)
	return r.aead.Seal(nonce, nonce, plain, sealAD(bucket, key))
}

// open decrypts the value of key in bucket.
func (r *Register) open(bucket, key, sealed []byte) ([]byte, error) {
	n := r.aead.NonceSize()
	if len(sealed) < n+r.aead.Overhead() {
		return nil, fmt.Errorf("%w: a value of %s is truncated", ErrDamaged, bucket)
	}
	plain, err := r.aead.Open(nil, sealed[:n], sealed[n:], sealAD(bucket, key))
	if err != nil {
		return nil, fmt.Errorf("%w: a value of %s does not open", ErrDamaged, bucket)
	}
	return plain, nil
}

// sealValue encodes v and seals it as the value of key in bucket: the
// one way the register writes what it keeps (entries, pending batches,
// offers).
func (r *Register) sealValue(bucket, key []byte, v any) ([]byte, error) {
	plain, err := marshal(v)
	if err != nil {
		return nil, err
	}
	return r.seal(bucket, key, plain), nil
}

// openValue opens sealed, the value of key in bucket, into v: the one way
// the register reads what sealValue wrote.
func (r *Register) openValue(bucket, key, sealed []byte, v any) error {
	plain, err := r.open(bucket, key, sealed)
	if err != nil {
		return err
	}
	return unmarshal(plain, v)
}

func sealAD(bucket, key []byte) []byte {
	ad := append([]byte("sceau-register/v1/"), bucket...)
	return append(append(ad, '/'), key...)
}

// AwardKey is an award's key in the register: a keyed hash of the student
// (12 bytes) then of the award (8 bytes).
type AwardKey [20]byte

// Key returns the key of award a.
func (r *Register) Key(a Award) AwardKey {
	var k AwardKey
	copy(k[:12], r.studentKey(a.StudentID))
	parts := append([]string{"award", a.Type, a.StudentID}, a.Fields...)
	copy(k[12:], r.mac(parts...))
	return k
}

// studentKey is the 12-byte prefix of the keys of a student's awards.
func (r *Register) studentKey(studentID string) []byte {
	return r.mac("student", studentID)[:12]
}

// idKey is the key of credential id in the ids bucket.
func (r *Register) idKey(id string) []byte {
	return r.mac("id", id)[:16]
}

// mac returns the HMAC under the index key of the parts, separated by zero
// bytes (which none of them holds).
func (r *Register) mac(parts ...string) []byte {
	h := r.macs.Get().(hash.Hash)
	defer r.macs.Put(h)
	h.Reset()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

// marshal and unmarshal encode what the register seals.
func marshal(v any) ([]byte, error) { return cbor.Marshal(v) }

func unmarshal(data []byte, v any) error {
	if err := cbor.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	return nil
}
