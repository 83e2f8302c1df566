package chaincode

import (
	"testing"
	"time"
)

// TestAnIssuersClockOnlyMovesForward changes an issuer's record, then
// submits transactions acting for it stamped earlier than that change
// (backdated, as a client chooses its proposal's timestamp): each is
// refused, whoever the caller; one stamped at or after it is accepted.
func TestAnIssuersClockOnlyMovesForward(t *testing.T) {
	h := newHarness(t)
	h.submit(officeMSP, "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
	h.submit(govMSP, "AccreditIssuer", "exam-office", `["Diploma"]`, "")
	changed := h.now
	h.submit(govMSP, "SuspendIssuer", "exam-office", "other")
	h.now = changed.Add(-2 * time.Second)
	h.refuse(govMSP, "never goes back", "ReinstateIssuer", "exam-office")
	h.now = changed.Add(-2 * time.Second)
	h.refuse(officeMSP, "never goes back", "RotateIssuerKey", "exam-office", newP256Key(t).public)
	h.now = changed.Add(time.Second)
	h.submit(govMSP, "ReinstateIssuer", "exam-office")
}

// TestAPeerRefusesProposalsOutsideItsWindow runs the chaincode as a peer
// whose clock is an hour away from the transactions' stamps: it refuses
// them (default window, 5 minutes); a window of an hour and a half lets
// them through.
func TestAPeerRefusesProposalsOutsideItsWindow(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		window time.Duration
		accept bool
	}{{0, false}, {90 * time.Minute, true}} {
		cc, err := NewChaincode(Config{GovernanceMSP: govMSP, TxTimeWindow: c.window, Now: func() time.Time { return h.now.Add(time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		h.cc = cc
		if c.accept {
			h.submit(officeMSP, "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
		} else {
			h.refuse(officeMSP, "from this ledger's clock", "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
		}
	}
}
