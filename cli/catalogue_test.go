package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sceau/sceau/verifier"
)

// verbsOf lists a format's verbs, in order ("%%" is none).
func verbsOf(format string) []string {
	return regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`).FindAllString(strings.ReplaceAll(format, "%%", ""), -1)
}

// TestCatalogueHasEveryLanguage: every message a person reads from the
// command line exists in English and in French, over the same arguments.
func TestCatalogueHasEveryLanguage(t *testing.T) {
	src, err := os.ReadFile("catalogue.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := regexp.MustCompile(`(?m)^\s+(msg\w+)\s+msgID = "`).FindAllStringSubmatch(string(src), -1)
	if len(declared) < 40 {
		t.Fatalf("only %d entries declared", len(declared))
	}
	if len(declared) != len(catalogue) {
		t.Errorf("%d entries declared, %d in the catalogue", len(declared), len(catalogue))
	}
	for id, tx := range catalogue {
		if strings.TrimSpace(tx.en) == "" || strings.TrimSpace(tx.fr) == "" {
			t.Errorf("%s lacks a language: %+v", id, tx)
			continue
		}
		en, fr := verbsOf(tx.en), verbsOf(tx.fr)
		if !strings.Contains(tx.fr, "%[") && strings.Join(en, " ") != strings.Join(fr, " ") {
			t.Errorf("%s: English verbs %v, French %v", id, en, fr)
		}
	}
	for _, r := range frenchRules {
		if r.en == "" || r.fr == "" || r.en == r.fr {
			t.Errorf("schemas message %q has no French", r.en)
		}
	}
	// Under a French locale, French; else English.
	if got := say(verifier.French, msgStatusRevoked); got != "révoquée" {
		t.Errorf("French revoked: %q", got)
	}
	if got := say(verifier.English, msgStatusRevoked); got != "revoked" {
		t.Errorf("English revoked: %q", got)
	}
}

// TestFrenchRowErrors: a clerk under a French locale reads what is wrong
// with a row, and where, in French.
func TestFrenchRowErrors(t *testing.T) {
	home, dir := spineHome(t, "Diploma")
	input := writeFile(t, filepath.Join(dir, "bad.csv"), "student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on,mention\n"+
		"070123456AB,Hélène,Lefèvre,2007-13-14,Baccalauréat général,4,2025-07-04,tres_bien\n"+
		"08123,Jérôme,N'Diaye,2006-11-02,Baccalauréat général,4,2025-07-04,excellent\n"+
		"092345678EF,Zoé,Martin,2007-01-30,Baccalauréat général,4,2025-07-04\n")
	french := func(name string) string {
		if name == "LC_ALL" {
			return "fr_FR.UTF-8"
		}
		return os.Getenv(name)
	}
	for _, tc := range []struct {
		getenv func(string) string
		want   []string
	}{
		{french, []string{
			"sceau : ", "3 ligne(s) invalide(s), rien n'a été émis",
			"ligne 2, colonne birth_date : doit être une date JJ/MM/AAAA ou AAAA-MM-JJ (règle format:date)",
			"ligne 3, colonne student_id : doit être un INE : 11 chiffres ou lettres majuscules (règle pattern)",
			"ligne 3, colonne mention : doit valoir l'une de ces valeurs : ",
			"ligne 4 : a 7 champs alors que l'en-tête a 8 colonnes (règle fieldCount)",
		}},
		{os.Getenv, []string{
			"sceau: ", "3 invalid row(s), nothing was issued",
			"line 2, column birth_date: must be a date DD/MM/YYYY or YYYY-MM-DD (rule format:date)",
			"line 4: has 7 fields but the header has 8 columns (rule fieldCount)",
		}},
	} {
		var out, errOut bytes.Buffer
		code := RunEnv(context.Background(), []string{"sceau", "--home", home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", filepath.Join(dir, "out")},
			strings.NewReader(""), &out, &errOut, tc.getenv)
		if code != ExitInvalid {
			t.Errorf("exit %d, want 1\n%s", code, errOut.String())
		}
		for _, want := range tc.want {
			if !strings.Contains(errOut.String(), want) {
				t.Errorf("the error does not say %q:\n%s", want, errOut.String())
			}
		}
		if strings.Contains(errOut.String(), "non traduit") {
			t.Errorf("a message is left untranslated:\n%s", errOut.String())
		}
	}
	// The dry run speaks French too.
	mixed := writeFile(t, filepath.Join(dir, "mixed.csv"), "student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on,mention\n"+
		"070123456AB,Hélène,Lefèvre,2007-13-14,Baccalauréat général,4,2025-07-04,tres_bien\n"+
		"092345678EF,Zoé,Martin,2007-01-30,Baccalauréat général,4,2025-07-04,\n")
	var out bytes.Buffer
	RunEnv(context.Background(), []string{"sceau", "--home", home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", mixed, "--dry-run", "--skip-invalid"},
		strings.NewReader(""), &out, &out, french)
	for _, want := range []string{"essai à blanc", "ligne 2, colonne birth_date"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run in French does not say %q:\n%s", want, out.String())
		}
	}
	// And so does a run: its progress and its summary.
	out.Reset()
	code := RunEnv(context.Background(), []string{"sceau", "--home", home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", mixed, "--skip-invalid", "--out", filepath.Join(dir, "out-fr")},
		strings.NewReader(""), &out, &out, french)
	for _, want := range []string{"émission de 1 attestation(s)", "1/1 attestations émises", "1 attestation(s) Diploma émise(s)", "1 ligne(s) rejetée(s)", "rejects.csv"} {
		if code != 0 || !strings.Contains(out.String(), want) {
			t.Errorf("issue in French: exit %d, does not say %q:\n%s", code, want, out.String())
		}
	}
}

// Row problems read in French: those schemas writes, those package issuer
// finds (an award twice in one file, a holder key), and a date in the
// future, worded so that it holds in Paris when Kiribati's day has begun.
func TestViolationsInFrench(t *testing.T) {
	for en, fr := range map[string]string{
		"must not be in the future: 2026-12-09 has not begun anywhere on Earth yet": "ne doit pas être dans le futur : le 2026-12-09 n'a encore commencé nulle part sur Terre",
		"the same student and award as line 4":                                      "le même élève et la même attestation qu'à la ligne 4",
		"must be a P-256 or Ed25519 public key: bad key":                            "doit être une clé publique P-256 ou Ed25519 : bad key",
		"is required":                                                    "est obligatoire",
		"must be one of passable, bien":                                  "doit valoir l'une de ces valeurs : passable, bien",
		"must have at most 80 characters":                                "doit avoir au plus 80 caractères",
		"must be an integer or a string":                                 "doit être un entier ou une chaîne",
		"must not be before 1900-01-01":                                  "ne doit pas être antérieure au 1900-01-01",
		"field 9 holds a value but its column has no name in the header": "le champ 9 a une valeur mais sa colonne n'a pas de nom dans l'en-tête",
	} {
		if got := violationIn(verifier.French, en); got != fr {
			t.Errorf("%q in French: %q, want %q", en, got, fr)
		}
		if got := violationIn(verifier.English, en); got != en {
			t.Errorf("%q in English: %q", en, got)
		}
	}
}

func TestUsageErrorsInFrench(t *testing.T) {
	french := func(name string) string {
		if name == "LANG" {
			return "fr_FR.UTF-8"
		}
		if name == "LC_ALL" || name == "LC_MESSAGES" {
			return ""
		}
		return os.Getenv(name)
	}
	home := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"issue"}, "sceau : options obligatoires absentes : issuer, type, input"},
		{[]string{"issue", "--bogus"}, "sceau : option inconnue : -bogus"},
		{[]string{"issue", "--issuer"}, "sceau : l'option -issuer attend une valeur"},
		{[]string{"nope"}, `sceau : aucune commande "nope"`},
		{[]string{"issue", "--chunk", "x", "--issuer", "a", "--type", "Diploma", "--input", "x"}, `sceau : valeur "x" invalide pour l'option -chunk`},
	} {
		var out, errOut bytes.Buffer
		code := RunEnv(context.Background(), append([]string{"sceau", "--home", home}, tc.args...), strings.NewReader(""), &out, &errOut, french)
		if code != ExitUsage || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("LANG=fr sceau %s: exit %d, %q; want exit 2 and %q", strings.Join(tc.args, " "), code, errOut.String(), tc.want)
		}
	}
}
