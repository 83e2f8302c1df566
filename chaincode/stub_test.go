package chaincode

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// memLedger is an in-memory stand-in for a Fabric channel's ledger: world
// state with per-key versions, the history of every key, and commit-time
// MVCC validation as a peer does it.
type memLedger struct {
	state   map[string][]byte
	version map[string]uint64
	history map[string][]*queryresult.KeyModification
}

func newMemLedger() *memLedger {
	return &memLedger{
		state:   map[string][]byte{},
		version: map[string]uint64{},
		history: map[string][]*queryresult.KeyModification{},
	}
}

// memStub is one transaction's view of a memLedger, as a peer gives it to
// chaincode: reads see committed state only (not the transaction's own
// writes), writes are buffered until commit. The embedded interface is left
// nil: a method the contract is not expected to use panics when called.
type memStub struct {
	shim.ChaincodeStubInterface

	ledger  *memLedger
	fn      string
	params  []string
	txID    string
	ts      time.Time
	creator []byte

	reads      map[string]uint64
	writes     map[string][]byte
	writeOrder []string
	events     []*peer.ChaincodeEvent
	// paginated records a paginated range query, which Fabric allows only in
	// a read-only transaction.
	paginated bool
	// writeBatches counts StartWriteBatch calls not yet finished.
	writeBatches int
}

func (l *memLedger) newStub(txID string, ts time.Time, creator []byte, fn string, params []string) *memStub {
	return &memStub{
		ledger:  l,
		fn:      fn,
		params:  params,
		txID:    txID,
		ts:      ts,
		creator: creator,
		reads:   map[string]uint64{},
		writes:  map[string][]byte{},
	}
}

// commit validates the transaction as a peer would (no read key changed
// since it was read, no paginated query in a writing transaction) and
// applies its writes.
func (l *memLedger) commit(s *memStub) error {
	for key, v := range s.reads {
		if l.version[key] != v {
			return fmt.Errorf("MVCC_READ_CONFLICT on %q", printableKey(key))
		}
	}
	if s.paginated && len(s.writes) > 0 {
		return errors.New("paginated queries are supported only in a read-only transaction")
	}
	if s.writeBatches != 0 {
		return errors.New("a write batch was started and never finished")
	}
	for _, key := range s.writeOrder {
		value := s.writes[key]
		l.state[key] = value
		l.version[key]++
		l.history[key] = append(l.history[key], &queryresult.KeyModification{
			TxId:      s.txID,
			Value:     value,
			Timestamp: timestamppb.New(s.ts),
		})
	}
	return nil
}

// size estimates the bytes the transaction adds to a block: its arguments,
// its read set (key and version) and its write set and event.
func (s *memStub) size() int {
	n := len(s.fn)
	for _, p := range s.params {
		n += len(p)
	}
	for key := range s.reads {
		n += len(key) + 16
	}
	for key, value := range s.writes {
		n += len(key) + len(value)
	}
	for _, e := range s.events {
		n += len(e.EventName) + len(e.Payload)
	}
	return n
}

func (s *memStub) GetArgs() [][]byte {
	args := [][]byte{[]byte(s.fn)}
	for _, p := range s.params {
		args = append(args, []byte(p))
	}
	return args
}

func (s *memStub) GetStringArgs() []string { return append([]string{s.fn}, s.params...) }

func (s *memStub) GetFunctionAndParameters() (string, []string) {
	return s.fn, append([]string(nil), s.params...)
}

func (s *memStub) GetTxID() string { return s.txID }

func (s *memStub) GetChannelID() string { return "sceau" }

func (s *memStub) GetCreator() ([]byte, error) { return s.creator, nil }

func (s *memStub) GetTxTimestamp() (*timestamppb.Timestamp, error) { return timestamppb.New(s.ts), nil }

func (s *memStub) GetState(key string) ([]byte, error) {
	if key == "" {
		return nil, errors.New("key must not be an empty string")
	}
	s.reads[key] = s.ledger.version[key]
	return slices.Clone(s.ledger.state[key]), nil
}

func (s *memStub) GetMultipleStates(keys ...string) ([][]byte, error) {
	values := make([][]byte, 0, len(keys))
	for _, k := range keys {
		v, err := s.GetState(k)
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	return values, nil
}

func (s *memStub) PutState(key string, value []byte) error {
	if key == "" {
		return errors.New("key must not be an empty string")
	}
	if _, ok := s.writes[key]; !ok {
		s.writeOrder = append(s.writeOrder, key)
	}
	s.writes[key] = slices.Clone(value)
	return nil
}

func (s *memStub) StartWriteBatch() { s.writeBatches++ }

func (s *memStub) FinishWriteBatch() error {
	if s.writeBatches > 0 {
		s.writeBatches--
	}
	return nil
}

func (s *memStub) CreateCompositeKey(objectType string, attributes []string) (string, error) {
	return shim.CreateCompositeKey(objectType, attributes)
}

// GetStateByPartialCompositeKeyWithPagination behaves as on a LevelDB peer:
// the bookmark, when given, replaces the start key, and the returned
// bookmark is the key that follows the page (empty after the last one).
func (s *memStub) GetStateByPartialCompositeKeyWithPagination(objectType string, keys []string, pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	start, err := shim.CreateCompositeKey(objectType, keys)
	if err != nil {
		return nil, nil, err
	}
	end := start + string(rune(0x10FFFF))
	if bookmark != "" {
		start = bookmark
	}
	if pageSize <= 0 {
		return nil, nil, fmt.Errorf("page size %d must be positive", pageSize)
	}
	s.paginated = true
	var matching []string
	for key := range s.ledger.state {
		if key >= start && key < end {
			matching = append(matching, key)
		}
	}
	slices.Sort(matching)
	meta := &peer.QueryResponseMetadata{}
	if len(matching) > int(pageSize) {
		meta.Bookmark = matching[pageSize]
		matching = matching[:pageSize]
	}
	meta.FetchedRecordsCount = int32(len(matching))
	kvs := make([]*queryresult.KV, len(matching))
	for i, key := range matching {
		kvs[i] = &queryresult.KV{Namespace: "sceau", Key: key, Value: slices.Clone(s.ledger.state[key])}
	}
	return &kvIterator{kvs: kvs}, meta, nil
}

// GetHistoryForKey returns committed history newest first, as Fabric v2 does.
func (s *memStub) GetHistoryForKey(key string) (shim.HistoryQueryIteratorInterface, error) {
	mods := slices.Clone(s.ledger.history[key])
	slices.Reverse(mods)
	return &historyIterator{mods: mods}, nil
}

func (s *memStub) SetEvent(name string, payload []byte) error {
	if name == "" {
		return errors.New("event name can not be empty string")
	}
	s.events = append(s.events, &peer.ChaincodeEvent{EventName: name, Payload: slices.Clone(payload), TxId: s.txID})
	return nil
}

type kvIterator struct {
	kvs    []*queryresult.KV
	closed bool
}

func (it *kvIterator) HasNext() bool { return !it.closed && len(it.kvs) > 0 }

func (it *kvIterator) Next() (*queryresult.KV, error) {
	if !it.HasNext() {
		return nil, errors.New("no more results")
	}
	kv := it.kvs[0]
	it.kvs = it.kvs[1:]
	return kv, nil
}

func (it *kvIterator) Close() error { it.closed = true; return nil }

type historyIterator struct {
	mods   []*queryresult.KeyModification
	closed bool
}

func (it *historyIterator) HasNext() bool { return !it.closed && len(it.mods) > 0 }

func (it *historyIterator) Next() (*queryresult.KeyModification, error) {
	if !it.HasNext() {
		return nil, errors.New("no more results")
	}
	m := it.mods[0]
	it.mods = it.mods[1:]
	return m, nil
}

func (it *historyIterator) Close() error { it.closed = true; return nil }

// stateSnapshot copies the committed state, to show a refused transaction
// changed nothing.
func (l *memLedger) stateSnapshot() map[string]string {
	snap := make(map[string]string, len(l.state))
	for k, v := range l.state {
		snap[k] = string(v)
	}
	return snap
}

// keysOfType lists committed keys of a composite object type, sorted.
func (l *memLedger) keysOfType(objectType string) []string {
	prefix := "\x00" + objectType + "\x00"
	var keys []string
	for k := range l.state {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
