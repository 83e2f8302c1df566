package chaincode

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/merkle"
)

// maxAnchorRequestSize bounds the AnchorBatch argument: a full batch in
// compact JSON, where a digest takes at most 69 bytes (quoted, in brackets
// as a credential of its own, and a comma), plus ids and the root.
const maxAnchorRequestSize = record.MaxBatchDigests*69 + 4096

// batchCredentials is the record, written once at anchoring, that lists the
// digest groups of a batch in leaf order; RevokeBatch reads it.
type batchCredentials struct {
	Credentials [][]string `json:"credentials"`
}

// AnchorBatch anchors a batch of credentials (requestJSON is an
// AnchorRequest). The caller's organisation must own the issuer, which must
// be active, accredited for the batch's type now, and hold a key neither
// retired nor compromised. The contract recomputes the RFC 6962 root over
// the credentials and refuses a mismatch, a digest listed twice, a digest
// already anchored and a batch id already used. It writes the Batch, the
// batch's digest groups and one DigestStatus per digest, and no shared key,
// so concurrent batches never conflict.
func (c *Contract) AnchorBatch(ctx contractapi.TransactionContextInterface, requestJSON string) (*record.Batch, error) {
	t, err := c.begin(ctx)
	if err != nil {
		return nil, err
	}
	req, err := parseAnchorRequest(requestJSON)
	if err != nil {
		return nil, err
	}
	issuer, _, err := loadIssuer(t, req.IssuerID)
	if err != nil {
		return nil, err
	}
	if err := requireOwner(t, issuer, "anchoring credentials for"); err != nil {
		return nil, err
	}
	if err := issuer.CanAnchor(req.Type, t.now); err != nil {
		return nil, err
	}

	bKey, err := batchKey(t.stub, req.BatchID)
	if err != nil {
		return nil, err
	}
	var previous record.Batch
	found, err := getJSON(t.stub, bKey, &previous)
	if err != nil {
		return nil, err
	}
	if found {
		return nil, fmt.Errorf("batch id %q is already used (anchored by issuer %q at %s)", req.BatchID, previous.IssuerID, previous.AnchoredAt)
	}
	credKey, err := batchCredentialsKey(t.stub, req.BatchID)
	if err != nil {
		return nil, err
	}
	digestKeys, err := digestKeysOf(t, req.Credentials)
	if err != nil {
		return nil, err
	}
	if err := refuseAnchored(t, digestKeys); err != nil {
		return nil, err
	}

	batch, err := recordBatch(t, req, bKey, credKey, digestKeys)
	if err != nil {
		return nil, err
	}
	if err := emit(t.stub, record.EventBatchAnchored, record.Event{IssuerID: req.IssuerID, BatchID: req.BatchID, Size: batch.Size}); err != nil {
		return nil, err
	}
	return batch, nil
}

// recordBatch writes the Batch, its digest groups and one digestRecord per
// digest (digestKeys holds their keys in request order).
func recordBatch(t *txn, req *record.AnchorRequest, bKey, credKey string, digestKeys []string) (*record.Batch, error) {
	batch := record.Batch{
		BatchID:    req.BatchID,
		IssuerID:   req.IssuerID,
		Type:       req.Type,
		Root:       req.Root,
		Size:       len(req.Credentials),
		AnchoredAt: t.nowText,
		TxID:       t.id,
	}
	t.stub.StartWriteBatch()
	if err := putJSON(t.stub, bKey, batch); err != nil {
		return nil, err
	}
	if err := t.stub.PutState(credKey, appendBatchCredentials(nil, req.Credentials)); err != nil {
		return nil, fmt.Errorf("writing state %q: %w", printableKey(credKey), err)
	}
	// Every record goes into one buffer; each PutState gets its own
	// capacity-capped slice of it, never written again.
	size := 0
	for index, group := range req.Credentials {
		size += len(group) * anchoredRecordSize(req.BatchID, index, len(group))
	}
	buf := make([]byte, 0, size)
	k := 0
	for index, group := range req.Credentials {
		for self := range group {
			start := len(buf)
			buf = appendAnchoredRecord(buf, req.BatchID, index, group, self)
			if err := t.stub.PutState(digestKeys[k], buf[start:len(buf):len(buf)]); err != nil {
				return nil, fmt.Errorf("writing state %q: %w", printableKey(digestKeys[k]), err)
			}
			k++
		}
	}
	if err := t.stub.FinishWriteBatch(); err != nil {
		return nil, fmt.Errorf("writing batch %q: %w", req.BatchID, err)
	}
	return &batch, nil
}

// parseAnchorRequest decodes and checks an AnchorRequest: formats, limits,
// no digest twice, and a root equal to the RFC 6962 root the contract
// computes over the credentials (leaf data: the raw digests of a credential,
// concatenated in order).
func parseAnchorRequest(raw string) (*record.AnchorRequest, error) {
	if len(raw) > maxAnchorRequestSize {
		return nil, fmt.Errorf("anchor request is %d bytes, the limit is %d", len(raw), maxAnchorRequestSize)
	}
	req, ok := decodeCompactAnchorRequest(raw)
	if !ok {
		req = new(record.AnchorRequest)
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(req); err != nil {
			return nil, fmt.Errorf("anchor request is not a valid AnchorRequest JSON object: %w", err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, errors.New("anchor request has data after its JSON object")
		}
	}
	if err := record.ValidateBatchID(req.BatchID); err != nil {
		return nil, err
	}
	if err := record.ValidateIssuerID(req.IssuerID); err != nil {
		return nil, err
	}
	if err := record.ValidateCredentialType(req.Type); err != nil {
		return nil, err
	}
	if len(req.Credentials) == 0 {
		return nil, fmt.Errorf("batch %q has no credentials", req.BatchID)
	}
	total := 0
	for _, group := range req.Credentials {
		total += len(group)
	}
	if total > record.MaxBatchDigests {
		return nil, fmt.Errorf("batch %q has more than %d digests: split it", req.BatchID, record.MaxBatchDigests)
	}
	seen := make(map[string]int, total)
	root := merkle.NewRootBuilder()
	var decoded [record.MaxDigestsPerCredential][sha256.Size]byte
	forms := make([][]byte, 0, record.MaxDigestsPerCredential)
	for i, group := range req.Credentials {
		if len(group) == 0 || len(group) > record.MaxDigestsPerCredential {
			return nil, fmt.Errorf("batch %q credential %d has %d digests: want 1 to %d", req.BatchID, i, len(group), record.MaxDigestsPerCredential)
		}
		forms = forms[:0]
		for j, d := range group {
			if !decodeDigest(d, &decoded[j]) {
				err := record.ValidateDigest(d)
				return nil, fmt.Errorf("batch %q credential %d: %w", req.BatchID, i, err)
			}
			if first, dup := seen[d]; dup {
				return nil, fmt.Errorf("batch %q: digest %s appears twice (credentials %d and %d)", req.BatchID, d, first, i)
			}
			seen[d] = i
			forms = append(forms, decoded[j][:])
		}
		root.AppendLeaf(forms...)
	}
	if err := record.ValidateHexSHA256("root", req.Root); err != nil {
		return nil, fmt.Errorf("batch %q: %w", req.BatchID, err)
	}
	if computed := hex.EncodeToString(root.Root()); computed != req.Root {
		return nil, fmt.Errorf("batch %q: root %s does not match the RFC 6962 root %s of its %d credentials", req.BatchID, req.Root, computed, len(req.Credentials))
	}
	return req, nil
}

// hexValues maps a lowercase hex digit to its value, any other byte to
// 0xff.
var hexValues = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()

// decodeDigest decodes d into out if it is a digest as record.ValidateDigest
// accepts them (64 lowercase hex digits), checking and decoding in one
// pass; it reports whether it is.
func decodeDigest(d string, out *[sha256.Size]byte) bool {
	if len(d) != 2*sha256.Size {
		return false
	}
	var bad byte
	for k := range out {
		hi, lo := hexValues[d[2*k]], hexValues[d[2*k+1]]
		bad |= hi | lo
		out[k] = hi<<4 | lo&0x0f
	}
	return bad&0xf0 == 0
}

// digestKeysOf returns the state keys of every digest of credentials, in order.
func digestKeysOf(t *txn, credentials [][]string) ([]string, error) {
	n := 0
	for _, group := range credentials {
		n += len(group)
	}
	keys := make([]string, 0, n)
	for _, group := range credentials {
		for _, d := range group {
			k, err := digestKey(t.stub, d)
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// refuseAnchored fails if any of the digest keys already holds a record.
func refuseAnchored(t *txn, keys []string) error {
	values, err := t.stub.GetMultipleStates(keys...)
	if err != nil {
		return fmt.Errorf("reading digest records: %w", err)
	}
	if len(values) != len(keys) {
		return fmt.Errorf("reading digest records: asked for %d, got %d", len(keys), len(values))
	}
	for i, v := range values {
		if v == nil {
			continue
		}
		existing, err := decodeDigestRecord(keys[i], v)
		if err != nil {
			return err
		}
		digest := digestOfKey(keys[i])
		batch, err := anchoringBatch(t.stub, digest, existing)
		if err != nil {
			return err
		}
		return fmt.Errorf("digest %s is already anchored (batch %q of issuer %q)", digest, existing.BatchID, batch.IssuerID)
	}
	return nil
}

// GetBatch returns batch id.
func (c *Contract) GetBatch(ctx contractapi.TransactionContextInterface, id string) (*record.Batch, error) {
	if err := record.ValidateBatchID(id); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	key, err := batchKey(stub, id)
	if err != nil {
		return nil, err
	}
	var batch record.Batch
	found, err := getJSON(stub, key, &batch)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, record.NotFound("batch", id)
	}
	return &batch, nil
}
