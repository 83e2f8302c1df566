package ledgertest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
)

// unavailableWithin bounds how long a call to an unreachable or closed
// ledger may take to fail.
const unavailableWithin = 30 * time.Second

// evaluateNeverWrites: evaluating a function that writes runs it (the
// result comes back) but commits nothing, while submitting adds a block.
func (s *suite) evaluateNeverWrites(t *testing.T) {
	ctx := t.Context()
	existing := s.accredited(t, "evaluated", "Diploma")
	// Governance submitted last: its peer, which the default reader reads,
	// has every block so far.
	h0, err := s.h.Height(ctx)
	must(t, err, "Height")

	fresh := s.issuerID("evaluated-only")
	jwk, _ := NewPublicJWK(t)
	_, err = s.h.Ledger.Evaluate(ctx, s.h.ExamOffice, "RegisterIssuer", fresh, "Jamais enregistré", jwk)
	must(t, err, "Evaluate RegisterIssuer")
	req := NewAnchorRequest(t, s.batchID("evaluated-only"), existing, "Diploma", NewCredentials(t, 2))
	body, err := json.Marshal(req)
	must(t, err, "encoding the anchor request")
	res, err := s.h.Ledger.Evaluate(ctx, s.h.ExamOffice, "AnchorBatch", string(body))
	must(t, err, "Evaluate AnchorBatch")
	var b record.Batch
	if err := json.Unmarshal(res, &b); err != nil || b.BatchID != req.BatchID || b.Size != 1 {
		t.Errorf("Evaluate AnchorBatch returned %q (%v); want the batch it would anchor", res, err)
	}
	_, err = s.h.Ledger.Evaluate(ctx, s.h.Governance, "SuspendIssuer", existing, "fraud")
	must(t, err, "Evaluate SuspendIssuer")

	_, err = s.c.GetIssuer(ctx, fresh)
	wantNotFound(t, err, "GetIssuer of an issuer only evaluated")
	_, err = s.c.GetBatch(ctx, req.BatchID)
	wantNotFound(t, err, "GetBatch of a batch only evaluated")
	s.wantNothingAnchored(t, req.Credentials)
	s.wantIssuer(t, existing, record.IssuerActive, "")
	h1, err := s.h.Height(ctx)
	must(t, err, "Height")
	if h1 != h0 {
		t.Errorf("height went from %d to %d over evaluations and reads; want no new block", h0, h1)
	}

	must(t, s.c.SuspendIssuer(ctx, s.h.Governance, existing, "fraud"), "SuspendIssuer")
	h2, err := s.h.Height(ctx)
	must(t, err, "Height")
	if h2 <= h1 {
		t.Errorf("height %d after a submission, %d before; want it higher", h2, h1)
	}
}

// unreachableIsUnavailable: a ledger whose endpoints do not answer fails
// every call with network.ErrUnavailable, soon.
func (s *suite) unreachableIsUnavailable(t *testing.T) {
	if s.h.Unreachable == nil {
		t.Skip("the backend has no endpoint to make unreachable")
	}
	l := s.h.Unreachable(t)
	s.wantAllUnavailable(t, l, "an unreachable ledger")
}

// closedLedgerIsUnavailable: after Close, every call fails with
// network.ErrUnavailable. It closes the ledger under test.
func (s *suite) closedLedgerIsUnavailable(t *testing.T) {
	must(t, s.h.Ledger.Close(), "Close")
	s.wantAllUnavailable(t, s.h.Ledger, "a closed ledger")
}

// wantAllUnavailable fails t unless submissions, evaluations and typed
// reads on l all fail with network.ErrUnavailable within unavailableWithin.
func (s *suite) wantAllUnavailable(t *testing.T, l network.Ledger, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), unavailableWithin)
	defer cancel()
	start := time.Now()
	c := network.NewContract(l)
	jwk, _ := NewPublicJWK(t)
	wantUnavailable(t, c.RegisterIssuer(ctx, s.h.ExamOffice, s.issuerID("unavailable"), "Injoignable", jwk), "RegisterIssuer on "+what)
	_, err := l.Evaluate(ctx, "", "GetIssuer", s.issuerID("unavailable"))
	wantUnavailable(t, err, "Evaluate GetIssuer on "+what)
	_, err = l.Evaluate(ctx, s.h.Pix, "ListIssuers", "1", "")
	wantUnavailable(t, err, "Evaluate ListIssuers as "+s.h.Pix+" on "+what)
	_, err = c.GetStatus(ctx, NewDigest(t))
	wantUnavailable(t, err, "GetStatus on "+what)
	if ctx.Err() != nil {
		t.Errorf("calls on %s took %v: want each to fail soon, not at the deadline", what, time.Since(start).Round(time.Millisecond))
	}
}
