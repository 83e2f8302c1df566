package schemas

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// frenchDiplomaHeader is a Diploma header as a French spreadsheet
// exports it, in the case and accents people type.
const frenchDiplomaHeader = "INE;Prénom;NOM;date de naissance;Diplome;Niveau CEC;Date d’obtention;Mention;Spécialités;Session"

func TestHeaderKey(t *testing.T) {
	for in, want := range map[string]string{
		"Prénom":                  "prenom",
		"  PRÉNOM ":               "prenom",
		"Date d’obtention":        "date d'obtention",
		"Date  de\u00a0naissance": "date de naissance",
		"Spécialités":             "specialites",
		"Compétence 1.1":          "competence 1.1",
		"student_ID":              "student_id",
		"Clé du titulaire":        "cle du titulaire",
		strings.Repeat("x", 101):  "",
		"\xff":                    "",
	} {
		if got := headerKey(in); got != want {
			t.Errorf("headerKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestColumnNamesAreUnambiguous: no header name, English or French, may
// stand for two columns of a type.
func TestColumnNamesAreUnambiguous(t *testing.T) {
	for _, typ := range []string{TypeDiploma, TypePixCertification} {
		spec, err := lookupType(typ)
		if err != nil {
			t.Fatal(err)
		}
		owner := map[string]string{}
		for _, col := range spec.columns {
			if len(col.french) == 0 {
				t.Errorf("%s column %s has no French name", typ, col.name)
			}
			seen := map[string]bool{}
			for _, name := range append([]string{col.name}, col.french...) {
				key := headerKey(name)
				if other, ok := owner[key]; ok && other != col.name {
					t.Errorf("%s: %q names both %s and %s", typ, name, other, col.name)
				}
				owner[key] = col.name
				if j, _, _ := matchColumn(spec.columns, key); spec.columns[j].name != col.name && !seen[key] {
					t.Errorf("%s: %q matches %s", typ, name, spec.columns[j].name)
				}
				seen[key] = true
			}
		}
	}
}

func TestCSVFrenchDiploma(t *testing.T) {
	want := &Diploma{
		Student:      Student{StudentID: "0123456789A", GivenName: "Hélène", FamilyName: "Lefèvre", BirthDate: "2006-03-14"},
		Diploma:      "Baccalauréat général",
		EQFLevel:     4,
		AwardedOn:    "2024-07-04",
		Mention:      "tres_bien",
		Specialities: []string{"Mathématiques", "SES"},
		Session:      "juin 2024",
	}
	for name, input := range map[string]string{
		"DD/MM/YYYY":   frenchDiplomaHeader + "\r\n0123456789A;Hélène;Lefèvre;14/03/2006;Baccalauréat général;4;04/07/2024;tres_bien;Mathématiques|SES;juin 2024\r\n",
		"D/M/YYYY":     frenchDiplomaHeader + "\r\n0123456789A;Hélène;Lefèvre;14/3/2006;Baccalauréat général;4;4/7/2024;tres_bien;Mathématiques|SES;juin 2024\r\n",
		"ISO dates":    frenchDiplomaHeader + "\r\n0123456789A;Hélène;Lefèvre;2006-03-14;Baccalauréat général;4;2024-07-04;tres_bien;Mathématiques|SES;juin 2024\r\n",
		"mixed header": "student_id,Prénom,Nom de famille,birth_date,DIPLÔME,niveau cec (eqf),awarded_on,mention,speciality,session\n0123456789A,Hélène,Lefèvre,14/03/2006,Baccalauréat général,4,04/07/2024,tres_bien,Mathématiques|SES,juin 2024\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, rows := readAll(t, input, TypeDiploma, CSVOptions{})
			if got := onlyRecord(t, rows); !reflect.DeepEqual(got, want) {
				t.Errorf("record = %+v, want %+v", got, want)
			}
		})
	}
}

func TestCSVFrenchPixCertification(t *testing.T) {
	english, frenchShort, frenchLong := pixHeader, "INE;Prénom;Nom;Date de naissance;Centre de certification;Date de certification;Score Pix", "INE;Prénom;Nom;Date de naissance;Centre de certification;Date de certification;Score Pix"
	for _, def := range CompetenceFramework {
		frenchShort += ";" + def.ID
		frenchLong += ";compétence " + def.ID
	}
	frenchShort += ";Code de vérification"
	frenchLong += ";CODE DE VERIFICATION"
	row := "0123456789A;Hélène;Lefèvre;14/03/2006;Lycée Jean Moulin, Lyon;21/05/2024;512;0;1;2;3;4;5;6;7;0;1;2;3;4;5;6;7;P-2BCD6789"
	_, ref := readAll(t, english+"\n"+pixRow+"\n", TypePixCertification, CSVOptions{})
	for name, header := range map[string]string{"competences 1.1": frenchShort, "competences Compétence 1.1": frenchLong} {
		t.Run(name, func(t *testing.T) {
			c, rows := readAll(t, header+"\r\n"+row+"\r\n", TypePixCertification, CSVOptions{})
			if c.Language() != LangFrench || c.Delimiter() != ';' {
				t.Errorf("language %s, delimiter %q", c.Language(), c.Delimiter())
			}
			if got := onlyRecord(t, rows); !reflect.DeepEqual(got, onlyRecord(t, ref)) {
				t.Errorf("record = %+v\nwant %+v", got, onlyRecord(t, ref))
			}
		})
	}
}

// TestCSVFrenchProblems: problems of a French file name its columns as
// its header does.
func TestCSVFrenchProblems(t *testing.T) {
	input := frenchDiplomaHeader + "\n0123456789A;Léa;Martin;31/02/2006;CAP Cuisine;9;04/07/2099;;;\n"
	_, rows := readAll(t, input, TypeDiploma, CSVOptions{})
	if len(rows) != 1 || rows[0].Err == nil {
		t.Fatalf("rows %+v, want one bad row", rows)
	}
	want := "line 2, column date de naissance: must be a date DD/MM/YYYY or YYYY-MM-DD (rule format:date); " +
		"line 2, column Niveau CEC: must be at most 8 (rule maximum); " +
		"line 2, column Date d’obtention: must not be in the future: 2099-07-04 has not begun anywhere on Earth yet (rule notInFuture)"
	if got := rows[0].Err.Error(); got != want {
		t.Errorf("Error() = %q\nwant       %q", got, want)
	}
}

func TestCSVFrenchHeaderErrors(t *testing.T) {
	_, err := NewCSVReader(strings.NewReader("INE;Prénom;Nom;Nationalité;INE\n"), TypeDiploma, CSVOptions{Validator: newTestValidator(t)})
	var herr *HeaderError
	if !errors.As(err, &herr) {
		t.Fatalf("NewCSVReader = %v, want a *HeaderError", err)
	}
	if want := []string{"Date de naissance", "Diplôme", "Niveau CEC", "Date d'obtention"}; !reflect.DeepEqual(herr.Missing, want) {
		t.Errorf("missing %q, want %q", herr.Missing, want)
	}
	if !reflect.DeepEqual(herr.Unknown, []string{"Nationalité"}) || !reflect.DeepEqual(herr.Duplicated, []string{"INE"}) {
		t.Errorf("unknown %q, duplicated %q", herr.Unknown, herr.Duplicated)
	}
	if !strings.Contains(err.Error(), "expected columns: INE, Prénom, Nom, Date de naissance, Diplôme, Niveau CEC, Date d'obtention, optional: Mention, Spécialités, Code RNCP, Session, Clé du titulaire") {
		t.Errorf("error %q does not list the French columns", err)
	}
}

func TestCSVHeaderSizeLimits(t *testing.T) {
	v := newTestValidator(t)
	_, err := NewCSVReader(strings.NewReader(diplomaHeader+strings.Repeat(",x", maxHeaderColumns)+"\n"), TypeDiploma, CSVOptions{Validator: v})
	var herr *HeaderError
	if !errors.As(err, &herr) || !herr.TooMany || !strings.Contains(err.Error(), "more than 200 columns") {
		t.Errorf("a header of %d columns: %v", maxHeaderColumns+7, err)
	}
	long := "Prénom" + strings.Repeat(" ", maxHeaderNameLen) + "x"
	_, err = NewCSVReader(strings.NewReader(diplomaHeader+","+long+"\n"), TypeDiploma, CSVOptions{Validator: v})
	if !errors.As(err, &herr) || len(herr.Unknown) != 1 || len(herr.Unknown[0]) > maxHeaderNameLen+len("…") {
		t.Errorf("a long header name: %v", err)
	}
}

// FuzzHeaderMatching reads arbitrary headers: a header is accepted only
// with every required column, each once, and the reader then reports
// problems on its columns by the header's own names.
func FuzzHeaderMatching(f *testing.F) {
	f.Add(false, frenchDiplomaHeader)
	f.Add(false, diplomaHeader+",Code RNCP,clé du titulaire")
	f.Add(true, pixHeader)
	f.Add(true, "INE;Prénom;Nom;Date de naissance;Centre de certification;Date de certification;Score Pix;1.1;1.2;1.3;2.1;2.2;2.3;2.4;3.1;3.2;3.3;3.4;4.1;4.2;4.3;5.1;compétence 5.2")
	f.Add(false, "\u00a0I\u0301NE\u00a0;pre\u0301nom")
	v := newTestValidator(f)
	f.Fuzz(func(t *testing.T, pix bool, header string) {
		credType := TypeDiploma
		if pix {
			credType = TypePixCertification
		}
		if strings.ContainsAny(header, "\r\n\"") || !utf8.ValidString(header) {
			return // one header line, no quoting
		}
		c, err := NewCSVReader(strings.NewReader(header+"\n"), credType, CSVOptions{Validator: v, Encoding: EncodingUTF8})
		if err != nil {
			return
		}
		seen := map[int]bool{}
		for i, j := range c.specOf {
			if j < 0 {
				continue
			}
			if seen[j] || c.fileOf[j] != i {
				t.Fatalf("column %s matched twice or not mapped back", c.spec.columns[j].name)
			}
			seen[j] = true
			if len(c.labels[i]) > maxHeaderNameLen+len("…") {
				t.Fatalf("label of %d bytes", len(c.labels[i]))
			}
		}
		for j, col := range c.spec.columns {
			if col.required && !seen[j] {
				t.Fatalf("accepted a header without %s", col.name)
			}
		}
	})
}
