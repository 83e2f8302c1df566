package embedded

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// totalQueryLimit caps the records one range or history query returns, as
// Fabric's ledger.state.totalQueryLimit does (same default).
const totalQueryLimit = 100000

// iteratorBatch is how many records a range iterator reads at a time.
const iteratorBatch = 100

// Composite keys, exactly as the Fabric shim builds them.
const (
	compositeKeyNamespace = "\x00"
	emptyKeySubstitute    = "\x01"
	maxUnicodeRune        = utf8.MaxRune
)

// errInvocationOver is returned when a chaincode uses its stub (or an
// iterator) after its invocation returned.
var errInvocationOver = errors.New("the chaincode invocation is over: its snapshot of the ledger is closed")

func notSupported(what string) error {
	return fmt.Errorf("%s is not supported by the embedded ledger", what)
}

// txStub is the chaincode's view of one transaction, as the Fabric peer gives
// it: reads see the committed state of one bbolt snapshot (never the
// transaction's own writes), writes are buffered in a write set that the
// ledger commits, or discards, when the chaincode returns.
type txStub struct {
	mu sync.Mutex
	// snapshot is the read transaction the invocation reads from; nil once
	// the invocation is over.
	snapshot *bolt.Tx
	state    *bolt.Bucket
	history  *bolt.Bucket
	blockTxs *bolt.Bucket

	channelID string
	namespace string // the chaincode name, reported in query results
	prop      *Proposal
	// args is GetArgs, built at its first call: contract-api reads the
	// arguments as strings, which the proposal already holds.
	args [][]byte

	// writes is the write set in the order keys were first written (a
	// key written again replaces its write in place); keys holds the
	// same keys as strings, and arena the bytes of their keys and values.
	writes []write
	keys   []string
	arena  arena
	// seen maps each key the invocation wrote or read and found absent to
	// what it knows of it. Absent keys: the commit runs in the same bbolt
	// transaction right after the invocation, so they hold no version it
	// must move to the history, and it need not look them up again.
	seen map[string]keyUse
	// seek holds the key being looked up (bbolt's Seek takes bytes).
	seek      []byte
	event     *event
	wrote     bool // the transaction wrote: paginated queries are refused
	paginated bool // the transaction ran a paginated query: writes are refused
}

var _ shim.ChaincodeStubInterface = (*txStub)(nil)

func newTxStub(snapshot *bolt.Tx, b *buckets, channelID, namespace string, p *Proposal) *txStub {
	return &txStub{
		snapshot:  snapshot,
		state:     b.state,
		history:   b.history,
		blockTxs:  b.blockTxs,
		channelID: channelID,
		namespace: namespace,
		prop:      p,
		seen:      map[string]keyUse{},
	}
}

// keyUse is what an invocation did with a key: write is the position of
// its write in txStub.writes plus one (0: not written), absent whether it
// read the key and found no committed value.
type keyUse struct {
	write  int32
	absent bool
}

// arena hands out copies of the keys and values an invocation writes,
// carved from a few large buffers rather than one allocation each: an
// anchoring writes thousands of small records. A copy is never moved
// or written again; bbolt keeps them until the commit.
type arena struct{ buf []byte }

// arenaChunk is the size of an arena's buffers (a larger copy gets a
// buffer of its own size).
const arenaChunk = 64 << 10

// copy returns a copy of b (nil for an empty b) with no spare capacity.
func (a *arena) copy(b []byte) []byte { return arenaCopy(a, b) }

// copyString is copy for a string.
func (a *arena) copyString(s string) []byte { return arenaCopy(a, s) }

func arenaCopy[S string | []byte](a *arena, b S) []byte {
	if len(b) == 0 {
		return nil
	}
	if len(b) > cap(a.buf)-len(a.buf) {
		a.buf = make([]byte, 0, max(arenaChunk, len(b)))
	}
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// seal ends the invocation: the snapshot may be released after it.
func (s *txStub) seal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snapshot, s.state, s.history, s.blockTxs = nil, nil, nil, nil
}

// writeSet returns the buffered writes sorted by key and, for each, whether
// the invocation read its key and found no committed value.
func (s *txStub) writeSet() ([]write, []bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Sort positions, not 56-byte writes, comparing the keys as strings.
	order := make([]int32, len(s.writes))
	for i := range order {
		order[i] = int32(i)
	}
	byKey := func(a, b int32) int { return strings.Compare(s.keys[a], s.keys[b]) }
	if !slices.IsSortedFunc(order, byKey) {
		slices.SortFunc(order, byKey)
	}
	ws := make([]write, len(order))
	absent := make([]bool, len(order))
	for i, at := range order {
		ws[i] = s.writes[at]
		absent[i] = s.seen[s.keys[at]].absent
	}
	return ws, absent
}

func (s *txStub) chaincodeEvent() *event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.event
}

// ---- Arguments and transaction data ----

// GetArgs returns the function name followed by the arguments.
func (s *txStub) GetArgs() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.args == nil {
		s.args = make([][]byte, 0, len(s.prop.Args)+1)
		s.args = append(s.args, []byte(s.prop.Function))
		for _, a := range s.prop.Args {
			s.args = append(s.args, []byte(a))
		}
	}
	return s.args
}

// GetStringArgs returns GetArgs as strings: the proposal's, not copied
// (strings are immutable).
func (s *txStub) GetStringArgs() []string {
	out := make([]string, 0, len(s.prop.Args)+1)
	out = append(out, s.prop.Function)
	return append(out, s.prop.Args...)
}

// GetFunctionAndParameters returns the function name and its arguments.
func (s *txStub) GetFunctionAndParameters() (string, []string) {
	all := s.GetStringArgs()
	return all[0], all[1:]
}

// GetArgsSlice returns the concatenation of GetArgs.
func (s *txStub) GetArgsSlice() ([]byte, error) { return bytes.Join(s.GetArgs(), nil), nil }

// GetTxID returns the proposal's transaction id.
func (s *txStub) GetTxID() string { return s.prop.TxID }

// GetChannelID returns the ledger's channel.
func (s *txStub) GetChannelID() string { return s.channelID }

// GetCreator returns the proposal's creator (a marshalled msp.SerializedIdentity).
func (s *txStub) GetCreator() ([]byte, error) { return bytes.Clone(s.prop.Creator), nil }

// GetTransient returns nil: proposals carry no transient data here.
func (s *txStub) GetTransient() (map[string][]byte, error) { return nil, nil }

// GetBinding returns Fabric's proposal binding, SHA-256(nonce || creator || epoch).
func (s *txStub) GetBinding() ([]byte, error) { return s.prop.binding(), nil }

// GetDecorations returns nil: there is no peer to decorate the proposal.
func (s *txStub) GetDecorations() map[string][]byte { return nil }

// GetSignedProposal is not supported: the embedded ledger's proposals are
// not Fabric protobuf proposals, and building one would carry no valid
// signature.
func (s *txStub) GetSignedProposal() (*peer.SignedProposal, error) {
	return nil, notSupported("GetSignedProposal")
}

// GetTxTimestamp returns the proposal's timestamp.
func (s *txStub) GetTxTimestamp() (*timestamppb.Timestamp, error) {
	return timestamppb.New(s.prop.Timestamp), nil
}

// SetEvent sets the transaction's event; a second call replaces the first.
func (s *txStub) SetEvent(name string, payload []byte) error {
	if name == "" {
		return errors.New("event name can not be empty string")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.event = &event{Name: []byte(name), Payload: bytes.Clone(payload)}
	return nil
}

// ---- State ----

// GetState returns the committed value of key, or nil when there is none.
func (s *txStub) GetState(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snapshot == nil {
		return nil, errInvocationOver
	}
	return s.get(s.state.Cursor(), key)
}

// get returns a copy of the committed value of key (nil when there is
// none), looked up with c, a cursor of the state. The caller holds s.mu.
func (s *txStub) get(c *bolt.Cursor, key string) ([]byte, error) {
	s.seek = append(s.seek[:0], key...)
	k, v := c.Seek(s.seek)
	if string(k) == key {
		v = storedValue(s.state, k, v)
	} else {
		v = nil
	}
	if v == nil {
		u := s.seen[key]
		if !u.absent {
			u.absent = true
			s.seen[key] = u
		}
		return nil, nil
	}
	_, value, err := splitVersionedValue(v)
	if err != nil {
		return nil, fmt.Errorf("reading key %q: %w", key, err)
	}
	return bytes.Clone(value), nil
}

// GetMultipleStates returns the committed values of keys, in order.
func (s *txStub) GetMultipleStates(keys ...string) ([][]byte, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snapshot == nil {
		return nil, errInvocationOver
	}
	if len(s.seen) == 0 && len(keys) > 8 {
		// Room for every key found absent (they are then usually
		// written), without growing the map key by key.
		s.seen = make(map[string]keyUse, len(keys))
	}
	// One cursor for every key: bbolt's Get makes one per lookup.
	c := s.state.Cursor()
	out := make([][]byte, len(keys))
	for i, k := range keys {
		v, err := s.get(c, k)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// PutState records key = value in the write set. As on Fabric, an empty
// value records a deletion.
func (s *txStub) PutState(key string, value []byte) error {
	if key == "" {
		return errors.New("key must not be an empty string")
	}
	return s.record(key, value, len(value) == 0)
}

// DelState records the deletion of key in the write set.
func (s *txStub) DelState(key string) error {
	if key == "" {
		return errors.New("key must not be an empty string")
	}
	return s.record(key, nil, true)
}

// record buffers the write of value at key, or its deletion, copying both.
func (s *txStub) record(key string, value []byte, deleted bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snapshot == nil {
		return errInvocationOver
	}
	if s.paginated {
		return fmt.Errorf("transaction %s has already performed a paginated query: writes are not allowed (as on Fabric)", s.prop.TxID)
	}
	s.wrote = true
	w := write{Delete: deleted}
	if !deleted {
		w.Value = s.arena.copy(value)
	}
	u := s.seen[key]
	if u.write > 0 {
		w.Key = s.writes[u.write-1].Key
		s.writes[u.write-1] = w
		return nil
	}
	w.Key = s.arena.copyString(key)
	s.writes = append(s.writes, w)
	s.keys = append(s.keys, key)
	u.write = int32(len(s.writes))
	s.seen[key] = u
	return nil
}

// SetStateValidationParameter is not supported: there is no endorsement
// policy to override.
func (s *txStub) SetStateValidationParameter(key string, ep []byte) error {
	return notSupported("SetStateValidationParameter (key-level endorsement)")
}

// GetStateValidationParameter returns nil: no key can have a key-level
// endorsement policy here.
func (s *txStub) GetStateValidationParameter(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snapshot == nil {
		return nil, errInvocationOver
	}
	return nil, nil
}

// ---- Range queries ----

// GetStateByRange iterates over the keys in [startKey, endKey); an empty
// bound is open. Composite keys are outside any simple-key range.
func (s *txStub) GetStateByRange(startKey, endKey string) (shim.StateQueryIteratorInterface, error) {
	if startKey == "" {
		startKey = emptyKeySubstitute
	}
	if err := validateSimpleKeys(startKey, endKey); err != nil {
		return nil, err
	}
	it, _, err := s.rangeQuery(startKey, endKey, 0, "", false)
	return it, err
}

// GetStateByRangeWithPagination returns one page of GetStateByRange.
func (s *txStub) GetStateByRangeWithPagination(startKey, endKey string, pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	if startKey == "" {
		startKey = emptyKeySubstitute
	}
	if err := validateSimpleKeys(startKey, endKey); err != nil {
		return nil, nil, err
	}
	return s.rangeQuery(startKey, endKey, pageSize, bookmark, true)
}

// GetStateByPartialCompositeKey iterates over the composite keys starting
// with objectType and attributes.
func (s *txStub) GetStateByPartialCompositeKey(objectType string, attributes []string) (shim.StateQueryIteratorInterface, error) {
	start, end, err := partialCompositeKeyRange(objectType, attributes)
	if err != nil {
		return nil, err
	}
	it, _, err := s.rangeQuery(start, end, 0, "", false)
	return it, err
}

// GetStateByPartialCompositeKeyWithPagination returns one page of
// GetStateByPartialCompositeKey.
func (s *txStub) GetStateByPartialCompositeKeyWithPagination(objectType string, keys []string, pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	start, end, err := partialCompositeKeyRange(objectType, keys)
	if err != nil {
		return nil, nil, err
	}
	return s.rangeQuery(start, end, pageSize, bookmark, true)
}

// GetAllStatesCompositeKeyWithPagination returns one page of all composite keys.
func (s *txStub) GetAllStatesCompositeKeyWithPagination(pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	return s.rangeQuery(compositeKeyNamespace, compositeKeyNamespace+string(maxUnicodeRune), pageSize, bookmark, true)
}

// rangeQuery runs a range query over [start, end) as the Fabric peer does.
// A *WithPagination call with neither a page size nor a bookmark is not
// paginated (all records, empty metadata). A paginated query starts at the
// bookmark when there is one, returns at most pageSize records (all, up to
// totalQueryLimit, when pageSize <= 0), and its bookmark is the next key to
// read, empty after the last page. Paginated queries and writes exclude each
// other within a transaction.
func (s *txStub) rangeQuery(start, end string, pageSize int32, bookmark string, withPagination bool) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	var endKey []byte
	if end != "" {
		endKey = []byte(end)
	}
	paginated := withPagination && (pageSize != 0 || bookmark != "")
	if !paginated {
		s.mu.Lock()
		over := s.snapshot == nil
		s.mu.Unlock()
		if over {
			return nil, nil, errInvocationOver
		}
		it := &rangeIterator{s: s, next: []byte(start), end: endKey, left: totalQueryLimit}
		return it, &peer.QueryResponseMetadata{}, nil
	}
	s.mu.Lock()
	if s.wrote {
		s.mu.Unlock()
		return nil, nil, fmt.Errorf("transaction %s has already written: paginated queries are only supported in a read-only transaction (as on Fabric)", s.prop.TxID)
	}
	s.paginated = true
	s.mu.Unlock()
	if bookmark != "" {
		start = bookmark
	}
	limit := totalQueryLimit
	if pageSize > 0 && int(pageSize) < limit {
		limit = int(pageSize)
	}
	kvs, next, err := s.scan([]byte(start), endKey, limit)
	if err != nil {
		return nil, nil, err
	}
	meta := &peer.QueryResponseMetadata{FetchedRecordsCount: int32(len(kvs)), Bookmark: string(next)}
	return &rangeIterator{s: s, buf: kvs}, meta, nil
}

// scan reads at most max records with from <= key < end (end nil: no upper
// bound) from the snapshot, copying them. next is the key that follows the
// last record read within the range, nil when there is none.
func (s *txStub) scan(from, end []byte, max int) (kvs []*queryresult.KV, next []byte, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snapshot == nil {
		return nil, nil, errInvocationOver
	}
	inRange := func(k []byte) bool { return k != nil && (end == nil || bytes.Compare(k, end) < 0) }
	c := s.state.Cursor()
	k, v := c.Seek(from)
	for ; inRange(k) && len(kvs) < max; k, v = c.Next() {
		_, value, err := splitVersionedValue(storedValue(s.state, k, v))
		if err != nil {
			return nil, nil, fmt.Errorf("reading key %q: %w", k, err)
		}
		kvs = append(kvs, &queryresult.KV{Namespace: s.namespace, Key: string(k), Value: bytes.Clone(value)})
	}
	if inRange(k) {
		next = bytes.Clone(k)
	}
	return kvs, next, nil
}

// ---- History ----

// GetHistoryForKey returns every committed change of key, newest first:
// its current version, from the state, then the versions the history
// holds.
func (s *txStub) GetHistoryForKey(key string) (shim.HistoryQueryIteratorInterface, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snapshot == nil {
		return nil, errInvocationOver
	}
	var mods []*queryresult.KeyModification
	modification := func(n uint64, value []byte, deleted bool) error {
		tx, err := blockTx(s.blockTxs, n)
		if err != nil {
			return fmt.Errorf("history of key %q: %w", key, err)
		}
		mods = append(mods, &queryresult.KeyModification{
			TxId:      tx.TxID,
			Value:     value,
			Timestamp: timestamppb.New(timeFromNanos(tx.Timestamp)),
			IsDelete:  deleted,
		})
		return nil
	}
	if v := valueAt(s.state, []byte(key)); v != nil {
		n, value, err := splitVersionedValue(v)
		if err != nil {
			return nil, fmt.Errorf("history of key %q: %w", key, err)
		}
		if err := modification(n, bytes.Clone(value), false); err != nil {
			return nil, err
		}
	}
	prefix := historyPrefix([]byte(key))
	isEntry := func(k []byte) bool { return len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix) }
	c := s.history.Cursor()
	last := historyKey([]byte(key), math.MaxUint64)
	k, v := c.Seek(last)
	switch {
	case k == nil:
		k, v = c.Last()
	case !bytes.Equal(k, last):
		k, v = c.Prev()
	}
	for ; isEntry(k) && len(mods) < totalQueryLimit; k, v = c.Prev() {
		e, err := decodeHistoryEntry(storedValue(s.history, k, v))
		if err != nil {
			return nil, fmt.Errorf("history of key %q: %w", key, err)
		}
		if err := modification(binary.BigEndian.Uint64(k[len(prefix):]), e.Value, e.Delete); err != nil {
			return nil, err
		}
	}
	return &historyIterator{mods: mods}, nil
}

// ---- Composite keys ----

// CreateCompositeKey builds a composite key exactly as the Fabric shim does.
func (s *txStub) CreateCompositeKey(objectType string, attributes []string) (string, error) {
	return createCompositeKey(objectType, attributes)
}

// createCompositeKey is shim.CreateCompositeKey in one allocation when
// every part is ASCII without NUL, which the shim accepts as it is (an
// anchoring builds a key per digest); other parts go to the shim, which
// checks them and words its errors.
func createCompositeKey(objectType string, attributes []string) (string, error) {
	size := len(compositeKeyNamespace) + len(objectType) + 1
	ascii := isASCIIWithoutNUL(objectType)
	for _, a := range attributes {
		ascii = ascii && isASCIIWithoutNUL(a)
		size += len(a) + 1
	}
	if !ascii {
		return shim.CreateCompositeKey(objectType, attributes)
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(compositeKeyNamespace)
	b.WriteString(objectType)
	b.WriteByte(0)
	for _, a := range attributes {
		b.WriteString(a)
		b.WriteByte(0)
	}
	return b.String(), nil
}

// isASCIIWithoutNUL reports whether s holds ASCII characters other than NUL.
func isASCIIWithoutNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// SplitCompositeKey splits a composite key as the Fabric shim does; unlike
// the shim, it returns an error (instead of panicking) for a key that is not
// a composite key.
func (s *txStub) SplitCompositeKey(compositeKey string) (string, []string, error) {
	return splitCompositeKey(compositeKey)
}

func splitCompositeKey(ck string) (string, []string, error) {
	if len(ck) < 2 || ck[0] != compositeKeyNamespace[0] || ck[len(ck)-1] != 0 {
		return "", nil, fmt.Errorf("key %q is not a composite key", ck)
	}
	var components []string
	start := 1
	for i := 1; i < len(ck); i++ {
		if ck[i] == 0 {
			components = append(components, ck[start:i])
			start = i + 1
		}
	}
	return components[0], components[1:], nil
}

// partialCompositeKeyRange is the key range of a partial composite key, as
// the shim computes it.
func partialCompositeKeyRange(objectType string, attributes []string) (string, string, error) {
	partial, err := createCompositeKey(objectType, attributes)
	if err != nil {
		return "", "", err
	}
	return partial, partial + string(maxUnicodeRune), nil
}

// validateSimpleKeys refuses range bounds in the composite-key namespace,
// as the shim does.
func validateSimpleKeys(keys ...string) error {
	for _, k := range keys {
		if k != "" && k[0] == compositeKeyNamespace[0] {
			return fmt.Errorf("first character of the key [%s] contains a null character which is not allowed", k)
		}
	}
	return nil
}

// ---- Not supported ----

// InvokeChaincode is not supported: the embedded ledger runs one chaincode.
func (s *txStub) InvokeChaincode(chaincodeName string, args [][]byte, channel string) *peer.Response {
	return shim.Error(notSupported("InvokeChaincode").Error())
}

// GetQueryResult is not supported: the state is a key-value store (as
// LevelDB on Fabric), without rich queries.
func (s *txStub) GetQueryResult(query string) (shim.StateQueryIteratorInterface, error) {
	return nil, notSupported("GetQueryResult (rich queries)")
}

// GetQueryResultWithPagination is not supported (see GetQueryResult).
func (s *txStub) GetQueryResultWithPagination(query string, pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	return nil, nil, notSupported("GetQueryResultWithPagination (rich queries)")
}

var errPrivateData = notSupported("private data")

// GetPrivateData is not supported.
func (s *txStub) GetPrivateData(collection, key string) ([]byte, error) { return nil, errPrivateData }

// GetMultiplePrivateData is not supported.
func (s *txStub) GetMultiplePrivateData(collection string, keys ...string) ([][]byte, error) {
	return nil, errPrivateData
}

// GetPrivateDataHash is not supported.
func (s *txStub) GetPrivateDataHash(collection, key string) ([]byte, error) {
	return nil, errPrivateData
}

// PutPrivateData is not supported.
func (s *txStub) PutPrivateData(collection, key string, value []byte) error { return errPrivateData }

// DelPrivateData is not supported.
func (s *txStub) DelPrivateData(collection, key string) error { return errPrivateData }

// PurgePrivateData is not supported.
func (s *txStub) PurgePrivateData(collection, key string) error { return errPrivateData }

// SetPrivateDataValidationParameter is not supported.
func (s *txStub) SetPrivateDataValidationParameter(collection, key string, ep []byte) error {
	return errPrivateData
}

// GetPrivateDataValidationParameter is not supported.
func (s *txStub) GetPrivateDataValidationParameter(collection, key string) ([]byte, error) {
	return nil, errPrivateData
}

// GetPrivateDataByRange is not supported.
func (s *txStub) GetPrivateDataByRange(collection, startKey, endKey string) (shim.StateQueryIteratorInterface, error) {
	return nil, errPrivateData
}

// GetPrivateDataByPartialCompositeKey is not supported.
func (s *txStub) GetPrivateDataByPartialCompositeKey(collection, objectType string, keys []string) (shim.StateQueryIteratorInterface, error) {
	return nil, errPrivateData
}

// GetPrivateDataQueryResult is not supported.
func (s *txStub) GetPrivateDataQueryResult(collection, query string) (shim.StateQueryIteratorInterface, error) {
	return nil, errPrivateData
}

// StartWriteBatch does nothing: writes are always buffered until the
// invocation returns.
func (s *txStub) StartWriteBatch() {}

// FinishWriteBatch does nothing (see StartWriteBatch).
func (s *txStub) FinishWriteBatch() error { return nil }
