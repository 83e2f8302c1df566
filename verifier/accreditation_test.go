package verifier

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

// movedWindows is a Ledger whose issuer record has the end of its first
// Diploma window moved: what the contract never does, a ledger whose
// majority misbehaved could. The verifier judges by the record it reads.
type movedWindows struct {
	Ledger
	firstUntil string
}

func (m movedWindows) GetIssuer(ctx context.Context, id string) (*record.Issuer, error) {
	is, err := m.Ledger.GetIssuer(ctx, id)
	if err != nil {
		return nil, err
	}
	moved := *is
	moved.Accreditations = append([]record.Accreditation(nil), is.Accreditations...)
	for i := range moved.Accreditations {
		if moved.Accreditations[i].Type == record.TypeDiploma {
			moved.Accreditations[i].ValidUntil = m.firstUntil
			break
		}
	}
	return &moved, nil
}

// TestReaccreditedIssuer: an exam office's diploma accreditation lapses and
// is renewed after a gap. What it anchored in each window is valid; what
// the ledger says was anchored in the gap is not.
func TestReaccreditedIssuer(t *testing.T) {
	var mu sync.Mutex
	clock := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	set := func(at time.Time) { mu.Lock(); defer mu.Unlock(); clock = at }

	e := newEnvWithClock(t, now)
	windowEnd := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	diplomas := []record.CredentialType{record.TypeDiploma}
	if err := e.contract.AccreditIssuer(e.ctx, governance, issuerID, diplomas, record.FormatTime(windowEnd)); err != nil {
		t.Fatal(err)
	}
	set(time.Date(2026, 6, 20, 10, 0, 0, 0, time.UTC))
	e.issuedAt = now()
	june := e.issue(diploma())[0]

	set(time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC))
	if err := e.contract.AccreditIssuer(e.ctx, governance, issuerID, diplomas, ""); err != nil {
		t.Fatal(err)
	}
	e.issuedAt = now()
	september := e.issue(diploma())[0]
	e.now = time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC)

	for name, is := range map[string]*issued{"anchored in June": june, "anchored in September": september} {
		r := e.verify(is.bundleJSON(t))
		if r.Verdict != Valid {
			t.Errorf("%s: verdict %s, want valid:\n%s", name, r.Verdict, describe(r))
		}
	}

	// The first window ends before the June anchoring: June now falls in
	// the gap between the windows.
	e.verifier.ledger = movedWindows{Ledger: e.contract, firstUntil: "2026-06-01T00:00:00Z"}
	r := e.verify(june.bundleJSON(t))
	if f := failing(r); r.Verdict != Invalid || f.Name != CheckAccreditation || !strings.Contains(f.Reason, "was not accredited for Diploma when the credential was anchored") {
		t.Errorf("anchored in the gap: verdict %s, first failing check %+v, want not accredited", r.Verdict, f)
	}
	if r := e.verify(september.bundleJSON(t)); r.Verdict != Valid {
		t.Errorf("anchored in the second window: verdict %s, want valid:\n%s", r.Verdict, describe(r))
	}
}
