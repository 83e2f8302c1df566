package embedded

import (
	"errors"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
)

var (
	errIteratorClosed = errors.New("the iterator is closed")
	errNoMoreResults  = errors.New("the iterator has no more results")
)

// rangeIterator walks a range query. It reads the invocation's snapshot
// iteratorBatch records at a time, each read a bounded copy: it never holds
// a cursor between calls, and fails once the invocation is over.
type rangeIterator struct {
	s    *txStub
	end  []byte // exclusive; nil: no upper bound
	next []byte // next key to read; nil: nothing left to read
	left int    // records the query may still return
	buf  []*queryresult.KV
	err  error
	done bool
}

var _ shim.StateQueryIteratorInterface = (*rangeIterator)(nil)

func (it *rangeIterator) fill() {
	if len(it.buf) > 0 || it.err != nil || it.next == nil || it.left <= 0 {
		return
	}
	kvs, next, err := it.s.scan(it.next, it.end, min(iteratorBatch, it.left))
	if err != nil {
		it.err = err
		return
	}
	it.buf, it.next, it.left = kvs, next, it.left-len(kvs)
}

// HasNext reports whether Next has a record (or an error) to return.
func (it *rangeIterator) HasNext() bool {
	if it.done {
		return false
	}
	it.fill()
	return len(it.buf) > 0 || it.err != nil
}

// Next returns the next record.
func (it *rangeIterator) Next() (*queryresult.KV, error) {
	if it.done {
		return nil, errIteratorClosed
	}
	it.fill()
	if it.err != nil {
		return nil, it.err
	}
	if len(it.buf) == 0 {
		return nil, errNoMoreResults
	}
	kv := it.buf[0]
	it.buf = it.buf[1:]
	return kv, nil
}

// Close releases the iterator.
func (it *rangeIterator) Close() error {
	it.done, it.buf, it.next = true, nil, nil
	return nil
}

// historyIterator walks the changes of one key, newest first, copied when
// the query ran.
type historyIterator struct {
	mods []*queryresult.KeyModification
	done bool
}

var _ shim.HistoryQueryIteratorInterface = (*historyIterator)(nil)

// HasNext reports whether Next has a change to return.
func (it *historyIterator) HasNext() bool { return !it.done && len(it.mods) > 0 }

// Next returns the next (older) change.
func (it *historyIterator) Next() (*queryresult.KeyModification, error) {
	if it.done {
		return nil, errIteratorClosed
	}
	if len(it.mods) == 0 {
		return nil, errNoMoreResults
	}
	m := it.mods[0]
	it.mods = it.mods[1:]
	return m, nil
}

// Close releases the iterator.
func (it *historyIterator) Close() error {
	it.done, it.mods = true, nil
	return nil
}
