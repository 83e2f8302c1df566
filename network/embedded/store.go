package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The buckets of ledger.db.
var (
	// bucketBlocks maps a block number (8 bytes, big-endian) to the block's
	// canonical bytes. Here and in the state and history, a value larger
	// than largeValueSize is in a bucket of its own (see putValue).
	bucketBlocks = []byte("blocks")
	// bucketState maps a chaincode state key to its current version: the
	// number of the block that wrote it, then the value
	// (appendVersionedValue).
	bucketState = []byte("state")
	// bucketHistory maps historyKey(key, block) to a historyEntry: the
	// versions of key that are no longer current (a value a later block
	// replaced, or a deletion). A key's current version is in the state.
	bucketHistory = []byte("history")
	// bucketBlockTxs maps the number of a config or transaction block to
	// its transaction's id and time (a txRecord).
	bucketBlockTxs = []byte("blocktxs")
	// bucketConfig maps an MSP ID to the orgRecord of the org it trusts.
	bucketConfig = []byte("config")
	// bucketTxIDs maps a transaction id to the number of its block.
	bucketTxIDs = []byte("txids")
	// bucketMeta holds metaFormat and metaTip.
	bucketMeta = []byte("meta")
)

var (
	// metaFormat is the store format version.
	metaFormat = []byte("format")
	// metaTip is the hash of the last block, as recorded when committed.
	metaTip = []byte("tip")
)

// storeFormat is the version of the bucket layout written by this package.
// Version 1 kept every write of every key in the history bucket, the
// current one included, with its transaction id and time; it is not read.
const storeFormat = "sceau-embedded-ledger/2"

var allBuckets = [][]byte{bucketBlocks, bucketState, bucketHistory, bucketBlockTxs, bucketConfig, bucketTxIDs, bucketMeta}

// buckets are the buckets of one bbolt transaction.
type buckets struct {
	blocks, state, history, blockTxs, config, txids, meta *bolt.Bucket
}

// errNotLedger means ledger.db lacks the ledger's buckets.
var errNotLedger = errors.New("the store has no ledger buckets")

func openBuckets(tx *bolt.Tx) (*buckets, error) {
	b := &buckets{
		blocks:   tx.Bucket(bucketBlocks),
		state:    tx.Bucket(bucketState),
		history:  tx.Bucket(bucketHistory),
		blockTxs: tx.Bucket(bucketBlockTxs),
		config:   tx.Bucket(bucketConfig),
		txids:    tx.Bucket(bucketTxIDs),
		meta:     tx.Bucket(bucketMeta),
	}
	if b.blocks == nil || b.state == nil || b.history == nil || b.blockTxs == nil || b.config == nil || b.txids == nil || b.meta == nil {
		return nil, errNotLedger
	}
	// Blocks and their transaction records are only ever appended: pack
	// their pages full. The state, history and transaction index take keys
	// all over their range (digests, transaction ids): they keep bbolt's
	// default, half-full pages after a split, which leave room for the
	// next inserts (packing them fuller made each batch split and rewrite
	// more pages, and the store grow faster).
	b.blocks.FillPercent = 1
	b.blockTxs.FillPercent = 1
	return b, nil
}

// openChaincodeBuckets opens only the buckets a chaincode invocation
// reads: the state, the history and, for the transaction that wrote a
// current version, the blocks' transaction records. It is enough to
// evaluate a query, which commits nothing. Opening all of them cost a
// status read a tenth of its time.
func openChaincodeBuckets(tx *bolt.Tx) (*buckets, error) {
	b := &buckets{state: tx.Bucket(bucketState), history: tx.Bucket(bucketHistory), blockTxs: tx.Bucket(bucketBlockTxs)}
	if b.state == nil || b.history == nil || b.blockTxs == nil {
		return nil, errNotLedger
	}
	return b, nil
}

// appendVersionedValue appends to buf the state form of value written by
// block n: n as a uvarint (3 bytes up to block 2 097 151), then value.
func appendVersionedValue(buf []byte, n uint64, value []byte) []byte {
	return append(binary.AppendUvarint(buf, n), value...)
}

// versionedValueSize is the length of the state form of a value of
// valueSize bytes written by block n.
func versionedValueSize(n uint64, valueSize int) int {
	var b [binary.MaxVarintLen64]byte
	return len(binary.AppendUvarint(b[:0], n)) + valueSize
}

// splitVersionedValue is the inverse of appendVersionedValue. The value it
// returns shares v's memory.
func splitVersionedValue(v []byte) (n uint64, value []byte, err error) {
	n, size := binary.Uvarint(v)
	// A stored value is never empty: an empty PutState is a deletion. The
	// block number must be in its shortest form, so that a value has one
	// stored form.
	if size <= 0 || size != versionedValueSize(n, 0) || size == len(v) {
		return 0, nil, fmt.Errorf("malformed state value of %d bytes: want a block number (uvarint) and a value", len(v))
	}
	return n, v[size:], nil
}

// largeValueSize is the size above which a block, a state version or a
// history entry is stored in a bucket of its own, under its key, as the
// value of ownValueKey. bbolt never splits a leaf of four entries or fewer:
// large values side by side would share leaves, and every commit that adds
// one would write again those before it (a block anchoring 8 000 digests is
// about 2 MB, and the batch's digest list 0.5 MB).
const largeValueSize = 4096

// ownValueKey is the key of a large value in its own bucket.
var ownValueKey = []byte("value")

// putValue stores value at key of b: as a value of b, or, when larger than
// largeValueSize, in a bucket of its own. It replaces what key held in
// either form.
func putValue(b *bolt.Bucket, key, value []byte) error {
	if len(value) <= largeValueSize {
		err := b.Put(key, value)
		if !errors.Is(err, bolterrors.ErrIncompatibleValue) {
			return err
		}
		// key holds a large value, in a bucket.
		if err := b.DeleteBucket(key); err != nil {
			return err
		}
		return b.Put(key, value)
	}
	own, err := b.CreateBucket(key)
	switch {
	case errors.Is(err, bolterrors.ErrBucketExists):
		own = b.Bucket(key)
	case errors.Is(err, bolterrors.ErrIncompatibleValue):
		// key holds a small value.
		if err := b.Delete(key); err != nil {
			return err
		}
		if own, err = b.CreateBucket(key); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	return own.Put(ownValueKey, value)
}

// deleteValue removes what key of b holds, in either form.
func deleteValue(b *bolt.Bucket, key []byte) error {
	err := b.Delete(key)
	if errors.Is(err, bolterrors.ErrIncompatibleValue) {
		return b.DeleteBucket(key)
	}
	return err
}

// storedValue returns the value stored at key k of b, where v is what a
// cursor or Get gives at k (nil for a bucket). It returns nil when k holds
// no value.
func storedValue(b *bolt.Bucket, k, v []byte) []byte {
	if v != nil {
		return v
	}
	if own := b.Bucket(k); own != nil {
		return own.Get(ownValueKey)
	}
	return nil
}

// valueAt returns the value stored at key of b, in either form; nil when
// there is none.
func valueAt(b *bolt.Bucket, key []byte) []byte {
	return storedValue(b, key, b.Get(key))
}

// keyCount returns the number of keys of b, a bucket whose buckets are
// large values (each holding one key).
func keyCount(b *bolt.Bucket) int {
	st := b.Stats()
	// BucketN counts b itself.
	return st.KeyN - (st.BucketN - 1)
}

// putBlock stores raw as block n.
func putBlock(blocks *bolt.Bucket, n uint64, raw []byte) error {
	return putValue(blocks, blockKey(n), raw)
}

// blockAt returns the bytes of block n, nil when there is none.
func blockAt(blocks *bolt.Bucket, n uint64) []byte {
	return valueAt(blocks, blockKey(n))
}

func blockKey(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

// historyPrefix is the history-key prefix of every entry of key: its length
// as a uvarint, then the key. The length makes prefixes of distinct keys
// distinct even when one key is a prefix of another.
func historyPrefix(key []byte) []byte {
	p := binary.AppendUvarint(make([]byte, 0, len(key)+binary.MaxVarintLen64+8), uint64(len(key)))
	return append(p, key...)
}

// historyKey is the key of the history entry of key written by block n:
// entries of one key sort by block number.
func historyKey(key []byte, n uint64) []byte {
	return binary.BigEndian.AppendUint64(historyPrefix(key), n)
}

// decodeBlockKey is the inverse of blockKey (0 for a malformed key).
func decodeBlockKey(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// splitHistoryKey is the inverse of historyKey.
func splitHistoryKey(hk []byte) (key []byte, n uint64, err error) {
	l, size := binary.Uvarint(hk)
	if size <= 0 || size != len(binary.AppendUvarint(nil, l)) || l > uint64(len(hk)) || uint64(len(hk)-size) != l+8 {
		return nil, 0, fmt.Errorf("malformed history key %x", hk)
	}
	return hk[size : size+int(l)], binary.BigEndian.Uint64(hk[size+int(l):]), nil
}

// historyEntry is a version of a key that is no longer its current one: a
// value that a later block replaced, or a deletion. The block that wrote it
// is in its history key; that block's txRecord gives its transaction.
type historyEntry struct {
	_      struct{} `cbor:",toarray"`
	Value  []byte
	Delete bool
}

func encodeHistoryEntry(e *historyEntry) ([]byte, error) {
	b, err := canonicalCBOR.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encoding a history entry: %w", err)
	}
	return b, nil
}

func decodeHistoryEntry(b []byte) (*historyEntry, error) {
	var e historyEntry
	if err := strictCBOR.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("decoding a history entry: %w", err)
	}
	if e.Delete && len(e.Value) != 0 {
		return nil, errors.New("malformed history entry: a deletion carries a value")
	}
	if !e.Delete && len(e.Value) == 0 {
		return nil, errors.New("malformed history entry: neither a value nor a deletion")
	}
	return &e, nil
}

// txRecord is the transaction of a config or transaction block, as history
// queries report it.
type txRecord struct {
	_         struct{} `cbor:",toarray"`
	TxID      string
	Timestamp int64 // Unix nanoseconds
}

func encodeTxRecord(r *txRecord) ([]byte, error) {
	b, err := canonicalCBOR.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encoding the record of transaction %s: %w", r.TxID, err)
	}
	return b, nil
}

func decodeTxRecord(b []byte) (*txRecord, error) {
	var r txRecord
	if err := strictCBOR.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decoding a transaction record: %w", err)
	}
	if r.TxID == "" {
		return nil, errors.New("malformed transaction record: no transaction id")
	}
	return &r, nil
}

// blockTx returns the transaction record of block n.
func blockTx(blockTxs *bolt.Bucket, n uint64) (*txRecord, error) {
	raw := blockTxs.Get(blockKey(n))
	if raw == nil {
		return nil, fmt.Errorf("block %d has no transaction record", n)
	}
	r, err := decodeTxRecord(raw)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", n, err)
	}
	return r, nil
}

// orgRecord is the config state of one trusted org: the CA that issues its
// members' certificates.
type orgRecord struct {
	Org    string `cbor:"1,keyasint"`
	MSPID  string `cbor:"2,keyasint"`
	CACert []byte `cbor:"3,keyasint"` // PEM
}

func encodeOrgRecord(r *orgRecord) ([]byte, error) {
	b, err := canonicalCBOR.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encoding the config record of %s: %w", r.MSPID, err)
	}
	return b, nil
}

func decodeOrgRecord(b []byte) (*orgRecord, error) {
	var r orgRecord
	if err := strictCBOR.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decoding an org record: %w", err)
	}
	return &r, nil
}

// timeFromNanos turns stored Unix nanoseconds into a UTC time.
func timeFromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
