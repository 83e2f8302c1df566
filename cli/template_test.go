package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/org"
)

// tempCSV writes content to a new CSV file of the test and returns its path.
func tempCSV(t *testing.T, content string) string {
	t.Helper()
	return writeFile(t, filepath.Join(t.TempDir(), "export.csv"), content)
}

// TestTemplateRoundTripsThroughDryRun: the template of each type, in each
// language, with its example row, is a CSV file `sceau issue --dry-run`
// accepts, leaving the ledger as it was.
func TestTemplateRoundTripsThroughDryRun(t *testing.T) {
	home := issuerHome(t)
	for _, typ := range []string{"Diploma", "PixCertification"} {
		for _, lang := range []string{"fr", "en"} {
			t.Run(typ+"/"+lang, func(t *testing.T) {
				template := sceauOK(t, home, "template", "--type", typ, "--lang", lang, "--example")
				lines := strings.Split(strings.TrimSuffix(template, "\n"), "\n")
				sep := map[string]string{"fr": ";", "en": ","}[lang]
				if len(lines) != 2 || !strings.Contains(lines[0], sep) {
					t.Fatalf("template:\n%s", template)
				}
				if lang == "fr" && !strings.HasPrefix(lines[0], "INE;Prénom;Nom;Date de naissance;") {
					t.Errorf("French header: %s", lines[0])
				}
				input := tempCSV(t, template)
				before := ledgerHeight(t, home)
				stdout := sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", typ, "--input", input, "--dry-run")
				for _, want := range []string{
					"dry run: nothing was signed, anchored or written",
					fmt.Sprintf("would issue 1 %s credential(s) as examoffice, in 1 batch(es)", typ),
					"line 2: 0123456789A Hélène Lefèvre",
				} {
					if !strings.Contains(stdout, want) {
						t.Errorf("dry run output lacks %q:\n%s", want, stdout)
					}
				}
				if after := ledgerHeight(t, home); after != before {
					t.Errorf("ledger height %d after the dry run, %d before", after, before)
				}
			})
		}
	}
	office, err := org.Home(home).Org("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(office.JobsDir()); !os.IsNotExist(err) {
		t.Errorf("a dry run left resume state: %v", err)
	}
}

// TestIssueFrenchExport: a French spreadsheet's export (French header,
// DD/MM/YYYY dates, ';') issues credentials with ISO dates.
func TestIssueFrenchExport(t *testing.T) {
	home := issuerHome(t)
	input := tempCSV(t, sceauOK(t, home, "template", "--type", "Diploma", "--example"))
	out := filepath.Join(t.TempDir(), "out")
	if stdout := sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--out", out, "--bundles"); !strings.Contains(stdout, "1 Diploma credential(s) issued") {
		t.Errorf("issue: %s", stdout)
	}
	verdict := sceauOK(t, home, "verify", "--json", filepath.Join(out, issuer.BundleFileName(readManifest(t, out)[0].id)))
	for _, want := range []string{`"Hélène"`, `"2006-03-14"`, `"2024-07-04"`} {
		if !strings.Contains(verdict, want) {
			t.Errorf("verdict lacks %s:\n%s", want, verdict)
		}
	}
}

// TestIssueRefusesAStrayByte: a UTF-8 export with one Windows-1252 byte is
// refused naming its line, not signed garbled; the dry run says the same.
func TestIssueRefusesAStrayByte(t *testing.T) {
	home := issuerHome(t)
	input := tempCSV(t, "INE;Prénom;Nom;Date de naissance;Diplôme;Niveau CEC;Date d'obtention\n"+
		"0123456789A;Hélène;Lefèvre;14/03/2006;Baccalauréat général;4;04/07/2024\n"+
		"0123456789B;L\xE9a;Martin;01/01/2006;CAP Cuisine;3;04/07/2024\n")
	before := ledgerHeight(t, home)
	for _, extra := range [][]string{{"--dry-run"}, {"--out", filepath.Join(t.TempDir(), "out")}} {
		args := append([]string{"issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input}, extra...)
		code, stdout, stderr := sceau(t, home, args...)
		if code != ExitInvalid || !strings.Contains(stderr, "line 3, byte 14: byte 0xE9 is not UTF-8") || !strings.Contains(stderr, "--encoding windows-1252") {
			t.Errorf("issue %s: exit %d\n%s%s", extra[0], code, stdout, stderr)
		}
	}
	if after := ledgerHeight(t, home); after != before {
		t.Errorf("the ledger grew from %d to %d blocks", before, after)
	}
}

func TestDryRunInvalidRows(t *testing.T) {
	home := issuerHome(t)
	input := tempCSV(t, "INE;Prénom;Nom;Date de naissance;Diplôme;Niveau CEC;Date d'obtention\n"+
		"0123456789A;Hélène;Lefèvre;14/03/1890;Baccalauréat général;4;04/07/2024\n"+
		"0123456789B;Léa\u202e;Martin;01/01/2006;CAP Cuisine;3;04/07/2099\n"+
		"0123456789C;Zoé;Martin;01/01/2006;CAP Cuisine;3;04/07/2024\n")
	before := ledgerHeight(t, home)
	code, stdout, stderr := sceau(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--dry-run")
	if code != ExitInvalid || !strings.Contains(stdout, "1 valid row(s), 2 invalid: would issue nothing") {
		t.Errorf("dry run: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"line 2, column Date de naissance: must not be before 1900-01-01 (rule notBefore1900)",
		"line 3, column Prénom: must not contain U+202E (RIGHT-TO-LEFT OVERRIDE",
		"line 3, column Date d'obtention: must not be in the future",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("errors lack %q:\n%s", want, stderr)
		}
	}
	stdout = sceauOK(t, home, "issue", "--issuer", "examoffice", "--type", "Diploma", "--input", input, "--dry-run", "--skip-invalid")
	if !strings.Contains(stdout, "would issue 1 Diploma credential(s)") || !strings.Contains(stdout, "2 invalid row(s) would be rejected") {
		t.Errorf("dry run with --skip-invalid:\n%s", stdout)
	}
	if after := ledgerHeight(t, home); after != before {
		t.Errorf("the ledger grew from %d to %d blocks", before, after)
	}
}

func TestTemplateUsage(t *testing.T) {
	home := t.TempDir()
	for _, args := range [][]string{
		{"template", "--type", "Licence"},
		{"template", "--type", "Diploma", "--lang", "de"},
		{"issue", "--issuer", "x", "--type", "Diploma", "--input", "go.mod", "--dry-run", "--out", "x"},
	} {
		if code, _, _ := sceau(t, home, args...); code != ExitUsage {
			t.Errorf("sceau %s: exit %d, want %d", strings.Join(args, " "), code, ExitUsage)
		}
	}
}
