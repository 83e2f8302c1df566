// Package ledgertest is the conformance suite of network.Ledger: one set of
// subtests, run through network.Contract with the real Sceau chaincode,
// that every backend (the embedded ledger, a Fabric network) must pass
// identically. It asserts only what a client observes: results, the
// chaincode's refusals as *network.ContractError, network.ErrNotFound for
// absent records and network.ErrUnavailable for a ledger that cannot be
// reached.
//
// Every id the suite creates (issuers, batches, digests) is new to the
// run, so it can run again and again on a long-lived network.
//
// Imports: network, chaincode/record and internal/merkle: it asserts what
// any client observes.
package ledgertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/sceau/sceau/network"
)

// Harness is what the suite needs from a backend.
type Harness struct {
	// Ledger is the ledger under test, shared by every subtest. The
	// suite's last subtest closes it.
	Ledger network.Ledger
	// Governance is the org id of the governance organisation (the one the
	// chaincode was started with); ExamOffice and Pix are two issuing
	// organisations. The three must differ.
	Governance, ExamOffice, Pix string
	// Org makes org usable as a submitter and returns its MSP ID: the
	// embedded ledger provisions it (ProvisionOrg), a Fabric network looks
	// it up in its ledger config.
	Org func(ctx context.Context, org string) (mspID string, err error)
	// Height returns the number of blocks of the ledger as the default
	// reader sees them. The suite checks with it that evaluations write
	// nothing and that a submission does.
	Height func(ctx context.Context) (uint64, error)
	// Unreachable, when set, returns a client of the same ledger whose
	// endpoints do not answer (a peer address nothing listens on). Nil
	// for a backend without endpoints, such as the embedded ledger.
	Unreachable func(t *testing.T) network.Ledger
}

// suite is one run of the conformance suite.
type suite struct {
	h Harness
	c *network.Contract
	// run prefixes every issuer and batch id of this run.
	run string
	// msp maps the harness's org ids to their MSP IDs.
	msp map[string]string
}

// Run runs the conformance suite against h, one subtest per behaviour, in
// a fixed order; the last one closes h.Ledger.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Ledger == nil || h.Org == nil || h.Height == nil {
		t.Fatal("ledgertest: the harness needs Ledger, Org and Height")
	}
	if h.Governance == "" || h.ExamOffice == "" || h.Pix == "" ||
		h.Governance == h.ExamOffice || h.Governance == h.Pix || h.ExamOffice == h.Pix {
		t.Fatalf("ledgertest: the harness needs three distinct org ids, got governance %q, exam office %q, pix %q", h.Governance, h.ExamOffice, h.Pix)
	}
	s := &suite{h: h, c: network.NewContract(h.Ledger), run: runID(t), msp: map[string]string{}}
	for _, org := range []string{h.Governance, h.ExamOffice, h.Pix} {
		mspID, err := h.Org(t.Context(), org)
		if err != nil {
			t.Fatalf("making org %s usable: %v", org, err)
		}
		if mspID == "" {
			t.Fatalf("org %s has an empty MSP ID", org)
		}
		s.msp[org] = mspID
	}
	t.Logf("run %s: governance %s (%s), exam office %s (%s), pix %s (%s)", s.run,
		h.Governance, s.msp[h.Governance], h.ExamOffice, s.msp[h.ExamOffice], h.Pix, s.msp[h.Pix])

	for _, st := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"RegisterIssuerStartsPending", s.registerIssuerStartsPending},
		{"IssuerIDBoundToItsOrg", s.issuerIDBoundToItsOrg},
		{"AccreditationByGovernanceOnly", s.accreditationByGovernanceOnly},
		{"ListIssuersPages", s.listIssuersPages},
		{"AnchorBatch", s.anchorBatch},
		{"AnchorBatchRefusals", s.anchorBatchRefusals},
		{"AbsentRecordsAreNotFound", s.absentRecordsAreNotFound},
		{"RevokeByAnchoringIssuerOnly", s.revokeByAnchoringIssuerOnly},
		{"CredentialLifecycle", s.credentialLifecycle},
		{"RevokeBatch", s.revokeBatch},
		{"StatusListCheckpoints", s.statusListCheckpoints},
		{"KeyRotationAndCompromise", s.keyRotationAndCompromise},
		{"SuspendedIssuerCannotAnchor", s.suspendedIssuerCannotAnchor},
		{"ReaccreditationAfterLapse", s.reaccreditationAfterLapse},
		{"EvaluateNeverWrites", s.evaluateNeverWrites},
		{"StateVersionFollowsCommits", s.stateVersionFollowsCommits},
		{"UnreachableIsUnavailable", s.unreachableIsUnavailable},
		{"ClosedLedgerIsUnavailable", s.closedLedgerIsUnavailable},
	} {
		t.Run(st.name, st.fn)
	}
}

// runID returns a fresh prefix for the ids of one run: "ct" and 8 hex
// digits, valid in issuer ids (lowercase) and batch ids.
func runID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "ct" + hex.EncodeToString(b)
}

// issuerID returns this run's issuer id for name.
func (s *suite) issuerID(name string) string { return s.run + "-" + name }

// batchID returns this run's batch id for name.
func (s *suite) batchID(name string) string { return s.run + "-batch-" + name }
