// Package network is Sceau's one door to the ledger: the Ledger interface
// that every backend implements (embedded over bbolt, or a real Hyperledger
// Fabric network through fabric-gateway), and Contract, a typed client of the
// Sceau chaincode on top of it.
//
// Contract speaks the ledger's vocabulary, package chaincode/record: it
// sends and returns record.Issuer, record.DigestStatus and the others as the
// chaincode writes them, and the same package holds the rules a client
// applies to them (which accreditation holds when, which key may sign what).
// It never links the contract itself: clients such as the verifier and the
// wallet stay free of Fabric's chaincode libraries.
//
// Imports: chaincode/record only, of Sceau's packages. The backends
// (network/embedded, network/fabric) import network, not the reverse.
package network

import (
	"context"
	"errors"
)

// Ledger submits and evaluates transactions of the Sceau chaincode as a
// named identity. Identities are organisation ids ("ministry", "examoffice"…)
// whose credentials the backend holds: dev-CA material on the embedded
// ledger, the identities listed in the ledger config on Fabric.
type Ledger interface {
	// Submit runs function as a transaction signed by org and waits until
	// it is committed. It returns the function's result.
	Submit(ctx context.Context, org, function string, args ...string) ([]byte, error)
	// Evaluate runs function as a query against committed state, as org
	// (or the backend's default reader when org is empty); nothing is written.
	Evaluate(ctx context.Context, org, function string, args ...string) ([]byte, error)
	// Close releases the ledger.
	Close() error
}

// OrgProvisioner is implemented by ledgers that can create an organisation
// identity on demand (the embedded ledger's dev CA). On Fabric, organisations
// come from the network's material and are only looked up.
type OrgProvisioner interface {
	// ProvisionOrg makes sure org has an identity and returns its MSP ID.
	ProvisionOrg(ctx context.Context, org string) (mspID string, err error)
}

// ConcurrentSubmitter is implemented by ledgers on which transactions
// submitted at once overlap, as on Fabric, where a transaction spends most
// of its time waiting for its block while the next ones can be endorsed,
// ordered and cut into the same block. A client with many transactions to
// submit gains by keeping several in flight there. Ledgers that commit one
// transaction at a time (the embedded ledger) do not implement it.
type ConcurrentSubmitter interface {
	// ConcurrentSubmits returns how many transactions are worth keeping
	// in flight at once (at least 1).
	ConcurrentSubmits() int
}

// StateVersioner is implemented by ledgers that number the versions of their
// committed state, as the embedded ledger can: it holds its store alone, so
// it sees every commit. A record read after StateVersion returned v was read
// at version v or later; while StateVersion keeps returning v, nothing was
// committed since, and the record is still the ledger's. Readers may keep
// such records, never serving one once the version moved.
type StateVersioner interface {
	// StateVersion returns the version of the committed state. It grows
	// with every commit and never goes back, so an equal version means
	// that nothing was committed in between.
	StateVersion(ctx context.Context) (uint64, error)
}

// HeightReader is implemented by ledgers that tell their height, the
// number of blocks committed: what was read after Height returned h is the
// ledger's state as of block h-1 or later. Status list checkpoints say so.
type HeightReader interface {
	Height(ctx context.Context) (uint64, error)
}

// ErrUnavailable is wrapped by every error that means the ledger could not be
// reached or read (as opposed to the contract refusing a transaction).
// Verifiers turn it into an "indeterminate" verdict, never "valid".
var ErrUnavailable = errors.New("ledger unavailable")

// ErrNotFound is wrapped by errors for records the ledger does not hold.
var ErrNotFound = errors.New("not found")

// ContractError is a transaction the chaincode itself refused.
type ContractError struct {
	Function string
	Message  string
}

func (e *ContractError) Error() string { return e.Function + ": " + e.Message }

// Tip is where a ledger's block log ends: its height (the number of
// blocks) and the hash of its last block (hex).
type Tip struct {
	Height uint64 `json:"height"`
	Hash   string `json:"hash"`
}

// ChainReader is implemented by ledgers whose block log a reader can
// follow, as the embedded ledger's: a verifier remembers the highest tip it
// has seen and notices when the ledger is later behind it (a store copied
// back over a newer one) or on another chain.
type ChainReader interface {
	// Tip returns the current height and last block hash.
	Tip(ctx context.Context) (Tip, error)
	// BlockHash returns the hash of block n (ErrNotFound when the ledger
	// has fewer blocks).
	BlockHash(ctx context.Context, n uint64) (string, error)
}
