package record

import "fmt"

// AnchorRequest is the argument of AnchorBatch.
type AnchorRequest struct {
	BatchID  string         `json:"batchId"`
	IssuerID string         `json:"issuerId"`
	Type     CredentialType `json:"type"`
	// Credentials holds one entry per credential: the hex SHA-256 digests
	// of each of its secured forms (vc+jwt, COSE, SD-JWT…). Each entry is one
	// Merkle leaf whose data is the concatenation of its raw digests.
	Credentials [][]string `json:"credentials"`
	// Root is the hex RFC 6962 Merkle tree hash over the leaves.
	Root string `json:"root"`
}

// Batch is the ledger record of one anchored batch.
type Batch struct {
	BatchID    string         `json:"batchId"`
	IssuerID   string         `json:"issuerId"`
	Type       CredentialType `json:"type"`
	Root       string         `json:"root"`
	Size       int            `json:"size"`
	AnchoredAt string         `json:"anchoredAt"`
	TxID       string         `json:"txId"`
}

// DigestStatus is what the ledger holds about one anchored digest, as
// GetStatus returns it.
type DigestStatus struct {
	Digest   string         `json:"digest"`
	IssuerID string         `json:"issuerId"`
	Type     CredentialType `json:"type"`
	BatchID  string         `json:"batchId"`
	// Index is the credential's leaf index in its batch's Merkle tree.
	Index int `json:"index"`
	// Group lists the digests of every form of the same credential, this one included.
	Group      []string         `json:"group"`
	AnchoredAt string           `json:"anchoredAt"`
	Status     CredentialStatus `json:"status"`
	// Reason is the reason code of the last status change, if any.
	Reason    ReasonCode `json:"reason,omitempty" metadata:",optional"`
	UpdatedAt string     `json:"updatedAt"`
	TxID      string     `json:"txId"`
}

// StatusChange is one entry of a digest's status history.
type StatusChange struct {
	Status CredentialStatus `json:"status"`
	Reason ReasonCode       `json:"reason,omitempty" metadata:",optional"`
	At     string           `json:"at"`
	TxID   string           `json:"txId"`
}

// CheckTransition refuses a status change the credential lifecycle
// forbids: revoked is final, only an active credential can be suspended,
// only a suspended one reinstated (made active again).
func (s *DigestStatus) CheckTransition(target CredentialStatus) error {
	if s.Status == StatusRevoked {
		return fmt.Errorf("digest %s was revoked (%s) at %s: revocation is final", s.Digest, s.Reason, s.UpdatedAt)
	}
	switch target {
	case StatusSuspended:
		if s.Status != StatusActive {
			return fmt.Errorf("digest %s is %s: only an active credential can be suspended", s.Digest, s.Status)
		}
	case StatusActive:
		if s.Status != StatusSuspended {
			return fmt.Errorf("digest %s is %s: only a suspended credential can be reinstated", s.Digest, s.Status)
		}
	}
	return nil
}

// Event names. A transaction sets at most one event.
const (
	EventIssuerChanged      = "IssuerChanged"
	EventBatchAnchored      = "BatchAnchored"
	EventStatusChanged      = "StatusChanged"
	EventResourceRegistered = "ResourceRegistered"
	EventResourceEndorsed   = "ResourceEndorsed"
)

// Event is the payload of every chaincode event (JSON).
type Event struct {
	IssuerID string `json:"issuerId,omitempty" metadata:",optional"`
	BatchID  string `json:"batchId,omitempty" metadata:",optional"`
	// Digests lists the digests whose status changed or that were anchored.
	Digests []string `json:"digests,omitempty" metadata:",optional"`
	// Status is an issuer's or a credential's, after the change.
	Status string     `json:"status,omitempty" metadata:",optional"`
	Reason ReasonCode `json:"reason,omitempty" metadata:",optional"`
	// Size is the number of credentials a BatchAnchored event anchored (its
	// digests are not listed: a batch can hold thousands).
	Size int `json:"size,omitempty" metadata:",optional"`
}

// NotFoundPrefix starts the message of every error the contract returns for
// a record that does not exist, so clients can tell "absent" from "failed".
const NotFoundPrefix = "not found: "

// NotFound is the contract's error for an absent record of kind ("issuer",
// "digest", "batch"…) named id; its message starts with NotFoundPrefix.
func NotFound(kind, id string) error {
	return fmt.Errorf("%s%s %q", NotFoundPrefix, kind, id)
}
