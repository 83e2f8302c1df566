package chaincode

import (
	"strings"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
)

// anchoredCredentials registers and accredits "exam-office" and anchors
// creds as batch "b1".
func anchoredCredentials(t *testing.T, n, forms int) (*harness, [][]string) {
	t.Helper()
	h := newHarness(t)
	h.registerAccredited(officeMSP, "exam-office", "Diploma")
	creds := newCredentials(t, n, forms)
	h.anchor(officeMSP, "b1", "exam-office", "Diploma", creds)
	return h, creds
}

func TestCredentialSuspendReinstateRevokeLifecycle(t *testing.T) {
	h, creds := anchoredCredentials(t, 2, 3)
	cred, other := creds[0], creds[1]

	h.refuse(officeMSP, "only a suspended credential can be reinstated", "Reinstate", cred[1])
	h.refuse(officeMSP, "not a reason code", "Suspend", cred[1], "looks odd")

	// Suspending through any form suspends every form of the credential.
	stub, res := h.invoke(officeMSP, "Suspend", cred[1], "error")
	if !res.ok() {
		t.Fatal(res.message)
	}
	ev := lastEvent(t, stub, record.EventStatusChanged)
	if ev.IssuerID != "exam-office" || ev.BatchID != "b1" || ev.Status != string(record.StatusSuspended) || ev.Reason != "error" || strings.Join(ev.Digests, ",") != strings.Join(cred, ",") {
		t.Errorf("event %+v", ev)
	}
	for _, d := range cred {
		if s := h.status(d); s.Status != record.StatusSuspended || s.Reason != "error" || s.TxID != stub.txID {
			t.Errorf("digest %s after suspension: %+v", d, s)
		}
	}
	for _, d := range other {
		if s := h.status(d); s.Status != record.StatusActive {
			t.Errorf("suspending one credential touched another: %+v", s)
		}
	}
	h.refuse(officeMSP, "only an active credential can be suspended", "Suspend", cred[0], "error")

	h.submit(officeMSP, "Reinstate", cred[2])
	for _, d := range cred {
		if s := h.status(d); s.Status != record.StatusActive || s.Reason != "" {
			t.Errorf("digest %s after reinstatement: %+v", d, s)
		}
	}

	h.submit(officeMSP, "Suspend", cred[0], "other")
	h.refuse(officeMSP, "not a reason code", "Revoke", cred[0], "")
	h.submit(officeMSP, "Revoke", cred[0], "fraud")
	for _, d := range cred {
		if s := h.status(d); s.Status != record.StatusRevoked || s.Reason != "fraud" {
			t.Errorf("digest %s after revocation: %+v", d, s)
		}
	}
	// Revocation is final.
	h.refuse(officeMSP, "revocation is final", "Revoke", cred[1], "error")
	h.refuse(officeMSP, "revocation is final", "Reinstate", cred[1])
	h.refuse(officeMSP, "revocation is final", "Suspend", cred[2], "error")

	var history []record.StatusChange
	h.query(&history, "GetStatusHistory", cred[2])
	var got []string
	for _, c := range history {
		got = append(got, string(c.Status)+"/"+string(c.Reason))
		if c.At == "" || c.TxID == "" {
			t.Errorf("history entry without time or transaction: %+v", c)
		}
	}
	if want := "active/ suspended/error active/ suspended/other revoked/fraud"; strings.Join(got, " ") != want {
		t.Errorf("history %v, want %s (oldest first)", got, want)
	}
	for i := 1; i < len(history); i++ {
		if history[i].At < history[i-1].At {
			t.Errorf("history not oldest first: %+v", history)
			break
		}
	}
}

func TestOnlyTheAnchoringIssuerChangesStatuses(t *testing.T) {
	h, creds := anchoredCredentials(t, 1, 2)
	h.registerAccredited(pixMSP, "pix", "PixCertification")
	d := creds[0][0]
	for _, caller := range []string{pixMSP, govMSP, rogueMSP} {
		h.refuse(caller, "reserved to its organisation", "Revoke", d, "fraud")
		h.refuse(caller, "reserved to its organisation", "Suspend", d, "fraud")
		h.refuse(caller, "reserved to its organisation", "RevokeBatch", "b1", "fraud")
	}
	h.submit(officeMSP, "Suspend", d, "error")
	for _, caller := range []string{pixMSP, govMSP, rogueMSP} {
		h.refuse(caller, "reserved to its organisation", "Reinstate", d)
	}
	h.refuse(officeMSP, record.NotFoundPrefix+"digest", "Revoke", newDigest(t), "fraud")
	h.refuse(officeMSP, record.NotFoundPrefix+`batch "b9"`, "RevokeBatch", "b9", "fraud")
}

func TestIssuerCanRevokeEvenWhenSuspendedOrWithdrawn(t *testing.T) {
	h, creds := anchoredCredentials(t, 2, 1)
	h.submit(govMSP, "SuspendIssuer", "exam-office", "fraud")
	h.submit(officeMSP, "Revoke", creds[0][0], "fraud")
	h.submit(govMSP, "WithdrawIssuer", "exam-office", "fraud")
	h.submit(officeMSP, "RevokeBatch", "b1", "fraud")
	if s := h.status(creds[1][0]); s.Status != record.StatusRevoked {
		t.Fatalf("status %+v", s)
	}
}

func TestRevokeBatch(t *testing.T) {
	h, creds := anchoredCredentials(t, 4, 2)
	other := newCredentials(t, 1, 1)
	h.anchor(officeMSP, "b2", "exam-office", "Diploma", other)

	h.submit(officeMSP, "Revoke", creds[0][0], "error")
	h.submit(officeMSP, "Suspend", creds[1][0], "other")

	h.refuse(officeMSP, "not a reason code", "RevokeBatch", "b1", "")
	stub, res := h.invoke(officeMSP, "RevokeBatch", "b1", "annulled")
	if !res.ok() {
		t.Fatal(res.message)
	}
	ev := lastEvent(t, stub, record.EventStatusChanged)
	if ev.IssuerID != "exam-office" || ev.BatchID != "b1" || ev.Status != string(record.StatusRevoked) || ev.Reason != "annulled" || len(ev.Digests) != 0 {
		t.Errorf("event %+v, want the batch without its digests", ev)
	}
	for i, group := range creds {
		for _, d := range group {
			s := h.status(d)
			wantReason := record.ReasonAnnulled
			if i == 0 {
				wantReason = record.ReasonError // revoked before: its revocation stands as it was
			}
			if s.Status != record.StatusRevoked || s.Reason != wantReason {
				t.Errorf("credential %d digest %s: %+v, want revoked for %s", i, d, s, wantReason)
			}
		}
	}
	if s := h.status(other[0][0]); s.Status != record.StatusActive {
		t.Errorf("revoking b1 touched b2: %+v", s)
	}
	h.refuse(officeMSP, "already revoked", "RevokeBatch", "b1", "annulled")
}
