package interop

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestSignaturesVerifyWithIndependentLibraries issues credentials with the
// sceau command and verifies their vc+jwt form with panva's jose and their
// SD-JWT VC form with the OpenWallet Foundation's @sd-jwt/sd-jwt-vc, each
// against the JWKS `sceau issuer keys` prints from the ledger. The SD-JWT
// VC library also fetches the status list the credential names, from
// `sceau serve`.
func TestSignaturesVerifyWithIndependentLibraries(t *testing.T) {
	n := needNode(t)
	h := newHome(t)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	h.env = append(h.env, "SCEAU_PUBLIC_URL=http://"+addr)
	bundles := h.issuerWithCredentials(2)
	var jwks map[string]any
	if err := json.Unmarshal([]byte(h.sceau("issuer", "keys", "--id", "examoffice")), &jwks); err != nil {
		t.Fatalf("sceau issuer keys: %v", err)
	}
	h.serveWatched(addr).waitLists("examoffice")
	for _, path := range bundles {
		b := readBundle(t, path)

		var vc struct {
			Header  map[string]any `json:"header"`
			Payload map[string]any `json:"payload"`
		}
		if err := n.run(t, "verify-jose.mjs", map[string]any{"jwt": b.VCJWT, "jwks": jwks}, &vc); err != nil {
			t.Fatalf("jose refuses Sceau's vc+jwt: %v", err)
		}
		if vc.Payload["id"] != b.ID {
			t.Errorf("jose read credential id %v, want %s", vc.Payload["id"], b.ID)
		}

		var sd struct {
			Payload map[string]any `json:"payload"`
		}
		if err := n.run(t, "verify-sdjwt-vc.mjs", map[string]any{"sdjwt": b.SDJWT, "jwks": jwks}, &sd); err != nil {
			t.Fatalf("@sd-jwt/sd-jwt-vc refuses Sceau's SD-JWT VC: %v", err)
		}
		if sd.Payload["vct"] == nil || sd.Payload["iss"] == nil {
			t.Errorf("@sd-jwt/sd-jwt-vc read no vct or iss: %v", sd.Payload)
		}

		// One byte changed in the signed part must be refused by both.
		tampered := []byte(b.VCJWT)
		tampered[len(tampered)/2] ^= 1
		if err := n.run(t, "verify-jose.mjs", map[string]any{"jwt": string(tampered), "jwks": jwks}, nil); err == nil {
			t.Error("jose accepted a tampered vc+jwt")
		}
	}
}
