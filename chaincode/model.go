package chaincode

// This file is the ledger's data model: what the contract stores and returns,
// as JSON. Nothing personal is ever part of it: issuers are organisations,
// credentials appear only as SHA-256 digests.

// Issuer statuses.
const (
	// IssuerPending is an issuer that registered itself and awaits accreditation.
	IssuerPending = "pending"
	// IssuerActive is an issuer with at least one accreditation, in good standing.
	IssuerActive = "active"
	// IssuerSuspended is an issuer that governance suspended: it cannot anchor
	// and verifiers treat its credentials as not currently vouched for.
	IssuerSuspended = "suspended"
	// IssuerWithdrawn is an issuer whose accreditation governance withdrew for good.
	IssuerWithdrawn = "withdrawn"
)

// Credential statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
)

// ReasonCodes are the only reasons the ledger accepts for a status change:
// no free text ever goes on the ledger.
var ReasonCodes = []string{"fraud", "error", "annulled", "superseded", "other"}

// CredentialTypes are the credential types an issuer can be accredited for
// and anchor.
var CredentialTypes = []string{"Diploma", "PixCertification", "OpenResource"}

// Event names. A transaction sets at most one event.
const (
	EventIssuerChanged = "IssuerChanged"
	EventBatchAnchored = "BatchAnchored"
	EventStatusChanged = "StatusChanged"
)

// NotFoundPrefix starts the message of every error the contract returns for
// a record that does not exist, so clients can tell "absent" from "failed".
const NotFoundPrefix = "not found: "

// Issuer is an accredited (or candidate) issuing organisation.
type Issuer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// MSPID binds the issuer id to the Fabric organisation that registered it.
	MSPID  string `json:"mspId"`
	Status string `json:"status"`
	// StatusReason is a reason code, set when suspended or withdrawn.
	StatusReason   string          `json:"statusReason,omitempty" metadata:",optional"`
	Accreditations []Accreditation `json:"accreditations" metadata:",optional"`
	Keys           []IssuerKey     `json:"keys"`
	// RegisteredAt and UpdatedAt are transaction times, RFC 3339 UTC.
	RegisteredAt string `json:"registeredAt"`
	UpdatedAt    string `json:"updatedAt"`
	// TxID is the transaction that last changed the record.
	TxID string `json:"txId"`
}

// Accreditation allows an issuer to anchor credentials of one type.
type Accreditation struct {
	Type      string `json:"type"`
	ValidFrom string `json:"validFrom"`
	// ValidUntil is empty for an open-ended accreditation.
	ValidUntil string `json:"validUntil,omitempty" metadata:",optional"`
	TxID       string `json:"txId"`
}

// IssuerKey is one public signing key of an issuer, with its history.
type IssuerKey struct {
	// KID is the RFC 7638 JWK thumbprint (SHA-256, base64url).
	KID string `json:"kid"`
	// JWK is the public key as a JSON Web Key.
	JWK       string `json:"jwk"`
	ValidFrom string `json:"validFrom"`
	// RetiredAt is set when the key was rotated out: credentials anchored
	// before it keep verifying, none may be anchored after it.
	RetiredAt string `json:"retiredAt,omitempty" metadata:",optional"`
	// CompromisedSince is set when the key was reported stolen: credentials
	// anchored at or after that ledger time are invalid.
	CompromisedSince string `json:"compromisedSince,omitempty" metadata:",optional"`
}

// AnchorRequest is the argument of AnchorBatch.
type AnchorRequest struct {
	BatchID  string `json:"batchId"`
	IssuerID string `json:"issuerId"`
	Type     string `json:"type"`
	// Credentials holds one entry per credential: the hex SHA-256 digests
	// of each of its secured forms (vc+jwt, COSE, SD-JWT…). Each entry is one
	// Merkle leaf whose data is the concatenation of its raw digests.
	Credentials [][]string `json:"credentials"`
	// Root is the hex RFC 6962 Merkle tree hash over the leaves.
	Root string `json:"root"`
}

// Batch is the ledger record of one anchored batch.
type Batch struct {
	BatchID    string `json:"batchId"`
	IssuerID   string `json:"issuerId"`
	Type       string `json:"type"`
	Root       string `json:"root"`
	Size       int    `json:"size"`
	AnchoredAt string `json:"anchoredAt"`
	TxID       string `json:"txId"`
}

// DigestStatus is what the ledger holds about one anchored digest, as
// GetStatus returns it. It is stored leaner: a digestRecord (see
// records.go) completed by the record of its batch.
type DigestStatus struct {
	Digest   string `json:"digest"`
	IssuerID string `json:"issuerId"`
	Type     string `json:"type"`
	BatchID  string `json:"batchId"`
	// Index is the credential's leaf index in its batch's Merkle tree.
	Index int `json:"index"`
	// Group lists the digests of every form of the same credential, this one included.
	Group      []string `json:"group"`
	AnchoredAt string   `json:"anchoredAt"`
	Status     string   `json:"status"`
	// Reason is the reason code of the last status change, if any.
	Reason    string `json:"reason,omitempty" metadata:",optional"`
	UpdatedAt string `json:"updatedAt"`
	TxID      string `json:"txId"`
}

// StatusChange is one entry of a digest's status history.
type StatusChange struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty" metadata:",optional"`
	At     string `json:"at"`
	TxID   string `json:"txId"`
}

// IssuerPage is one page of ListIssuers.
type IssuerPage struct {
	Issuers []Issuer `json:"issuers"`
	// Bookmark continues the listing; empty on the last page.
	Bookmark string `json:"bookmark,omitempty" metadata:",optional"`
}

// Event is the payload of every chaincode event (JSON).
type Event struct {
	IssuerID string `json:"issuerId,omitempty" metadata:",optional"`
	BatchID  string `json:"batchId,omitempty" metadata:",optional"`
	// Digests lists the digests whose status changed or that were anchored.
	Digests []string `json:"digests,omitempty" metadata:",optional"`
	Status  string   `json:"status,omitempty" metadata:",optional"`
	Reason  string   `json:"reason,omitempty" metadata:",optional"`
	// Size is the number of credentials a BatchAnchored event anchored (its
	// digests are not listed: a batch can hold thousands).
	Size int `json:"size,omitempty" metadata:",optional"`
}
