package ledgertest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

// revokeByAnchoringIssuerOnly: only the org of the issuer that anchored a
// credential changes its status; a revocation covers every form of it.
func (s *suite) revokeByAnchoringIssuerOnly(t *testing.T) {
	ctx := t.Context()
	issuer := s.accredited(t, "revoker", "Diploma")
	req, _ := s.anchor(t, issuer, "revoke", "Diploma", 2, 1)
	target, other := req.Credentials[0], req.Credentials[1]

	for _, org := range []string{s.h.Pix, s.h.Governance} {
		wantRefused(t, s.c.Revoke(ctx, org, target[1], "fraud"), "Revoke", "reserved to its organisation")
		wantRefused(t, s.c.Suspend(ctx, org, target[1], "fraud"), "Suspend", "reserved to its organisation")
	}
	s.wantStatus(t, target, record.StatusActive, "")

	wantRefused(t, s.c.Revoke(ctx, s.h.ExamOffice, target[1], "because"), "Revoke", "not a reason code")
	s.wantStatus(t, target, record.StatusActive, "")

	must(t, s.c.Revoke(ctx, s.h.ExamOffice, target[1], "error"), "Revoke by the anchoring org")
	got := s.wantStatus(t, target, record.StatusRevoked, "error")
	if len(got) == 2 && (got[0].TxID != got[1].TxID || got[0].TxID == "" || got[0].UpdatedAt == "") {
		t.Errorf("the two forms were revoked by transactions %q and %q at %q; want one transaction", got[0].TxID, got[1].TxID, got[0].UpdatedAt)
	}
	s.wantStatus(t, other, record.StatusActive, "")
}

// credentialLifecycle: active → suspended → active → revoked, and nothing
// after revoked; the history lists every change, oldest first.
func (s *suite) credentialLifecycle(t *testing.T) {
	ctx := t.Context()
	issuer := s.accredited(t, "lifecycle", "Diploma")
	req, b := s.anchor(t, issuer, "lifecycle", "Diploma", 2)
	group := req.Credentials[0]
	d0, d1 := group[0], group[1]
	office := s.h.ExamOffice

	for _, step := range []struct {
		name string
		do   func() error
		fn   string
		// refusal is the expected refusal, empty when the step succeeds;
		// status and reason are the credential's afterwards.
		refusal string
		status  record.CredentialStatus
		reason  record.ReasonCode
	}{
		{"suspend", func() error { return s.c.Suspend(ctx, office, d0, "other") }, "Suspend", "", record.StatusSuspended, "other"},
		{"suspend again", func() error { return s.c.Suspend(ctx, office, d1, "error") }, "Suspend", "only an active credential can be suspended", record.StatusSuspended, "other"},
		{"reinstate", func() error { return s.c.Reinstate(ctx, office, d1) }, "Reinstate", "", record.StatusActive, ""},
		{"reinstate again", func() error { return s.c.Reinstate(ctx, office, d0) }, "Reinstate", "only a suspended credential can be reinstated", record.StatusActive, ""},
		{"revoke", func() error { return s.c.Revoke(ctx, office, d0, "fraud") }, "Revoke", "", record.StatusRevoked, "fraud"},
		{"reinstate revoked", func() error { return s.c.Reinstate(ctx, office, d1) }, "Reinstate", "revocation is final", record.StatusRevoked, "fraud"},
		{"suspend revoked", func() error { return s.c.Suspend(ctx, office, d1, "other") }, "Suspend", "revocation is final", record.StatusRevoked, "fraud"},
		{"revoke again", func() error { return s.c.Revoke(ctx, office, d0, "error") }, "Revoke", "revocation is final", record.StatusRevoked, "fraud"},
	} {
		err := step.do()
		if step.refusal == "" {
			must(t, err, step.name)
		} else {
			wantRefused(t, err, step.fn, step.refusal)
		}
		if t.Failed() {
			t.Fatalf("stopping after step %q", step.name)
		}
		s.wantStatus(t, group, step.status, step.reason)
	}

	want := []record.StatusChange{
		{Status: record.StatusActive},
		{Status: record.StatusSuspended, Reason: "other"},
		{Status: record.StatusActive},
		{Status: record.StatusRevoked, Reason: "fraud"},
	}
	for _, d := range group {
		h, err := s.c.GetStatusHistory(ctx, d)
		must(t, err, "GetStatusHistory")
		if len(h) != len(want) {
			t.Fatalf("history of %s: %+v; want %d changes", d, h, len(want))
		}
		var prev time.Time
		for i, c := range h {
			at, err := time.Parse(time.RFC3339, c.At)
			if c.Status != want[i].Status || c.Reason != want[i].Reason || err != nil || c.TxID == "" {
				t.Errorf("history of %s, change %d: %+v; want %s (%q) at an RFC 3339 time, with a txId", d, i, c, want[i].Status, want[i].Reason)
			}
			if at.Before(prev) {
				t.Errorf("history of %s, change %d at %s comes before change %d at %s: want oldest first", d, i, c.At, i-1, h[i-1].At)
			}
			prev = at
			if i > 0 && c.TxID == h[i-1].TxID {
				t.Errorf("history of %s: changes %d and %d have one transaction id %s", d, i-1, i, c.TxID)
			}
		}
		if h[0].TxID != b.TxID || h[0].At != b.AnchoredAt {
			t.Errorf("history of %s starts with %+v; want the anchoring, transaction %s at %s", d, h[0], b.TxID, b.AnchoredAt)
		}
	}
}

// revokeBatch: the anchoring org revokes a whole batch at once; credentials
// revoked before keep their own reason; a batch revoked twice is refused.
func (s *suite) revokeBatch(t *testing.T) {
	ctx := t.Context()
	issuer := s.accredited(t, "batch-revoker", "Diploma")
	req, _ := s.anchor(t, issuer, "revoke-batch", "Diploma", 1, 2, 1)
	early := req.Credentials[0]

	must(t, s.c.Revoke(ctx, s.h.ExamOffice, early[0], "fraud"), "Revoke one credential")
	before := s.wantStatus(t, early, record.StatusRevoked, "fraud")

	for _, org := range []string{s.h.Pix, s.h.Governance} {
		wantRefused(t, s.c.RevokeBatch(ctx, org, req.BatchID, "annulled"), "RevokeBatch", "reserved to its organisation")
	}
	wantRefused(t, s.c.RevokeBatch(ctx, s.h.ExamOffice, req.BatchID, "because"), "RevokeBatch", "not a reason code")
	for _, group := range req.Credentials[1:] {
		s.wantStatus(t, group, record.StatusActive, "")
	}

	must(t, s.c.RevokeBatch(ctx, s.h.ExamOffice, req.BatchID, "annulled"), "RevokeBatch")
	var txIDs []string
	for _, group := range req.Credentials[1:] {
		for _, st := range s.wantStatus(t, group, record.StatusRevoked, "annulled") {
			txIDs = append(txIDs, st.TxID)
		}
	}
	if ids := slices.Compact(slices.Clone(txIDs)); len(ids) != 1 || ids[0] == "" {
		t.Errorf("the batch's credentials were revoked by transactions %v; want one", txIDs)
	}
	after := s.wantStatus(t, early, record.StatusRevoked, "fraud")
	if len(before) == 1 && len(after) == 1 && !reflect.DeepEqual(after[0], before[0]) {
		t.Errorf("the credential revoked before the batch changed: %+v, was %+v", after[0], before[0])
	}

	wantRefused(t, s.c.RevokeBatch(ctx, s.h.ExamOffice, req.BatchID, "annulled"), "RevokeBatch", "already revoked")
}
