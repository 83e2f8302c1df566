package hardening

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// platform is the resource platform of the privacy test.
const platform = "plateforme"

// The attribution of the sample resource: how its author, a teacher, wants
// to be credited. Synthetic, and distinctive like the sample students.
var sampleAttribution = struct {
	Names     []string `json:"names"`
	School    string   `json:"school"`
	Email     string   `json:"email"`
	Statement string   `json:"statement"`
}{
	Names:     []string{"Ysaline Vercingétorix-Dubreuil"},
	School:    "Collège Hippolyte-Quérard de Plouzévédé",
	Email:     "ysaline.vercingetorix@ac-exemple.invalid",
	Statement: "Séquence conçue avec la classe de 6e B du collège Hippolyte-Quérard.",
}

// samplePrivateFile is a file of the sample resource whose path names a
// pupil: folder manifests (paths) stay off the ledger.
const samplePrivateFile = "copies/Zéphyrine-Quintalou-Brévart.md"

// TestLedgerHoldsNothingPersonal issues diplomas (one bound to a holder
// key) and Pix certifications, revokes and suspends some, publishes the
// issuer's status lists (checkpointed on the ledger), registers a
// teacher's resource with an attribution and endorses it, erases the
// attribution, then reads the whole ledger two ways — every block as `sceau
// ledger export` writes it, and the raw bytes of ledger.db, free pages
// included — and the published lists (each JWS and its payload), their
// publication record and the status-index file, and fails if any personal
// value appears in any of them: a
// student's id, names, birth date (three spellings), certification centre,
// a subject member name (student_id, pix_score…) that would carry a grade,
// any piece of a credential's signed forms (vc+jwt payload, SD-JWT
// disclosures, SC1 text, COSE bytes), the holder's key, or the teacher's
// names, school, e-mail, statement and the path naming a pupil. Text is
// searched as UTF-8 in both Unicode normal forms, JSON-escaped, and in
// base64 and base64url at every alignment.
//
// Numbers alone (a score of 1013, levels of 7) are not searched: digits
// occur in every hash and timestamp of a ledger, so a match would prove
// nothing. A grade could only be on the ledger with its member name
// ("pix_score": 1013) or inside a credential's signed content, both searched.
//
// A control search of the issued bundles and of the attribution file finds
// every plain value, so the search itself works.
func TestLedgerHoldsNothingPersonal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, holderJWK := holderKey(t)
	diplomas := w.issue("Diploma", "diplomas", sampleDiplomaCSV(holderJWK))
	pix := w.issue("PixCertification", "pix", samplePixCSV())
	w.mustSceau("revoke", "--issuer", examOffice, "--reason", "fraud", diplomas[1].path)
	w.mustSceau("suspend", "--issuer", examOffice, "--reason", "other", pix[2].path)
	// The issuer's status lists, built from those statuses: published
	// files anyone may fetch, and their checkpoint on the ledger.
	w.mustSceau("status", "publish", "--issuer", examOffice)

	// A teacher's resource, registered with an attribution, endorsed by an
	// inspector, then its attribution erased.
	w.mustSceau("issuer", "init", "--no-passphrase", "--id", platform, "--name", "Plateforme de ressources")
	w.mustSceau("issuer", "accredit", "--id", platform, "--types", schemas.TypeOpenResource)
	authorKey := filepath.Join(w.dir, "author.jwk")
	inspectorKey := filepath.Join(w.dir, "inspector.jwk")
	w.mustSceau("resource", "keygen", "--no-passphrase", "--out", authorKey)
	w.mustSceau("resource", "keygen", "--no-passphrase", "--out", inspectorKey)
	resource := filepath.Join(w.dir, "sequence-fractions")
	for name, content := range map[string]string{
		"cours.md":        "# Les fractions\n",
		samplePrivateFile: "Copie corrigée.\n",
	} {
		path := filepath.Join(resource, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	attribution, err := json.Marshal(sampleAttribution)
	if err != nil {
		t.Fatal(err)
	}
	attributionFile := w.write("attribution.json", attribution)
	out := w.mustSceau("resource", "register", "--issuer", platform, "--title", "Les fractions au cycle 3",
		"--license", "CC-BY-SA-4.0", "--author-key", authorKey, "--attribution", attributionFile, resource)
	digest, _, _ := strings.Cut(out, "\n")
	w.mustSceau("resource", "endorse", "--issuer", platform, "--role", "inspector", "--key", inspectorKey, digest)
	w.mustSceau("resource", "erase-attribution", digest)

	exported := filepath.Join(w.dir, "ledger.jsonl")
	w.mustSceau("ledger", "export", "--out", exported)
	dumps := map[string][]byte{"ledger export": readFile(t, exported), "ledger.db": readFile(t, filepath.Join(w.ledgerDir(), "ledger.db"))}
	// Every status list as published (each compact JWS, and its payload
	// decoded), the publication's record and the status-index file.
	office, err := org.Home(w.home).Org(examOffice)
	if err != nil {
		t.Fatal(err)
	}
	lists, _ := filepath.Glob(filepath.Join(office.StatusListsDir(), "*"))
	if len(lists) != 4 {
		t.Fatalf("the status lists' folder holds %v: want the 3 lists and publication.json", lists)
	}
	for _, f := range append(lists, office.StatusIndexFile()) {
		data := readFile(t, f)
		dumps[filepath.Base(f)] = data
		if parts := strings.Split(string(data), "."); len(parts) == 3 {
			if payload, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
				dumps[filepath.Base(f)+" payload"] = payload
			}
		}
	}

	var needles []needle
	for _, b := range append(diplomas, pix...) {
		needles = append(needles, credentialNeedles(t, b.bundle)...)
	}
	for _, s := range sampleStudents {
		for _, date := range birthDateSpellings(s.birthDate) {
			needles = append(needles, needle{"birth date of " + s.studentID, date})
		}
	}
	needles = append(needles, needle{"holder key", jwkMember(t, holderJWK, "x")})
	for _, name := range []string{"student_id", "given_name", "family_name", "birth_date", "certification_center", "pix_score", "awarded_on", "certified_on", "competences"} {
		needles = append(needles, needle{"subject member name", `"` + name + `"`})
	}
	for _, n := range sampleAttribution.Names {
		needles = append(needles, needle{"author's name", n})
	}
	needles = append(needles,
		needle{"author's school", sampleAttribution.School},
		needle{"author's e-mail", sampleAttribution.Email},
		needle{"author's statement", sampleAttribution.Statement},
		needle{"file path naming a pupil", samplePrivateFile},
	)

	// Control: the plain values are where they belong.
	var control bytes.Buffer
	for _, b := range append(diplomas, pix...) {
		control.Write(b.raw)
		for _, form := range []string{b.bundle.VCJWT, b.bundle.QR} {
			control.WriteString(form)
		}
		for _, d := range strings.Split(b.bundle.SDJWT, "~") {
			if c, err := base64.RawURLEncoding.DecodeString(d); err == nil {
				control.Write(c)
			}
		}
		if j, err := credential.ParseJWT(b.bundle.VCJWT); err == nil {
			s, _ := j.Credential.SubjectJSON()
			control.Write(s)
		}
		if q, err := credential.ParseQR(b.bundle.QR); err == nil {
			control.Write(q.COSE)
		}
	}
	control.Write(attribution)
	control.WriteString(samplePrivateFile + string(holderJWK))
	for _, s := range sampleStudents {
		control.WriteString(s.birthDate + " " + strings.Join(birthDateSpellings(s.birthDate), " "))
	}
	for _, n := range needles {
		if !bytes.Contains(control.Bytes(), []byte(n.value)) {
			t.Errorf("control: the %s %q is not in the credentials and files it comes from: the search is broken", n.what, n.value)
		}
	}

	for dump, data := range dumps {
		for _, n := range needles {
			for _, v := range spellings(n.value) {
				if i := bytes.Index(data, []byte(v)); i >= 0 {
					t.Errorf("%s holds the %s %q (as %q) at byte %d", dump, n.what, n.value, v, i)
				}
			}
		}
	}

	// The platform no longer holds the attribution either.
	err = filepath.WalkDir(org.Home(w.home).ResourcesDir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data := readFile(t, path)
		for _, v := range append(sampleAttribution.Names, sampleAttribution.School, sampleAttribution.Email) {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("after erase-attribution, the platform's %s still holds %q", path, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	searched := 0
	for _, n := range needles {
		searched += len(spellings(n.value))
	}
	t.Logf("searched %d personal values (%d spellings) in %d bytes of export and %d bytes of ledger.db",
		len(needles), searched, len(dumps["ledger export"]), len(dumps["ledger.db"]))
}

// TestSpellingsFindEncodedText shows that the privacy search finds a value
// leaked inside encoded data: JSON-escaped, decomposed, or in base64 or
// base64url at any offset.
func TestSpellingsFindEncodedText(t *testing.T) {
	const value = "Zéphyrine"
	leaks := map[string]string{
		"JSON escaped": `{"given_name":"Z\u00e9phyrine"}`,
		"NFD":          norm.NFD.String(`{"given_name":"Zéphyrine"}`),
	}
	for offset := range 3 {
		doc := strings.Repeat("x", offset) + `{"given_name":"` + value + `","family_name":"Quintalou"}`
		leaks[fmt.Sprintf("base64 at offset %d", offset)] = base64.StdEncoding.EncodeToString([]byte(doc))
		leaks[fmt.Sprintf("base64url at offset %d", offset)] = base64.RawURLEncoding.EncodeToString([]byte(doc))
	}
	for name, leak := range leaks {
		found := false
		for _, s := range spellings(value) {
			found = found || strings.Contains(leak, s)
		}
		if !found {
			t.Errorf("%s: %q not found in %q", name, value, leak)
		}
	}
}

// needle is a personal value the ledger must not hold.
type needle struct{ what, value string }

// credentialNeedles returns the personal values of a bundle's credential,
// and pieces of each of its signed forms.
func credentialNeedles(t *testing.T, b credential.Bundle) []needle {
	t.Helper()
	j, err := credential.ParseJWT(b.VCJWT)
	if err != nil {
		t.Fatal(err)
	}
	holder := j.Credential.Subject.Holder()
	// 48 characters from the middle of the vc+jwt payload, inside its
	// subject: its start is what every VC 2.0 JWT starts with (the status
	// lists' too), which tells nothing.
	payload := strings.Split(b.VCJWT, ".")[1]
	ns := []needle{
		{"student_id", holder.StudentID},
		{"given name", holder.GivenName},
		{"family name", holder.FamilyName},
		{"vc+jwt payload", payload[len(payload)/2 : len(payload)/2+48]},
		{"SC1 text", b.QR[len(credential.QRPrefix) : len(credential.QRPrefix)+40]},
	}
	if pix, ok := j.Credential.Subject.(*schemas.PixCertification); ok {
		ns = append(ns, needle{"certification centre", pix.CertificationCenter})
	}
	q, err := credential.ParseQR(b.QR)
	if err != nil {
		t.Fatal(err)
	}
	// The CWT claims, past the COSE header: 24 bytes of the subject.
	ns = append(ns, needle{"COSE payload", string(q.COSE[len(q.COSE)-120 : len(q.COSE)-96])})
	for i, d := range strings.Split(b.SDJWT, "~")[1:] {
		if d != "" {
			ns = append(ns, needle{fmt.Sprintf("SD-JWT disclosure %d", i+1), d})
		}
	}
	return ns
}

// spellings returns the ways text could be written into a ledger: as is
// (UTF-8, both normal forms), JSON-escaped, and base64 or base64url at
// each of the three alignments (the part that does not depend on the
// bytes around it).
func spellings(text string) []string {
	forms := []string{text, norm.NFD.String(text)}
	if escaped := jsonEscaped(text); escaped != text {
		forms = append(forms, escaped)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for pad := range 3 {
			s := enc.EncodeToString(append(make([]byte, pad), text...))
			from := 0
			if pad > 0 {
				from = 4
			}
			to := 4 * ((pad + len(text)) / 3)
			if to-from >= 8 {
				forms = append(forms, s[from:to])
			}
		}
	}
	return forms
}

// jsonEscaped returns text as JSON writes it with every non-ASCII
// character escaped (\u00e9).
func jsonEscaped(text string) string {
	var b strings.Builder
	for _, r := range text {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xFFFF:
			fmt.Fprintf(&b, `\u%04x\u%04x`, (r-0x10000)>>10+0xD800, (r-0x10000)&0x3FF+0xDC00)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// birthDateSpellings returns an ISO date as the ledger could write it:
// ISO, French (dd/mm/yyyy) and compact.
func birthDateSpellings(iso string) []string {
	y, m, d := iso[0:4], iso[5:7], iso[8:10]
	return []string{iso, d + "/" + m + "/" + y, y + m + d}
}

// jwkMember returns member name of a JWK.
func jwkMember(t *testing.T, jwk []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(jwk, &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[name].(string)
	if s == "" {
		t.Fatalf("JWK has no member %q", name)
	}
	return s
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
