package embedded

import (
	"errors"

	"github.com/sceau/sceau/network"
)

var (
	// ErrInUse is wrapped by the error of Init or Open when another process
	// holds the ledger open. That error also wraps network.ErrUnavailable.
	ErrInUse = errors.New("ledger in use by another process")
	// ErrNoLedger is wrapped by the error of Open when the directory holds
	// no ledger.
	ErrNoLedger = errors.New("no ledger")
	// ErrLedgerExists is wrapped by the error of Init when the directory
	// already holds a ledger with blocks.
	ErrLedgerExists = errors.New("ledger already exists")
	// ErrInvalidProposal is wrapped by the error of a proposal the ledger
	// refused before running it: undecodable, for another channel or
	// chaincode, signed by a key that is not its creator's, by a creator
	// whose certificate the ledger's trusted CAs did not issue, or already
	// committed (same transaction id).
	ErrInvalidProposal = errors.New("invalid proposal")
	// ErrUnknownOrg is wrapped when an org has no identity in the ledger
	// directory (ProvisionOrg creates one).
	ErrUnknownOrg = errors.New("unknown org")
	// ErrDamaged is wrapped by the error of Submit and ProvisionOrg when the
	// ledger's last block does not match the hash recorded when it was
	// committed: the store was changed behind the ledger's back. Reads,
	// Info, Verify and Export still work.
	ErrDamaged = errors.New("ledger store damaged")
)

// inUseError is the error of opening a ledger another process holds.
type inUseError struct{ dir string }

func (e *inUseError) Error() string {
	return "ledger " + e.dir + " is in use by another process"
}

// Is makes the error match ErrInUse and network.ErrUnavailable.
func (e *inUseError) Is(target error) bool {
	return target == ErrInUse || target == network.ErrUnavailable
}
