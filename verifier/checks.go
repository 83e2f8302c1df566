package verifier

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
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
	// listStatus and listErr are the credential's status from its lists,
	// when the verifier reads them (Options.StatusLists).
	listStatus *ListStatus
	listErr    error
	statusErr  []error
	batch      *record.Batch // the bundle's batch
	batchErr   error

	// signingKeys holds, once the signature check passed, the issuer key
	// each form verified with.
	signingKeys []*record.IssuerKey

	result Result
	// summary is the verdict's summary, given by the first failure.
	summary *message
}

// add records check name's outcome, explained by m.
func (r *run) add(name string, ok, skipped bool, m message) {
	r.result.Checks = append(r.result.Checks, Check{Name: name, OK: ok, Skipped: skipped, Reason: m.in(English), detail: &m})
}

func (r *run) pass(name string, m message) { r.add(name, true, false, m) }

func (r *run) skip(name string, m message) { r.add(name, false, true, m) }

// fail records that check name failed, for reason why, saying it with the
// reason's own summary.
func (r *run) fail(name string, why Reason, m message) { r.failSaying(name, why, summaryOf(why), m) }

// failSaying records that check name failed, for reason why; the first
// failure decides the verdict's reason and summary.
func (r *run) failSaying(name string, why Reason, summary, m message) {
	if r.result.Reason == "" {
		r.result.Reason, r.summary = why, &summary
	}
	r.add(name, false, false, m)
}

// ledgerFailure records that check name could not get what it needs from
// the ledger (about says what): skipped if the ledger was unavailable,
// failed otherwise.
func (r *run) ledgerFailure(name string, about message, err error) {
	if errors.Is(err, network.ErrUnavailable) {
		r.skip(name, say(msgLedgerUnavailable, about, err))
		return
	}
	r.fail(name, ReasonLedgerError, say(msgLedgerFailed, about, err))
}

// finish computes the verdict: invalid if a check failed, indeterminate if
// one could not run, valid otherwise; and its reason and summary.
func (r *run) finish() *Result {
	r.result.Verdict = Valid
	for _, c := range r.result.Checks {
		switch {
		case !c.OK && !c.Skipped:
			r.result.Verdict = Invalid
		case c.Skipped && r.result.Verdict == Valid:
			r.result.Verdict = Indeterminate
		}
	}
	switch r.result.Verdict {
	case Valid:
		r.result.Reason, r.summary = "", nil
	case Indeterminate:
		r.fallBackOn(ReasonLedgerUnavailable)
	case Invalid:
		r.fallBackOn(ReasonLedgerError) // every failure gives its reason: never used
	}
	if r.summary != nil {
		r.result.Summary = r.summary.in(English)
		r.result.summary = r.summary
	}
	return &r.result
}

// fallBackOn gives the verdict reason why when no failure gave one.
func (r *run) fallBackOn(why Reason) {
	if r.result.Reason == "" {
		m := summaryOf(why)
		r.result.Reason, r.summary = why, &m
	}
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
	if ref := cred.StatusReference(); r.v.lists != nil && ref != nil {
		if r.issuerErr != nil {
			r.listErr = r.issuerErr
		} else {
			r.listStatus, r.listErr = r.v.lists.ListStatus(r.ctx, r.issuer.Issuer, ref)
		}
	}
}

// checkListStatus judges the status the credential's lists give.
func (r *run) checkListStatus() {
	if r.listErr != nil {
		r.ledgerFailure(CheckStatus, say(msgAboutList), r.listErr)
		return
	}
	s := r.listStatus
	switch s.Status {
	case record.StatusRevoked:
		r.failSaying(CheckStatus, ReasonRevoked, say(msgSumListRevoked, longTime(s.AsOf)), say(msgListRevoked, timeArg(s.AsOf), s.Block, s.URI))
	case record.StatusSuspended:
		r.failSaying(CheckStatus, ReasonSuspended, say(msgSumListSuspended, longTime(s.AsOf)), say(msgListSuspended, timeArg(s.AsOf), s.Block, s.URI))
	default:
		r.pass(CheckStatus, say(msgListActive, timeArg(s.AsOf), s.Block, s.URI))
	}
}

// issuerKnown reports whether the issuer record is at hand; if not, it
// records check name as not run, and why.
func (r *run) issuerKnown(name string) bool {
	switch {
	case r.issuerErr == nil:
		return true
	case errors.Is(r.issuerErr, network.ErrUnavailable):
		r.ledgerFailure(name, say(msgAboutIssuer, r.in.Credential().IssuerID), r.issuerErr)
	default:
		r.skip(name, say(msgIssuerNotKnown))
	}
	return false
}

func (r *run) checkIssuer() {
	id := r.in.Credential().IssuerID
	switch {
	case errors.Is(r.issuerErr, network.ErrNotFound):
		r.failSaying(CheckIssuer, ReasonUnknownIssuer, say(msgSumUnknownIssuer, id), say(msgIssuerNotRegistered, id))
		return
	case r.issuerErr != nil:
		r.ledgerFailure(CheckIssuer, say(msgAboutIssuer, id), r.issuerErr)
		return
	}
	is := r.issuer
	switch is.Status {
	case record.IssuerActive:
		r.pass(CheckIssuer, say(msgIssuerActive, id, is.Name))
	case record.IssuerSuspended:
		r.failSaying(CheckIssuer, ReasonIssuerSuspended, say(msgSumIssuerSuspended, statusReason(is.StatusReason)),
			say(msgIssuerSuspended, id, is.Name, statusReason(is.StatusReason)))
	case record.IssuerWithdrawn:
		r.failSaying(CheckIssuer, ReasonIssuerWithdrawn, say(msgSumIssuerWithdrawn, statusReason(is.StatusReason)),
			say(msgIssuerWithdrawn, id, is.Name, statusReason(is.StatusReason)))
	case record.IssuerPending:
		r.failSaying(CheckIssuer, ReasonNotAccredited, say(msgSumPending), say(msgIssuerPending, id, is.Name))
	default:
		r.fail(CheckIssuer, ReasonLedgerError, say(msgIssuerStatusUnknown, id, is.Name, is.Status))
	}
}

func (r *run) checkSignature() {
	if !r.issuerKnown(CheckSignature) {
		return
	}
	var keys []*record.IssuerKey
	var names, kids []string
	for _, f := range r.in.Forms {
		key, problem := r.verifyForm(f)
		if problem != nil {
			r.failSaying(CheckSignature, problem.why, problem.summary, problem.msg)
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
	if len(names) > 1 {
		r.pass(CheckSignature, say(msgSignaturesVerify, andList(names), andList(kids), r.issuer.ID))
		return
	}
	r.pass(CheckSignature, say(msgSignatureVerifies, names[0], andList(kids), r.issuer.ID))
}

// failure is why a check failed: its reason, the verdict's summary if it
// decides the verdict, and the check's own explanation.
type failure struct {
	why     Reason
	summary message
	msg     message
}

// verifyForm verifies f with the issuer's key its kid names and returns
// that key, or why it does not verify.
func (r *run) verifyForm(f credential.Form) (*record.IssuerKey, *failure) {
	id := r.issuer.ID
	var last *failure
	found := false
	for i := range r.issuer.Keys {
		key := &r.issuer.Keys[i]
		if !f.NamesKey(key.KID) {
			continue
		}
		found = true
		pub, err := r.issuer.publicKey(i)
		if err != nil {
			last = &failure{ReasonLedgerError, summaryOf(ReasonLedgerError), say(msgIssuerKeyUnusable, key.KID, err)}
			continue
		}
		if err := f.Verify(pub); err != nil {
			m := say(msgSignatureRefused, err)
			if errors.Is(err, credential.ErrBadSignature) {
				m = say(msgSignatureMismatch, err, f.Name(), key.KID)
			}
			last = &failure{ReasonAltered, say(msgSumAlteredSig), m}
			continue
		}
		return key, nil
	}
	if !found {
		return nil, &failure{ReasonAltered, say(msgSumAlteredSig), say(msgNoKeyWithKID, f.Name(), id, f.KeyID())}
	}
	return nil, last
}

// issuedAt is the time the credential is judged at for accreditation: its
// anchoring time (ledger time) when known, else its validFrom; and which
// of the two it is.
func (r *run) issuedAt() (time.Time, message) {
	for _, s := range r.statuses {
		if s == nil {
			continue
		}
		if t, err := time.Parse(time.RFC3339, s.AnchoredAt); err == nil {
			return t, say(msgWhenAnchored)
		}
	}
	return r.in.Credential().ValidFrom, say(msgWhenIssued)
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
		r.fail(CheckAccreditation, ReasonLedgerError, say(msgIssuerRecordBroken, cred.IssuerID, err))
		return
	case inForce && r.issuer.Accreditations[i].ValidUntil == "":
		a := r.issuer.Accreditations[i]
		r.pass(CheckAccreditation, say(msgAccreditedSince, cred.IssuerID, cred.Type, storedTime(a.ValidFrom), what, timeArg(at)))
		return
	case inForce:
		a := r.issuer.Accreditations[i]
		r.pass(CheckAccreditation, say(msgAccreditedFromUntil, cred.IssuerID, cred.Type, storedTime(a.ValidFrom), storedTime(a.ValidUntil), what, timeArg(at)))
		return
	}
	r.fail(CheckAccreditation, ReasonNotAccredited, say(msgNotAccredited, cred.IssuerID, cred.Type, what, timeArg(at)))
}

func (r *run) checkAnchor() {
	cred := r.in.Credential()
	for i, f := range r.in.Forms {
		s, err := r.statuses[i], r.statusErr[i]
		switch {
		case errors.Is(err, network.ErrNotFound):
			r.fail(CheckAnchor, ReasonNotAnchored, say(msgFormNotAnchored, f.Name(), f.Digest()))
			return
		case err != nil:
			r.ledgerFailure(CheckAnchor, say(msgAboutDigest, f.Name(), f.Digest()), err)
			return
		case s.IssuerID != cred.IssuerID:
			r.fail(CheckAnchor, ReasonAltered, say(msgAnchoredByOther, f.Name(), s.IssuerID, cred.IssuerID))
			return
		case string(s.Type) != cred.Type:
			r.fail(CheckAnchor, ReasonAltered, say(msgAnchoredAsOther, f.Name(), s.Type, cred.Type))
			return
		}
		for j, other := range r.in.Forms {
			if j != i && !slices.Contains(s.Group, other.Digest()) {
				r.fail(CheckAnchor, ReasonAltered, say(msgNotOneCredential, f.Name(), other.Name()))
				return
			}
		}
	}
	first := r.statuses[0]
	anchoredAt, err := record.ParseStoredTime("anchoredAt", first.AnchoredAt)
	if err != nil {
		r.fail(CheckAnchor, ReasonLedgerError, say(msgAnchorTimeUnreadable, first.AnchoredAt))
		return
	}
	for _, key := range r.signingKeys {
		err := key.CoversAnchoringAt(anchoredAt)
		var kc *record.KeyCoverageError
		switch {
		case errors.As(err, &kc) && kc.Compromised:
			r.fail(CheckAnchor, ReasonKeyCompromised, say(msgKeyCompromised, err, timeArg(kc.AnchoredAt), kc.KID, storedTime(kc.Since)))
			return
		case errors.As(err, &kc):
			r.fail(CheckAnchor, ReasonKeyRetired, say(msgKeyRetired, err, timeArg(kc.AnchoredAt), kc.KID, storedTime(kc.Since)))
			return
		case err != nil: // CoversAnchoringAt says why with a KeyCoverageError
			r.fail(CheckAnchor, ReasonLedgerError, say(msgKeyNotCovering, err))
			return
		}
	}
	if r.in.Bundle == nil {
		r.pass(CheckAnchor, say(msgAnchored, cred.IssuerID, storedTime(first.AnchoredAt), first.BatchID))
		return
	}
	batchID := r.in.Bundle.Anchor.Batch
	switch {
	case errors.Is(r.batchErr, network.ErrNotFound):
		r.fail(CheckAnchor, ReasonAltered, say(msgBatchNotOnLedger, batchID))
		return
	case r.batchErr != nil:
		r.ledgerFailure(CheckAnchor, say(msgAboutBatch, batchID), r.batchErr)
		return
	}
	if problem := r.inclusionProblem(first); problem != nil {
		r.fail(CheckAnchor, problem.why, problem.msg)
		return
	}
	r.pass(CheckAnchor, say(msgAnchoredWithProof, cred.IssuerID, storedTime(first.AnchoredAt), first.BatchID))
}

// inclusionProblem checks the bundle's anchor against the ledger's batch
// and the credential's record s: same batch, index and root, and a Merkle
// inclusion proof of the credential's leaf. It returns what is wrong, or
// nil.
func (r *run) inclusionProblem(s *record.DigestStatus) *failure {
	altered := func(m message) *failure { return &failure{why: ReasonAltered, msg: m} }
	a := r.in.Bundle.Anchor
	switch {
	case s.BatchID != a.Batch:
		return altered(say(msgProofOtherBatch, a.Batch, s.BatchID))
	case s.Index != a.Index:
		return altered(say(msgProofOtherIndex, a.Index, s.Index))
	case r.batch.Root != a.Root:
		return altered(say(msgProofOtherRoot, a.Root, r.batch.Root, a.Batch))
	case r.batch.IssuerID != s.IssuerID:
		return altered(say(msgBatchOfOtherIssuer, a.Batch, r.batch.IssuerID, s.IssuerID))
	case a.Index < 0 || r.batch.Size <= a.Index:
		return altered(say(msgProofIndexOutside, a.Index, a.Batch, r.batch.Size))
	}
	digests := make([][]byte, len(s.Group))
	for i, d := range s.Group {
		raw, err := hex.DecodeString(d)
		if err != nil {
			return &failure{why: ReasonLedgerError, msg: say(msgLedgerDigestNotHex, d)}
		}
		digests[i] = raw
	}
	root, err := hex.DecodeString(r.batch.Root)
	if err != nil {
		return &failure{why: ReasonLedgerError, msg: say(msgLedgerRootNotHex, r.batch.Root, a.Batch)}
	}
	proof := make([][]byte, len(a.Proof))
	for i, h := range a.Proof {
		if proof[i], err = hex.DecodeString(h); err != nil {
			return altered(say(msgProofHashNotHex, i, h))
		}
	}
	leaf := merkle.LeafHash(merkle.LeafData(digests))
	if err := merkle.VerifyInclusion(uint64(a.Index), uint64(r.batch.Size), leaf, root, proof); err != nil {
		return altered(say(msgProofFails, a.Batch, err))
	}
	return nil
}

func (r *run) checkStatus() {
	if r.listStatus != nil || r.listErr != nil {
		r.checkListStatus()
		return
	}
	for i, f := range r.in.Forms {
		s, err := r.statuses[i], r.statusErr[i]
		switch {
		case errors.Is(err, network.ErrNotFound):
			r.skip(CheckStatus, say(msgNoStatus))
			return
		case err != nil:
			r.ledgerFailure(CheckStatus, say(msgAboutDigest, f.Name(), f.Digest()), err)
			return
		}
		switch s.Status {
		case record.StatusActive:
		case record.StatusRevoked:
			r.failSaying(CheckStatus, ReasonRevoked, say(msgSumRevoked, longDay(s.UpdatedAt), statusReason(s.Reason)),
				say(msgRevoked, statusReason(s.Reason), dayOf(s.UpdatedAt)))
			return
		case record.StatusSuspended:
			r.failSaying(CheckStatus, ReasonSuspended, say(msgSumSuspended, longDay(s.UpdatedAt), statusReason(s.Reason)),
				say(msgSuspended, statusReason(s.Reason), dayOf(s.UpdatedAt)))
			return
		default:
			r.fail(CheckStatus, ReasonLedgerError, say(msgStatusUnknown, s.Status))
			return
		}
	}
	r.pass(CheckStatus, say(msgActive))
}

func (r *run) checkValidity() {
	c := r.in.Credential()
	switch {
	case r.now.Before(c.ValidFrom):
		r.failSaying(CheckValidity, ReasonNotYetValid, say(msgSumNotYetValid, longTime(c.ValidFrom)), say(msgNotYetValid, timeArg(c.ValidFrom)))
	case !c.ValidUntil.IsZero() && !r.now.Before(c.ValidUntil):
		r.failSaying(CheckValidity, ReasonExpired, say(msgSumExpired, longTime(c.ValidUntil)), say(msgExpired, timeArg(c.ValidUntil)))
	case c.ValidUntil.IsZero():
		r.pass(CheckValidity, say(msgValidSince, timeArg(c.ValidFrom)))
	default:
		r.pass(CheckValidity, say(msgValidFromUntil, timeArg(c.ValidFrom), timeArg(c.ValidUntil)))
	}
}

func (r *run) checkSchema() {
	if s := r.in.Presentation(); s != nil {
		r.checkDisclosedSchema(s)
		return
	}
	c := r.in.Credential()
	if c.Subject != nil && c.Subject.CredentialType() == c.Type && r.v.validator.Conforms(c.Subject) {
		r.pass(CheckSchema, say(msgSubjectValid, c.Type))
		return
	}
	// The JSON Schema decides the subjects the fast check rejects, and
	// says why.
	subject, err := c.SubjectJSON()
	if err == nil {
		err = r.v.validator.Validate(c.Type, subject)
	}
	if err != nil {
		r.fail(CheckSchema, ReasonNonconforming, say(msgSubjectInvalid, err, c.Type))
		return
	}
	r.pass(CheckSchema, say(msgSubjectValid, c.Type))
}
