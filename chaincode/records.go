package chaincode

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/sceau/sceau/chaincode/record"
)

// digestRecord is the stored form of an anchored digest, under its digest
// key (see keys.go). It is compact JSON that does not repeat what the
// batch record already holds (issuer, type, anchoring time and
// transaction), nor the digest itself, which its key holds, so that
// anchoring writes as little as possible per digest. GetStatus rebuilds the
// full DigestStatus from it and its batch record.
//
// Anchoring writes the batch, the credential's leaf index and, for a
// credential of several forms, its group: the digests of every form of the
// credential, in request order, with "" standing for this digest itself.
// The record of the second form of a credential of three forms:
//
//	{"batch":"bac-2026-lyon-1","index":42,"group":["<hex>","","<hex>"]}
//
// and of a credential of a single form, whose group is the digest alone:
//
//	{"batch":"bac-2026-lyon-1","index":43}
//
// A record without "status" is a digest as anchored: active since its
// batch's anchoredAt, by its batch's transaction. A status change
// (Suspend, Reinstate, Revoke, RevokeBatch) rewrites the record with the
// new status, its reason code (omitted when none), and the time and
// transaction of the change:
//
//	{"batch":"bac-2026-lyon-1","index":43,"status":"revoked","reason":"fraud","updatedAt":"2026-07-04T10:00:00Z","txId":"<txid>"}
type digestRecord struct {
	BatchID string `json:"batch"`
	Index   int    `json:"index"`
	// Group holds "" where the digest itself stands, and is empty for a
	// credential of a single form (see group).
	Group []string `json:"group,omitempty"`
	// Status, Reason, UpdatedAt and TxID are those of the last status
	// change; all empty until the first one.
	Status    record.CredentialStatus `json:"status,omitempty"`
	Reason    record.ReasonCode       `json:"reason,omitempty"`
	UpdatedAt string                  `json:"updatedAt,omitempty"`
	TxID      string                  `json:"txId,omitempty"`
}

// selfInGroup stands for the digest itself in its stored group.
const selfInGroup = ""

func countSelf(group []string) int {
	n := 0
	for _, d := range group {
		if d == selfInGroup {
			n++
		}
	}
	return n
}

// group returns the digests of every form of the credential of digest,
// whose record r is.
func (r *digestRecord) group(digest string) []string {
	if len(r.Group) == 0 {
		return []string{digest}
	}
	group := make([]string, len(r.Group))
	for i, d := range r.Group {
		if d == selfInGroup {
			d = digest
		}
		group[i] = d
	}
	return group
}

// anchoredRecordSize is the length of the record appendAnchoredRecord
// writes for a digest of a credential of groupSize digests in batch batchID
// at leaf index.
func anchoredRecordSize(batchID string, index, groupSize int) int {
	size := len(`{"batch":"","index":}`) + len(batchID) + decimalLength(index)
	if groupSize > 1 {
		// ,"group":["…","",…]: groupSize-1 digests, groupSize pairs of
		// quotes, groupSize-1 commas.
		size += len(`,"group":[]`) + (groupSize-1)*64 + groupSize*2 + groupSize - 1
	}
	return size
}

func decimalLength(n int) int {
	l := 1
	for ; n >= 10; n /= 10 {
		l++
	}
	return l
}

// appendAnchoredRecord appends the record of a freshly anchored digest,
// group[self], to buf: exactly what encoding/json writes for the
// digestRecord of batchID, index and group as the record of group[self]
// stores it. It writes strings unescaped, which is correct only for
// what parseAnchorRequest lets through (batch ids of [A-Za-z0-9._:-],
// lowercase hex digests, no digest twice) and a non-negative index.
func appendAnchoredRecord(buf []byte, batchID string, index int, group []string, self int) []byte {
	buf = append(buf, `{"batch":"`...)
	buf = append(buf, batchID...)
	buf = append(buf, `","index":`...)
	buf = strconv.AppendInt(buf, int64(index), 10)
	if len(group) == 1 {
		return append(buf, '}')
	}
	buf = append(buf, `,"group":[`...)
	for i, d := range group {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		if i != self {
			buf = append(buf, d...)
		}
		buf = append(buf, '"')
	}
	return append(buf, "]}"...)
}

// appendBatchCredentials appends to buf the batchCredentials record of
// credentials: exactly what encoding/json writes for it, strings
// unescaped, which is correct only for what parseAnchorRequest lets
// through (lowercase hex digests, at least one credential, each with at
// least one digest).
func appendBatchCredentials(buf []byte, credentials [][]string) []byte {
	size := len(`{"credentials":[]}`)
	for _, group := range credentials {
		size += 3 + len(group)*3
		for _, d := range group {
			size += len(d)
		}
	}
	buf = slices.Grow(buf, size)
	buf = append(buf, `{"credentials":[`...)
	for i, group := range credentials {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		for j, d := range group {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '"')
			buf = append(buf, d...)
			buf = append(buf, '"')
		}
		buf = append(buf, ']')
	}
	return append(buf, "]}"...)
}

// decodeDigestRecord decodes the record stored under key and checks that it
// names a batch and a group.
func decodeDigestRecord(key string, raw []byte) (*digestRecord, error) {
	var rec digestRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("decoding state %q: %w", printableKey(key), err)
	}
	if rec.BatchID == "" || rec.Index < 0 {
		return nil, fmt.Errorf("decoding state %q: a digest record needs a batch and a leaf index", printableKey(key))
	}
	if n := countSelf(rec.Group); len(rec.Group) > 0 && n != 1 {
		return nil, fmt.Errorf("decoding state %q: the group of a digest record must hold the digest itself (\"\") once, not %d times", printableKey(key), n)
	}
	return &rec, nil
}

// currentStatus is the record's status: active until a change says otherwise.
func (r *digestRecord) currentStatus() record.CredentialStatus {
	if r.Status == "" {
		return record.StatusActive
	}
	return r.Status
}

// view is the DigestStatus of digest, whose record is r and whose batch
// record is batch.
func (r *digestRecord) view(digest string, batch *record.Batch) *record.DigestStatus {
	s := &record.DigestStatus{
		Digest:     digest,
		IssuerID:   batch.IssuerID,
		Type:       batch.Type,
		BatchID:    r.BatchID,
		Index:      r.Index,
		Group:      r.group(digest),
		AnchoredAt: batch.AnchoredAt,
		Status:     record.StatusActive,
		UpdatedAt:  batch.AnchoredAt,
		TxID:       batch.TxID,
	}
	if r.Status != "" {
		s.Status, s.Reason, s.UpdatedAt, s.TxID = r.Status, r.Reason, r.UpdatedAt, r.TxID
	}
	return s
}

// change is the StatusChange the record stands for, written by transaction
// txID (the anchoring one when the record has no status).
func (r *digestRecord) change(batch *record.Batch, txID string) record.StatusChange {
	if r.Status == "" {
		return record.StatusChange{Status: record.StatusActive, At: batch.AnchoredAt, TxID: txID}
	}
	return record.StatusChange{Status: r.Status, Reason: r.Reason, At: r.UpdatedAt, TxID: txID}
}

// errBatchMissing is wrapped when a digest record names a batch the ledger
// does not hold, which the contract never writes.
var errBatchMissing = errors.New("the ledger holds no record of that batch")

// anchoringBatch reads the batch record that the record of digest names.
func anchoringBatch(stub shim.ChaincodeStubInterface, digest string, rec *digestRecord) (*record.Batch, error) {
	key, err := batchKey(stub, rec.BatchID)
	if err != nil {
		return nil, err
	}
	var batch record.Batch
	found, err := getJSON(stub, key, &batch)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("digest %s was anchored in batch %q: %w", digest, rec.BatchID, errBatchMissing)
	}
	return &batch, nil
}
