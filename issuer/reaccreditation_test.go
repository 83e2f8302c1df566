package issuer

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/schemas"
)

// testClock is a clock a test moves forward, shared by the ledger (its
// transaction times) and the issuer service.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// TestIssuingAfterReaccreditation: an exam office accredited until the end
// of June issues in June, is refused over the summer (its accreditation
// ended), and once governance accredits it again in September issues again,
// from a CSV file as `sceau issue` does (issuerapi tests the same over
// HTTP). The ledger keeps both windows; the issuer must judge by every
// window, as the chaincode does, not stop at the first one of the type.
func TestIssuingAfterReaccreditation(t *testing.T) {
	ctx := context.Background()
	june := time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC)
	clock := &testClock{now: june}
	home := t.TempDir()
	l, err := embedded.Init(ctx, filepath.Join(home, "ledger"), embedded.InitOptions{OpenOptions: embedded.OpenOptions{Clock: clock.Now}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	svc := NewService(home, l, nil)
	svc.Now = clock.Now
	if _, err := svc.Init(ctx, InitOptions{ID: "examoffice", Name: "Office des examens", NoPassphrase: true}); err != nil {
		t.Fatal(err)
	}
	diplomas := []record.CredentialType{record.TypeDiploma}
	if err := svc.Contract.AccreditIssuer(ctx, "ministry", "examoffice", diplomas, "2026-07-01T00:00:00Z"); err != nil {
		t.Fatal(err)
	}
	e := &testEnv{home: home, l: l, svc: svc}
	rows := strings.Split(strings.TrimSpace(testDiplomas), "\n")
	issue := func(row int) (*IssueSummary, error) {
		return svc.Issue(ctx, IssueOptions{IssuerID: "examoffice", Type: schemas.TypeDiploma,
			Input: e.writeInput(t, rows[0]+"\n"+rows[row]+"\n"), OutDir: t.TempDir()})
	}

	if _, err := issue(1); err != nil {
		t.Fatalf("issuing in June, within the first accreditation: %v", err)
	}

	clock.set(time.Date(2026, 8, 10, 9, 0, 0, 0, time.UTC))
	_, err = issue(2)
	var refused *NotAccreditedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "ended at 2026-07-01T00:00:00Z") || !strings.Contains(err.Error(), "sceau issuer accredit") {
		t.Fatalf("issuing in August, between the accreditations: %v; want a refusal saying when the accreditation ended and what to do", err)
	}

	clock.set(time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC))
	if err := svc.Contract.AccreditIssuer(ctx, "ministry", "examoffice", diplomas, ""); err != nil {
		t.Fatal(err)
	}
	clock.set(time.Date(2026, 9, 2, 10, 0, 0, 0, time.UTC))
	sum, err := issue(2)
	if err != nil {
		t.Fatalf("issuing in September, after re-accreditation: %v", err)
	}
	if sum.Issued != 1 {
		t.Errorf("issued %d credentials in September, want 1", sum.Issued)
	}
}
