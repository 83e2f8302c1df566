package verifierapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/merkle"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/verifier"
)

// issueSDJWT signs a diploma as an SD-JWT VC bound to holder and anchors
// it in a batch of its own.
func (e *env) issueSDJWT(holder *credential.Key) string {
	e.t.Helper()
	c, err := credential.New(diploma(), issuerID, e.issuedAt, rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	holderJWK, err := holder.PublicJWK()
	if err != nil {
		e.t.Fatal(err)
	}
	sd, err := credential.SignSDJWT(c, e.key, holderJWK)
	if err != nil {
		e.t.Fatal(err)
	}
	digest := sd.Digest
	raw, _ := hex.DecodeString(digest)
	leaf := merkle.LeafHash(merkle.LeafData([][]byte{raw}))
	e.batches++
	req := record.AnchorRequest{BatchID: "sd-batch-" + digest[:8], IssuerID: issuerID, Type: record.CredentialType(c.Type),
		Credentials: [][]string{{digest}}, Root: hex.EncodeToString(merkle.Root([][]byte{leaf}))}
	if _, err := e.contract.AnchorBatch(e.ctx, issuerOrg, req); err != nil {
		e.t.Fatalf("AnchorBatch: %v", err)
	}
	return sd.Text
}

func (s *server) challengeNonce(t *testing.T) string {
	t.Helper()
	var body challengeResponse
	resp := s.do(t, http.MethodGet, "/v1/challenge", "", nil)
	if err := json.Unmarshal(resp.body, &body); err != nil || body.Nonce == "" {
		t.Fatalf("challenge: status %d %s", resp.status, resp.body)
	}
	return body.Nonce
}

func TestPresentationsOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.now = time.Now() // key-binding JWTs are signed now
	holder := e.generateKey()
	issued := e.issueSDJWT(holder)
	s := newServer(t, e)
	const audience = "https://verifier.example"
	present := func(nonce, aud string) string {
		t.Helper()
		p, err := credential.PresentSDJWT(issued, holder, credential.Presentation{Disclose: []string{"mention", "diploma"}, Nonce: nonce, Audience: aud})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	holderBinding := func(resp *response) *verifier.Check {
		t.Helper()
		res := resp.result(t)
		c := res.Check(verifier.CheckHolderBinding)
		if c == nil {
			t.Fatalf("no holder_binding check:\n%s", resp.body)
		}
		return c
	}

	t.Run("fresh challenge, then reused", func(t *testing.T) {
		p := present(s.challengeNonce(t), audience)
		resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": p})
		if res := resp.result(t); resp.status != 200 || res.Verdict != verifier.Valid {
			t.Fatalf("status %d verdict %s, want valid:\n%s", resp.status, res.Verdict, resp.body)
		}
		var claims map[string]any
		json.Unmarshal(resp.result(t).Claims, &claims)
		if claims["mention"] != "tres_bien" && claims["mention"] != "bien" || claims["birth_date"] != nil {
			t.Errorf("claims %v: want the mention disclosed and the birth date not", claims)
		}
		resp = s.postJSON(t, "/v1/verify", map[string]string{"credential": p})
		if res := resp.result(t); res.Verdict != verifier.Invalid || holderBinding(resp).OK {
			t.Fatalf("reused nonce: verdict %s, want invalid at holder_binding:\n%s", res.Verdict, resp.body)
		}
	})
	t.Run("nonce never issued", func(t *testing.T) {
		resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": present("made-up-nonce", audience)})
		if res := resp.result(t); res.Verdict != verifier.Invalid || holderBinding(resp).OK {
			t.Fatalf("verdict %s, want invalid at holder_binding:\n%s", res.Verdict, resp.body)
		}
	})
	t.Run("another audience", func(t *testing.T) {
		resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": present(s.challengeNonce(t), "https://elsewhere.example")})
		if res := resp.result(t); res.Verdict != verifier.Invalid || holderBinding(resp).OK {
			t.Fatalf("verdict %s, want invalid at holder_binding:\n%s", res.Verdict, resp.body)
		}
	})
	t.Run("wrong holder key", func(t *testing.T) {
		other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		// The holder's presentation, its key-binding JWT signed again by
		// another key.
		p := present(s.challengeNonce(t), audience)
		cut := strings.LastIndex(p, "~") + 1
		parts := strings.Split(p[cut:], ".")
		signingInput := parts[0] + "." + parts[1]
		digest := sha256.Sum256([]byte(signingInput))
		r, sig, err := ecdsa.Sign(rand.Reader, other, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		raw := append(r.FillBytes(make([]byte, 32)), sig.FillBytes(make([]byte, 32))...)
		p = p[:cut] + signingInput + "." + base64.RawURLEncoding.EncodeToString(raw)
		resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": p})
		if res := resp.result(t); res.Verdict != verifier.Invalid || holderBinding(resp).OK {
			t.Fatalf("verdict %s, want invalid at holder_binding:\n%s", res.Verdict, resp.body)
		}
	})
	t.Run("bound SD-JWT without key binding on /v1/verify", func(t *testing.T) {
		resp := s.postJSON(t, "/v1/verify", map[string]string{"credential": issued})
		if res := resp.result(t); res.Verdict != verifier.Invalid || holderBinding(resp).OK {
			t.Fatalf("verdict %s, want invalid at holder_binding (its binding is stripped):\n%s", res.Verdict, resp.body)
		}
	})
	t.Run("VC API with options.challenge and options.domain", func(t *testing.T) {
		nonce := s.challengeNonce(t)
		body := func(p string) map[string]any {
			return map[string]any{
				"verifiablePresentation": map[string]any{"type": "EnvelopedVerifiablePresentation", "id": "data:application/dc+sd-jwt," + p},
				"options":                map[string]any{"challenge": nonce, "domain": "https://rh.example"},
			}
		}
		resp := s.postJSON(t, "/presentations/verify", body(present(nonce, "https://rh.example")))
		if resp.status != 200 {
			t.Fatalf("status %d, want 200:\n%s", resp.status, resp.body)
		}
		resp = s.postJSON(t, "/presentations/verify", body(present(nonce, "https://rh.example")))
		if vr := resp.vcAPIResult(t); resp.status != http.StatusOK || vr.Verified || vr.ProblemDetails[0].Title != "holder_binding" {
			t.Fatalf("reused challenge: status %d, want 200, not verified, holder_binding:\n%s", resp.status, resp.body)
		}
		other := s.challengeNonce(t)
		resp = s.postJSON(t, "/presentations/verify", body(present(other, "https://rh.example")))
		if resp.status != http.StatusOK || resp.vcAPIResult(t).Verified {
			t.Fatalf("nonce other than options.challenge: status %d, want 200, not verified:\n%s", resp.status, resp.body)
		}
	})
	t.Run("presentation endpoint requires key binding", func(t *testing.T) {
		resp := s.postJSON(t, "/presentations/verify", map[string]any{"verifiablePresentation": issued})
		if vr := resp.vcAPIResult(t); resp.status != http.StatusOK || vr.Verified || vr.ProblemDetails[0].Title != "holder_binding" {
			t.Fatalf("status %d, want 200, not verified, holder_binding:\n%s", resp.status, resp.body)
		}
	})
}

// TestPresentationInAQRImage sends a presentation as a photo of its QR
// code: what the image holds, once decoded, makes it a presentation that
// must answer one of the service's challenges, once.
func TestPresentationInAQRImage(t *testing.T) {
	e := newEnv(t)
	e.now = time.Now() // key-binding JWTs are signed now
	holder := e.generateKey()
	issued := e.issueSDJWT(holder)
	s := newServer(t, e)
	p, err := credential.PresentSDJWT(issued, holder, credential.Presentation{Disclose: []string{"mention"}, Nonce: s.challengeNonce(t), Audience: "https://verifier.example"})
	if err != nil {
		t.Fatal(err)
	}
	// A presentation is shown on a screen, not printed: level L, as the
	// wallet draws it, holds the longest ones.
	symbol, err := qrcode.EncodeLevel(p, qrcode.LevelL)
	if err != nil {
		t.Fatal(err)
	}
	png := symbol.PNG()
	resp := s.postFile(t, "/v1/verify", "image", "presentation.png", png)
	if res := resp.result(t); resp.status != 200 || res.Verdict != verifier.Valid || res.Input != "dc+sd-jwt (QR image)" {
		t.Fatalf("status %d verdict %s input %q, want a valid presentation from a QR image:\n%s", resp.status, res.Verdict, res.Input, resp.body)
	}
	resp = s.postFile(t, "/v1/verify", "image", "presentation.png", png)
	res := resp.result(t)
	if c := res.Check(verifier.CheckHolderBinding); res.Verdict != verifier.Invalid || c == nil || c.OK || !strings.Contains(c.Reason, "nonce") {
		t.Fatalf("the same image again: verdict %s, want invalid at holder_binding, its nonce used up:\n%s", res.Verdict, resp.body)
	}
}

func TestHolderBound(t *testing.T) {
	e := newEnv(t)
	e.now = time.Now()
	holder := e.generateKey()
	issued := e.issueSDJWT(holder)
	presented, err := credential.PresentSDJWT(issued, holder, credential.Presentation{Disclose: []string{"mention"}, Nonce: "n", Audience: "a"})
	if err != nil {
		t.Fatal(err)
	}
	dip := e.issue(diploma())[0]
	for _, c := range []struct {
		name, input string
		want        bool
	}{
		{"presentation with a key-binding JWT", presented, true},
		{"SD-JWT as issued, bound to a holder key", issued, true},
		{"vc+jwt", dip.jwt, false},
		{"SC1", dip.qr, false},
		{"bundle", string(dip.bundleJSON(t)), false},
		{"not a credential, with a tilde inside", "a~b", false},
	} {
		decoded, _ := credential.Decode(e.ctx, []byte(c.input))
		if got := holderBound(decoded); got != c.want {
			t.Errorf("%s: holderBound = %v, want %v", c.name, got, c.want)
		}
	}
}
