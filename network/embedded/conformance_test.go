package embedded

import (
	"context"
	"testing"

	"github.com/sceau/sceau/network/ledgertest"
)

// TestConformance runs the ledger client conformance suite, the one a
// Fabric network passes too, on a fresh embedded ledger.
func TestConformance(t *testing.T) {
	l, _ := newSceauLedger(t)
	ledgertest.Run(t, ledgertest.Harness{
		Ledger:     l,
		Governance: DefaultGovernanceOrg,
		ExamOffice: "examoffice",
		Pix:        "pix",
		Org:        l.ProvisionOrg,
		Height: func(ctx context.Context) (uint64, error) {
			info, err := l.Info(ctx)
			return info.Height, err
		},
	})
}
