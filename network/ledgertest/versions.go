package ledgertest

import (
	"testing"

	"github.com/sceau/sceau/network"
)

// stateVersionFollowsCommits: a ledger that numbers its state versions
// (network.StateVersioner) keeps the version while only queries run, and
// moves it forward with every submission, so that a reader keeping
// records by version never serves one a commit changed. Skipped for a
// ledger that keeps no versions.
func (s *suite) stateVersionFollowsCommits(t *testing.T) {
	versions, ok := s.h.Ledger.(network.StateVersioner)
	if !ok {
		t.Skipf("%T keeps no state versions", s.h.Ledger)
	}
	ctx := t.Context()
	version := func(step string) uint64 {
		t.Helper()
		v, err := versions.StateVersion(ctx)
		must(t, err, "StateVersion "+step)
		return v
	}
	issuer := s.accredited(t, "versioned", "Diploma")
	req, _ := s.anchor(t, issuer, "versioned", "Diploma", 2)
	v0 := version("after anchoring")

	_, err := s.c.GetIssuer(ctx, issuer)
	must(t, err, "GetIssuer")
	_, err = s.c.GetStatus(ctx, req.Credentials[0][0])
	must(t, err, "GetStatus")
	_, err = s.h.Ledger.Evaluate(ctx, s.h.Governance, "SuspendIssuer", issuer, "fraud")
	must(t, err, "Evaluate SuspendIssuer")
	if v := version("after queries"); v != v0 {
		t.Errorf("state version %d after queries and an evaluation, %d before; want it unchanged", v, v0)
	}

	must(t, s.c.SuspendIssuer(ctx, s.h.Governance, issuer, "fraud"), "SuspendIssuer")
	v1 := version("after a suspension")
	if v1 <= v0 {
		t.Errorf("state version %d after a suspension, %d before; want it higher", v1, v0)
	}
	must(t, s.c.Revoke(ctx, s.h.ExamOffice, req.Credentials[0][0], "fraud"), "Revoke")
	if v2 := version("after a revocation"); v2 <= v1 {
		t.Errorf("state version %d after a revocation, %d before; want it higher", v2, v1)
	}
}
