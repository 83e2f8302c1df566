package ledgertest

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
)

// wantRefused fails t unless err is the chaincode's refusal of function fn
// (a *network.ContractError) whose message contains want.
func wantRefused(t *testing.T, err error, fn, want string) {
	t.Helper()
	var ce *network.ContractError
	switch {
	case err == nil:
		t.Errorf("%s succeeded; want the chaincode to refuse it with %q", fn, want)
	case !errors.As(err, &ce):
		t.Errorf("%s: %v; want a *network.ContractError saying %q", fn, err, want)
	case ce.Function != fn:
		t.Errorf("refusal %v names function %q, want %q", err, ce.Function, fn)
	case !strings.Contains(ce.Message, want):
		t.Errorf("%s refused with %q; want a message saying %q", fn, ce.Message, want)
	}
}

// wantNotFound fails t unless err wraps network.ErrNotFound.
func wantNotFound(t *testing.T, err error, what string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: found; want network.ErrNotFound", what)
	case !errors.Is(err, network.ErrNotFound):
		t.Errorf("%s: %v; want an error wrapping network.ErrNotFound", what, err)
	case errors.Is(err, network.ErrUnavailable):
		t.Errorf("%s: %v wraps both network.ErrNotFound and network.ErrUnavailable", what, err)
	}
}

// wantUnavailable fails t unless err wraps network.ErrUnavailable and is
// neither a refusal of the chaincode nor network.ErrNotFound.
func wantUnavailable(t *testing.T, err error, what string) {
	t.Helper()
	var ce *network.ContractError
	switch {
	case err == nil:
		t.Errorf("%s succeeded; want an error wrapping network.ErrUnavailable", what)
	case !errors.Is(err, network.ErrUnavailable):
		t.Errorf("%s: %v; want an error wrapping network.ErrUnavailable", what, err)
	case errors.As(err, &ce), errors.Is(err, network.ErrNotFound):
		t.Errorf("%s: %v is unavailability and also a contract answer", what, err)
	}
}

// must fails t at once when a step the subtest builds on fails.
func must(t *testing.T, err error, step string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// wantStatus fails t unless every digest of group has status and reason.
func (s *suite) wantStatus(t *testing.T, group []string, status record.CredentialStatus, reason record.ReasonCode) []*record.DigestStatus {
	t.Helper()
	var got []*record.DigestStatus
	for _, d := range group {
		st, err := s.c.GetStatus(t.Context(), d)
		if err != nil {
			t.Errorf("GetStatus(%s): %v", d, err)
			continue
		}
		if st.Status != status || st.Reason != reason {
			t.Errorf("digest %s: status %q, reason %q; want %q, %q", d, st.Status, st.Reason, status, reason)
		}
		got = append(got, st)
	}
	return got
}

// wantNothingAnchored fails t unless none of the digests of credentials is
// on the ledger.
func (s *suite) wantNothingAnchored(t *testing.T, credentials [][]string) {
	t.Helper()
	for _, d := range slices.Concat(credentials...) {
		_, err := s.c.GetStatus(t.Context(), d)
		wantNotFound(t, err, "GetStatus of digest "+d+" of a refused batch")
	}
}

// register registers issuer id for org with a fresh EC key and returns
// that key's kid.
func (s *suite) register(t *testing.T, org, id, name string) string {
	t.Helper()
	jwk, kid := NewPublicJWK(t)
	must(t, s.c.RegisterIssuer(t.Context(), org, id, name, jwk), "RegisterIssuer "+id+" as "+org)
	return kid
}

// accredited registers issuer name for the exam office, has governance
// accredit it (open-ended) for types, and returns its id.
func (s *suite) accredited(t *testing.T, name string, types ...record.CredentialType) string {
	t.Helper()
	id := s.issuerID(name)
	s.register(t, s.h.ExamOffice, id, "Office des examens "+name)
	must(t, s.c.AccreditIssuer(t.Context(), s.h.Governance, id, types, ""), "AccreditIssuer "+id)
	return id
}

// anchor anchors fresh credentials (one per entry of forms, with that many
// digests) as batch name of issuer, submitted by the exam office.
func (s *suite) anchor(t *testing.T, issuer, name string, typ record.CredentialType, forms ...int) (record.AnchorRequest, *record.Batch) {
	t.Helper()
	req := NewAnchorRequest(t, s.batchID(name), issuer, typ, NewCredentials(t, forms...))
	b, err := s.c.AnchorBatch(t.Context(), s.h.ExamOffice, req)
	must(t, err, "AnchorBatch "+req.BatchID)
	return req, b
}
