package ledgertest

import (
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

// keyRotationAndCompromise: a rotation retires the current key and adds
// the new one; a compromise marks a key and takes it out of service; an
// issuer with no key in service cannot anchor until it rotates in a new one.
func (s *suite) keyRotationAndCompromise(t *testing.T) {
	ctx := t.Context()
	id := s.issuerID("rotation")
	jwk1, kid1 := NewPublicJWK(t)
	must(t, s.c.RegisterIssuer(ctx, s.h.ExamOffice, id, "Office des examens de Lille", jwk1), "RegisterIssuer")
	must(t, s.c.AccreditIssuer(ctx, s.h.Governance, id, []record.CredentialType{record.TypeDiploma}, ""), "AccreditIssuer")

	jwk2, kid2 := NewEd25519PublicJWK(t)
	wantRefused(t, s.c.RotateIssuerKey(ctx, s.h.Pix, id, jwk2), "RotateIssuerKey", "reserved to its organisation")
	wantRefused(t, s.c.RotateIssuerKey(ctx, s.h.Governance, id, jwk2), "RotateIssuerKey", "reserved to its organisation")
	wantRefused(t, s.c.RotateIssuerKey(ctx, s.h.ExamOffice, id, jwk1), "RotateIssuerKey", "already registered")
	must(t, s.c.RotateIssuerKey(ctx, s.h.ExamOffice, id, jwk2), "RotateIssuerKey")

	is, err := s.c.GetIssuer(ctx, id)
	must(t, err, "GetIssuer after the rotation")
	if len(is.Keys) != 2 {
		t.Fatalf("after a rotation: %d keys, want 2", len(is.Keys))
	}
	k1, k2 := is.Keys[0], is.Keys[1]
	if k1.KID != kid1 || k1.RetiredAt == "" || k2.KID != kid2 || k2.RetiredAt != "" || k2.ValidFrom != k1.RetiredAt || k1.CompromisedSince != "" || k2.CompromisedSince != "" {
		t.Errorf("after a rotation: keys %+v; want %s retired when %s became valid, neither compromised", is.Keys, kid1, kid2)
	}
	s.anchor(t, id, "rotated", "Diploma", 1)

	wantRefused(t, s.c.CompromiseIssuerKey(ctx, s.h.Pix, id, kid2, k2.ValidFrom), "CompromiseIssuerKey", "reserved to its organisation")
	wantNotFound(t, s.c.CompromiseIssuerKey(ctx, s.h.ExamOffice, id, "no-such-kid", k2.ValidFrom), "CompromiseIssuerKey of an unknown kid")
	tomorrow := time.Now().UTC().Add(24 * time.Hour).Format(time.RFC3339)
	wantRefused(t, s.c.CompromiseIssuerKey(ctx, s.h.ExamOffice, id, kid2, tomorrow), "CompromiseIssuerKey", "after the transaction time")

	// Governance may report a compromise too; the issuer's own org reports
	// one of its retired key.
	must(t, s.c.CompromiseIssuerKey(ctx, s.h.Governance, id, kid2, k2.ValidFrom), "CompromiseIssuerKey by governance")
	must(t, s.c.CompromiseIssuerKey(ctx, s.h.ExamOffice, id, kid1, k1.ValidFrom), "CompromiseIssuerKey by the issuer's org")
	is, err = s.c.GetIssuer(ctx, id)
	must(t, err, "GetIssuer after the compromises")
	if len(is.Keys) != 2 {
		t.Fatalf("after the compromises: %d keys, want 2", len(is.Keys))
	}
	c1, c2 := is.Keys[0], is.Keys[1]
	if c1.CompromisedSince != k1.ValidFrom || c1.RetiredAt != k1.RetiredAt {
		t.Errorf("key %s: compromised since %q, retired at %q; want since %q, still retired at %q", kid1, c1.CompromisedSince, c1.RetiredAt, k1.ValidFrom, k1.RetiredAt)
	}
	if c2.CompromisedSince != k2.ValidFrom || c2.RetiredAt == "" {
		t.Errorf("key %s: compromised since %q, retired at %q; want since %q, and retired", kid2, c2.CompromisedSince, c2.RetiredAt, k2.ValidFrom)
	}
	wantRefused(t, s.c.CompromiseIssuerKey(ctx, s.h.ExamOffice, id, kid2, c2.RetiredAt), "CompromiseIssuerKey", "already compromised")

	req := NewAnchorRequest(t, s.batchID("no-key"), id, "Diploma", NewCredentials(t, 1))
	_, err = s.c.AnchorBatch(ctx, s.h.ExamOffice, req)
	wantRefused(t, err, "AnchorBatch", "no key in service")
	s.wantNothingAnchored(t, req.Credentials)

	jwk3, kid3 := NewPublicJWK(t)
	must(t, s.c.RotateIssuerKey(ctx, s.h.ExamOffice, id, jwk3), "RotateIssuerKey after the compromise")
	is, err = s.c.GetIssuer(ctx, id)
	must(t, err, "GetIssuer after the last rotation")
	if n := len(is.Keys); n != 3 || is.Keys[2].KID != kid3 || is.Keys[2].RetiredAt != "" || is.Status != record.IssuerActive {
		t.Errorf("after rotating in a third key: status %q, keys %+v; want active with %s in service", is.Status, is.Keys, kid3)
	}
	s.anchor(t, id, "new-key", "Diploma", 1)
}

// suspendedIssuerCannotAnchor: governance suspends, reinstates and
// withdraws issuers; only an active issuer anchors; credentials anchored
// before a withdrawal keep their status.
func (s *suite) suspendedIssuerCannotAnchor(t *testing.T) {
	ctx := t.Context()
	id := s.accredited(t, "suspended", "Diploma")
	before, _ := s.anchor(t, id, "before-suspension", "Diploma", 1)

	wantRefused(t, s.c.SuspendIssuer(ctx, s.h.ExamOffice, id, "fraud"), "SuspendIssuer", "reserved to the governance organisation")
	wantRefused(t, s.c.SuspendIssuer(ctx, s.h.Governance, id, "because"), "SuspendIssuer", "not a reason code")
	must(t, s.c.SuspendIssuer(ctx, s.h.Governance, id, "fraud"), "SuspendIssuer")
	s.wantIssuer(t, id, record.IssuerSuspended, "fraud")
	wantRefused(t, s.c.SuspendIssuer(ctx, s.h.Governance, id, "fraud"), "SuspendIssuer", "already suspended")

	req := NewAnchorRequest(t, s.batchID("while-suspended"), id, "Diploma", NewCredentials(t, 1))
	_, err := s.c.AnchorBatch(ctx, s.h.ExamOffice, req)
	wantRefused(t, err, "AnchorBatch", "only an active issuer can anchor")
	s.wantNothingAnchored(t, req.Credentials)

	// An accreditation does not lift a suspension.
	must(t, s.c.AccreditIssuer(ctx, s.h.Governance, id, []record.CredentialType{record.TypePixCertification}, ""), "AccreditIssuer while suspended")
	s.wantIssuer(t, id, record.IssuerSuspended, "fraud")

	wantRefused(t, s.c.ReinstateIssuer(ctx, s.h.ExamOffice, id), "ReinstateIssuer", "reserved to the governance organisation")
	must(t, s.c.ReinstateIssuer(ctx, s.h.Governance, id), "ReinstateIssuer")
	s.wantIssuer(t, id, record.IssuerActive, "")
	s.anchor(t, id, "after-reinstatement", "Diploma", 1)

	wantRefused(t, s.c.WithdrawIssuer(ctx, s.h.Pix, id, "annulled"), "WithdrawIssuer", "reserved to the governance organisation")
	must(t, s.c.WithdrawIssuer(ctx, s.h.Governance, id, "annulled"), "WithdrawIssuer")
	s.wantIssuer(t, id, record.IssuerWithdrawn, "annulled")
	req = NewAnchorRequest(t, s.batchID("after-withdrawal"), id, "Diploma", NewCredentials(t, 1))
	_, err = s.c.AnchorBatch(ctx, s.h.ExamOffice, req)
	wantRefused(t, err, "AnchorBatch", "only an active issuer can anchor")
	wantRefused(t, s.c.AccreditIssuer(ctx, s.h.Governance, id, []record.CredentialType{record.TypeDiploma}, ""), "AccreditIssuer", "withdrawn for good")
	wantRefused(t, s.c.ReinstateIssuer(ctx, s.h.Governance, id), "ReinstateIssuer", "not suspended")
	s.wantIssuer(t, id, record.IssuerWithdrawn, "annulled")
	s.wantStatus(t, before.Credentials[0], record.StatusActive, "")
}

// wantIssuer fails t unless issuer id has status and status reason.
func (s *suite) wantIssuer(t *testing.T, id string, status record.IssuerStatus, reason record.ReasonCode) {
	t.Helper()
	is, err := s.c.GetIssuer(t.Context(), id)
	if err != nil {
		t.Errorf("GetIssuer(%s): %v", id, err)
		return
	}
	if is.Status != status || is.StatusReason != reason {
		t.Errorf("issuer %s: status %q, reason %q; want %q, %q", id, is.Status, is.StatusReason, status, reason)
	}
}
