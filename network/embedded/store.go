package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The buckets of ledger.db.
var (
	// bucketBlocks maps a block number (8 bytes, big-endian) to the block's
	// canonical bytes.
	bucketBlocks = []byte("blocks")
	// bucketState maps a chaincode state key to its current value.
	bucketState = []byte("state")
	// bucketHistory maps historyKey(key, block) to a historyEntry.
	bucketHistory = []byte("history")
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
const storeFormat = "sceau-embedded-ledger/1"

var allBuckets = [][]byte{bucketBlocks, bucketState, bucketHistory, bucketConfig, bucketTxIDs, bucketMeta}

// buckets are the buckets of one bbolt transaction.
type buckets struct {
	blocks, state, history, config, txids, meta *bolt.Bucket
}

// errNotLedger means ledger.db lacks the ledger's buckets.
var errNotLedger = errors.New("the store has no ledger buckets")

func openBuckets(tx *bolt.Tx) (*buckets, error) {
	b := &buckets{
		blocks:  tx.Bucket(bucketBlocks),
		state:   tx.Bucket(bucketState),
		history: tx.Bucket(bucketHistory),
		config:  tx.Bucket(bucketConfig),
		txids:   tx.Bucket(bucketTxIDs),
		meta:    tx.Bucket(bucketMeta),
	}
	if b.blocks == nil || b.state == nil || b.history == nil || b.config == nil || b.txids == nil || b.meta == nil {
		return nil, errNotLedger
	}
	// Blocks are only ever appended: pack their pages full. Write sets are
	// applied in key order, so state and history pages can be packed
	// nearly full too (bbolt's default, half-full pages, suits random
	// inserts and would double their size).
	b.blocks.FillPercent = 1
	b.state.FillPercent = 0.9
	b.history.FillPercent = 0.9
	b.txids.FillPercent = 0.9
	return b, nil
}

// openChaincodeBuckets opens only the buckets a chaincode invocation
// reads, state and history: enough to evaluate a query, which commits
// nothing. Opening all six cost a status read a tenth of its time.
func openChaincodeBuckets(tx *bolt.Tx) (*buckets, error) {
	b := &buckets{state: tx.Bucket(bucketState), history: tx.Bucket(bucketHistory)}
	if b.state == nil || b.history == nil {
		return nil, errNotLedger
	}
	return b, nil
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

// historyEntry is one change of a key, as GetHistoryForKey returns it.
type historyEntry struct {
	_         struct{} `cbor:",toarray"`
	TxID      string
	Timestamp int64 // Unix nanoseconds
	Value     []byte
	Delete    bool
}

func encodeHistoryEntry(e *historyEntry) ([]byte, error) {
	b, err := canonicalCBOR.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encoding the history entry of transaction %s: %w", e.TxID, err)
	}
	return b, nil
}

func decodeHistoryEntry(b []byte) (*historyEntry, error) {
	var e historyEntry
	if err := strictCBOR.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("decoding a history entry: %w", err)
	}
	if e.Delete && len(e.Value) != 0 {
		return nil, fmt.Errorf("history entry of transaction %s: a deletion carries a value", e.TxID)
	}
	return &e, nil
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
