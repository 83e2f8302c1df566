package ledgertest

import (
	"slices"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

// anchorBatch: an anchored batch and every digest of it read back as
// anchored, each with its credential's leaf index and group.
func (s *suite) anchorBatch(t *testing.T) {
	ctx := t.Context()
	issuer := s.accredited(t, "anchoring", "Diploma")
	req, b := s.anchor(t, issuer, "good", "Diploma", 2, 1, 3)

	if b.BatchID != req.BatchID || b.IssuerID != issuer || b.Type != "Diploma" || b.Root != req.Root || b.Size != 3 || b.TxID == "" {
		t.Errorf("AnchorBatch returned %+v; want batch %s of %s, Diploma, root %s, size 3, with a txId", b, req.BatchID, issuer, req.Root)
	}
	if _, err := time.Parse(time.RFC3339, b.AnchoredAt); err != nil {
		t.Errorf("anchoredAt %q is not RFC 3339: %v", b.AnchoredAt, err)
	}
	got, err := s.c.GetBatch(ctx, req.BatchID)
	must(t, err, "GetBatch")
	if *got != *b {
		t.Errorf("GetBatch = %+v; want what AnchorBatch returned, %+v", got, b)
	}

	for i, group := range req.Credentials {
		for _, d := range group {
			st, err := s.c.GetStatus(ctx, d)
			if err != nil {
				t.Errorf("GetStatus(%s): %v", d, err)
				continue
			}
			if st.Digest != d || st.IssuerID != issuer || st.Type != "Diploma" || st.BatchID != req.BatchID || st.Index != i ||
				!slices.Equal(st.Group, group) || st.Status != record.StatusActive || st.Reason != "" ||
				st.AnchoredAt != b.AnchoredAt || st.UpdatedAt != b.AnchoredAt || st.TxID != b.TxID {
				t.Errorf("credential %d digest %s: %+v; want it active in batch %s at index %d, group %v, anchored by transaction %s at %s",
					i, d, st, req.BatchID, i, group, b.TxID, b.AnchoredAt)
			}
		}
	}

	h, err := s.c.GetStatusHistory(ctx, req.Credentials[2][1])
	must(t, err, "GetStatusHistory")
	want := []record.StatusChange{{Status: record.StatusActive, At: b.AnchoredAt, TxID: b.TxID}}
	if !slices.Equal(h, want) {
		t.Errorf("history of a fresh digest: %+v; want %+v", h, want)
	}
}

// anchorBatchRefusals: the contract refuses a wrong root, a digest twice,
// a digest already anchored, a batch id already used, a type the issuer is
// not accredited for, another org's issuer and an unknown issuer, and a
// refused batch writes nothing.
func (s *suite) anchorBatchRefusals(t *testing.T) {
	ctx := t.Context()
	issuer := s.accredited(t, "refusals", "Diploma")
	first, firstBatch := s.anchor(t, issuer, "refusals-first", "Diploma", 1, 2)
	anchoredDigest := first.Credentials[1][0]

	fresh := func(forms ...int) [][]string { return NewCredentials(t, forms...) }
	withDuplicate := func() [][]string {
		c := fresh(2, 1)
		c[1][0] = c[0][1]
		return c
	}
	formTwice := func() [][]string {
		c := fresh(2)
		c[0][1] = c[0][0]
		return c
	}
	alreadyAnchored := func() [][]string {
		c := fresh(1, 1)
		c[1][0] = anchoredDigest
		return c
	}

	for _, tc := range []struct {
		name string
		org  string
		req  record.AnchorRequest
		// want is the refusal's message; empty for network.ErrNotFound.
		want string
	}{
		{"root mismatch", s.h.ExamOffice, withRoot(NewAnchorRequest(t, s.batchID("bad-root"), issuer, "Diploma", fresh(1, 1)), MerkleRoot(t, fresh(1, 1))), "does not match"},
		{"digest twice in the batch", s.h.ExamOffice, NewAnchorRequest(t, s.batchID("in-batch-dup"), issuer, "Diploma", withDuplicate()), "appears twice"},
		{"digest twice in a credential", s.h.ExamOffice, NewAnchorRequest(t, s.batchID("in-credential-dup"), issuer, "Diploma", formTwice()), "appears twice"},
		{"digest of an earlier batch", s.h.ExamOffice, NewAnchorRequest(t, s.batchID("cross-batch-dup"), issuer, "Diploma", alreadyAnchored()), "already anchored"},
		{"batch id already used", s.h.ExamOffice, NewAnchorRequest(t, first.BatchID, issuer, "Diploma", fresh(1)), "already used"},
		{"type not accredited", s.h.ExamOffice, NewAnchorRequest(t, s.batchID("unaccredited"), issuer, "PixCertification", fresh(1)), "not accredited"},
		{"another org's issuer", s.h.Pix, NewAnchorRequest(t, s.batchID("other-org"), issuer, "Diploma", fresh(1)), "reserved to its organisation"},
		{"unregistered issuer", s.h.ExamOffice, NewAnchorRequest(t, s.batchID("no-issuer"), s.issuerID("never-registered"), "Diploma", fresh(1)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.c.AnchorBatch(ctx, tc.org, tc.req)
			if tc.want == "" {
				wantNotFound(t, err, "AnchorBatch for an unregistered issuer")
			} else {
				wantRefused(t, err, "AnchorBatch", tc.want)
			}
			if tc.req.BatchID == first.BatchID {
				got, err := s.c.GetBatch(ctx, first.BatchID)
				if err != nil || *got != *firstBatch {
					t.Errorf("GetBatch(%s) after the refusal = %+v, %v; want the first batch unchanged, %+v", first.BatchID, got, err, firstBatch)
				}
			} else {
				_, err := s.c.GetBatch(ctx, tc.req.BatchID)
				wantNotFound(t, err, "GetBatch of a refused batch")
			}
			var unseen [][]string
			for _, group := range tc.req.Credentials {
				unseen = append(unseen, slices.DeleteFunc(slices.Clone(group), func(d string) bool { return d == anchoredDigest }))
			}
			s.wantNothingAnchored(t, unseen)
		})
	}

	// The digest anchored first still belongs to the first batch.
	st, err := s.c.GetStatus(ctx, anchoredDigest)
	must(t, err, "GetStatus of the first batch's digest")
	if st.BatchID != first.BatchID || st.Index != 1 || st.TxID != firstBatch.TxID {
		t.Errorf("after the refusals, digest %s: batch %q index %d txId %q; want batch %q index 1 txId %q", anchoredDigest, st.BatchID, st.Index, st.TxID, first.BatchID, firstBatch.TxID)
	}
}

func withRoot(req record.AnchorRequest, root string) record.AnchorRequest {
	req.Root = root
	return req
}

// absentRecordsAreNotFound: reads and status changes of records the ledger
// does not hold wrap network.ErrNotFound; a malformed query is a refusal,
// not "not found".
func (s *suite) absentRecordsAreNotFound(t *testing.T) {
	ctx := t.Context()
	_, err := s.c.GetStatus(ctx, NewDigest(t))
	wantNotFound(t, err, "GetStatus of an unknown digest")
	_, err = s.c.GetStatusHistory(ctx, NewDigest(t))
	wantNotFound(t, err, "GetStatusHistory of an unknown digest")
	_, err = s.c.GetBatch(ctx, s.batchID("never-anchored"))
	wantNotFound(t, err, "GetBatch of an unknown batch")
	_, err = s.c.GetIssuer(ctx, s.issuerID("never-registered"))
	wantNotFound(t, err, "GetIssuer of an unknown issuer")
	wantNotFound(t, s.c.Revoke(ctx, s.h.ExamOffice, NewDigest(t), "error"), "Revoke of an unknown digest")
	wantNotFound(t, s.c.RevokeBatch(ctx, s.h.ExamOffice, s.batchID("never-anchored"), "error"), "RevokeBatch of an unknown batch")

	_, err = s.c.GetStatus(ctx, "not-a-digest")
	wantRefused(t, err, "GetStatus", "invalid")
	_, err = s.c.GetBatch(ctx, "no spaces allowed")
	wantRefused(t, err, "GetBatch", "invalid")
}
