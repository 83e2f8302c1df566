package verifier

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/merkle"
	"github.com/sceau/sceau/network"
)

// run is one verification in progress.
type run struct {
	v   *Verifier
	ctx context.Context
	now time.Time
	in  *credential.Decoded
	// req is what holder_binding asks of a presentation.
	req PresentationRequest

	// What the ledger said, looked up once.
	issuer    *issuerRecord
	issuerErr error
	statuses  []*record.DigestStatus // one per form
	statusErr []error
	batch     *record.Batch // the bundle's batch
	batchErr  error

	// signingKeys holds, once the signature check passed, the issuer key
	// each form verified with.
	signingKeys []*record.IssuerKey

	result Result
}

func (r *run) add(c Check) { r.result.Checks = append(r.result.Checks, c) }

func (r *run) pass(name, reason string) { r.add(Check{Name: name, OK: true, Reason: reason}) }

func (r *run) fail(name, reason string) { r.add(Check{Name: name, Reason: reason}) }

func (r *run) skip(name, reason string) { r.add(Check{Name: name, Skipped: true, Reason: reason}) }

// ledgerFailure records that check name could not get what it needs from
// the ledger: skipped if the ledger was unavailable, failed otherwise.
func (r *run) ledgerFailure(name, what string, err error) {
	if errors.Is(err, network.ErrUnavailable) {
		r.skip(name, fmt.Sprintf("could not be checked: the ledger is unavailable (%s: %v)", what, err))
		return
	}
	r.fail(name, fmt.Sprintf("the ledger could not answer for %s: %v", what, err))
}

// finish computes the verdict: invalid if a check failed, indeterminate if
// one could not run, valid otherwise.
func (r *run) finish() *Result {
	r.result.Verdict = Valid
	for _, c := range r.result.Checks {
		switch {
		case !c.OK && !c.Skipped:
			r.result.Verdict = Invalid
			return &r.result
		case c.Skipped:
			r.result.Verdict = Indeterminate
		}
	}
	return &r.result
}

// lookUp reads from the ledger what the checks need: the issuer, the
// status of every form's digest and, for a bundle, its batch.
func (r *run) lookUp() {
	cred := r.in.Credential()
	r.issuer, r.issuerErr = r.v.issuer(r.ctx, cred.IssuerID)
	for _, f := range r.in.Forms {
		s, err := r.v.ledger.GetStatus(r.ctx, f.Digest())
		r.statuses = append(r.statuses, s)
		r.statusErr = append(r.statusErr, err)
	}
	if r.in.Bundle != nil {
		r.batch, r.batchErr = r.v.ledger.GetBatch(r.ctx, r.in.Bundle.Anchor.Batch)
	}
}

// issuerKnown reports whether the issuer record is at hand; if not, it
// records check name as not run, and why.
func (r *run) issuerKnown(name string) bool {
	switch {
	case r.issuerErr == nil:
		return true
	case errors.Is(r.issuerErr, network.ErrUnavailable):
		r.ledgerFailure(name, "issuer "+r.in.Credential().IssuerID, r.issuerErr)
	default:
		r.skip(name, "not checked: the issuer is not known to the ledger")
	}
	return false
}

func (r *run) checkIssuer() {
	id := r.in.Credential().IssuerID
	switch {
	case errors.Is(r.issuerErr, network.ErrNotFound):
		r.fail(CheckIssuer, fmt.Sprintf("issuer %s is not registered on the ledger", id))
		return
	case r.issuerErr != nil:
		r.ledgerFailure(CheckIssuer, "issuer "+id, r.issuerErr)
		return
	}
	is := r.issuer
	switch is.Status {
	case record.IssuerActive:
		r.pass(CheckIssuer, fmt.Sprintf("issuer %s (%s) is registered and active", id, is.Name))
	case record.IssuerSuspended:
		r.fail(CheckIssuer, fmt.Sprintf("issuer %s (%s) is suspended (reason %s)", id, is.Name, is.StatusReason))
	case record.IssuerWithdrawn:
		r.fail(CheckIssuer, fmt.Sprintf("issuer %s (%s) was withdrawn (reason %s)", id, is.Name, is.StatusReason))
	case record.IssuerPending:
		r.fail(CheckIssuer, fmt.Sprintf("issuer %s (%s) is still pending accreditation", id, is.Name))
	default:
		r.fail(CheckIssuer, fmt.Sprintf("issuer %s (%s) has the unknown status %q", id, is.Name, is.Status))
	}
}

func (r *run) checkSignature() {
	if !r.issuerKnown(CheckSignature) {
		return
	}
	var keys []*record.IssuerKey
	var names, kids []string
	for _, f := range r.in.Forms {
		key, err := r.verifyForm(f)
		if err != nil {
			r.fail(CheckSignature, err.Error())
			return
		}
		keys = append(keys, key)
		names = append(names, f.Name())
		if !slices.Contains(kids, key.KID) {
			kids = append(kids, key.KID)
		}
	}
	r.signingKeys = keys
	if claims, err := shownClaims(r.in); err == nil {
		r.result.Claims = claims
	}
	signatures := "the " + names[0] + " signature verifies"
	if len(names) > 1 {
		signatures = "the " + strings.Join(names, " and ") + " signatures verify"
	}
	r.pass(CheckSignature, fmt.Sprintf("%s with key %s of issuer %s", signatures, strings.Join(kids, " and "), r.issuer.ID))
}

// verifyForm verifies f with the issuer's key its kid names and returns
// that key.
func (r *run) verifyForm(f credential.Form) (*record.IssuerKey, error) {
	id := r.issuer.ID
	var lastErr error
	found := false
	for i := range r.issuer.Keys {
		key := &r.issuer.Keys[i]
		if !f.NamesKey(key.KID) {
			continue
		}
		found = true
		pub, err := r.issuer.publicKey(i)
		if err != nil {
			lastErr = err
			continue
		}
		if err := f.Verify(pub); err != nil {
			lastErr = err
			continue
		}
		return key, nil
	}
	if !found {
		return nil, fmt.Errorf("%s: issuer %s has no key with kid %s on the ledger", f.Name(), id, f.KeyID())
	}
	return nil, lastErr
}

// issuedAt is the time the credential is judged at for accreditation: its
// anchoring time (ledger time) when known, else its validFrom.
func (r *run) issuedAt() (time.Time, string) {
	for _, s := range r.statuses {
		if s == nil {
			continue
		}
		if t, err := time.Parse(time.RFC3339, s.AnchoredAt); err == nil {
			return t, "anchored"
		}
	}
	return r.in.Credential().ValidFrom, "issued"
}

func (r *run) checkAccreditation() {
	if !r.issuerKnown(CheckAccreditation) {
		return
	}
	cred := r.in.Credential()
	at, what := r.issuedAt()
	i, inForce, err := r.issuer.AccreditationAt(record.CredentialType(cred.Type), at)
	switch {
	case err != nil:
		r.fail(CheckAccreditation, fmt.Sprintf("the ledger's record of issuer %s is unreadable: %v", cred.IssuerID, err))
		return
	case inForce && r.issuer.Accreditations[i].ValidUntil == "":
		a := r.issuer.Accreditations[i]
		r.pass(CheckAccreditation, fmt.Sprintf("issuer %s is accredited for %s since %s (credential %s %s)", cred.IssuerID, cred.Type, a.ValidFrom, what, formatTime(at)))
		return
	case inForce:
		a := r.issuer.Accreditations[i]
		r.pass(CheckAccreditation, fmt.Sprintf("issuer %s was accredited for %s from %s until %s (credential %s %s)", cred.IssuerID, cred.Type, a.ValidFrom, a.ValidUntil, what, formatTime(at)))
		return
	}
	r.fail(CheckAccreditation, fmt.Sprintf("issuer %s was not accredited for %s when the credential was %s (%s)", cred.IssuerID, cred.Type, what, formatTime(at)))
}

func (r *run) checkAnchor() {
	cred := r.in.Credential()
	for i, f := range r.in.Forms {
		s, err := r.statuses[i], r.statusErr[i]
		switch {
		case errors.Is(err, network.ErrNotFound):
			r.fail(CheckAnchor, fmt.Sprintf("the %s form (digest %s) is not anchored on the ledger", f.Name(), f.Digest()))
			return
		case err != nil:
			r.ledgerFailure(CheckAnchor, "the "+f.Name()+" digest "+f.Digest(), err)
			return
		case s.IssuerID != cred.IssuerID:
			r.fail(CheckAnchor, fmt.Sprintf("the %s form was anchored by issuer %s, not by %s", f.Name(), s.IssuerID, cred.IssuerID))
			return
		case string(s.Type) != cred.Type:
			r.fail(CheckAnchor, fmt.Sprintf("the %s form was anchored as a %s, not a %s", f.Name(), s.Type, cred.Type))
			return
		}
		for j, other := range r.in.Forms {
			if j != i && !slices.Contains(s.Group, other.Digest()) {
				r.fail(CheckAnchor, fmt.Sprintf("the %s and %s forms were not anchored as one credential", f.Name(), other.Name()))
				return
			}
		}
	}
	first := r.statuses[0]
	anchoredAt, err := record.ParseStoredTime("anchoredAt", first.AnchoredAt)
	if err != nil {
		r.fail(CheckAnchor, fmt.Sprintf("the ledger's anchoring time %q is not an RFC 3339 time", first.AnchoredAt))
		return
	}
	for _, key := range r.signingKeys {
		if err := key.CoversAnchoringAt(anchoredAt); err != nil {
			r.fail(CheckAnchor, err.Error())
			return
		}
	}
	if r.in.Bundle == nil {
		r.pass(CheckAnchor, fmt.Sprintf("anchored by issuer %s at %s in batch %s", cred.IssuerID, first.AnchoredAt, first.BatchID))
		return
	}
	batchID := r.in.Bundle.Anchor.Batch
	switch {
	case errors.Is(r.batchErr, network.ErrNotFound):
		r.fail(CheckAnchor, fmt.Sprintf("the bundle's batch %s is not on the ledger", batchID))
		return
	case r.batchErr != nil:
		r.ledgerFailure(CheckAnchor, "batch "+batchID, r.batchErr)
		return
	}
	if reason := r.inclusionProblem(first); reason != "" {
		r.fail(CheckAnchor, reason)
		return
	}
	r.pass(CheckAnchor, fmt.Sprintf("anchored by issuer %s at %s in batch %s; the bundle's Merkle proof leads to the batch root on the ledger", cred.IssuerID, first.AnchoredAt, first.BatchID))
}

// inclusionProblem checks the bundle's anchor against the ledger's batch
// and the credential's record s: same batch, index and root, and a Merkle
// inclusion proof of the credential's leaf. It returns what is wrong, or "".
func (r *run) inclusionProblem(s *record.DigestStatus) string {
	a := r.in.Bundle.Anchor
	switch {
	case s.BatchID != a.Batch:
		return fmt.Sprintf("the bundle names batch %s, the ledger anchored the credential in batch %s", a.Batch, s.BatchID)
	case s.Index != a.Index:
		return fmt.Sprintf("the bundle gives leaf index %d, the ledger %d", a.Index, s.Index)
	case r.batch.Root != a.Root:
		return fmt.Sprintf("the bundle's root %s is not the ledger's root %s of batch %s", a.Root, r.batch.Root, a.Batch)
	case r.batch.IssuerID != s.IssuerID:
		return fmt.Sprintf("batch %s belongs to issuer %s, not %s", a.Batch, r.batch.IssuerID, s.IssuerID)
	case a.Index < 0 || r.batch.Size <= a.Index:
		return fmt.Sprintf("leaf index %d is outside batch %s of %d credentials", a.Index, a.Batch, r.batch.Size)
	}
	digests := make([][]byte, len(s.Group))
	for i, d := range s.Group {
		raw, err := hex.DecodeString(d)
		if err != nil {
			return fmt.Sprintf("the ledger's digest %q is not hex", d)
		}
		digests[i] = raw
	}
	root, err := hex.DecodeString(r.batch.Root)
	if err != nil {
		return fmt.Sprintf("the ledger's root %q of batch %s is not hex", r.batch.Root, a.Batch)
	}
	proof := make([][]byte, len(a.Proof))
	for i, h := range a.Proof {
		if proof[i], err = hex.DecodeString(h); err != nil {
			return fmt.Sprintf("proof hash %d %q is not hex", i, h)
		}
	}
	leaf := merkle.LeafHash(merkle.LeafData(digests))
	if err := merkle.VerifyInclusion(uint64(a.Index), uint64(r.batch.Size), leaf, root, proof); err != nil {
		return fmt.Sprintf("the bundle's Merkle inclusion proof does not lead to the root of batch %s: %v", a.Batch, err)
	}
	return ""
}

func (r *run) checkStatus() {
	for i, f := range r.in.Forms {
		s, err := r.statuses[i], r.statusErr[i]
		switch {
		case errors.Is(err, network.ErrNotFound):
			r.skip(CheckStatus, "not checked: the credential is not anchored, so it has no status")
			return
		case err != nil:
			r.ledgerFailure(CheckStatus, "the "+f.Name()+" digest "+f.Digest(), err)
			return
		}
		switch s.Status {
		case record.StatusActive:
		case record.StatusRevoked, record.StatusSuspended:
			r.fail(CheckStatus, fmt.Sprintf("%s (reason %s, %s)", s.Status, s.Reason, dateOf(s.UpdatedAt)))
			return
		default:
			r.fail(CheckStatus, fmt.Sprintf("the ledger gives the unknown status %q", s.Status))
			return
		}
	}
	r.pass(CheckStatus, "active: neither revoked nor suspended")
}

func (r *run) checkValidity() {
	c := r.in.Credential()
	switch {
	case r.now.Before(c.ValidFrom):
		r.fail(CheckValidity, fmt.Sprintf("not valid before %s", formatTime(c.ValidFrom)))
	case !c.ValidUntil.IsZero() && !r.now.Before(c.ValidUntil):
		r.fail(CheckValidity, fmt.Sprintf("expired on %s", formatTime(c.ValidUntil)))
	case c.ValidUntil.IsZero():
		r.pass(CheckValidity, fmt.Sprintf("valid since %s, with no end date", formatTime(c.ValidFrom)))
	default:
		r.pass(CheckValidity, fmt.Sprintf("valid from %s until %s", formatTime(c.ValidFrom), formatTime(c.ValidUntil)))
	}
}

func (r *run) checkSchema() {
	if s := r.in.Presentation(); s != nil {
		r.checkDisclosedSchema(s)
		return
	}
	c := r.in.Credential()
	if c.Subject != nil && c.Subject.CredentialType() == c.Type && r.v.validator.Conforms(c.Subject) {
		r.pass(CheckSchema, fmt.Sprintf("the credential subject is a valid %s", c.Type))
		return
	}
	// The JSON Schema decides the subjects the fast check rejects, and
	// says why.
	subject, err := c.SubjectJSON()
	if err != nil {
		r.fail(CheckSchema, err.Error())
		return
	}
	if err := r.v.validator.Validate(c.Type, subject); err != nil {
		r.fail(CheckSchema, err.Error())
		return
	}
	r.pass(CheckSchema, fmt.Sprintf("the credential subject is a valid %s", c.Type))
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// dateOf returns the date part of an RFC 3339 time, or the text as is.
func dateOf(s string) string {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format(time.DateOnly)
	}
	return s
}
