package embedded

import (
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-contract-api-go/v2/serializer"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/sceau/sceau/chaincode"
)

// directChaincode is the Sceau chaincode as the embedded ledger hosts it,
// in its own process. Its Invoke answers the read-only queries GetIssuer,
// GetBatch, GetStatus and GetStatusHistory by calling the contract's
// methods directly, and hands every other call to contract-api.
//
// Its answers are contract-api's, byte for byte: contract-api would pass
// these queries' arguments as they are (each is a string, and a string
// always matches the {"type":"string"} schema it checks them against),
// encode their results with the same serializer, and turn their errors
// into the same responses. What it skips is its per-call machinery:
// reflection, a goroutine and a JSON Schema validation per argument, and
// the parsing of the caller's certificate, which these queries never
// read (a query that asks for the caller's identity still gets it).
// Together they cost more than the query itself.
//
// Fabric peers run chaincode.NewChaincode: its contract-api path is the
// reference, and the chaincode knows nothing of how it is hosted.
//
// Building contract-api's chaincode costs about 50 ms of CPU (it compiles
// a JSON Schema for every argument and result of every function), which a
// command that only queries the ledger, such as sceau verify, never needs,
// and a command that writes needs only at its first transaction. So it is
// built on a goroutine of its own from the moment the ledger opens, and
// the first call that needs it waits for it: sceau issue validates its
// input meanwhile.
type directChaincode struct {
	// contract returns contract-api's chaincode once built.
	contract func() (*contractapi.ContractChaincode, error)
	queries  map[string]directQuery
}

// directQuery is a query directChaincode answers itself: a contract
// function taking the transaction context and params string arguments.
type directQuery struct {
	params int
	// call runs the function on args and returns its result encoded as
	// contract-api encodes it.
	call func(ctx contractapi.TransactionContextInterface, args []string) ([]byte, error)
}

// newDirectChaincode returns the Sceau chaincode for cfg, answering
// queries directly (see directChaincode), contract-api's chaincode being
// built in the background.
func newDirectChaincode(cfg chaincode.Config) (*directChaincode, error) {
	if cfg.GovernanceMSP == "" {
		return nil, errors.New("chaincode config: GovernanceMSP is empty")
	}
	// The contract holds nothing but its configuration: this one answers
	// exactly as the one contract-api serves.
	c := chaincode.New(cfg)
	if c.GetBeforeTransaction() != nil || c.GetAfterTransaction() != nil {
		return nil, errors.New("building the Sceau chaincode: the contract has transaction hooks, which direct queries would skip")
	}
	var (
		built    = make(chan struct{})
		contract *contractapi.ContractChaincode
		err      error
	)
	go func() {
		defer close(built)
		contract, err = chaincode.NewChaincode(cfg)
	}()
	ser := chaincode.Serializer()
	return &directChaincode{
		contract: func() (*contractapi.ContractChaincode, error) {
			<-built
			return contract, err
		},
		queries: map[string]directQuery{
			"GetIssuer":           oneStringQuery(ser, c.GetIssuer),
			"GetBatch":            oneStringQuery(ser, c.GetBatch),
			"GetStatus":           oneStringQuery(ser, c.GetStatus),
			"GetStatusHistory":    oneStringQuery(ser, c.GetStatusHistory),
			"GetStatusCheckpoint": oneStringQuery(ser, c.GetStatusCheckpoint),
		},
	}, nil
}

// oneStringQuery makes a directQuery of fn, a contract function of one
// string argument returning a T, whose results ser encodes.
func oneStringQuery[T any](ser serializer.TransactionSerializer, fn func(contractapi.TransactionContextInterface, string) (T, error)) directQuery {
	resultType := reflect.TypeFor[T]()
	return directQuery{params: 1, call: func(ctx contractapi.TransactionContextInterface, args []string) ([]byte, error) {
		result, err := fn(ctx, args[0])
		if err != nil {
			return nil, err
		}
		// As contract-api: no return metadata, so no validation of the
		// contract's own result.
		s, err := ser.ToString(reflect.ValueOf(result), resultType, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("error handling success response. %s", err.Error())
		}
		return []byte(s), nil
	}}
}

// Invoke answers the direct queries called by their bare name with their
// exact number of arguments, and hands every other call to contract-api.
func (cc *directChaincode) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	if res, ok := cc.answer(stub); ok {
		return res
	}
	contract, err := cc.contract()
	if err != nil {
		return shim.Error(err.Error())
	}
	return contract.Invoke(stub)
}

// Init hands the call to contract-api.
func (cc *directChaincode) Init(stub shim.ChaincodeStubInterface) *peer.Response {
	contract, err := cc.contract()
	if err != nil {
		return shim.Error(err.Error())
	}
	return contract.Init(stub)
}

// answer runs stub's call if it is a direct query; ok is false otherwise.
func (cc *directChaincode) answer(stub shim.ChaincodeStubInterface) (res *peer.Response, ok bool) {
	fn, args := stub.GetFunctionAndParameters()
	q, ok := cc.queries[fn]
	if !ok || len(args) != q.params {
		return nil, false
	}
	payload, err := q.call(&queryContext{stub: stub}, args)
	if err != nil {
		return shim.Error(err.Error()), true
	}
	return shim.Success(payload), true
}

// queryContext is the transaction context of a direct query. It reads the
// caller's identity from the stub only if the query asks for it, and then
// as contract-api does: an unreadable creator gives a nil *cid.ClientID.
type queryContext struct {
	stub     shim.ChaincodeStubInterface
	identify sync.Once
	identity cid.ClientIdentity
}

// GetStub returns the transaction's stub.
func (q *queryContext) GetStub() shim.ChaincodeStubInterface { return q.stub }

// GetClientIdentity returns the caller's identity, read on first use.
func (q *queryContext) GetClientIdentity() cid.ClientIdentity {
	q.identify.Do(func() {
		ci, _ := cid.New(q.stub)
		q.identity = ci
	})
	return q.identity
}
