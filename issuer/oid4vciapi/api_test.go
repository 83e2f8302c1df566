package oid4vciapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/issuertest"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/issuer/issuerapi"
	"github.com/sceau/sceau/issuer/oid4vci"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// pickupEnv is a server with the issuer API and the credential issuer on
// one embedded ledger, issuer "examoffice" accredited for diplomas.
type pickupEnv struct {
	svc   *issuer.Service
	srv   *httptest.Server
	token string
}

func newPickupEnv(t *testing.T) *pickupEnv {
	t.Helper()
	svc := issuertest.New(t, "examoffice", "Office des examens", record.TypeDiploma).Issuer
	tokens := &org.Tokens{Home: svc.Home}
	tok, _, err := tokens.Create("examoffice", "test")
	if err != nil {
		t.Fatal(err)
	}
	api, err := issuerapi.New(issuerapi.Config{Service: svc, Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	srv := httptest.NewUnstartedServer(r)
	srv.Start()
	svc.Base = srv.URL // as sceau serve: credentials name the deployment the server answers as
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	pickup, err := oid4vci.New(oid4vci.Config{Desk: api.Desk(), CredentialIssuer: srv.URL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	api.EnablePickup(pickup)
	api.Routes(r)
	Routes(r, pickup, quiet)
	t.Cleanup(func() {
		srv.Close()
		api.Close()
	})
	return &pickupEnv{svc: svc, srv: srv, token: tok}
}

func (e *pickupEnv) do(t *testing.T, method, path, auth, contentType string, body []byte) (int, []byte) {
	t.Helper()
	return issuertest.Call(t, e.srv, method, path, auth, contentType, body)
}

func (e *pickupEnv) postJSON(t *testing.T, path, auth string, v any) (int, []byte) {
	t.Helper()
	return issuertest.PostJSON(t, e.srv, path, auth, v)
}

// issueAndOffer issues a diploma for student over the issuer API and
// makes an offer of it; it returns the credential id and the offer.
func (e *pickupEnv) issueAndOffer(t *testing.T, student string) (string, oid4vci.Offer) {
	t.Helper()
	rec := map[string]any{"student_id": student, "given_name": "Hélène", "family_name": "Lefèvre", "birth_date": "2007-03-14",
		"diploma": "Baccalauréat général", "eqf_level": 4, "awarded_on": "2025-07-04", "mention": "tres_bien"}
	code, body := e.postJSON(t, "/v1/credentials", e.token, map[string]any{"type": "Diploma", "record": rec})
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/credentials: %d %s", code, body)
	}
	b, err := credential.ParseBundle(body)
	if err != nil {
		t.Fatal(err)
	}
	code, body = e.postJSON(t, "/v1/offers", e.token, map[string]any{"credentials": []string{b.ID}})
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/offers: %d %s", code, body)
	}
	var got struct{ Offers []oid4vci.Offer }
	if err := json.Unmarshal(body, &got); err != nil || len(got.Offers) != 1 {
		t.Fatalf("offers: %s, %v", body, err)
	}
	return b.ID, got.Offers[0]
}

// codeOf returns the pre-authorized code of an offer URI.
func codeOf(t *testing.T, uri string) string {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Grants map[string]struct {
			Code string `json:"pre-authorized_code"`
		} `json:"grants"`
	}
	if err := json.Unmarshal([]byte(u.Query().Get("credential_offer")), &o); err != nil {
		t.Fatal(err)
	}
	return o.Grants[oid4vci.GrantPreAuthorized].Code
}

func (e *pickupEnv) token_(t *testing.T, code, tx string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {oid4vci.GrantPreAuthorized}, "pre-authorized_code": {code}, "tx_code": {tx}}
	status, body := e.do(t, http.MethodPost, oid4vci.PathToken, "", "application/x-www-form-urlencoded", []byte(form.Encode()))
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("token answer %d is not JSON: %s", status, body)
	}
	return status, m
}

func (e *pickupEnv) nonce(t *testing.T) string {
	t.Helper()
	status, body := e.do(t, http.MethodPost, oid4vci.PathNonce, "", "", nil)
	var m struct {
		CNonce string `json:"c_nonce"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &m) != nil || m.CNonce == "" {
		t.Fatalf("nonce: %d %s", status, body)
	}
	return m.CNonce
}

// proof makes a key proof with key; edit changes its header and claims.
func proof(t *testing.T, key *credential.Key, aud, nonce string, edit func(h, c map[string]any)) string {
	t.Helper()
	jwk, err := key.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]any{"alg": string(key.Algorithm()), "typ": oid4vci.ProofType, "jwk": json.RawMessage(jwk)}
	c := map[string]any{"aud": aud, "iat": time.Now().Unix(), "nonce": nonce}
	if edit != nil {
		edit(h, c)
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	if h["alg"] != string(key.Algorithm()) {
		// Signed all the same, under a header naming another algorithm.
		enc := base64.RawURLEncoding
		return enc.EncodeToString(hb) + "." + enc.EncodeToString(cb) + "." + enc.EncodeToString([]byte("sig"))
	}
	p, err := key.SignCompact(hb, cb)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
		t.Fatalf("not an OpenID4VCI error object: %s", body)
	}
	return e.Error
}

func ledgerHeight(t *testing.T, svc *issuer.Service) uint64 {
	t.Helper()
	info, err := svc.Ledger.(*embedded.Ledger).Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.Height
}

func TestPickupIssuesACredentialBoundToTheWalletsKey(t *testing.T) {
	e := newPickupEnv(t)
	id, offer := e.issueAndOffer(t, "070123456AB")
	if !strings.HasPrefix(offer.URI, "openid-credential-offer://?credential_offer=") || len(offer.TxCode) != 6 || offer.StudentID != "070123456AB" {
		t.Fatalf("offer %+v", offer)
	}

	// Metadata.
	status, body := e.do(t, http.MethodGet, oid4vci.PathIssuerMetadata, "", "", nil)
	var meta struct {
		CredentialIssuer string                    `json:"credential_issuer"`
		Configs          map[string]map[string]any `json:"credential_configurations_supported"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &meta) != nil || meta.CredentialIssuer != e.srv.URL {
		t.Fatalf("metadata: %d %s", status, body)
	}
	if c := meta.Configs["Diploma_dc+sd-jwt"]; c["format"] != "dc+sd-jwt" || c["vct"] != e.srv.URL+credential.VCTPath+"diploma" {
		t.Errorf("the Diploma SD-JWT VC configuration: %v", c)
	}
	if c := meta.Configs["Diploma_jwt_vc_json"]; c["format"] != "jwt_vc_json" {
		t.Errorf("the Diploma W3C configuration: %v", c)
	}

	code := codeOf(t, offer.URI)
	status, tok := e.token_(t, code, offer.TxCode)
	if status != http.StatusOK || tok["token_type"] != "Bearer" {
		t.Fatalf("token: %d %v", status, tok)
	}
	access := tok["access_token"].(string)
	holder, err := credential.GenerateKey(credential.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	status, body = e.postJSON(t, oid4vci.PathCredential, access, map[string]any{
		"credential_configuration_id": "Diploma_dc+sd-jwt",
		"proofs":                      map[string]any{"jwt": []string{proof(t, holder, e.srv.URL, e.nonce(t), nil)}},
	})
	if status != http.StatusOK {
		t.Fatalf("credential: %d %s", status, body)
	}
	var resp oid4vci.CredentialResponse
	if err := json.Unmarshal(body, &resp); err != nil || len(resp.Credentials) != 1 {
		t.Fatalf("credential response: %s", body)
	}
	sd, err := credential.ParseSDJWT(resp.Credentials[0].Credential)
	if err != nil {
		t.Fatal(err)
	}
	if sd.Credential.HolderKey == nil || sd.Credential.HolderKey.KID() != holder.KID() {
		t.Fatalf("the credential is not bound to the wallet's key")
	}
	if sd.Envelope().ID != id {
		t.Errorf("picked up %s, offered %s", sd.Envelope().ID, id)
	}
	v, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	// Bound to the wallet's key, it is valid presented by the wallet with
	// a key-binding JWT over a verifier's nonce, and only so.
	check := verifier.New(e.svc.Contract, v, verifier.Options{})
	if res := check.Verify(context.Background(), []byte(resp.Credentials[0].Credential)); res.Verdict == verifier.Valid || res.Reason != verifier.ReasonHolderBinding {
		t.Fatalf("the picked-up credential verifies without its holder: %s %s", res.Verdict, res.Reason)
	}
	presented, err := credential.PresentSDJWT(resp.Credentials[0].Credential, holder, credential.Presentation{Disclose: []string{"mention"}, Nonce: "n-employer", Audience: "https://employer.example"})
	if err != nil {
		t.Fatal(err)
	}
	asked := verifier.PresentationRequest{Nonce: "n-employer", Audience: "https://employer.example"}
	decoded, derr := credential.Decode(context.Background(), []byte(presented))
	if res := check.VerifyDecoded(context.Background(), decoded, derr, asked); res.Verdict != verifier.Valid {
		t.Fatalf("the picked-up credential, presented by its holder, does not verify: %+v", res.Checks)
	}

	// The W3C form, with the same token, needs no proof.
	status, body = e.postJSON(t, oid4vci.PathCredential, access, map[string]any{"credential_configuration_id": "Diploma_jwt_vc_json"})
	if status != http.StatusOK {
		t.Fatalf("jwt_vc_json: %d %s", status, body)
	}
	// Each configuration once.
	status, body = e.postJSON(t, oid4vci.PathCredential, access, map[string]any{
		"credential_configuration_id": "Diploma_dc+sd-jwt",
		"proofs":                      map[string]any{"jwt": []string{proof(t, holder, e.srv.URL, e.nonce(t), nil)}},
	})
	if status != http.StatusBadRequest || errorCode(t, body) != oid4vci.ErrCredentialRequestDenied {
		t.Errorf("the same configuration again: %d %s", status, body)
	}

	// Revoking the credential by its id covers the picked-up form.
	status, body = e.postJSON(t, "/v1/credentials/"+id+"/revoke", e.token, map[string]any{"reason": "fraud"})
	if status != http.StatusOK {
		t.Fatalf("revoke: %d %s", status, body)
	}
	if res := check.Verify(context.Background(), []byte(resp.Credentials[0].Credential)); res.Reason != verifier.ReasonRevoked {
		t.Errorf("the picked-up form after revoking the credential: %s %s", res.Verdict, res.Reason)
	}
}

func TestPickupRefusesBadInputWithTheSpecsErrorCodes(t *testing.T) {
	e := newPickupEnv(t)
	holder, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}

	// The same answer whether the code exists or not.
	_, offer := e.issueAndOffer(t, "070123456AB")
	code := codeOf(t, offer.URI)
	_, wrongTx := e.token_(t, code, "000000")
	if offer.TxCode == "000000" {
		t.Skip("the random code happens to be 000000")
	}
	_, unknown := e.token_(t, "examoffice.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", offer.TxCode)
	_, otherIssuer := e.token_(t, "nobody.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", offer.TxCode)
	_, garbage := e.token_(t, "garbage", offer.TxCode)
	for name, got := range map[string]map[string]any{"wrong tx_code": wrongTx, "unknown code": unknown, "another issuer": otherIssuer, "garbage": garbage} {
		if got["error"] != oid4vci.ErrInvalidGrant || got["error_description"] != wrongTx["error_description"] {
			t.Errorf("%s: %v; want the one invalid_grant answer", name, got)
		}
	}
	// Four more wrong codes (five in all) kill the offer: the right one is then refused.
	for range 4 {
		e.token_(t, code, "000000")
	}
	if status, got := e.token_(t, code, offer.TxCode); status != http.StatusBadRequest || got["error"] != oid4vci.ErrInvalidGrant {
		t.Errorf("the right code after five wrong ones: %d %v", status, got)
	}
	// Missing members and grant types.
	form := url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}
	status, body := e.do(t, http.MethodPost, oid4vci.PathToken, "", "application/x-www-form-urlencoded", []byte(form.Encode()))
	if status != http.StatusBadRequest || errorCode(t, body) != oid4vci.ErrUnsupportedGrantType {
		t.Errorf("another grant type: %d %s", status, body)
	}
	if status, got := e.token_(t, code, ""); status != http.StatusBadRequest || got["error"] != oid4vci.ErrInvalidRequest {
		t.Errorf("no tx_code: %d %v", status, got)
	}
	big := []byte("grant_type=" + strings.Repeat("a", MaxTokenRequest))
	status, body = e.do(t, http.MethodPost, oid4vci.PathToken, "", "application/x-www-form-urlencoded", big)
	if status != http.StatusBadRequest || errorCode(t, body) != oid4vci.ErrInvalidRequest {
		t.Errorf("an oversized token request: %d %s", status, body)
	}

	// A good offer, redeemed once; then every bad credential request.
	_, offer = e.issueAndOffer(t, "070123456AC")
	code = codeOf(t, offer.URI)
	status, tok := e.token_(t, code, offer.TxCode)
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, tok)
	}
	if status, got := e.token_(t, code, offer.TxCode); status != http.StatusBadRequest || got["error"] != oid4vci.ErrInvalidGrant {
		t.Errorf("the same offer again: %d %v", status, got)
	}
	access := tok["access_token"].(string)
	height := ledgerHeight(t, e.svc)
	reused := e.nonce(t)
	ask := func(p string) (int, string) {
		status, body := e.postJSON(t, oid4vci.PathCredential, access, map[string]any{
			"credential_configuration_id": "Diploma_dc+sd-jwt", "proofs": map[string]any{"jwt": []string{p}},
		})
		if status == http.StatusOK {
			return status, ""
		}
		return status, errorCode(t, body)
	}
	privateJWK, err := holder.MarshalPrivateJWK()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		proof func() string
		want  string
	}{
		{"wrong audience", func() string { return proof(t, holder, "https://other.example", e.nonce(t), nil) }, oid4vci.ErrInvalidProof},
		{"unknown nonce", func() string { return proof(t, holder, e.srv.URL, "stale-nonce", nil) }, oid4vci.ErrInvalidNonce},
		{"no nonce", func() string {
			return proof(t, holder, e.srv.URL, "", func(_, c map[string]any) { delete(c, "nonce") })
		}, oid4vci.ErrInvalidNonce},
		{"HS256", func() string {
			return proof(t, holder, e.srv.URL, e.nonce(t), func(h, _ map[string]any) { h["alg"] = "HS256" })
		}, oid4vci.ErrInvalidProof},
		{"alg none", func() string {
			return proof(t, holder, e.srv.URL, e.nonce(t), func(h, _ map[string]any) { h["alg"] = "none" })
		}, oid4vci.ErrInvalidProof},
		{"a private jwk", func() string {
			return proof(t, holder, e.srv.URL, e.nonce(t), func(h, _ map[string]any) { h["jwk"] = json.RawMessage(privateJWK) })
		}, oid4vci.ErrInvalidProof},
		{"wrong typ", func() string {
			return proof(t, holder, e.srv.URL, e.nonce(t), func(h, _ map[string]any) { h["typ"] = "JWT" })
		}, oid4vci.ErrInvalidProof},
		{"old iat", func() string {
			return proof(t, holder, e.srv.URL, e.nonce(t), func(_, c map[string]any) { c["iat"] = time.Now().Add(-time.Hour).Unix() })
		}, oid4vci.ErrInvalidProof},
		{"signed by another key", func() string {
			other, _ := credential.GenerateKey(credential.ES256)
			p := proof(t, other, e.srv.URL, e.nonce(t), nil)
			good := proof(t, holder, e.srv.URL, e.nonce(t), nil)
			parts, goodParts := strings.Split(p, "."), strings.Split(good, ".")
			return goodParts[0] + "." + goodParts[1] + "." + parts[2]
		}, oid4vci.ErrInvalidProof},
		{"not a JWT", func() string { return "not.a.jwt.at.all" }, oid4vci.ErrInvalidProof},
		{"oversized proof", func() string { return strings.Repeat("a", oid4vci.MaxProofSize+1) }, oid4vci.ErrInvalidProof},
	} {
		if status, got := ask(tc.proof()); status != http.StatusBadRequest || got != tc.want {
			t.Errorf("%s: %d %s, want 400 %s", tc.name, status, got, tc.want)
		}
	}
	if got := ledgerHeight(t, e.svc); got != height {
		t.Errorf("the ledger grew from %d to %d on refused proofs: something was anchored", height, got)
	}
	// A nonce is single-use: accepted once, refused after.
	if status, got := ask(proof(t, holder, e.srv.URL, reused, nil)); status != http.StatusOK {
		t.Fatalf("a good proof: %d %s", status, got)
	}
	if status, got := ask(proof(t, holder, e.srv.URL, reused, nil)); status != http.StatusBadRequest || got != oid4vci.ErrInvalidNonce {
		t.Errorf("a reused nonce: %d %s", status, got)
	}

	// Requests that are not what the spec asks for.
	for _, tc := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"no configuration", map[string]any{}, oid4vci.ErrInvalidCredentialRequest},
		{"an unknown configuration", map[string]any{"credential_configuration_id": "Pix_dc+sd-jwt"}, oid4vci.ErrUnknownCredentialConfiguration},
		{"a draft's proof", map[string]any{"credential_configuration_id": "Diploma_dc+sd-jwt", "proof": map[string]any{"proof_type": "jwt"}}, oid4vci.ErrInvalidCredentialRequest},
		{"no proof", map[string]any{"credential_configuration_id": "Diploma_dc+sd-jwt"}, oid4vci.ErrInvalidProof},
		{"another proof type", map[string]any{"credential_configuration_id": "Diploma_dc+sd-jwt", "proofs": map[string]any{"attestation": []string{"x"}}}, oid4vci.ErrInvalidProof},
		{"two proofs", map[string]any{"credential_configuration_id": "Diploma_dc+sd-jwt", "proofs": map[string]any{"jwt": []string{"a", "b"}}}, oid4vci.ErrInvalidProof},
		{"encryption", map[string]any{"credential_configuration_id": "Diploma_dc+sd-jwt", "credential_response_encryption": map[string]any{}}, oid4vci.ErrInvalidEncryptionParameters},
	} {
		status, body := e.postJSON(t, oid4vci.PathCredential, access, tc.body)
		if status != http.StatusBadRequest || errorCode(t, body) != tc.want {
			t.Errorf("%s: %d %s, want 400 %s", tc.name, status, body, tc.want)
		}
	}
	huge := []byte(`{"credential_configuration_id":"` + strings.Repeat("a", MaxCredentialRequest) + `"}`)
	status, body = e.do(t, http.MethodPost, oid4vci.PathCredential, access, "application/json", huge)
	if status != http.StatusBadRequest || errorCode(t, body) != oid4vci.ErrInvalidCredentialRequest {
		t.Errorf("an oversized credential request: %d %s", status, body)
	}
	status, body = e.postJSON(t, oid4vci.PathCredential, "not-a-token", map[string]any{"credential_configuration_id": "Diploma_dc+sd-jwt"})
	if status != http.StatusUnauthorized || errorCode(t, body) != oid4vci.ErrInvalidToken {
		t.Errorf("a wrong access token: %d %s", status, body)
	}
	status, body = e.postJSON(t, oid4vci.PathCredential, "", map[string]any{"credential_configuration_id": "Diploma_dc+sd-jwt"})
	if status != http.StatusUnauthorized || errorCode(t, body) != oid4vci.ErrInvalidToken {
		t.Errorf("no access token: %d %s", status, body)
	}
}

func TestPickupOfARevokedCredentialIsDenied(t *testing.T) {
	e := newPickupEnv(t)
	id, offer := e.issueAndOffer(t, "070123456AB")
	if status, body := e.postJSON(t, "/v1/credentials/"+id+"/suspend", e.token, map[string]any{"reason": "error"}); status != http.StatusOK {
		t.Fatalf("suspend: %d %s", status, body)
	}
	_, tok := e.token_(t, codeOf(t, offer.URI), offer.TxCode)
	holder, _ := credential.GenerateKey(credential.ES256)
	height := ledgerHeight(t, e.svc)
	status, body := e.postJSON(t, oid4vci.PathCredential, tok["access_token"].(string), map[string]any{
		"credential_configuration_id": "Diploma_dc+sd-jwt",
		"proofs":                      map[string]any{"jwt": []string{proof(t, holder, e.srv.URL, e.nonce(t), nil)}},
	})
	if status != http.StatusBadRequest || errorCode(t, body) != oid4vci.ErrCredentialRequestDenied {
		t.Errorf("a suspended credential picked up: %d %s", status, body)
	}
	if got := ledgerHeight(t, e.svc); got != height {
		t.Errorf("the ledger grew from %d to %d: something was anchored", height, got)
	}
}
