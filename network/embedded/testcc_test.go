package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// testChaincode is a small chaincode exercising the stub the way a real
// chaincode does, one function per behaviour under test.
type testChaincode struct {
	mu     sync.Mutex
	leaked shim.StateQueryIteratorInterface // kept by "leakiter"
}

func newTestChaincode(Genesis) (shim.Chaincode, error) { return &testChaincode{}, nil }

func (cc *testChaincode) Init(shim.ChaincodeStubInterface) *peer.Response { return shim.Success(nil) }

func (cc *testChaincode) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	fn, args := stub.GetFunctionAndParameters()
	out, err := cc.call(stub, fn, args)
	if err != nil {
		return shim.Error(err.Error())
	}
	return shim.Success(out)
}

func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }

func (cc *testChaincode) call(stub shim.ChaincodeStubInterface, fn string, args []string) ([]byte, error) {
	switch fn {
	case "put":
		return nil, stub.PutState(args[0], []byte(args[1]))
	case "putmany": // prefix count valueSize
		n, _ := strconv.Atoi(args[1])
		size, _ := strconv.Atoi(args[2])
		value := []byte(strings.Repeat("v", size))
		for i := range n {
			if err := stub.PutState(fmt.Sprintf("%s%08d", args[0], i), value); err != nil {
				return nil, err
			}
		}
		return nil, nil
	case "get":
		v, err := stub.GetState(args[0])
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, fmt.Errorf("not found: %s", args[0])
		}
		return v, nil
	case "del":
		return nil, stub.DelState(args[0])
	case "fail": // writes, then refuses
		if err := stub.PutState("written-before-failing", []byte("x")); err != nil {
			return nil, err
		}
		return nil, errors.New(args[0])
	case "panic":
		panic("chaincode bug")
	case "readown": // key value: returns what GetState sees after PutState
		if err := stub.PutState(args[0], []byte(args[1])); err != nil {
			return nil, err
		}
		v, err := stub.GetState(args[0])
		if err != nil {
			return nil, err
		}
		return []byte("committed=" + string(v)), nil
	case "whoami":
		id, err := cid.New(stub)
		if err != nil {
			return nil, err
		}
		msp, err := id.GetMSPID()
		if err != nil {
			return nil, err
		}
		cert, err := id.GetX509Certificate()
		if err != nil {
			return nil, err
		}
		return []byte(msp + "|" + cert.Subject.CommonName), nil
	case "txinfo":
		ts, err := stub.GetTxTimestamp()
		if err != nil {
			return nil, err
		}
		binding, err := stub.GetBinding()
		if err != nil {
			return nil, err
		}
		return jsonOf(map[string]string{
			"txid":      stub.GetTxID(),
			"channel":   stub.GetChannelID(),
			"timestamp": ts.AsTime().Format(time.RFC3339Nano),
			"binding":   fmt.Sprintf("%x", binding),
		})
	case "range": // start end
		it, err := stub.GetStateByRange(args[0], args[1])
		if err != nil {
			return nil, err
		}
		return drain(it)
	case "putcomposite": // objectType attrs...
		key, err := stub.CreateCompositeKey(args[0], args[1:])
		if err != nil {
			return nil, err
		}
		return nil, stub.PutState(key, []byte("c"))
	case "partial": // objectType attrs...
		it, err := stub.GetStateByPartialCompositeKey(args[0], args[1:])
		if err != nil {
			return nil, err
		}
		defer it.Close()
		var keys []string
		for it.HasNext() {
			kv, err := it.Next()
			if err != nil {
				return nil, err
			}
			typ, attrs, err := stub.SplitCompositeKey(kv.Key)
			if err != nil {
				return nil, err
			}
			keys = append(keys, typ+":"+strings.Join(attrs, ","))
		}
		return jsonOf(keys)
	case "page": // start end pageSize bookmark
		size, _ := strconv.Atoi(args[2])
		it, meta, err := stub.GetStateByRangeWithPagination(args[0], args[1], int32(size), args[3])
		if err != nil {
			return nil, err
		}
		return drainPage(it, meta)
	case "pagecomposite": // objectType pageSize bookmark
		size, _ := strconv.Atoi(args[1])
		it, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(args[0], nil, int32(size), args[2])
		if err != nil {
			return nil, err
		}
		return drainPage(it, meta)
	case "pagethenput":
		if _, _, err := stub.GetStateByRangeWithPagination("", "", 1, ""); err != nil {
			return nil, err
		}
		return nil, stub.PutState("after-page", []byte("x"))
	case "putthenpage":
		if err := stub.PutState("before-page", []byte("x")); err != nil {
			return nil, err
		}
		_, _, err := stub.GetStateByRangeWithPagination("", "", 1, "")
		return nil, err
	case "history":
		it, err := stub.GetHistoryForKey(args[0])
		if err != nil {
			return nil, err
		}
		defer it.Close()
		var out []map[string]any
		for it.HasNext() {
			m, err := it.Next()
			if err != nil {
				return nil, err
			}
			out = append(out, map[string]any{"txid": m.TxId, "value": string(m.Value), "delete": m.IsDelete, "ts": m.Timestamp.AsTime().Format(time.RFC3339Nano)})
		}
		return jsonOf(out)
	case "event": // name payload [name payload]...
		for i := 0; i+1 < len(args); i += 2 {
			if err := stub.SetEvent(args[i], []byte(args[i+1])); err != nil {
				return nil, err
			}
		}
		return nil, stub.PutState("evented", []byte("yes"))
	case "incr":
		v, err := stub.GetState(args[0])
		if err != nil {
			return nil, err
		}
		n, _ := strconv.Atoi(string(v))
		return nil, stub.PutState(args[0], []byte(strconv.Itoa(n+1)))
	case "unsupported":
		var errs []string
		if _, err := stub.GetPrivateData("c", "k"); err != nil {
			errs = append(errs, err.Error())
		}
		if _, err := stub.GetQueryResult(`{"selector":{}}`); err != nil {
			errs = append(errs, err.Error())
		}
		if r := stub.InvokeChaincode("other", nil, ""); r.Status >= shim.ERRORTHRESHOLD {
			errs = append(errs, r.Message)
		}
		if _, err := stub.GetSignedProposal(); err != nil {
			errs = append(errs, err.Error())
		}
		return jsonOf(errs)
	case "leakiter":
		it, err := stub.GetStateByRange("", "")
		if err != nil {
			return nil, err
		}
		cc.mu.Lock()
		cc.leaked = it
		cc.mu.Unlock()
		return nil, nil
	}
	return nil, fmt.Errorf("unknown function %q", fn)
}

func drain(it shim.StateQueryIteratorInterface) ([]byte, error) {
	defer it.Close()
	var kvs []string
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, err
		}
		kvs = append(kvs, kv.Key+"="+string(kv.Value))
	}
	return jsonOf(kvs)
}

type pageResult struct {
	Keys     []string `json:"keys"`
	Count    int32    `json:"count"`
	Bookmark string   `json:"bookmark"`
}

func drainPage(it shim.StateQueryIteratorInterface, meta *peer.QueryResponseMetadata) ([]byte, error) {
	defer it.Close()
	var res pageResult
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, err
		}
		res.Keys = append(res.Keys, kv.Key)
	}
	res.Count, res.Bookmark = meta.FetchedRecordsCount, meta.Bookmark
	return jsonOf(res)
}

// testClock is a deterministic clock: each reading is 1 ms after the last.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC).UnixNano())
	return c
}

func (c *testClock) Now() time.Time { return time.Unix(0, c.ns.Add(int64(time.Millisecond))).UTC() }

// newTestLedger creates a ledger running testChaincode in a temporary
// directory, closed at the end of the test.
func newTestLedger(t testing.TB) (*Ledger, string) {
	t.Helper()
	dir := t.TempDir()
	l, err := Init(context.Background(), dir, InitOptions{OpenOptions: OpenOptions{Chaincode: newTestChaincode, Clock: newTestClock().Now}})
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l, dir
}

func mustSubmit(t testing.TB, l *Ledger, org, fn string, args ...string) []byte {
	t.Helper()
	out, err := l.Submit(context.Background(), org, fn, args...)
	if err != nil {
		t.Fatalf("Submit %s %v as %s: %v", fn, args, org, err)
	}
	return out
}

func mustEvaluate(t testing.TB, l *Ledger, fn string, args ...string) []byte {
	t.Helper()
	out, err := l.Evaluate(context.Background(), "", fn, args...)
	if err != nil {
		t.Fatalf("Evaluate %s %v: %v", fn, args, err)
	}
	return out
}

func mustInfo(t testing.TB, l *Ledger) Info {
	t.Helper()
	info, err := l.Info(context.Background())
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	return info
}

func mustVerifyClean(t testing.TB, l *Ledger) *VerifyReport {
	t.Helper()
	r, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !r.OK() {
		t.Fatalf("Verify found problems in an untouched ledger: %v", r.Problems)
	}
	return r
}
