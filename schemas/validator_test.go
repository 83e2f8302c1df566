package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

// fixedClock pins "today" for the date checks: 2025-06-15 everywhere on
// Earth (08:00 UTC is 22:00 at UTC+14 and 20:00 the day before at UTC-12).
func fixedClock() time.Time { return time.Date(2025, time.June, 15, 8, 0, 0, 0, time.UTC) }

func newTestValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := NewValidator(WithClock(fixedClock))
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	return v
}

func validStudent() Student {
	return Student{StudentID: "0123456789A", GivenName: "Hélène", FamilyName: "Lefèvre", BirthDate: "2006-03-14"}
}

func validDiploma() *Diploma {
	return &Diploma{
		Student:      validStudent(),
		Diploma:      "Baccalauréat général",
		EQFLevel:     4,
		AwardedOn:    "2024-07-04",
		Mention:      "tres_bien",
		Specialities: []string{"Mathématiques", "Physique-chimie"},
		RNCP:         "RNCP38822",
		Session:      "juin 2024",
	}
}

func validPix() *PixCertification {
	p := &PixCertification{
		Student:             validStudent(),
		CertificationCenter: "Lycée Jean Moulin, Lyon",
		CertifiedOn:         "2024-05-21",
		PixScore:            512,
		VerificationCode:    "P-2BCD6789",
	}
	for i, def := range CompetenceFramework {
		p.Competences = append(p.Competences, Competence{ID: def.ID, Name: def.Name, Level: i%9 - 1})
	}
	return p
}

// subjectOf returns r as a generic JSON object a test case can break.
func subjectOf(t *testing.T, r Record) map[string]any {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func competenceAt(m map[string]any, i int) map[string]any {
	return m["competences"].([]any)[i].(map[string]any)
}

func TestValidateRules(t *testing.T) {
	v := newTestValidator(t)
	type want struct{ field, rule string }
	tests := []struct {
		name     string
		credType string
		edit     func(m map[string]any)
		want     []want // empty: valid
	}{
		{"valid diploma", TypeDiploma, func(map[string]any) {}, nil},
		{"valid pix certification", TypePixCertification, func(map[string]any) {}, nil},
		{"diploma without optional fields", TypeDiploma, func(m map[string]any) {
			for _, k := range []string{"mention", "specialities", "rncp", "session"} {
				delete(m, k)
			}
		}, nil},
		{"pix certification without verification code", TypePixCertification, func(m map[string]any) { delete(m, "verification_code") }, nil},
		{"INE of another format, letters inside", TypeDiploma, func(m map[string]any) { m["student_id"] = "1A2B3C4D5E6" }, nil},
		{"INE too short", TypeDiploma, func(m map[string]any) { m["student_id"] = "0123456789" }, []want{{"student_id", "pattern"}}},
		{"INE too long", TypeDiploma, func(m map[string]any) { m["student_id"] = "0123456789AB" }, []want{{"student_id", "pattern"}}},
		{"INE in lower case", TypeDiploma, func(m map[string]any) { m["student_id"] = "0123456789a" }, []want{{"student_id", "pattern"}}},
		{"INE as a number", TypeDiploma, func(m map[string]any) { m["student_id"] = json.Number("12345678901") }, []want{{"student_id", "type"}}},
		{"empty given name", TypeDiploma, func(m map[string]any) { m["given_name"] = "" }, []want{{"given_name", "pattern"}}},
		{"blank family name", TypePixCertification, func(m map[string]any) { m["family_name"] = "   " }, []want{{"family_name", "pattern"}}},
		{"name with leading space", TypeDiploma, func(m map[string]any) { m["given_name"] = " Léa" }, []want{{"given_name", "pattern"}}},
		{"name on two lines", TypeDiploma, func(m map[string]any) { m["family_name"] = "Le\nFèvre" }, []want{{"family_name", "controlCharacter"}}},
		{"name with a tab inside", TypeDiploma, func(m map[string]any) { m["given_name"] = "Jean\tPierre" }, []want{{"given_name", "controlCharacter"}}},
		{"name with a C1 control character", TypeDiploma, func(m map[string]any) { m["given_name"] = "Jean\u0085Pierre" }, []want{{"given_name", "controlCharacter"}}},
		{"name with a right-to-left override", TypeDiploma, func(m map[string]any) { m["family_name"] = "Martin\u202Enialf" }, []want{{"family_name", "bidiControl"}}},
		{"name with a bidirectional isolate", TypePixCertification, func(m map[string]any) { m["given_name"] = "\u2067Léa\u2069" }, []want{{"given_name", "bidiControl"}}},
		{"name with a zero width space", TypeDiploma, func(m map[string]any) { m["family_name"] = "Mar\u200Btin" }, []want{{"family_name", "formatCharacter"}}},
		{"name with a language tag", TypeDiploma, func(m map[string]any) { m["family_name"] = "Martin\U000E0001" }, []want{{"family_name", "formatCharacter"}}},
		{"name with a leading space and a control character", TypeDiploma, func(m map[string]any) { m["given_name"] = " Léa\x1b" }, []want{{"given_name", "controlCharacter"}}},
		{"diploma title with a zero width space (names only)", TypeDiploma, func(m map[string]any) { m["diploma"] = "CAP\u200B" }, nil},
		{"compound name", TypeDiploma, func(m map[string]any) { m["given_name"] = "Jean-Pierre Marie" }, nil},
		{"name with an apostrophe", TypeDiploma, func(m map[string]any) { m["family_name"] = "d'Alembert" }, nil},
		{"name too long", TypeDiploma, func(m map[string]any) { m["family_name"] = strings.Repeat("é", 101) }, []want{{"family_name", "maxLength"}}},
		{"name of 100 accented letters", TypeDiploma, func(m map[string]any) { m["family_name"] = strings.Repeat("é", 100) }, nil},
		{"birth date month 13", TypeDiploma, func(m map[string]any) { m["birth_date"] = "1999-13-01" }, []want{{"birth_date", "format:date"}}},
		{"birth date 30 February", TypeDiploma, func(m map[string]any) { m["birth_date"] = "2023-02-30" }, []want{{"birth_date", "format:date"}}},
		{"birth date in French order", TypePixCertification, func(m map[string]any) { m["birth_date"] = "14/03/2006" }, []want{{"birth_date", "format:date"}}},
		{"birth date 29 February of a leap year", TypeDiploma, func(m map[string]any) { m["birth_date"] = "2004-02-29" }, nil},
		{"birth date today, awarded today", TypeDiploma, func(m map[string]any) { m["birth_date"] = "2025-06-15"; m["awarded_on"] = "2025-06-15" }, nil},
		{"birth date tomorrow", TypeDiploma, func(m map[string]any) { m["birth_date"] = "2025-06-16" }, []want{{"birth_date", "notInFuture"}}},
		{"birth date on 1 January 1900", TypeDiploma, func(m map[string]any) { m["birth_date"] = "1900-01-01" }, nil},
		{"birth date in 1899", TypeDiploma, func(m map[string]any) { m["birth_date"] = "1899-12-31" }, []want{{"birth_date", "notBefore1900"}}},
		{"birth date in year 0", TypePixCertification, func(m map[string]any) { m["birth_date"] = "0000-01-01" }, []want{{"birth_date", "notBefore1900"}}},
		{"born the day after the award", TypeDiploma, func(m map[string]any) { m["birth_date"] = "2024-07-05" }, []want{{"birth_date", "notAfterAward"}}},
		{"born on the day of the award", TypeDiploma, func(m map[string]any) { m["birth_date"] = "2024-07-04" }, nil},
		{"born after the certification", TypePixCertification, func(m map[string]any) { m["birth_date"] = "2024-05-22" }, []want{{"birth_date", "notAfterAward"}}},
		{"awarded today", TypeDiploma, func(m map[string]any) { m["awarded_on"] = "2025-06-15" }, nil},
		{"awarded tomorrow", TypeDiploma, func(m map[string]any) { m["awarded_on"] = "2025-06-16" }, []want{{"awarded_on", "notInFuture"}}},
		{"certified next year", TypePixCertification, func(m map[string]any) { m["certified_on"] = "2026-01-10" }, []want{{"certified_on", "notInFuture"}}},
		{"born and awarded in the future", TypeDiploma, func(m map[string]any) { m["birth_date"] = "2030-01-01"; m["awarded_on"] = "2029-01-01" }, []want{
			{"birth_date", "notInFuture"}, {"awarded_on", "notInFuture"},
		}},
		{"award date not a date", TypeDiploma, func(m map[string]any) { m["awarded_on"] = "juillet 2024" }, []want{{"awarded_on", "format:date"}}},
		{"empty diploma title", TypeDiploma, func(m map[string]any) { m["diploma"] = "" }, []want{{"diploma", "pattern"}}},
		{"EQF level 9", TypeDiploma, func(m map[string]any) { m["eqf_level"] = json.Number("9") }, []want{{"eqf_level", "maximum"}}},
		{"EQF level 0", TypeDiploma, func(m map[string]any) { m["eqf_level"] = json.Number("0") }, []want{{"eqf_level", "minimum"}}},
		{"EQF level 3.5", TypeDiploma, func(m map[string]any) { m["eqf_level"] = json.Number("3.5") }, []want{{"eqf_level", "type"}}},
		{"EQF level as text", TypeDiploma, func(m map[string]any) { m["eqf_level"] = "4" }, []want{{"eqf_level", "type"}}},
		{"EQF level written 4.0", TypeDiploma, func(m map[string]any) { m["eqf_level"] = json.Number("4.0") }, nil},
		{"EQF level with a huge exponent", TypeDiploma, func(m map[string]any) { m["eqf_level"] = json.Number("1e999999") }, []want{{"eqf_level", "number"}}},
		{"mention typo", TypeDiploma, func(m map[string]any) { m["mention"] = "tres bien" }, []want{{"mention", "enum"}}},
		{"mention in capitals", TypeDiploma, func(m map[string]any) { m["mention"] = "Bien" }, []want{{"mention", "enum"}}},
		{"empty speciality", TypeDiploma, func(m map[string]any) { m["specialities"] = []any{"Mathématiques", ""} }, []want{{"specialities[1]", "pattern"}}},
		{"empty speciality list", TypeDiploma, func(m map[string]any) { m["specialities"] = []any{} }, []want{{"specialities", "minItems"}}},
		{"repeated speciality", TypeDiploma, func(m map[string]any) { m["specialities"] = []any{"SES", "SES"} }, []want{{"specialities", "uniqueItems"}}},
		{"RNCP in lower case", TypeDiploma, func(m map[string]any) { m["rncp"] = "rncp38822" }, []want{{"rncp", "pattern"}}},
		{"RNCP with 2 digits", TypeDiploma, func(m map[string]any) { m["rncp"] = "RNCP12" }, []want{{"rncp", "pattern"}}},
		{"RNCP with 7 digits", TypeDiploma, func(m map[string]any) { m["rncp"] = "RNCP1234567" }, []want{{"rncp", "pattern"}}},
		{"RNCP with 3 digits", TypeDiploma, func(m map[string]any) { m["rncp"] = "RNCP123" }, nil},
		{"null mention", TypeDiploma, func(m map[string]any) { m["mention"] = nil }, []want{{"mention", "type"}}},
		{"missing diploma title", TypeDiploma, func(m map[string]any) { delete(m, "diploma") }, []want{{"diploma", "required"}}},
		{"unknown field", TypeDiploma, func(m map[string]any) { m["nationality"] = "FR" }, []want{{"nationality", "additionalProperties"}}},
		{"field in the wrong case", TypeDiploma, func(m map[string]any) { m["Student_ID"] = m["student_id"]; delete(m, "student_id") }, []want{
			{"student_id", "required"}, {"Student_ID", "additionalProperties"},
		}},
		{"several violations, in field order", TypeDiploma, func(m map[string]any) {
			m["awarded_on"] = "2024-7-4"
			m["student_id"] = "x"
			delete(m, "birth_date")
		}, []want{{"student_id", "pattern"}, {"birth_date", "required"}, {"awarded_on", "format:date"}}},
		{"score 1025", TypePixCertification, func(m map[string]any) { m["pix_score"] = json.Number("1025") }, []want{{"pix_score", "maximum"}}},
		{"score 1024", TypePixCertification, func(m map[string]any) { m["pix_score"] = json.Number("1024") }, nil},
		{"negative score", TypePixCertification, func(m map[string]any) { m["pix_score"] = json.Number("-1") }, []want{{"pix_score", "minimum"}}},
		{"empty certification center", TypePixCertification, func(m map[string]any) { m["certification_center"] = "" }, []want{{"certification_center", "pattern"}}},
		{"certification date 2023-02-30", TypePixCertification, func(m map[string]any) { m["certified_on"] = "2023-02-30" }, []want{{"certified_on", "format:date"}}},
		{"15 competences", TypePixCertification, func(m map[string]any) { m["competences"] = m["competences"].([]any)[:15] }, []want{{"competences", "minItems"}}},
		{"17 competences", TypePixCertification, func(m map[string]any) {
			cs := m["competences"].([]any)
			m["competences"] = append(cs, cs[0])
		}, []want{{"competences", "maxItems"}}},
		{"competence level 9", TypePixCertification, func(m map[string]any) { competenceAt(m, 3)["level"] = json.Number("9") }, []want{{"competences[3].level", "maximum"}}},
		{"violations in competence order", TypePixCertification, func(m map[string]any) {
			competenceAt(m, 10)["level"] = json.Number("9")
			competenceAt(m, 4)["level"] = json.Number("9")
			competenceAt(m, 4)["id"] = "2.9"
		}, []want{{"competences[4].id", "const"}, {"competences[4].level", "maximum"}, {"competences[10].level", "maximum"}}},
		{"competence level -2", TypePixCertification, func(m map[string]any) { competenceAt(m, 15)["level"] = json.Number("-2") }, []want{{"competences[15].level", "minimum"}}},
		{"competence level missing", TypePixCertification, func(m map[string]any) { delete(competenceAt(m, 2), "level") }, []want{{"competences[2].level", "required"}}},
		{"competence renamed", TypePixCertification, func(m map[string]any) { competenceAt(m, 3)["name"] = "Communiquer" }, []want{{"competences[3].name", "const"}}},
		{"competences swapped", TypePixCertification, func(m map[string]any) {
			cs := m["competences"].([]any)
			cs[0], cs[1] = cs[1], cs[0]
		}, []want{
			{"competences[0].id", "const"}, {"competences[0].name", "const"},
			{"competences[1].id", "const"}, {"competences[1].name", "const"},
		}},
		{"competence with an extra field", TypePixCertification, func(m map[string]any) { competenceAt(m, 0)["comment"] = "x" }, []want{{"competences[0].comment", "additionalProperties"}}},
		{"verification code with forbidden characters", TypePixCertification, func(m map[string]any) { m["verification_code"] = "P-12345678" }, []want{{"verification_code", "pattern"}}},
		{"verification code in lower case", TypePixCertification, func(m map[string]any) { m["verification_code"] = "p-2bcd6789" }, []want{{"verification_code", "pattern"}}},
		{"verification code too short", TypePixCertification, func(m map[string]any) { m["verification_code"] = "P-2BCD678" }, []want{{"verification_code", "pattern"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if tt.credType == TypeDiploma {
				m = subjectOf(t, validDiploma())
			} else {
				m = subjectOf(t, validPix())
			}
			tt.edit(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			err = v.Validate(tt.credType, b)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			var got []want
			for _, viol := range verr.Violations {
				got = append(got, want{viol.Field, viol.Rule})
				if viol.Message == "" {
					t.Errorf("violation %+v has no message", viol)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("violations = %v, want %v (error: %v)", got, tt.want, err)
			}
		})
	}
}

func TestValidationErrorMessages(t *testing.T) {
	v := newTestValidator(t)
	tests := []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"bad date", func(m map[string]any) { m["birth_date"] = "1999-13-01" },
			"birth_date: must be a date YYYY-MM-DD (rule format:date)"},
		{"bad INE", func(m map[string]any) { m["student_id"] = "123" },
			"student_id: must be an INE: 11 digits or capital letters (rule pattern)"},
		{"mention typo", func(m map[string]any) { m["mention"] = "tb" },
			"mention: must be one of passable, assez_bien, bien, tres_bien, tres_bien_felicitations (rule enum)"},
		{"EQF level", func(m map[string]any) { m["eqf_level"] = json.Number("9") },
			"eqf_level: must be at most 8 (rule maximum)"},
		{"missing and unknown", func(m map[string]any) { delete(m, "awarded_on"); m["grade"] = "A" },
			"awarded_on: is required (rule required); grade: is not a field of this credential type (rule additionalProperties)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := subjectOf(t, validDiploma())
			tt.edit(m)
			b, _ := json.Marshal(m)
			err := v.Validate(TypeDiploma, b)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Validate error = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestViolationGotHoldsTheValueButErrorDoesNot(t *testing.T) {
	v := newTestValidator(t)
	m := subjectOf(t, validDiploma())
	m["birth_date"] = "1999-13-01"
	b, _ := json.Marshal(m)
	var verr *ValidationError
	if err := v.Validate(TypeDiploma, b); !errors.As(err, &verr) {
		t.Fatalf("Validate = %v, want a *ValidationError", err)
	}
	if got := verr.Violations[0].Got; got != `"1999-13-01"` {
		t.Errorf("Got = %s, want \"1999-13-01\"", got)
	}
	if strings.Contains(verr.Error(), "1999") {
		t.Errorf("Error() = %q leaks the value", verr.Error())
	}
}

func TestValidateMalformedInput(t *testing.T) {
	v := newTestValidator(t)
	tests := []struct {
		name, input string
		want        Violation
	}{
		{"not JSON", `{"student_id":`, Violation{Rule: "json"}},
		{"two documents", `{} {}`, Violation{Rule: "json"}},
		{"an array", `[]`, Violation{Rule: "type", Message: "must be an object"}},
		{"a string", `"Diploma"`, Violation{Rule: "type", Message: "must be an object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Validate(TypeDiploma, []byte(tt.input))
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			got := verr.Violations[0]
			if got.Field != "" || got.Rule != tt.want.Rule || (tt.want.Message != "" && got.Message != tt.want.Message) {
				t.Errorf("violation = %+v, want %+v", got, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "subject: ") {
				t.Errorf("Error() = %q, want it to name the subject", err)
			}
		})
	}
}

func TestUnknownType(t *testing.T) {
	v := newTestValidator(t)
	err := v.Validate("Licence", []byte(`{}`))
	if !errors.Is(err, ErrUnknownType) {
		t.Fatalf("Validate = %v, want ErrUnknownType", err)
	}
	for _, known := range record.CredentialTypes() {
		if !strings.Contains(err.Error(), string(known)) {
			t.Errorf("error %q does not list %s", err, known)
		}
	}
	if _, err := v.Decode("Licence", []byte(`{}`)); !errors.Is(err, ErrUnknownType) {
		t.Errorf("Decode = %v, want ErrUnknownType", err)
	}
	if _, err := SchemaURL("Licence"); !errors.Is(err, ErrUnknownType) {
		t.Errorf("SchemaURL = %v, want ErrUnknownType", err)
	}
	if _, err := SchemaJSON(TypeOpenResource); !errors.Is(err, ErrUnknownType) {
		t.Errorf("SchemaJSON(%s) = %v, want ErrUnknownType", TypeOpenResource, err)
	}
}

func TestDecode(t *testing.T) {
	v := newTestValidator(t)
	for _, want := range []Record{validDiploma(), validPix()} {
		t.Run(want.CredentialType(), func(t *testing.T) {
			b, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.Decode(want.CredentialType(), b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Decode = %+v, want %+v", got, want)
			}
		})
	}
}

func TestDecodeCanonicalizesIntegers(t *testing.T) {
	v := newTestValidator(t)
	m := subjectOf(t, validDiploma())
	m["eqf_level"] = json.Number("6.0")
	b, _ := json.Marshal(m)
	rec, err := v.Decode(TypeDiploma, b)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got := rec.(*Diploma).EQFLevel; got != 6 {
		t.Errorf("EQFLevel = %d, want 6", got)
	}
}

func TestDecodeRejectsInvalid(t *testing.T) {
	v := newTestValidator(t)
	d := validDiploma()
	d.EQFLevel = 9
	b, _ := json.Marshal(d)
	rec, err := v.Decode(TypeDiploma, b)
	var verr *ValidationError
	if !errors.As(err, &verr) || rec != nil {
		t.Fatalf("Decode = %v, %v; want nil and a *ValidationError", rec, err)
	}
}

func TestValidateRecord(t *testing.T) {
	v := newTestValidator(t)
	if err := v.ValidateRecord(validDiploma()); err != nil {
		t.Errorf("valid diploma: %v", err)
	}
	if err := v.ValidateRecord(validPix()); err != nil {
		t.Errorf("valid Pix certification: %v", err)
	}
	p := validPix()
	p.Competences = p.Competences[:15]
	var verr *ValidationError
	if err := v.ValidateRecord(p); !errors.As(err, &verr) || verr.Violations[0].Field != "competences" {
		t.Errorf("15 competences: %v, want a violation on competences", err)
	}
	if err := v.ValidateRecord(nil); err == nil {
		t.Error("nil record: no error")
	}
}

func TestValidatorIsSafeForConcurrentUse(t *testing.T) {
	v := newTestValidator(t)
	good, _ := json.Marshal(validPix())
	bad := validPix()
	bad.PixScore = 2000
	badJSON, _ := json.Marshal(bad)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if err := v.Validate(TypePixCertification, good); err != nil {
					t.Errorf("goroutine %d, valid subject: %v", i, err)
				}
				if err := v.Validate(TypePixCertification, badJSON); err == nil {
					t.Errorf("goroutine %d, score 2000 accepted", i)
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzValidate(f *testing.F) {
	for _, r := range []Record{validDiploma(), validPix()} {
		b, _ := json.Marshal(r)
		f.Add(r.CredentialType(), b)
	}
	f.Add(TypeDiploma, []byte(`{"eqf_level": 1e999999}`))
	f.Add(TypePixCertification, []byte(`{"competences": [{"id": "1.1"}]}`))
	f.Add(TypeDiploma, []byte(`[`))
	v := newTestValidator(f)
	f.Fuzz(func(t *testing.T, credType string, subject []byte) {
		rec, err := v.Decode(credType, subject)
		var verr *ValidationError
		switch {
		case err == nil:
		case errors.Is(err, ErrUnknownType):
			return
		case errors.As(err, &verr):
			if len(verr.Violations) == 0 {
				t.Fatal("ValidationError without violations")
			}
			for _, viol := range verr.Violations {
				if viol.Rule == "" || viol.Message == "" {
					t.Fatalf("incomplete violation %+v", viol)
				}
			}
			return
		default:
			t.Fatalf("Decode: unexpected error kind %T: %v", err, err)
		}
		if rec.CredentialType() != credType {
			t.Fatalf("Decode returned a %s for %s", rec.CredentialType(), credType)
		}
		if err := v.Validate(credType, subject); err != nil {
			t.Fatalf("Decode accepted what Validate rejects: %v", err)
		}
		// What was accepted must still be valid once re-encoded.
		if err := v.ValidateRecord(rec); err != nil {
			t.Fatalf("decoded record no longer valid: %v", err)
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	v := newTestValidator(b)
	for _, r := range []Record{validDiploma(), validPix()} {
		subject, err := json.Marshal(r)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(r.CredentialType(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := v.Validate(r.CredentialType(), subject); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestTodayIsTheLatestDateOnEarth: a date is in the future only where it
// is in the future everywhere, so that a diploma awarded today in Paris
// verifies in Papeete, where it is still yesterday.
func TestTodayIsTheLatestDateOnEarth(t *testing.T) {
	// 12:00 UTC on the 15th is already the 16th at UTC+14.
	v, err := NewValidator(WithClock(func() time.Time { return time.Date(2025, time.June, 15, 12, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.today(); got != "2025-06-16" {
		t.Errorf("today = %s, want 2025-06-16", got)
	}
}
