package ledgertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

// maxListPages bounds the walk of ListIssuers, so that a bookmark that
// never ends fails the suite instead of hanging it.
const maxListPages = 10000

// registerIssuerStartsPending: a registered issuer is pending, bound to the
// registering org's MSP, with its one key under its RFC 7638 kid.
func (s *suite) registerIssuerStartsPending(t *testing.T) {
	ctx := t.Context()
	id := s.issuerID("pending")
	jwk, kid := NewPublicJWK(t)
	must(t, s.c.RegisterIssuer(ctx, s.h.ExamOffice, id, "Office des examens de Lyon", jwk), "RegisterIssuer")

	is, err := s.c.GetIssuer(ctx, id)
	must(t, err, "GetIssuer")
	if is.ID != id || is.Name != "Office des examens de Lyon" || is.MSPID != s.msp[s.h.ExamOffice] {
		t.Errorf("issuer id %q, name %q, MSP %q; want %q, %q, %q", is.ID, is.Name, is.MSPID, id, "Office des examens de Lyon", s.msp[s.h.ExamOffice])
	}
	if is.Status != record.IssuerPending || len(is.Accreditations) != 0 {
		t.Errorf("new issuer: status %q with %d accreditations; want %q with none", is.Status, len(is.Accreditations), record.IssuerPending)
	}
	if is.TxID == "" || is.RegisteredAt == "" || is.UpdatedAt != is.RegisteredAt {
		t.Errorf("new issuer: txId %q, registeredAt %q, updatedAt %q; want a transaction id and updatedAt = registeredAt", is.TxID, is.RegisteredAt, is.UpdatedAt)
	}
	if len(is.Keys) != 1 {
		t.Fatalf("new issuer has %d keys, want 1", len(is.Keys))
	}
	if k := is.Keys[0]; k.KID != kid || k.ValidFrom != is.RegisteredAt || k.RetiredAt != "" || k.CompromisedSince != "" {
		t.Errorf("first key: kid %q, validFrom %q, retiredAt %q, compromisedSince %q; want kid %q valid from %q, in service",
			k.KID, k.ValidFrom, k.RetiredAt, k.CompromisedSince, kid, is.RegisteredAt)
	}

	other, _ := NewPublicJWK(t)
	wantRefused(t, s.c.RegisterIssuer(ctx, s.h.ExamOffice, id, "Office des examens de Lyon", other), "RegisterIssuer", "already registered")
	gov := s.issuerID("governance-as-issuer")
	wantRefused(t, s.c.RegisterIssuer(ctx, s.h.Governance, gov, "Ministère", other), "RegisterIssuer", "cannot register")
	_, err = s.c.GetIssuer(ctx, gov)
	wantNotFound(t, err, "GetIssuer of the issuer governance tried to register")
}

// issuerIDBoundToItsOrg: another org cannot take over a registered issuer id.
func (s *suite) issuerIDBoundToItsOrg(t *testing.T) {
	ctx := t.Context()
	id := s.issuerID("squatted")
	kid := s.register(t, s.h.ExamOffice, id, "Office des examens de Rennes")

	jwk, _ := NewPublicJWK(t)
	wantRefused(t, s.c.RegisterIssuer(ctx, s.h.Pix, id, "Pix (usurpateur)", jwk), "RegisterIssuer", "already bound to organisation")

	is, err := s.c.GetIssuer(ctx, id)
	must(t, err, "GetIssuer")
	if is.MSPID != s.msp[s.h.ExamOffice] || is.Name != "Office des examens de Rennes" || len(is.Keys) != 1 || is.Keys[0].KID != kid {
		t.Errorf("after another org's attempt: MSP %q, name %q, %d keys; want the exam office's issuer unchanged", is.MSPID, is.Name, len(is.Keys))
	}
}

// accreditationByGovernanceOnly: only governance accredits; accrediting
// makes a pending issuer active, with one window per type.
func (s *suite) accreditationByGovernanceOnly(t *testing.T) {
	ctx := t.Context()
	id := s.issuerID("accredited")
	s.register(t, s.h.ExamOffice, id, "Office des examens de Nantes")

	for _, org := range []string{s.h.ExamOffice, s.h.Pix} {
		wantRefused(t, s.c.AccreditIssuer(ctx, org, id, []record.CredentialType{record.TypeDiploma}, ""), "AccreditIssuer", "reserved to the governance organisation")
	}
	is, err := s.c.GetIssuer(ctx, id)
	must(t, err, "GetIssuer")
	if is.Status != record.IssuerPending || len(is.Accreditations) != 0 {
		t.Fatalf("after refused accreditations: status %q, %d accreditations; want pending, none", is.Status, len(is.Accreditations))
	}

	wantRefused(t, s.c.AccreditIssuer(ctx, s.h.Governance, id, []record.CredentialType{"Diplome"}, ""), "AccreditIssuer", "unknown")
	err = s.c.AccreditIssuer(ctx, s.h.Governance, s.issuerID("never-registered"), []record.CredentialType{record.TypeDiploma}, "")
	wantNotFound(t, err, "AccreditIssuer of an unregistered issuer")

	must(t, s.c.AccreditIssuer(ctx, s.h.Governance, id, []record.CredentialType{record.TypeDiploma}, ""), "AccreditIssuer Diploma")
	until := time.Now().UTC().AddDate(1, 0, 0).Truncate(time.Second).Format(time.RFC3339)
	must(t, s.c.AccreditIssuer(ctx, s.h.Governance, id, []record.CredentialType{record.TypePixCertification}, until), "AccreditIssuer PixCertification")

	is, err = s.c.GetIssuer(ctx, id)
	must(t, err, "GetIssuer")
	if is.Status != record.IssuerActive {
		t.Errorf("accredited issuer: status %q, want %q", is.Status, record.IssuerActive)
	}
	want := []struct {
		typ   record.CredentialType
		until string
	}{{"Diploma", ""}, {"PixCertification", until}}
	if len(is.Accreditations) != len(want) {
		t.Fatalf("accreditations %+v, want %d", is.Accreditations, len(want))
	}
	for i, w := range want {
		a := is.Accreditations[i]
		if a.Type != w.typ || a.ValidUntil != w.until || a.ValidFrom == "" || a.TxID == "" {
			t.Errorf("accreditation %d: %+v; want type %s until %q, with validFrom and txId", i, a, w.typ, w.until)
		}
	}
}

// listIssuersPages: ListIssuers pages through every issuer in id order,
// each page at most the size asked, the last one without a bookmark.
func (s *suite) listIssuersPages(t *testing.T) {
	ctx := t.Context()
	// Registered out of order: the listing sorts by id.
	ours := []string{s.issuerID("list-a"), s.issuerID("list-b"), s.issuerID("list-c")}
	for _, i := range []int{2, 0, 1} {
		s.register(t, s.h.Pix, ours[i], fmt.Sprintf("Centre Pix %c", 'A'+i))
	}

	const pageSize = 2
	var listed []record.Issuer
	bookmark := ""
	for pages := 1; ; pages++ {
		if pages > maxListPages {
			t.Fatalf("ListIssuers: still a bookmark after %d pages", maxListPages)
		}
		page, err := s.c.ListIssuers(ctx, pageSize, bookmark)
		must(t, err, fmt.Sprintf("ListIssuers page %d", pages))
		if n := len(page.Issuers); n > pageSize || n == 0 || (page.Bookmark != "" && n != pageSize) {
			t.Fatalf("page %d holds %d issuers with bookmark %q; want %d (fewer, not none, only on the last page)", pages, n, page.Bookmark, pageSize)
		}
		listed = append(listed, page.Issuers...)
		if page.Bookmark == "" {
			break
		}
		if page.Bookmark == bookmark {
			t.Fatalf("page %d returned the bookmark it was given, %q", pages, bookmark)
		}
		bookmark = page.Bookmark
	}

	found := 0
	for i, is := range listed {
		if i > 0 && listed[i-1].ID >= is.ID {
			t.Errorf("listing position %d: %q after %q; want strictly increasing ids", i, is.ID, listed[i-1].ID)
		}
		if found < len(ours) && is.ID == ours[found] {
			if is.MSPID != s.msp[s.h.Pix] || is.Status != record.IssuerPending {
				t.Errorf("listed %s: MSP %q, status %q; want %q, pending", is.ID, is.MSPID, is.Status, s.msp[s.h.Pix])
			}
			found++
		}
	}
	if found != len(ours) {
		t.Errorf("the listing of %d issuers holds %d of %v in order", len(listed), found, ours)
	}

	page, err := s.c.ListIssuers(ctx, 0, "")
	must(t, err, "ListIssuers with page size 0")
	if n := len(page.Issuers); n == 0 || n > 100 {
		t.Errorf("page size 0 gave %d issuers; want the default page, 1 to 100", n)
	}
	_, err = s.c.ListIssuers(ctx, 1001, "")
	wantRefused(t, err, "ListIssuers", "out of range")
}
