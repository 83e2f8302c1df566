package verifierapi

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	base45 "github.com/adrianrudnik/base45-go"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/verifier"
)

// sign secures a diploma for issuer id with key, in its vc+jwt and SC1
// forms, without anchoring it.
func (e *env) sign(id string, key *credential.Key) *issued {
	e.t.Helper()
	c, err := credential.New(diploma(), id, e.issuedAt, rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	jwt, err := credential.SignJWT(c, key)
	if err != nil {
		e.t.Fatal(err)
	}
	qr, err := credential.SignQR(c, key)
	if err != nil {
		e.t.Fatal(err)
	}
	return &issued{cred: c, jwt: jwt.Text, qr: qr.Text, jwtDigest: jwt.Digest}
}

// tamperPayload changes from into to, of the same length, in the signed
// payload of a vc+jwt: the text still reads, the signature no longer
// verifies.
func tamperPayload(t *testing.T, compact, from, to string) string {
	t.Helper()
	parts := strings.Split(compact, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(payload), from, to, 1)
	if changed == string(payload) {
		t.Fatalf("payload has no %q", from)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(changed))
	return strings.Join(parts, ".")
}

// tamperSignature changes one byte of the COSE signature of an SC1 text
// (inflating its body first when it is compressed): the text still reads,
// the signature no longer verifies.
func tamperSignature(t *testing.T, text string) string {
	t.Helper()
	body, err := base45.Decode([]byte(strings.TrimPrefix(text, credential.QRPrefix)))
	if err != nil {
		t.Fatal(err)
	}
	if body[0] != 0xD2 { // zlib
		z, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body, err = io.ReadAll(z); err != nil {
			t.Fatal(err)
		}
	}
	body[len(body)-10] ^= 0x01 // the signature ends the COSE_Sign1
	return credential.QRPrefix + string(base45.Encode(body))
}

// blurredPhoto returns a PNG of text's QR code as a shaky phone takes it:
// blurred over about three modules, so that no reader finds the code.
func blurredPhoto(t *testing.T, text string) []byte {
	t.Helper()
	sharp, err := qrcode.EncodePNG(text)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(sharp))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	gray := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			gray.Set(x, y, img.At(x, y))
		}
	}
	const radius = 9
	blurred := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			sum, n := 0, 0
			for dy := -radius; dy <= radius; dy++ {
				for dx := -radius; dx <= radius; dx++ {
					if p := (image.Point{X: x + dx, Y: y + dy}); p.In(b) {
						sum += int(gray.GrayAt(p.X, p.Y).Y)
						n++
					}
				}
			}
			blurred.Pix[blurred.PixOffset(x, y)] = uint8(sum / n)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, blurred); err != nil {
		t.Fatal(err)
	}
	if _, err := qrcode.DecodeBytes(buf.Bytes()); err == nil {
		t.Fatal("the blurred photo still reads")
	}
	return buf.Bytes()
}

// overHTTP is one way a verdict is asked for over HTTP.
type overHTTP struct {
	name string
	// ask sends the input, asking for lang.
	ask func(t *testing.T, s *server, lang string) *response
	// status is the answer's status for a verdict that is not valid.
	status int
}

func verifyV1Text(input string) overHTTP {
	return overHTTP{"POST /v1/verify", func(t *testing.T, s *server, lang string) *response {
		body, _ := json.Marshal(map[string]string{"credential": input})
		return s.do(t, http.MethodPost, "/v1/verify", "application/json", bytes.NewReader(body), "Accept-Language", lang)
	}, http.StatusOK}
}

func verifyV1Image(photo []byte) overHTTP {
	return overHTTP{"POST /v1/verify (photo)", func(t *testing.T, s *server, lang string) *response {
		return s.postFileAsking(t, "/v1/verify", "image", "photo.png", photo, lang)
	}, http.StatusOK}
}

func vcAPI(path, member, input string, options map[string]string) overHTTP {
	return overHTTP{"POST " + path, func(t *testing.T, s *server, lang string) *response {
		body, _ := json.Marshal(map[string]any{member: input, "options": options})
		return s.do(t, http.MethodPost, path, "application/json", bytes.NewReader(body), "Accept-Language", lang)
	}, http.StatusOK}
}

// postFileAsking is postFile with an Accept-Language.
func (s *server) postFileAsking(t *testing.T, path, field, name string, data []byte, lang string) *response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return s.do(t, http.MethodPost, path, mw.FormDataContentType(), &buf, "Accept-Language", lang)
}

// TestReasonsOverHTTP: POST /v1/verify and the VC API give, for each way a
// credential fails, its reason code and a summary in the language asked
// for (Accept-Language; English by default), and check details in that
// language too.
func TestReasonsOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.now = time.Now() // key-binding JWTs are signed now
	creds := e.issue(diploma(), diploma(), diploma())
	valid, revoked, suspended := creds[0], creds[1], creds[2]
	expiring := e.issue(pix(e.issuedAt))[0]
	if err := e.contract.Revoke(e.ctx, issuerOrg, revoked.jwtDigest, record.ReasonFraud); err != nil {
		t.Fatal(err)
	}
	if err := e.contract.Suspend(e.ctx, issuerOrg, suspended.jwtDigest, record.ReasonError); err != nil {
		t.Fatal(err)
	}
	swapped := valid.bundle
	swapped.QR = revoked.qr
	swappedJSON, _ := json.Marshal(swapped)
	if _, err := e.ledger.ProvisionOrg(e.ctx, "acnice"); err != nil {
		t.Fatal(err)
	}
	pendingKey := e.generateKey()
	pendingJWK, _ := pendingKey.PublicJWK()
	if err := e.contract.RegisterIssuer(e.ctx, "acnice", "ac-nice", "Académie de Nice", string(pendingJWK)); err != nil {
		t.Fatal(err)
	}
	holder := e.generateKey()
	sd := e.issueSDJWT(holder)
	madeUpNonce, err := credential.PresentSDJWT(sd, holder, credential.Presentation{Disclose: []string{"mention"}, Nonce: "made-up", Audience: "https://verifier.example"})
	if err != nil {
		t.Fatal(err)
	}
	compromisedEnv := newEnv(t)
	compromised := compromisedEnv.issue(diploma())[0]
	if err := compromisedEnv.contract.CompromiseIssuerKey(e.ctx, issuerOrg, issuerID, compromisedEnv.key.KID(),
		compromisedEnv.issuedAt.Add(-time.Minute).Format(time.RFC3339)); err != nil {
		t.Fatal(err)
	}
	s, other := newServer(t, e), newServer(t, compromisedEnv)

	today := func(lang verifier.Language) string { return verifier.LongDate(lang, time.Now().UTC()) }
	until := expiring.cred.ValidUntil
	text := func(input string) []overHTTP {
		return []overHTTP{verifyV1Text(input), vcAPI("/credentials/verify", "verifiableCredential", input, nil)}
	}
	cases := []struct {
		name    string
		server  *server
		ways    []overHTTP
		at      time.Time // the verifier's clock, when not e.now
		reason  verifier.Reason
		check   string
		en, fr  string
		frCheck string // words of the deciding check's reason in French
	}{
		{"revoked", s, text(revoked.qr), time.Time{}, verifier.ReasonRevoked, verifier.CheckStatus,
			"Revoked on " + today(verifier.English) + " (fraud)", "Révoqué le " + today(verifier.French) + " (fraude)", "motif : fraude"},
		{"suspended", s, text(suspended.jwt), time.Time{}, verifier.ReasonSuspended, verifier.CheckStatus,
			"Suspended since " + today(verifier.English) + " (error)", "Suspendu depuis le " + today(verifier.French) + " (erreur)", "suspendue depuis le"},
		{"altered signature", s, text(tamperPayload(t, valid.jwt, `"eqf_level":4`, `"eqf_level":5`)), time.Time{}, verifier.ReasonAltered, verifier.CheckSignature,
			"Altered — the signature is not the issuer's", "Altéré — la signature n'est pas celle de l'émetteur", "la signature ne se vérifie pas"},
		{"altered content", s, text(string(swappedJSON)), time.Time{}, verifier.ReasonAltered, verifier.CheckFormat,
			"Altered — it does not match what the issuer signed and recorded", "Altéré — ne correspond pas à ce que l'émetteur a signé et enregistré",
			"ne décrivent pas la même attestation"},
		{"expired", s, text(expiring.jwt), until.Add(time.Hour), verifier.ReasonExpired, verifier.CheckValidity,
			"Expired on " + verifier.LongDate(verifier.English, until), "Expiré le " + verifier.LongDate(verifier.French, until), "expirée le"},
		{"unknown issuer", s, text(e.sign("ac-inconnue", e.generateKey()).jwt), time.Time{}, verifier.ReasonUnknownIssuer, verifier.CheckIssuer,
			"Unknown issuer (ac-inconnue)", "Émetteur inconnu (ac-inconnue)", "n'est pas enregistré au registre"},
		{"not accredited", s, text(e.sign("ac-nice", pendingKey).qr), time.Time{}, verifier.ReasonNotAccredited, verifier.CheckIssuer,
			"Issuer not accredited yet", "Émetteur pas encore habilité", "attend encore son habilitation"},
		{"not anchored", s, text(e.sign(issuerID, e.key).jwt), time.Time{}, verifier.ReasonNotAnchored, verifier.CheckAnchor,
			"Not recorded in the registry", "Absent du registre", "n'est pas inscrite au registre"},
		{"key compromised", other, text(compromised.jwt), time.Time{}, verifier.ReasonKeyCompromised, verifier.CheckAnchor,
			"Signed with a compromised key", "Signé avec une clé compromise", "était compromise"},
		{"holder binding missing", s, []overHTTP{vcAPI("/presentations/verify", "verifiablePresentation", sd, nil)}, time.Time{},
			verifier.ReasonHolderBinding, verifier.CheckHolderBinding,
			"Not presented by its holder for this request", "Non présenté par son titulaire pour cette demande", "n'a pas de JWT de liaison"},
		{"holder binding: a nonce never issued", s, []overHTTP{verifyV1Text(madeUpNonce)}, time.Time{},
			verifier.ReasonHolderBinding, verifier.CheckHolderBinding,
			"Not presented by its holder for this request", "Non présenté par son titulaire pour cette demande", "n'a pas été émis par ce vérificateur"},
		{"unreadable photo", s, []overHTTP{verifyV1Image(blurredPhoto(t, valid.qr))}, time.Time{}, verifier.ReasonUnreadable, verifier.CheckFormat,
			"Unreadable code — take the photo again", "Code illisible — reprenez la photo", "aucun code QR lisible"},
		{"unreadable text", s, text(valid.qr[:len(valid.qr)/2]), time.Time{}, verifier.ReasonUnreadable, verifier.CheckFormat,
			"Unreadable — the credential's text is damaged, incomplete or malformed",
			"Illisible — le texte de l'attestation est abîmé, incomplet ou mal formé", "n'est pas une attestation Sceau bien formée"},
	}
	for _, tc := range cases {
		for _, way := range tc.ways {
			t.Run(tc.name+", "+way.name, func(t *testing.T) {
				if !tc.at.IsZero() {
					saved := e.now
					e.now = tc.at
					defer func() { e.now = saved }()
				}
				for _, ask := range []struct {
					header     string
					lang       verifier.Language
					summary    string
					checkWords string
				}{
					{"", verifier.English, tc.en, ""},
					{"en-GB,en;q=0.9", verifier.English, tc.en, ""},
					{"fr-FR,fr;q=0.9,en;q=0.5", verifier.French, tc.fr, tc.frCheck},
				} {
					resp := way.ask(t, tc.server, ask.header)
					if strings.HasPrefix(way.name, "POST /credentials/") || strings.HasPrefix(way.name, "POST /presentations/") {
						// The VC API: the reason and summary are the first
						// problem's title and detail, the failing check's
						// reason one of the others' detail.
						vr := resp.vcAPIResult(t)
						if resp.status != http.StatusOK || vr.Verified || len(vr.ProblemDetails) < 2 ||
							vr.ProblemDetails[0].Title != string(tc.reason) || vr.ProblemDetails[0].Detail != ask.summary {
							t.Fatalf("Accept-Language %q: status %d, problems %+v; want 200, not verified, %q %q:\n%s",
								ask.header, resp.status, vr.ProblemDetails, tc.reason, ask.summary, resp.body)
						}
						if got := resp.header.Get("Content-Language"); got != string(ask.lang) {
							t.Errorf("Content-Language %q, want %s", got, ask.lang)
						}
						found := false
						for _, p := range vr.ProblemDetails[1:] {
							found = found || (p.Title == tc.check+" failed" && strings.Contains(p.Detail, ask.checkWords))
						}
						if !found {
							t.Errorf("Accept-Language %q: no problem of check %s saying %q: %+v", ask.header, tc.check, ask.checkWords, vr.ProblemDetails)
						}
						continue
					}
					var body struct {
						verifier.Result
					}
					if err := json.Unmarshal(resp.body, &body); err != nil {
						t.Fatalf("status %d, not a verdict: %s", resp.status, resp.body)
					}
					res := &body.Result
					if resp.status != way.status || res.Verdict != verifier.Invalid || res.Reason != tc.reason || res.Summary != ask.summary {
						t.Fatalf("Accept-Language %q: status %d verdict %s reason %q summary %q; want %d invalid %q %q:\n%s",
							ask.header, resp.status, res.Verdict, res.Reason, res.Summary, way.status, tc.reason, ask.summary, resp.body)
					}
					if got := resp.header.Get("Content-Language"); got != string(ask.lang) {
						t.Errorf("Content-Language %q, want %s", got, ask.lang)
					}
					f := failing(res)
					if f == nil || f.Name != tc.check || !strings.Contains(f.Reason, ask.checkWords) {
						t.Errorf("Accept-Language %q: first failing check %+v, want %s saying %q", ask.header, f, tc.check, ask.checkWords)
					}
				}
			})
		}
	}

	t.Run("valid: no reason, no summary", func(t *testing.T) {
		resp := verifyV1Text(valid.jwt).ask(t, s, "fr")
		if res := resp.result(t); res.Verdict != verifier.Valid || res.Reason != "" || res.Summary != "" ||
			strings.Contains(string(resp.body), `"reason": "valid"`) || !strings.Contains(res.Check(verifier.CheckIssuer).Reason, "est enregistré et en activité") {
			t.Errorf("valid in French:\n%s", resp.body)
		}
	})
	t.Run("indeterminate keeps its own words", func(t *testing.T) {
		closed := newEnv(t)
		is := closed.issue(diploma())[0]
		cs := newServer(t, closed)
		closed.ledger.Close()
		resp := verifyV1Text(is.jwt).ask(t, cs, "fr")
		res := resp.result(t)
		if res.Verdict != verifier.Indeterminate || res.Reason != verifier.ReasonLedgerUnavailable ||
			res.Summary != "certains contrôles n'ont pas pu être faits : l'attestation n'est PAS confirmée" {
			t.Errorf("indeterminate in French:\n%s", resp.body)
		}
	})
}
