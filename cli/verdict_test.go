package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// locale returns an environment lookup with the locale variables vars
// ("LANG", "fr_FR.UTF-8"…) and nothing else of them.
func locale(vars ...string) func(string) string {
	return func(name string) string {
		for i := 0; i+1 < len(vars); i += 2 {
			if vars[i] == name {
				return vars[i+1]
			}
		}
		switch name {
		case "LC_ALL", "LC_MESSAGES", "LANG":
			return ""
		}
		return os.Getenv(name)
	}
}

// sceauIn runs the command line with the environment getenv and returns
// the exit code, standard output and standard error.
func sceauIn(t *testing.T, getenv func(string) string, home string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := RunEnv(context.Background(), append([]string{"sceau", "--home", home}, args...), strings.NewReader(""), &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}

// signUnanchored signs a diploma for issuer id with its current key in
// home, without anchoring it, and writes its vc+jwt to a file.
func signUnanchored(t *testing.T, home, id, path string) string {
	t.Helper()
	p, err := org.Home(home).LoadProfile(id)
	if err != nil {
		t.Fatal(err)
	}
	key, err := org.NewKeys(org.Home(home)).Open(p, p.CurrentKID)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, path, signedDiploma(t, id, key))
}

// signedDiploma is a diploma's vc+jwt for issuer id, signed with key.
func signedDiploma(t *testing.T, id string, key *credential.Key) string {
	t.Helper()
	d := &schemas.Diploma{Student: schemas.Student{StudentID: "070123456AB", GivenName: "Hélène", FamilyName: "Lefèvre", BirthDate: "2007-03-14"},
		Diploma: "Baccalauréat général", EQFLevel: 4, AwardedOn: "2025-07-04"}
	c, err := credential.New(d, id, time.Now().UTC().Truncate(time.Second), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwt, err := credential.SignJWT(c, key)
	if err != nil {
		t.Fatal(err)
	}
	return jwt.Text
}

// blankPhoto is a photo with no QR code in it.
func blankPhoto(t *testing.T, path string) string {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range img.Pix {
		img.Pix[i] = 0xEE
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, path, buf.String())
}

// TestVerifyNamesWhatHappened: `sceau verify` gives, for each way a
// credential fails, its reason code in --json and its summary in words, in
// English by default and in French under a French locale, with exit 1
// (unreadable included: its summary says nothing could be read, never
// that it is forged).
func TestVerifyNamesWhatHappened(t *testing.T) {
	home, dir := spineHome(t, "Diploma,PixCertification")
	bundleOf := func(out string, row int) (string, *credential.Bundle) {
		t.Helper()
		path := filepath.Join(out, issuer.BundleFileName(readManifest(t, out)[row].id))
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var b credential.Bundle
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		return path, &b
	}
	outD := filepath.Join(dir, "out-diplomas")
	mustRun(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", writeFile(t, filepath.Join(dir, "d.csv"), spineDiplomas), "--out", outD, "--bundles")
	validPath, valid := bundleOf(outD, 0)
	revokedPath, revoked := bundleOf(outD, 1)
	suspendedPath, _ := bundleOf(outD, 2)
	mustRun(t, home, "revoke", "--issuer", "examoffice", "--reason", "fraud", revokedPath)
	mustRun(t, home, "suspend", "--issuer", "examoffice", "--reason", "error", suspendedPath)

	certified := time.Now().UTC().AddDate(-4, 0, 0)
	pixCSV := strings.SplitN(spinePix, "\n", 3)
	pixCSV[1] = strings.Replace(pixCSV[1], "2025-05-20", certified.Format(time.DateOnly), 1)
	outP := filepath.Join(dir, "out-pix")
	mustRun(t, home, "issue", "--issuer", "examoffice", "--type", "PixCertification", "--input",
		writeFile(t, filepath.Join(dir, "p.csv"), pixCSV[0]+"\n"+pixCSV[1]+"\n"), "--out", outP, "--bundles")
	_, expiring := bundleOf(outP, 0)
	expiredOn := certified.AddDate(credential.PixValidityYears, 0, 0)

	parts := strings.Split(valid.VCJWT, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	parts[1] = base64.RawURLEncoding.EncodeToString(bytes.Replace(payload, []byte(`"eqf_level":4`), []byte(`"eqf_level":5`), 1))
	swapped := *valid
	swapped.QR = revoked.QR
	swappedJSON, _ := json.Marshal(swapped)

	mustRun(t, home, "issuer", "init", "--no-passphrase", "--id", "pending", "--name", "Office en attente")
	notAccredited := signUnanchored(t, home, "pending", filepath.Join(dir, "pending.jwt"))
	notAnchored := signUnanchored(t, home, "examoffice", filepath.Join(dir, "unanchored.jwt"))
	stranger, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}
	unknownIssuer := writeFile(t, filepath.Join(dir, "unknown.jwt"), signedDiploma(t, "ac-inconnue", stranger))

	// The key that signs from D on is reported compromised since D; it
	// signs a student's diploma not issued before (the register leaves out
	// an award already issued).
	mustRun(t, home, "issuer", "rotate-key", "--no-passphrase", "--id", "examoffice")
	p, err := org.Home(home).LoadProfile("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(since) + 50*time.Millisecond)
	outK := filepath.Join(dir, "out-compromised")
	// Another award of the first student (a row already issued would be
	// left out: the register holds it).
	mustRun(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input",
		writeFile(t, filepath.Join(dir, "k.csv"), strings.SplitN(spineDiplomas, "\n", 2)[0]+"\n"+
			"103456789GH,Inès,Benali,2007-05-21,Baccalauréat général,4,2025-07-04,bien\n"), "--out", outK, "--bundles")
	compromisedPath, _ := bundleOf(outK, 0)
	mustRun(t, home, "issuer", "revoke-key", "--id", "examoffice", "--kid", p.CurrentKID, "--since", since.Format(time.RFC3339))

	today := func(lang verifier.Language) string { return verifier.LongDate(lang, time.Now().UTC()) }
	cases := []struct {
		name   string
		args   []string
		reason verifier.Reason
		en, fr string
	}{
		{"revoked", []string{revokedPath}, verifier.ReasonRevoked,
			"Revoked on " + today(verifier.English) + " (fraud)", "Révoqué le " + today(verifier.French) + " (fraude)"},
		{"suspended", []string{suspendedPath}, verifier.ReasonSuspended,
			"Suspended since " + today(verifier.English) + " (error)", "Suspendu depuis le " + today(verifier.French) + " (erreur)"},
		{"altered signature", []string{writeFile(t, filepath.Join(dir, "altered.jwt"), strings.Join(parts, "."))}, verifier.ReasonAltered,
			"Altered — the signature is not the issuer's", "Altéré — la signature n'est pas celle de l'émetteur"},
		{"altered content", []string{writeFile(t, filepath.Join(dir, "swapped.json"), string(swappedJSON))}, verifier.ReasonAltered,
			"Altered — it does not match what the issuer signed and recorded", "Altéré — ne correspond pas à ce que l'émetteur a signé et enregistré"},
		{"expired", []string{writeFile(t, filepath.Join(dir, "expired.txt"), expiring.QR)}, verifier.ReasonExpired,
			"Expired on " + verifier.LongDate(verifier.English, expiredOn), "Expiré le " + verifier.LongDate(verifier.French, expiredOn)},
		{"unknown issuer", []string{unknownIssuer}, verifier.ReasonUnknownIssuer,
			"Unknown issuer (ac-inconnue)", "Émetteur inconnu (ac-inconnue)"},
		{"not accredited", []string{notAccredited}, verifier.ReasonNotAccredited,
			"Issuer not accredited yet", "Émetteur pas encore habilité"},
		{"not anchored", []string{notAnchored}, verifier.ReasonNotAnchored,
			"Not recorded in the registry", "Absent du registre"},
		{"key compromised", []string{compromisedPath}, verifier.ReasonKeyCompromised,
			"Signed with a compromised key", "Signé avec une clé compromise"},
		{"holder binding missing", []string{"--nonce", "n-1", "--audience", "https://rh.example", writeFile(t, filepath.Join(dir, "sd.txt"), valid.SDJWT)},
			verifier.ReasonHolderBinding, "Not presented by its holder for this request", "Non présenté par son titulaire pour cette demande"},
		{"unreadable photo", []string{blankPhoto(t, filepath.Join(dir, "photo.png"))}, verifier.ReasonUnreadable,
			"Unreadable code — take the photo again", "Code illisible — reprenez la photo"},
		{"unreadable text", []string{writeFile(t, filepath.Join(dir, "cut.txt"), valid.QR[:len(valid.QR)/2])}, verifier.ReasonUnreadable,
			"Unreadable — the credential's text is damaged, incomplete or malformed", "Illisible — le texte de l'attestation est abîmé, incomplet ou mal formé"},
	}
	english, french := locale(), locale("LANG", "fr_FR.UTF-8")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, run := range []struct {
				getenv  func(string) string
				summary string
			}{{english, tc.en}, {french, tc.fr}} {
				code, out, errOut := sceauIn(t, run.getenv, home, append([]string{"verify", "--json"}, tc.args...)...)
				var res verifier.Result
				if err := json.Unmarshal([]byte(out), &res); err != nil || code != ExitInvalid {
					t.Fatalf("exit %d, want 1 and a verdict:\n%s%s", code, out, errOut)
				}
				if res.Verdict != verifier.Invalid || res.Reason != tc.reason || res.Summary != run.summary {
					t.Errorf("verdict %s reason %q summary %q, want invalid %q %q", res.Verdict, res.Reason, res.Summary, tc.reason, run.summary)
				}
			}
			code, out, _ := sceauIn(t, french, home, append([]string{"verify"}, tc.args...)...)
			headline := "NON VALIDE : " + tc.fr
			if first, _, _ := strings.Cut(out, "\n"); code != ExitInvalid || first != headline {
				t.Errorf("in French: exit %d, first line %q, want %q:\n%s", code, first, headline, out)
			}
			if strings.Contains(out, "[FAIL]") || !strings.Contains(out, "[ÉCHEC]") {
				t.Errorf("in French, the checks are not marked in French:\n%s", out)
			}
		})
	}

	t.Run("valid: no reason", func(t *testing.T) {
		code, out, _ := sceauIn(t, french, home, "verify", "--json", validPath)
		var res verifier.Result
		if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res.Reason != "" || res.Summary != "" ||
			!strings.Contains(res.Check(verifier.CheckIssuer).Reason, "est enregistré et en activité") {
			t.Errorf("exit %d:\n%s", code, out)
		}
		code, out, _ = sceauIn(t, french, home, "verify", validPath)
		if code != 0 || !strings.HasPrefix(out, "VALIDE\n") || !strings.Contains(out, "données montrées (chacune signée par l'émetteur)") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
}

// TestVerifyFollowsTheLocale: LC_ALL, then LC_MESSAGES, then LANG decide
// the language of `sceau verify`, English by default and for C; its
// errors follow it too.
func TestVerifyFollowsTheLocale(t *testing.T) {
	home, dir := spineHome(t, "")
	garbage := writeFile(t, filepath.Join(dir, "garbage.txt"), "hello")
	for _, tc := range []struct {
		name     string
		getenv   func(string) string
		headline string
	}{
		{"no locale", locale(), "INVALID: Not a Sceau credential — nothing to verify"},
		{"LANG=fr_FR.UTF-8", locale("LANG", "fr_FR.UTF-8"), "NON VALIDE : Pas une attestation Sceau — rien à vérifier"},
		{"LANG=fr_CA", locale("LANG", "fr_CA"), "NON VALIDE : Pas une attestation Sceau — rien à vérifier"},
		{"LANG=de_DE.UTF-8", locale("LANG", "de_DE.UTF-8"), "INVALID: Not a Sceau credential — nothing to verify"},
		{"LC_ALL=C over LANG=fr", locale("LC_ALL", "C", "LANG", "fr_FR.UTF-8"), "INVALID: Not a Sceau credential — nothing to verify"},
		{"LC_MESSAGES=fr over LANG=en", locale("LC_MESSAGES", "fr_FR.UTF-8", "LANG", "en_US.UTF-8"), "NON VALIDE : Pas une attestation Sceau — rien à vérifier"},
		{"LC_ALL=fr over LC_MESSAGES=en", locale("LC_ALL", "fr_FR@euro", "LC_MESSAGES", "en_GB"), "NON VALIDE : Pas une attestation Sceau — rien à vérifier"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := sceauIn(t, tc.getenv, home, "verify", garbage)
			if first, _, _ := strings.Cut(out, "\n"); code != ExitInvalid || first != tc.headline {
				t.Errorf("exit %d, first line %q, want %q", code, first, tc.headline)
			}
		})
	}
	code, _, errOut := sceauIn(t, locale("LANG", "fr_FR.UTF-8"), home, "verify", filepath.Join(dir, "absent.json"))
	if code != ExitUsage || !strings.Contains(errOut, "impossible de lire") {
		t.Errorf("a missing file in French: exit %d, %q", code, errOut)
	}
	code, _, errOut = sceauIn(t, locale("LANG", "fr_FR.UTF-8"), home, "verify")
	if code != ExitUsage || !strings.Contains(errOut, "un CHEMIN ou - attendu") {
		t.Errorf("no argument in French: exit %d, %q", code, errOut)
	}
	code, _, errOut = sceauIn(t, locale(), home, "verify")
	if code != ExitUsage || !strings.Contains(errOut, "expected one PATH or -") {
		t.Errorf("no argument in English: exit %d, %q", code, errOut)
	}

	// Through the `sceau serve` that holds the ledger: the ledger is read
	// through it, and the verdict is in the locale's language.
	startServe(t, home)
	code, out, errOut := sceauIn(t, locale("LANG", "fr_FR.UTF-8"), home, "verify", garbage)
	if first, _, _ := strings.Cut(out, "\n"); code != ExitInvalid || first != "NON VALIDE : Pas une attestation Sceau — rien à vérifier" ||
		!strings.Contains(errOut, "registre lu par l'intermédiaire de `sceau serve`") || !strings.Contains(out, "ce n'est ni un paquet") {
		t.Errorf("through sceau serve, in French: exit %d\n%s%s", code, out, errOut)
	}
}
