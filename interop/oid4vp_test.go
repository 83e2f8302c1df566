package interop

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/internal/testcert"
)

// holderKey is a P-256 key as JWKs: the public one for the issuer's
// holder_jwk column, the private one for the wallet script.
func holderKey(t *testing.T) (public, private map[string]string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := k.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	priv, err := k.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	public = map[string]string{"kty": "EC", "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:])}
	private = map[string]string{"kty": "EC", "crv": "P-256", "x": public["x"], "y": public["y"], "d": b64(priv)}
	return public, private
}

// issueDiploma issues one diploma with a mention, bound to holderJWK, and
// returns its bundle's path.
func (h *home) issueDiploma(holderJWK string) string {
	h.t.Helper()
	h.sceau("ledger", "init")
	h.sceau("issuer", "init", "--id", "examoffice", "--name", "Office des examens")
	h.sceau("issuer", "accredit", "--id", "examoffice", "--types", "Diploma,PixCertification")
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"student_id", "given_name", "family_name", "birth_date", "diploma", "eqf_level", "awarded_on", "mention", "holder_jwk"})
	w.Write([]string{"070123456AB", "Hélène", "Lefèvre", "2007-03-14", "Baccalauréat général", "4", "2025-07-04", "tres_bien", holderJWK})
	w.Flush()
	input := filepath.Join(h.dir, "diplomas.csv")
	if err := os.WriteFile(input, buf.Bytes(), 0o600); err != nil {
		h.t.Fatal(err)
	}
	out := filepath.Join(h.dir, "out")
	h.sceau("issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out, "--bundles")
	bundles, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(bundles) != 1 {
		h.t.Fatalf("issued %v, want one bundle", bundles)
	}
	return bundles[0]
}

// presentationStatus is what GET /v1/presentation-requests/{id} answers.
type presentationStatus struct {
	ID      string `json:"id"`
	URI     string `json:"uri"`
	State   string `json:"state"`
	Verdict *struct {
		Verdict string          `json:"verdict"`
		Claims  json.RawMessage `json:"claims"`
		Checks  []struct {
			Name string `json:"name"`
			OK   bool   `json:"ok"`
		} `json:"checks"`
	} `json:"verdict"`
}

// TestSceauRequestAnsweredByOpenID4VPLibrary: a request made by `sceau
// serve` (POST /v1/presentation-requests) is answered by a wallet built
// with @openid4vc/openid4vp's holder side and @sd-jwt/sd-jwt-vc, and Sceau
// says valid, showing only the claims disclosed.
func TestSceauRequestAnsweredByOpenID4VPLibrary(t *testing.T) {
	n := needNode(t)
	h := newHome(t)
	addr := freeAddr(t)
	base := "http://" + addr
	h.env = append(h.env, "SCEAU_PUBLIC_URL="+base)
	public, private := holderKey(t)
	jwk, _ := json.Marshal(public)
	b := readBundle(t, h.issueDiploma(string(jwk)))
	h.serveWatched(addr)

	body := strings.NewReader(`{"type": "Diploma", "claims": ["diploma", "mention"]}`)
	resp, err := http.Post(base+"/v1/presentation-requests", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	var st presentationStatus
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(st.URI, "openid4vp://") {
		t.Fatalf("POST /v1/presentation-requests: %d %+v", resp.StatusCode, st)
	}

	var out struct {
		Status    int      `json:"status"`
		Body      string   `json:"body"`
		Disclosed []string `json:"disclosed"`
		Prefix    string   `json:"prefix"`
		JARPath   string   `json:"jarPath"`
	}
	if err := n.run(t, "oid4vp-holder.mjs", map[string]any{"uri": st.URI, "sdjwt": b.SDJWT, "holderJwk": private}, &out); err != nil {
		t.Fatalf("the library's wallet could not answer Sceau's request: %v", err)
	}
	t.Logf("@openid4vc/openid4vp on the request object by reference: %s", out.JARPath)
	if out.Status != http.StatusOK || out.Prefix != "redirect_uri" {
		t.Fatalf("Sceau answered the library's response %d %s (client prefix %q)", out.Status, out.Body, out.Prefix)
	}
	if !slices.Equal(out.Disclosed, []string{"diploma", "mention"}) {
		t.Errorf("the library's wallet read the query as asking for %v", out.Disclosed)
	}

	resp, err = http.Get(base + "/v1/presentation-requests/" + st.ID)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.State != "answered" || st.Verdict == nil || st.Verdict.Verdict != "valid" {
		t.Fatalf("the request after the library's answer: %+v", st)
	}
	var claims map[string]any
	json.Unmarshal(st.Verdict.Claims, &claims)
	if len(claims) != 3 || claims["mention"] != "tres_bien" || claims["diploma"] == nil || claims["eqf_level"] == nil {
		t.Errorf("Sceau shows %v: want the diploma, its level and the mention only", claims)
	}
	bound := false
	for _, c := range st.Verdict.Checks {
		bound = bound || (c.Name == "holder_binding" && c.OK)
	}
	if !bound {
		t.Error("the holder_binding check did not pass")
	}
}

// TestSceauWalletAnswersOpenID4VPLibraryVerifier: `sceau wallet respond`
// answers a request made by @openid4vc/openid4vp's verifier side, whose
// response endpoint verifies what it receives with the library and
// @sd-jwt/sd-jwt-vc: a request by value of the redirect_uri prefix, then
// a request object the library signs (JAR, x5c) under the x509_san_dns
// prefix, served over HTTPS by reference, which Sceau's wallet checks
// against the authority it is given (--ca).
func TestSceauWalletAnswersOpenID4VPLibraryVerifier(t *testing.T) {
	t.Run("redirect_uri, by value", func(t *testing.T) { answerLibraryVerifier(t, false) })
	t.Run("x509_san_dns, signed, by reference", func(t *testing.T) { answerLibraryVerifier(t, true) })
}

func answerLibraryVerifier(t *testing.T, withTLS bool) {
	n := needNode(t)
	h := newHome(t)
	// The credential's status list is fetched by the library's verifier
	// from the deployment's public URL: a server answers there.
	addr := freeAddr(t)
	h.env = append(h.env, "SCEAU_PUBLIC_URL=http://"+addr)
	walletDir := filepath.Join(h.dir, "wallet")
	h.env = append(h.env, "SCEAU_WALLET_PASSPHRASE=interop wallet passphrase")
	h.sceau("--wallet", walletDir, "wallet", "init", "--scrypt-work-factor", "10")
	holderJWK := strings.TrimSpace(h.sceau("--wallet", walletDir, "wallet", "holder-key"))
	bundlePath := h.issueDiploma(holderJWK)
	h.sceau("--wallet", walletDir, "wallet", "import", bundlePath)
	var jwks map[string]any
	if err := json.Unmarshal([]byte(h.sceau("issuer", "keys", "--id", "examoffice")), &jwks); err != nil {
		t.Fatal(err)
	}

	h.serveWatched(addr)
	waitForLists(t, "http://"+addr, "examoffice")
	in := map[string]any{"vct": "http://" + addr + "/vct/diploma", "claims": []string{"mention"}, "jwks": jwks}
	respond := []string{"--wallet", walletDir, "wallet", "respond", "--yes"}
	wantSaid, wantAud := "identity not checked", "redirect_uri:http://127.0.0.1:"
	if withTLS {
		tlsIn, caPEM := localhostCertificate(t)
		in["tls"] = tlsIn
		caFile := filepath.Join(h.dir, "ca.pem")
		if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		respond = append(respond, "--ca", caFile)
		wantSaid, wantAud = "identity checked by its certificate: CN=localhost", "x509_san_dns:localhost"
	}
	input, _ := json.Marshal(in)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("js", "oid4vp-verifier.mjs"))
	cmd.Dir = n.dir
	cmd.Stdin = bytes.NewReader(input)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	lines := bufio.NewReader(stdout)
	var first struct {
		URI string `json:"uri"`
	}
	line, readErr := lines.ReadString('\n')
	if err := json.Unmarshal([]byte(line), &first); err != nil || first.URI == "" {
		t.Fatalf("the library's verifier printed %q (%v, %v): %s", line, readErr, err, stderr.String())
	}

	said, err := h.try(append(respond, first.URI)...)
	if err != nil {
		t.Fatalf("sceau wallet respond: %v\n%s\nverifier: %s", err, said, stderr.String())
	}
	for _, want := range []string{wantSaid, "Interop employer", "claims: mention", "accepted"} {
		if !strings.Contains(said, want) {
			t.Errorf("sceau wallet respond printed:\n%s\nwant %q", said, want)
		}
	}

	line, readErr = lines.ReadString('\n')
	var result struct {
		Verified  bool           `json:"verified"`
		Error     string         `json:"error"`
		Claims    map[string]any `json:"claims"`
		Disclosed []string       `json:"disclosed"`
		KB        map[string]any `json:"kb"`
	}
	if err := json.Unmarshal([]byte(line), &result); err != nil {
		t.Fatalf("the library's verifier printed %q (%v): %v: %s", line, readErr, err, stderr.String())
	}
	if !result.Verified {
		t.Fatalf("the library's verifier refused Sceau's presentation: %s", result.Error)
	}
	if !slices.Equal(result.Disclosed, []string{"mention"}) || result.Claims["mention"] != "tres_bien" || result.Claims["given_name"] != nil {
		t.Errorf("the library's verifier saw disclosed %v, claims %v: want the mention alone", result.Disclosed, result.Claims)
	}
	if aud, _ := result.KB["aud"].(string); !strings.HasPrefix(aud, wantAud) {
		t.Errorf("key-binding JWT aud %q: want the library's client_id", aud)
	}
}

// localhostCertificate returns, for the library's verifier, a P-256 key
// and a certificate for the DNS name localhost that a new authority
// signed (PEM, and x5c), and that authority as PEM.
func localhostCertificate(t *testing.T) (map[string]any, []byte) {
	t.Helper()
	key, der, caPEM := testcert.Localhost(t, "Interop test CA")
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})),
		"cert": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		"x5c":  []string{base64.StdEncoding.EncodeToString(der)},
	}, caPEM
}
