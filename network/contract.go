package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/sceau/sceau/chaincode/record"
)

// Contract is a typed client of the Sceau chaincode.
type Contract struct {
	Ledger Ledger
}

// NewContract returns a typed client over ledger.
func NewContract(ledger Ledger) *Contract { return &Contract{Ledger: ledger} }

func (c *Contract) submit(ctx context.Context, org, fn string, out any, args ...string) error {
	res, err := c.Ledger.Submit(ctx, org, fn, args...)
	return decodeResult(fn, res, err, out)
}

func (c *Contract) evaluate(ctx context.Context, fn string, out any, args ...string) error {
	res, err := c.Ledger.Evaluate(ctx, "", fn, args...)
	return decodeResult(fn, res, err, out)
}

func decodeResult(fn string, res []byte, err error, out any) error {
	if err != nil {
		var ce *ContractError
		if errors.As(err, &ce) && strings.Contains(ce.Message, record.NotFoundPrefix) {
			return fmt.Errorf("%w: %s", ErrNotFound, strings.TrimPrefix(ce.Message[strings.Index(ce.Message, record.NotFoundPrefix):], record.NotFoundPrefix))
		}
		return err
	}
	if out == nil || len(res) == 0 {
		return nil
	}
	// The chaincode answers with encoding/json's output, which this
	// decoder reads as encoding/json does (FuzzDecodeResult) in a third of
	// the time and allocations: a verifier decodes a status per credential.
	if err := jsonv2.Unmarshal(res, out); err != nil {
		return fmt.Errorf("%s: decoding the contract's answer: %w", fn, err)
	}
	return nil
}

// RegisterIssuer registers issuer id, bound to org's MSP, with its first public key (JWK JSON).
func (c *Contract) RegisterIssuer(ctx context.Context, org, id, name, publicJWK string) error {
	return c.submit(ctx, org, "RegisterIssuer", nil, id, name, publicJWK)
}

// AccreditIssuer accredits issuer id for types until validUntil (RFC 3339,
// empty for open-ended). Governance only.
func (c *Contract) AccreditIssuer(ctx context.Context, org, id string, types []record.CredentialType, validUntil string) error {
	typesJSON, _ := json.Marshal(types)
	return c.submit(ctx, org, "AccreditIssuer", nil, id, string(typesJSON), validUntil)
}

// SuspendIssuer suspends issuer id with a reason code. Governance only.
func (c *Contract) SuspendIssuer(ctx context.Context, org, id string, reason record.ReasonCode) error {
	return c.submit(ctx, org, "SuspendIssuer", nil, id, string(reason))
}

// ReinstateIssuer lifts a suspension. Governance only.
func (c *Contract) ReinstateIssuer(ctx context.Context, org, id string) error {
	return c.submit(ctx, org, "ReinstateIssuer", nil, id)
}

// WithdrawIssuer withdraws issuer id for good. Governance only.
func (c *Contract) WithdrawIssuer(ctx context.Context, org, id string, reason record.ReasonCode) error {
	return c.submit(ctx, org, "WithdrawIssuer", nil, id, string(reason))
}

// RotateIssuerKey registers a new public key for issuer id and retires its
// current keys. The issuer's own org only.
func (c *Contract) RotateIssuerKey(ctx context.Context, org, id, publicJWK string) error {
	return c.submit(ctx, org, "RotateIssuerKey", nil, id, publicJWK)
}

// CompromiseIssuerKey marks key kid of issuer id compromised since the given
// RFC 3339 time. The issuer's own org or governance.
func (c *Contract) CompromiseIssuerKey(ctx context.Context, org, id, kid, since string) error {
	return c.submit(ctx, org, "CompromiseIssuerKey", nil, id, kid, since)
}

// GetIssuer returns issuer id (wrapping ErrNotFound when absent).
func (c *Contract) GetIssuer(ctx context.Context, id string) (*record.Issuer, error) {
	var is record.Issuer
	if err := c.evaluate(ctx, "GetIssuer", &is, id); err != nil {
		return nil, err
	}
	return &is, nil
}

// ListIssuers returns one page of issuers, sorted by id.
func (c *Contract) ListIssuers(ctx context.Context, pageSize int, bookmark string) (*record.IssuerPage, error) {
	var page record.IssuerPage
	if err := c.evaluate(ctx, "ListIssuers", &page, strconv.Itoa(pageSize), bookmark); err != nil {
		return nil, err
	}
	return &page, nil
}

// AnchorBatch anchors a batch of credential digests, submitted by org.
func (c *Contract) AnchorBatch(ctx context.Context, org string, req record.AnchorRequest) (*record.Batch, error) {
	body, err := marshalAnchorRequest(&req)
	if err != nil {
		return nil, err
	}
	var b record.Batch
	if err := c.submit(ctx, org, "AnchorBatch", &b, body); err != nil {
		return nil, err
	}
	return &b, nil
}

// marshalAnchorRequest returns the JSON that encoding/json's Marshal writes
// for req. A request of plain strings (printable ASCII that JSON does not
// escape: hex digests, batch and issuer ids), every credential listed, is
// written directly, a batch's thousands of digests without reflection nor
// escaping checks; anything else goes through encoding/json.
func marshalAnchorRequest(req *record.AnchorRequest) (string, error) {
	plain := req.Credentials != nil && isPlainJSON(req.BatchID) && isPlainJSON(req.IssuerID) && isPlainJSON(string(req.Type)) && isPlainJSON(req.Root)
	size := len(`{"batchId":"","issuerId":"","type":"","credentials":[],"root":""}`) + len(req.BatchID) + len(req.IssuerID) + len(req.Type) + len(req.Root)
	for _, group := range req.Credentials {
		if !plain {
			break
		}
		plain = group != nil
		size += 3
		for _, d := range group {
			plain = plain && isPlainJSON(d)
			size += len(d) + 3
		}
	}
	if !plain {
		body, err := json.Marshal(req)
		return string(body), err
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(`{"batchId":"`)
	b.WriteString(req.BatchID)
	b.WriteString(`","issuerId":"`)
	b.WriteString(req.IssuerID)
	b.WriteString(`","type":"`)
	b.WriteString(string(req.Type))
	b.WriteString(`","credentials":[`)
	for i, group := range req.Credentials {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j, d := range group {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(d)
			b.WriteByte('"')
		}
		b.WriteByte(']')
	}
	b.WriteString(`],"root":"`)
	b.WriteString(req.Root)
	b.WriteString(`"}`)
	return b.String(), nil
}

// isPlainJSON reports whether encoding/json writes s as it is between
// quotes: printable ASCII other than '"', '\' and the HTML characters
// '<', '>' and '&' it escapes.
func isPlainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// GetBatch returns batch id.
func (c *Contract) GetBatch(ctx context.Context, id string) (*record.Batch, error) {
	var b record.Batch
	if err := c.evaluate(ctx, "GetBatch", &b, id); err != nil {
		return nil, err
	}
	return &b, nil
}

// GetStatus returns the status of an anchored digest (hex SHA-256).
func (c *Contract) GetStatus(ctx context.Context, digest string) (*record.DigestStatus, error) {
	var s record.DigestStatus
	if err := c.evaluate(ctx, "GetStatus", &s, digest); err != nil {
		return nil, err
	}
	return &s, nil
}

// GetStatusHistory returns every status change of a digest, oldest first.
func (c *Contract) GetStatusHistory(ctx context.Context, digest string) ([]record.StatusChange, error) {
	var h []record.StatusChange
	if err := c.evaluate(ctx, "GetStatusHistory", &h, digest); err != nil {
		return nil, err
	}
	return h, nil
}

// Revoke revokes, for good, the credential that digest belongs to (every form of it).
func (c *Contract) Revoke(ctx context.Context, org, digest string, reason record.ReasonCode) error {
	return c.submit(ctx, org, "Revoke", nil, digest, string(reason))
}

// Suspend suspends the credential that digest belongs to.
func (c *Contract) Suspend(ctx context.Context, org, digest string, reason record.ReasonCode) error {
	return c.submit(ctx, org, "Suspend", nil, digest, string(reason))
}

// Reinstate makes a suspended credential active again.
func (c *Contract) Reinstate(ctx context.Context, org, digest string) error {
	return c.submit(ctx, org, "Reinstate", nil, digest)
}

// RevokeBatch revokes every credential of a batch.
func (c *Contract) RevokeBatch(ctx context.Context, org, batchID string, reason record.ReasonCode) error {
	return c.submit(ctx, org, "RevokeBatch", nil, batchID, string(reason))
}

// CheckpointStatusLists anchors the digests of the status lists issuer id
// published, submitted by org.
func (c *Contract) CheckpointStatusLists(ctx context.Context, org, id string, lists []record.StatusListDigest) (*record.StatusCheckpoint, error) {
	body, err := json.Marshal(lists)
	if err != nil {
		return nil, err
	}
	var cp record.StatusCheckpoint
	if err := c.submit(ctx, org, "CheckpointStatusLists", &cp, id, string(body)); err != nil {
		return nil, err
	}
	return &cp, nil
}

// GetStatusCheckpoint returns the last status list checkpoint of issuer id.
func (c *Contract) GetStatusCheckpoint(ctx context.Context, id string) (*record.StatusCheckpoint, error) {
	var cp record.StatusCheckpoint
	if err := c.evaluate(ctx, "GetStatusCheckpoint", &cp, id); err != nil {
		return nil, err
	}
	return &cp, nil
}
