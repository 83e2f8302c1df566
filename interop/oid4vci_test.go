package interop

import (
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenID4VCIPickupWithAnIndependentWallet drives the whole pickup of
// issue #14 with a wallet Sceau did not write: `sceau issue`, `sceau offer`
// and `sceau serve`, then the OpenWallet Foundation's @openid4vc/openid4vci
// client (offer, metadata, token with the tx_code, nonce, a key proof
// signed with jose, credential request), and @sd-jwt/sd-jwt-vc verifies the
// credential with the issuer's JWKS and finds the wallet's key in cnf.jwk.
// The same offer is then refused.
func TestOpenID4VCIPickupWithAnIndependentWallet(t *testing.T) {
	n := needNode(t)
	h := newHome(t)
	// The deployment's public URL, which the credentials carry (their
	// status list, vct) and the server answers at.
	addr := freeAddr(t)
	public := "http://" + addr
	h.env = append(h.env, "SCEAU_PUBLIC_URL="+public)
	h.issuerWithCredentials(2)
	var jwks map[string]any
	if err := json.Unmarshal([]byte(h.sceau("issuer", "keys", "--id", "examoffice")), &jwks); err != nil {
		t.Fatalf("sceau issuer keys: %v", err)
	}
	bundles, _ := filepath.Glob(filepath.Join(h.dir, "out", "*.json"))
	var offers []struct {
		ID     string `json:"id"`
		URI    string `json:"uri"`
		TxCode string `json:"tx_code"`
	}
	for _, line := range strings.Split(strings.TrimSpace(h.sceau(append([]string{"--public-url", public, "offer", "--issuer", "examoffice", "--json"}, bundles...)...)), "\n") {
		var o struct {
			ID     string `json:"id"`
			URI    string `json:"uri"`
			TxCode string `json:"tx_code"`
		}
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("sceau offer --json: %q: %v", line, err)
		}
		offers = append(offers, o)
	}
	if len(offers) != 2 {
		t.Fatalf("%d offers, want 2", len(offers))
	}
	h.serveWatched(addr)
	waitForLists(t, public, "examoffice")

	for i, alg := range []string{"ES256", "EdDSA"} {
		var got struct {
			ConfigurationID string         `json:"configurationId"`
			Payload         map[string]any `json:"payload"`
			CNFMatches      bool           `json:"cnfMatches"`
			Metadata        map[string]any `json:"metadata"`
		}
		in := map[string]any{"offer": offers[i].URI, "txCode": offers[i].TxCode, "jwks": jwks, "alg": alg}
		if err := n.run(t, "oid4vci-pickup.mjs", in, &got); err != nil {
			t.Fatalf("the @openid4vc/openid4vci wallet (%s key) could not pick the credential up: %v", alg, err)
		}
		if !got.CNFMatches {
			t.Errorf("%s: the credential is not bound to the wallet's key: cnf %v", alg, got.Payload["cnf"])
		}
		if got.Payload["id"] != offers[i].ID || got.Payload["vct"] != got.Metadata["vct"] {
			t.Errorf("%s: picked up %v (vct %v), offered %s (vct %v)", alg, got.Payload["id"], got.Payload["vct"], offers[i].ID, got.Metadata["vct"])
		}
		if meta, _ := got.Metadata["credential_metadata"].(map[string]any); meta == nil || !strings.Contains(fmt.Sprint(meta["display"]), "locale:fr") || !strings.Contains(fmt.Sprint(meta["display"]), "locale:en") {
			t.Errorf("%s: the configuration's display is not in French and English: %v", alg, got.Metadata)
		}
		// The same offer again is refused.
		if err := n.run(t, "oid4vci-pickup.mjs", in, nil); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Errorf("%s: the same offer again: %v, want invalid_grant", alg, err)
		}
	}
}

// freeAddr returns a loopback address whose port is free now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
