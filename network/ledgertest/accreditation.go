package ledgertest

import (
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

// reaccreditationAfterLapse: an issuer accredited until a date can anchor
// until then and not after; accredited again, it opens a second window and
// anchors again. Both batches stay covered by their own window, and a time
// in the gap is in neither — the rule (record.Issuer.AccreditationAt) that
// the issuer and the verifier apply to the record they read back.
//
// The ledger's time is the transaction's, so the first window is made to
// end a few seconds from now and the subtest waits for it to lapse.
func (s *suite) reaccreditationAfterLapse(t *testing.T) {
	ctx := t.Context()
	id := s.issuerID("reaccredited")
	s.register(t, s.h.ExamOffice, id, "Office des examens de Dijon")

	until := time.Now().UTC().Truncate(time.Second).Add(4 * time.Second)
	must(t, s.c.AccreditIssuer(ctx, s.h.Governance, id, []record.CredentialType{record.TypeDiploma}, record.FormatTime(until)), "AccreditIssuer until "+record.FormatTime(until))
	_, first := s.anchor(t, id, "first-window", record.TypeDiploma, 1)

	time.Sleep(time.Until(until.Add(1100 * time.Millisecond)))
	lapsed := NewAnchorRequest(t, s.batchID("in-the-gap"), id, record.TypeDiploma, NewCredentials(t, 1))
	_, err := s.c.AnchorBatch(ctx, s.h.ExamOffice, lapsed)
	wantRefused(t, err, "AnchorBatch", "not accredited for Diploma")

	must(t, s.c.AccreditIssuer(ctx, s.h.Governance, id, []record.CredentialType{record.TypeDiploma}, ""), "AccreditIssuer again")
	_, second := s.anchor(t, id, "second-window", record.TypeDiploma, 1)

	is, err := s.c.GetIssuer(ctx, id)
	must(t, err, "GetIssuer")
	if len(is.Accreditations) != 2 || is.Accreditations[0].ValidUntil != record.FormatTime(until) || is.Accreditations[1].ValidUntil != "" {
		t.Fatalf("accreditations %+v; want the lapsed window until %s, then an open-ended one", is.Accreditations, record.FormatTime(until))
	}
	gapEnd, err := record.ParseStoredTime("validFrom", is.Accreditations[1].ValidFrom)
	must(t, err, "the second window's start")
	for _, tt := range []struct {
		what   string
		at     string
		window int // -1: in no window
	}{
		{"the first batch", first.AnchoredAt, 0},
		{"the second batch", second.AnchoredAt, 1},
		{"the end of the first window", record.FormatTime(until), -1},
		{"the last second of the gap", record.FormatTime(gapEnd.Add(-time.Second)), -1},
	} {
		at, err := record.ParseStoredTime("time", tt.at)
		must(t, err, tt.what)
		i, ok, err := is.AccreditationAt(record.TypeDiploma, at)
		must(t, err, "AccreditationAt")
		if got := map[bool]int{true: i, false: -1}[ok]; got != tt.window {
			t.Errorf("%s (%s) is in window %d, want %d", tt.what, tt.at, got, tt.window)
		}
	}
	if err := is.CanAnchor(record.TypeDiploma, time.Now()); err != nil {
		t.Errorf("after re-accreditation, CanAnchor says %v", err)
	}
}
