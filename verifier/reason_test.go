package verifier

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
)

// reasonCase is an input whose verdict names what happened.
type reasonCase struct {
	name  string
	input string
	// req is what the verifier asks of a presentation.
	req     PresentationRequest
	verdict Verdict
	reason  Reason
	// check is the check that decides the reason: the first that failed.
	check string
	// en and fr are the verdict's summary in English and in French.
	en, fr string
}

// reasonCases builds, on e's ledger, one input for each reason a verdict
// can give (all but ledger_error, which only a misbehaving ledger gives).
func reasonCases(t *testing.T, e *env) []reasonCase {
	t.Helper()
	today := func(lang Language) string { return LongDate(lang, time.Now().UTC()) }
	creds := e.issue(diploma(), diploma(), diploma())
	valid, revoked, suspended := creds[0], creds[1], creds[2]
	if err := e.contract.Revoke(e.ctx, issuerOrg, revoked.jwtDigest, record.ReasonFraud); err != nil {
		t.Fatal(err)
	}
	if err := e.contract.Suspend(e.ctx, issuerOrg, suspended.jwtDigest, record.ReasonError); err != nil {
		t.Fatal(err)
	}
	swapped := valid.bundle
	swapped.QR = revoked.qr

	holder, holderJWK := e.newHolder()
	sd := e.issueSD(diploma(), holderJWK)
	pres := e.present(sd.sdjwt, holder, "n-1", "aud-1", "mention")
	parts := strings.Split(pres, "~")
	forged := base64.RawURLEncoding.EncodeToString([]byte(`["c2FsdHNhbHRzYWx0","mention","tres_bien_felicitations"]`))
	forgedDisclosure := strings.Replace(pres, parts[1], forged, 1)

	d := diploma()
	d.EQFLevel = 9
	nonconforming := e.issue(d)[0]

	// A second exam office, registered but not accredited yet.
	if _, err := e.ledger.ProvisionOrg(e.ctx, "acnice"); err != nil {
		t.Fatal(err)
	}
	pendingKey := e.generateKey()
	pendingJWK, _ := pendingKey.PublicJWK()
	if err := e.contract.RegisterIssuer(e.ctx, "acnice", "ac-nice", "Académie de Nice", string(pendingJWK)); err != nil {
		t.Fatal(err)
	}
	pending := e.sign(diploma(), "ac-nice", pendingKey)

	return []reasonCase{
		{name: "valid", input: valid.jwt, verdict: Valid},
		{name: "revoked", input: revoked.qr, verdict: Invalid, reason: ReasonRevoked, check: CheckStatus,
			en: "Revoked on " + today(English) + " (fraud)", fr: "Révoqué le " + today(French) + " (fraude)"},
		{name: "suspended", input: suspended.jwt, verdict: Invalid, reason: ReasonSuspended, check: CheckStatus,
			en: "Suspended since " + today(English) + " (error)", fr: "Suspendu depuis le " + today(French) + " (erreur)"},
		{name: "altered signature", input: tamperJWTPayload(t, valid.jwt, `"eqf_level":4`, `"eqf_level":5`), verdict: Invalid, reason: ReasonAltered, check: CheckSignature,
			en: "Altered — the signature is not the issuer's", fr: "Altéré — la signature n'est pas celle de l'émetteur"},
		{name: "altered content: a bundle's forms disagree", input: string(mustJSON(t, swapped)), verdict: Invalid, reason: ReasonAltered, check: CheckFormat,
			en: "Altered — it does not match what the issuer signed and recorded", fr: "Altéré — ne correspond pas à ce que l'émetteur a signé et enregistré"},
		{name: "altered content: a forged disclosure", input: forgedDisclosure, verdict: Invalid, reason: ReasonAltered, check: CheckFormat,
			en: "Altered — it does not match what the issuer signed and recorded", fr: "Altéré — ne correspond pas à ce que l'émetteur a signé et enregistré"},
		{name: "unknown issuer", input: e.sign(diploma(), "ac-inconnue", e.generateKey()).jwt, verdict: Invalid, reason: ReasonUnknownIssuer, check: CheckIssuer,
			en: "Unknown issuer (ac-inconnue)", fr: "Émetteur inconnu (ac-inconnue)"},
		{name: "issuer not accredited yet", input: pending.qr, verdict: Invalid, reason: ReasonNotAccredited, check: CheckIssuer,
			en: "Issuer not accredited yet", fr: "Émetteur pas encore habilité"},
		{name: "not anchored", input: e.sign(diploma(), issuerID, e.key).jwt, verdict: Invalid, reason: ReasonNotAnchored, check: CheckAnchor,
			en: "Not recorded in the registry", fr: "Absent du registre"},
		{name: "nonconforming", input: nonconforming.jwt, verdict: Invalid, reason: ReasonNonconforming, check: CheckSchema,
			en: "Content not conforming to its type", fr: "Contenu non conforme à son modèle"},
		{name: "holder binding missing", input: sd.sdjwt, req: PresentationRequest{Nonce: "n-1", Audience: "aud-1"}, verdict: Invalid,
			reason: ReasonHolderBinding, check: CheckHolderBinding,
			en: "Not presented by its holder for this request", fr: "Non présenté par son titulaire pour cette demande"},
		{name: "unreadable photo", input: string(pngWithoutQR(t)), verdict: Invalid, reason: ReasonUnreadable, check: CheckFormat,
			en: "Unreadable code — take the photo again", fr: "Code illisible — reprenez la photo"},
		{name: "unreadable text", input: valid.qr[:len(valid.qr)/2], verdict: Invalid, reason: ReasonUnreadable, check: CheckFormat,
			en: "Unreadable — the credential's text is damaged, incomplete or malformed", fr: "Illisible — le texte de l'attestation est abîmé, incomplet ou mal formé"},
		{name: "not a credential", input: "Léa Martin, bac mention bien", verdict: Invalid, reason: ReasonUnreadable, check: CheckFormat,
			en: "Not a Sceau credential — nothing to verify", fr: "Pas une attestation Sceau — rien à vérifier"},
	}
}

func mustJSON(t *testing.T, b credential.Bundle) []byte {
	t.Helper()
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestVerdictsNameWhatHappened: each way a credential fails gives its
// reason code, decided by the check that failed, and a summary in English
// and French; a valid verdict has neither.
func TestVerdictsNameWhatHappened(t *testing.T) {
	e := newEnv(t)
	for _, tc := range reasonCases(t, e) {
		t.Run(tc.name, func(t *testing.T) {
			r := e.verifyExpecting(tc.input, tc.req)
			if r.Verdict != tc.verdict || r.Reason != tc.reason {
				t.Fatalf("verdict %s reason %q, want %s %q:\n%s", r.Verdict, r.Reason, tc.verdict, tc.reason, describe(r))
			}
			if f := failing(r); tc.check != "" && (f == nil || f.Name != tc.check) {
				t.Errorf("first failing check %+v, want %s", f, tc.check)
			}
			if r.Summary != tc.en {
				t.Errorf("summary %q, want %q", r.Summary, tc.en)
			}
			fr := r.In(French)
			if fr.Summary != tc.fr {
				t.Errorf("French summary %q, want %q", fr.Summary, tc.fr)
			}
			if en := r.In(English); en.Summary != r.Summary || !slices.Equal(en.Checks, r.Checks) {
				t.Errorf("In(English) changed the result: %+v", en)
			}
			for i, c := range fr.Checks {
				if c.Reason == r.Checks[i].Reason {
					t.Errorf("check %s reads the same in French and English: %q", c.Name, c.Reason)
				}
			}
			if fr.Reason != r.Reason || fr.Verdict != r.Verdict {
				t.Errorf("In(French) changed the verdict or its reason")
			}
		})
	}
}

// TestMoreReasons: the reasons that need a ledger changed after issuance.
func TestMoreReasons(t *testing.T) {
	t.Run("issuer suspended, then withdrawn", func(t *testing.T) {
		e := newEnv(t)
		is := e.issue(diploma())[0]
		if err := e.contract.SuspendIssuer(e.ctx, governance, issuerID, record.ReasonFraud); err != nil {
			t.Fatal(err)
		}
		r := e.verify([]byte(is.jwt))
		if r.Reason != ReasonIssuerSuspended || r.Summary != "Issuer suspended (fraud)" || r.In(French).Summary != "Émetteur suspendu (fraude)" {
			t.Errorf("suspended issuer: reason %q, summary %q / %q", r.Reason, r.Summary, r.In(French).Summary)
		}
		if err := e.contract.WithdrawIssuer(e.ctx, governance, issuerID, record.ReasonAnnulled); err != nil {
			t.Fatal(err)
		}
		r = e.verify([]byte(is.jwt))
		if r.Reason != ReasonIssuerWithdrawn || r.Summary != "Issuer withdrawn (annulled)" || r.In(French).Summary != "Émetteur radié (annulation)" {
			t.Errorf("withdrawn issuer: reason %q, summary %q / %q", r.Reason, r.Summary, r.In(French).Summary)
		}
	})
	t.Run("key compromised", func(t *testing.T) {
		e := newEnv(t)
		is := e.issue(diploma())[0]
		since := e.issuedAt.Add(-time.Minute).Format(time.RFC3339)
		if err := e.contract.CompromiseIssuerKey(e.ctx, issuerOrg, issuerID, e.key.KID(), since); err != nil {
			t.Fatal(err)
		}
		r := e.verify([]byte(is.jwt))
		if r.Reason != ReasonKeyCompromised || r.Summary != "Signed with a compromised key" || r.In(French).Summary != "Signé avec une clé compromise" {
			t.Errorf("reason %q, summary %q", r.Reason, r.Summary)
		}
		if c := r.In(French).Check(CheckAnchor); !strings.Contains(c.Reason, "compromise") || !strings.Contains(c.Reason, e.key.KID()) {
			t.Errorf("French anchor check: %q", c.Reason)
		}
	})
	t.Run("key retired before anchoring", func(t *testing.T) {
		e := newEnv(t)
		next := e.generateKey()
		jwk, _ := next.PublicJWK()
		if err := e.contract.RotateIssuerKey(e.ctx, issuerOrg, issuerID, string(jwk)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // anchored in a later second than the rotation
		is := e.issue(diploma())[0]         // still signed with the retired key
		r := e.verify([]byte(is.jwt))
		if r.Reason != ReasonKeyRetired || r.Summary != "Signed with a key already retired" {
			t.Errorf("reason %q, summary %q:\n%s", r.Reason, r.Summary, describe(r))
		}
	})
	t.Run("expired, and not yet valid", func(t *testing.T) {
		e := newEnv(t)
		is := e.issue(pix(e.issuedAt))[0]
		until := is.cred.ValidUntil
		e.now = until.Add(time.Hour)
		r := e.verify([]byte(is.jwt))
		if r.Reason != ReasonExpired || r.Summary != "Expired on "+LongDate(English, until) || r.In(French).Summary != "Expiré le "+LongDate(French, until) {
			t.Errorf("expired: reason %q, summary %q / %q", r.Reason, r.Summary, r.In(French).Summary)
		}
		if c := r.In(French).Check(CheckValidity); c.Reason != "expirée le "+LongDate(French, until)+" à "+until.Format("15:04:05")+" UTC" {
			t.Errorf("French validity check: %q", c.Reason)
		}
		e.now = e.issuedAt.Add(-time.Hour)
		r = e.verify([]byte(is.jwt))
		if r.Reason != ReasonNotYetValid || r.In(French).Summary != "Pas encore valable (à partir du "+LongDate(French, e.issuedAt)+")" {
			t.Errorf("not yet valid: reason %q, summary %q", r.Reason, r.In(French).Summary)
		}
	})
	t.Run("ledger unavailable: indeterminate keeps its own words", func(t *testing.T) {
		e := newEnv(t)
		is := e.issue(diploma())[0]
		e.ledger.Close()
		r := e.verify([]byte(is.jwt))
		if r.Verdict != Indeterminate || r.Reason != ReasonLedgerUnavailable ||
			r.Summary != "some checks could not run, so this credential is NOT confirmed" ||
			!strings.Contains(r.In(French).Check(CheckIssuer).Reason, "le registre est injoignable") {
			t.Errorf("verdict %s reason %q summary %q:\n%s", r.Verdict, r.Reason, r.Summary, describe(r.In(French)))
		}
	})
}

// TestResultInReadsBackAsText: a result read back from JSON (a server's
// answer) has no messages: In leaves its texts as they are.
func TestResultInReadsBackAsText(t *testing.T) {
	r := &Result{Verdict: Invalid, Reason: ReasonRevoked, Summary: "Révoqué le 5 juillet 2025 (fraude)",
		Checks: []Check{{Name: CheckStatus, Reason: "révoquée le 5 juillet 2025 (motif : fraude)"}}}
	if got := r.In(English); got.Summary != r.Summary || got.Checks[0].Reason != r.Checks[0].Reason {
		t.Errorf("In changed texts it cannot render: %+v", got)
	}
}

func TestReasonsAreDocumented(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, why := range Reasons() {
		if !strings.Contains(readme, "`"+string(why)+"`") {
			t.Errorf("verifier/README.md does not document reason %s", why)
		}
	}
}

// anyArg formats as "x" under any verb, standing for any argument.
type anyArg struct{}

func (anyArg) Format(f fmt.State, _ rune) { fmt.Fprint(f, "x") }

// TestCatalogue: every message id declared has an English and a French
// text; each renders with its arguments, in both languages, without a
// formatting error; no entry is left without an id.
func TestCatalogue(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "catalogue.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[msgID]bool{}
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "msgID" {
				continue
			}
			for _, v := range vs.Values {
				s, err := strconv.Unquote(v.(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				if declared[msgID(s)] {
					t.Errorf("message id %q declared twice", s)
				}
				declared[msgID(s)] = true
			}
		}
	}
	for id := range declared {
		if _, ok := catalogue[id]; !ok {
			t.Errorf("message %q has no texts", id)
		}
	}
	for id, texts := range catalogue {
		if !declared[id] {
			t.Errorf("catalogue entry %q has no declared id", id)
		}
		if texts.en == "" || texts.fr == "" {
			t.Errorf("message %q lacks a language: %+v", id, texts)
		}
		args := make([]any, max(argsUsed(texts.en), argsUsed(texts.fr)))
		for i := range args {
			args[i] = anyArg{}
		}
		for _, lang := range Languages() {
			if got := say(id, args...).in(lang); strings.Contains(got, "%!") {
				t.Errorf("message %q in %s: %s", id, lang, got)
			}
		}
	}
}

// argsUsed returns how many arguments a format reads: its verbs, or its
// highest explicit index.
func argsUsed(format string) int {
	n, highest := verbs(format), 0
	for rest := format; ; {
		i := strings.Index(rest, "%[")
		if i < 0 {
			break
		}
		rest = rest[i+2:]
		end := strings.IndexByte(rest, ']')
		k, err := strconv.Atoi(rest[:end])
		if err == nil && k > highest {
			highest = k
		}
	}
	if highest > 0 {
		return highest
	}
	return n
}

func TestMatchLanguage(t *testing.T) {
	cases := []struct {
		fallback Language
		prefs    []string
		want     Language
	}{
		{English, nil, English},
		{French, nil, French},
		{English, []string{"fr-FR"}, French},
		{English, []string{"fr-CA,en;q=0.8"}, French},
		{French, []string{"en-GB,en;q=0.9"}, English},
		{English, []string{"de-DE,de;q=0.9"}, English},
		{French, []string{"de-DE,de;q=0.9"}, French},
		{English, []string{"", "fr"}, French},
		{English, []string{"not a tag!"}, English},
	}
	for _, c := range cases {
		if got := MatchLanguage(c.fallback, c.prefs...); got != c.want {
			t.Errorf("MatchLanguage(%s, %q) = %s, want %s", c.fallback, c.prefs, got, c.want)
		}
	}
}

func TestLongDateAndAge(t *testing.T) {
	day := time.Date(2025, 7, 1, 23, 0, 0, 0, time.UTC)
	if en, fr := LongDate(English, day), LongDate(French, day); en != "1 July 2025" || fr != "1er juillet 2025" {
		t.Errorf("LongDate: %q, %q", en, fr)
	}
	if fr := LongDate(French, day.AddDate(0, 1, 3)); fr != "4 août 2025" {
		t.Errorf("LongDate: %q", fr)
	}
	for d, want := range map[time.Duration]string{30 * time.Second: "moins d'une minute", time.Minute: "1 minute", 3 * time.Hour: "3 heures", 72 * time.Hour: "3 jours"} {
		if got := Age(French, d); got != want {
			t.Errorf("Age(French, %v) = %q, want %q", d, got, want)
		}
	}
}
