package chaincode

import (
	"encoding/json"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
)

// A member organisation that is compromised (or hostile) holds valid Fabric
// credentials of its own MSP, and may run its own registered, accredited
// issuer. Whatever it submits, it must never change another issuer's
// records nor the registry's governance decisions. Each refused call must
// leave the whole world state untouched (harness.refuse checks it).
func TestCompromisedOrganisationCannotTouchOthers(t *testing.T) {
	h := newHarness(t)
	victimKey := h.registerAccredited(officeMSP, "exam-office", "Diploma")
	victimCreds := newCredentials(t, 2, 2)
	h.anchor(officeMSP, "victim-batch", "exam-office", "Diploma", victimCreds)
	h.submit(officeMSP, "Suspend", victimCreds[1][0], "error")
	h.registerAccredited(rogueMSP, "rogue", "OpenResource")
	h.submit(govMSP, "SuspendIssuer", "rogue", "fraud")
	rogueKey := newP256Key(t)

	victimRequest := anchorRequest(t, "forged", "exam-office", "Diploma", newCredentials(t, 1, 1))
	// The rogue's own issuer is suspended and only accredited for OpenResource.
	selfRequest := anchorRequest(t, "self", "rogue", "Diploma", newCredentials(t, 1, 1))
	// Re-anchoring the victim's digests under the rogue's issuer.
	stolen, _ := json.Marshal(record.AnchorRequest{BatchID: "stolen", IssuerID: "rogue", Type: "OpenResource", Credentials: victimCreds[:1], Root: rootOf(t, victimCreds[:1])})

	attacks := []struct {
		name, want, fn string
		args           []string
	}{
		{"accredit itself", "governance", "AccreditIssuer", []string{"rogue", `["Diploma"]`, ""}},
		{"accredit the victim differently", "governance", "AccreditIssuer", []string{"exam-office", `["Diploma"]`, "2026-06-02"}},
		{"lift its own suspension", "governance", "ReinstateIssuer", []string{"rogue"}},
		{"suspend the victim", "governance", "SuspendIssuer", []string{"exam-office", "fraud"}},
		{"withdraw the victim", "governance", "WithdrawIssuer", []string{"exam-office", "fraud"}},
		{"take over the victim's id", "already bound", "RegisterIssuer", []string{"exam-office", "Office", rogueKey.public}},
		{"rotate in its own key for the victim", "reserved to its organisation", "RotateIssuerKey", []string{"exam-office", rogueKey.public}},
		{"report the victim's key compromised", "reserved to its organisation", "CompromiseIssuerKey", []string{"exam-office", victimKey.kid, "2026-01-01"}},
		{"anchor in the victim's name", "reserved to its organisation", "AnchorBatch", []string{victimRequest}},
		{"anchor while suspended", "active issuer", "AnchorBatch", []string{selfRequest}},
		{"re-anchor the victim's digests while suspended", "active issuer", "AnchorBatch", []string{string(stolen)}},
		{"revoke a victim credential", "reserved to its organisation", "Revoke", []string{victimCreds[0][0], "fraud"}},
		{"suspend a victim credential", "reserved to its organisation", "Suspend", []string{victimCreds[0][1], "fraud"}},
		{"reinstate a suspended victim credential", "reserved to its organisation", "Reinstate", []string{victimCreds[1][0]}},
		{"revoke the victim's batch", "reserved to its organisation", "RevokeBatch", []string{"victim-batch", "fraud"}},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			h.with(t).refuse(rogueMSP, a.want, a.fn, a.args...)
		})
	}

	// Even once reinstated and accredited, it still cannot reach the victim.
	h.submit(govMSP, "ReinstateIssuer", "rogue")
	h.refuse(rogueMSP, "already anchored", "AnchorBatch", string(stolen))
	h.refuse(rogueMSP, "reserved to its organisation", "AnchorBatch", victimRequest)
	h.refuse(rogueMSP, "reserved to its organisation", "RevokeBatch", "victim-batch", "fraud")
}

// The governance organisation comes only from the chaincode's
// configuration: an identity of another MSP cannot act as governance,
// whatever it passes as arguments.
func TestGovernanceIsTheConfiguredMSPOnly(t *testing.T) {
	h := newHarness(t)
	h.submit(officeMSP, "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
	for _, caller := range []string{officeMSP, pixMSP, rogueMSP} {
		h.refuse(caller, "governance", "AccreditIssuer", "exam-office", `["Diploma"]`, "")
	}
	other, err := NewChaincode(Config{GovernanceMSP: rogueMSP, Now: h.network.clock})
	if err != nil {
		t.Fatal(err)
	}
	// The same ledger served by a chaincode configured otherwise trusts
	// that configuration, not the previous one.
	h.cc = other
	h.refuse(govMSP, "governance", "AccreditIssuer", "exam-office", `["Diploma"]`, "")
	h.submit(rogueMSP, "AccreditIssuer", "exam-office", `["Diploma"]`, "")
}

func TestUnreadableCallerIdentityIsRefused(t *testing.T) {
	h := newHarness(t)
	for name, creator := range map[string][]byte{
		"no creator":     nil,
		"not a protobuf": []byte("\xff\xff\xff"),
		"no MSP ID":      serializedIdentity(t, ""),
		"no certificate": mustMarshalIdentity(t, govMSP, []byte("not a certificate")),
	} {
		t.Run(name, func(t *testing.T) {
			h.creators["broken"] = creator
			h.with(t).refuse("broken", "identity", "RegisterIssuer", "exam-office", "Office", newP256Key(t).public)
		})
	}
}
