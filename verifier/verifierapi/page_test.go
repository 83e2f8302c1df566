package verifierapi

import (
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"

	"github.com/sceau/sceau/verifier"
)

func TestPageLang(t *testing.T) {
	cases := []struct {
		choice, accept string
		want           verifier.Language
	}{
		{"", "", "fr"},
		{"", "en-GB,en;q=0.9", "en"},
		{"", "de-DE,de;q=0.9", "fr"},
		{"", "de-DE,en;q=0.5", "en"},
		{"", "fr-CA,en;q=0.8", "fr"},
		{"fr", "en-US", "fr"},
		{"en", "fr-FR", "en"},
		{"xx", "en-US", "en"},
	}
	for _, c := range cases {
		if got := pageLang(c.choice, c.accept); got != c.want {
			t.Errorf("pageLang(%q, %q) = %q, want %q", c.choice, c.accept, got, c.want)
		}
	}
}

func TestDescribeClaims(t *testing.T) {
	fr := pageTexts(verifier.French)
	diplomaClaims := json.RawMessage(`{"student_id":"070123456AB","given_name":"Léa","family_name":"Martin","birth_date":"2007-02-28",
		"diploma":"Baccalauréat général","eqf_level":4,"awarded_on":"2025-07-04","mention":"tres_bien_felicitations",
		"specialities":["Mathématiques","Physique-chimie"],"session":"juin 2025","extra":{"a":1}}`)
	claims, competences := describeClaims(fr, diplomaClaims)
	got := map[string]string{}
	for _, c := range claims {
		got[c.Label] = c.Value
	}
	want := map[string]string{
		"Titulaire": "Léa Martin", "Date de naissance": "28 février 2007", "INE": "070123456AB",
		"Diplôme": "Baccalauréat général", "Mention": "Très bien avec les félicitations du jury",
		"Spécialités": "Mathématiques, Physique-chimie", "Niveau CEC (EQF)": "4", "Date d'obtention": "4 juillet 2025",
		"Session": "juin 2025", "extra": `{"a":1}`,
	}
	for label, value := range want {
		if got[label] != value {
			t.Errorf("%s = %q, want %q", label, got[label], value)
		}
	}
	if claims[0].Label != "Titulaire" || claims[len(claims)-1].Label != "extra" {
		t.Errorf("order %v: the holder first, unknown claims last", claims)
	}
	if len(competences) != 0 {
		t.Errorf("a diploma has competences: %v", competences)
	}

	en := pageTexts(verifier.English)
	// A selective disclosure: two competences by column, one not passed.
	_, competences = describeClaims(en, json.RawMessage(`{"pix_score":612,"c2_1":6,"c5_1":-1}`))
	if len(competences) != 2 || competences[0] != (competenceView{"2.1", "Interagir", "level 6"}) ||
		competences[1] != (competenceView{"5.1", "Résoudre des problèmes techniques", "not passed"}) {
		t.Errorf("competences %v", competences)
	}
	// The full list: names are the framework's, whatever the credential says.
	_, competences = describeClaims(fr, json.RawMessage(`{"competences":[{"id":"3.4","name":"Coding","level":2}]}`))
	if len(competences) != 1 || competences[0] != (competenceView{"3.4", "Programmer", "niveau 2"}) {
		t.Errorf("competences %v", competences)
	}
	if claims, _ := describeClaims(fr, json.RawMessage(`[1,2]`)); len(claims) != 1 || claims[0].Value != "[1,2]" {
		t.Errorf("claims that are not an object: %v", claims)
	}
}

func TestPageOverHTTP(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	s := newServer(t, e)

	resp := s.do(t, http.MethodGet, "/", "", nil, "Accept-Language", "en-US,en;q=0.9")
	body := string(resp.body)
	if resp.status != 200 || !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Verify a credential") {
		t.Fatalf("GET / in English: status %d\n%s", resp.status, body)
	}
	csp := resp.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	for _, external := range []string{"http://", "https://", "//cdn"} {
		if strings.Contains(body, `src="`+external) || strings.Contains(body, `href="`+external) {
			t.Errorf("the page loads something from elsewhere (%s)", external)
		}
	}
	for _, asset := range []string{"/static/style.css", "/static/app.js"} {
		if r := s.do(t, http.MethodGet, asset, "", nil); r.status != 200 || len(r.body) < 500 {
			t.Errorf("%s: status %d, %d bytes", asset, r.status, len(r.body))
		}
	}

	resp = s.postFile(t, "/", "", "", nil, "credential", is.qr, "lang", "fr")
	body = string(resp.body)
	if resp.status != 200 || !strings.Contains(body, `data-verdict="valid"`) || !strings.Contains(body, "Valide") ||
		!strings.Contains(body, "Académie de Versailles (ac-versailles)") || !strings.Contains(body, "Mention") {
		t.Fatalf("POST / with an SC1 text: status %d\n%s", resp.status, body)
	}
	if !strings.Contains(body, "est enregistré et en activité") || strings.Contains(body, "is registered and active") {
		t.Error("the French page does not give the checks' details in French")
	}

	e.ledger.Close()
	resp = s.postFile(t, "/", "", "", nil, "credential", is.jwt, "lang", "en")
	if body := string(resp.body); !strings.Contains(body, `data-verdict="indeterminate"`) || !strings.Contains(body, "Cannot conclude") {
		t.Fatalf("ledger closed: the page does not say it cannot conclude:\n%s", body)
	}
	resp = s.postFile(t, "/", "", "", nil, "lang", "en")
	if resp.status != 400 || !strings.Contains(string(resp.body), "role=\"alert\"") {
		t.Errorf("empty form: status %d, want 400 with an alert", resp.status)
	}
}

// TestPageBannerNamesTheCase: after a submission the banner names what
// happened, in the page's language, and the checks' details are in that
// language too; an unreadable photo is not shown as a forgery.
func TestPageBannerNamesTheCase(t *testing.T) {
	e := newEnv(t)
	creds := e.issue(diploma(), diploma())
	if err := e.contract.Revoke(e.ctx, issuerOrg, creds[1].jwtDigest, record.ReasonFraud); err != nil {
		t.Fatal(err)
	}
	s := newServer(t, e)
	today := func(lang verifier.Language) string { return verifier.LongDate(lang, time.Now().UTC()) }
	photo := blurredPhoto(t, creds[0].qr)
	cases := []struct {
		name, lang string
		submit     func(lang string) *response
		tone       string
		reason     string
		headline   string
		words      []string // in the page
		never      []string // nowhere in the page
	}{
		{"revoked, French", "fr", func(lang string) *response {
			return s.postFile(t, "/", "", "", nil, "credential", creds[1].qr, "lang", lang)
		}, "invalid", "revoked", "Révoqué le " + today(verifier.French) + " (fraude)",
			[]string{"Non valide : ne vous fiez pas", "révoquée le " + today(verifier.French) + " (motif : fraude)", "est enregistré et en activité"},
			[]string{"is registered and active", "revoked (reason"}},
		{"revoked, English", "en", func(lang string) *response {
			return s.postFile(t, "/", "", "", nil, "credential", creds[1].qr, "lang", lang)
		}, "invalid", "revoked", "Revoked on " + today(verifier.English) + " (fraud)",
			[]string{"Not valid: do not rely on this credential", "revoked (reason fraud, ", "is registered and active"},
			[]string{"révoquée"}},
		{"unreadable photo, French", "fr", func(lang string) *response {
			return s.postFile(t, "/", "file", "photo.png", photo, "lang", lang)
		}, "unreadable", "unreadable", "Code illisible — reprenez la photo",
			[]string{"Reprenez la photo", "aucun code QR lisible dans l'image"},
			[]string{"ne vous fiez pas", "Non valide", "Altéré"}},
		{"unreadable photo, English", "en", func(lang string) *response {
			return s.postFile(t, "/", "file", "photo.png", photo, "lang", lang)
		}, "unreadable", "unreadable", "Unreadable code — take the photo again",
			[]string{"Take the photo again", "no readable QR code in the image"},
			[]string{"do not rely", "Not valid", "Altered"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.submit(tc.lang)
			body := string(resp.body)
			if resp.status != 200 || resp.header.Get("Content-Language") != tc.lang {
				t.Fatalf("status %d, Content-Language %q", resp.status, resp.header.Get("Content-Language"))
			}
			if !strings.Contains(body, `class="result verdict-`+tc.tone+`"`) || !strings.Contains(body, `data-verdict="invalid"`) ||
				!strings.Contains(body, `data-reason="`+tc.reason+`"`) {
				t.Errorf("the result is not marked %s, invalid, %s:\n%s", tc.tone, tc.reason, body)
			}
			if want := `<span class="verdict-word">` + html.EscapeString(tc.headline) + `</span>`; !strings.Contains(body, want) {
				t.Errorf("the banner does not say %q:\n%s", tc.headline, body)
			}
			for _, w := range tc.words {
				if !strings.Contains(html.UnescapeString(body), w) {
					t.Errorf("the page does not say %q", w)
				}
			}
			for _, w := range tc.never {
				if strings.Contains(html.UnescapeString(body), w) {
					t.Errorf("the page says %q", w)
				}
			}
		})
	}
}
