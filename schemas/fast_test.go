package schemas

import (
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

const diplomaFullHeader = diplomaHeader + ",mention,speciality,rncp,session,holder_jwk"

const diplomaFullRow = "0123456789A,Hélène,Lefèvre,2006-03-14,Baccalauréat général,4,2024-07-04,tres_bien,Mathématiques|Physique-chimie,RNCP38822,juin 2024,"

// headerReader returns a reader positioned after header, for rows of credType.
func headerReader(t testing.TB, v *Validator, credType, header string) *CSVReader {
	t.Helper()
	c, err := NewCSVReader(strings.NewReader(header+"\n"), credType, CSVOptions{Validator: v, Encoding: EncodingUTF8})
	if err != nil {
		t.Fatalf("NewCSVReader: %v", err)
	}
	return c
}

// splitRow splits a CSV line into its fields.
func splitRow(t testing.TB, line string) []string {
	t.Helper()
	fields, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		t.Fatalf("splitting %q: %v", line, err)
	}
	return fields
}

// checkPathsAgree fails when the fast path and the JSON Schema path
// disagree on fields: both must accept (with equal records) or both reject.
func checkPathsAgree(t *testing.T, c *CSVReader, fields []string) {
	t.Helper()
	rec, jwk, ok := c.fastRecord(fields)
	ref, err := c.checkedRow(2, fields)
	if err != nil {
		t.Fatalf("reference path: %v", err)
	}
	switch {
	case ok && ref.Err != nil:
		t.Fatalf("fast path accepts %q, the JSON Schema rejects it: %v", fields, ref.Err)
	case !ok && ref.Err == nil:
		t.Fatalf("fast path rejects %q, the JSON Schema accepts it as %+v", fields, ref.Record)
	case ok && (!reflect.DeepEqual(rec, ref.Record) || jwk != ref.HolderJWK):
		t.Fatalf("paths disagree on %q:\nfast      %+v %q\nreference %+v %q", fields, rec, jwk, ref.Record, ref.HolderJWK)
	}
}

func TestFastPathTakesValidRows(t *testing.T) {
	v := newTestValidator(t)
	for _, tt := range []struct{ credType, header, row string }{
		{TypePixCertification, pixHeader, pixRow},
		{TypeDiploma, diplomaFullHeader, diplomaFullRow},
		{TypeDiploma, diplomaHeader, "0123456789A,Léa,Martin,2006-01-01,CAP,3,2024-07-04"},
	} {
		c := headerReader(t, v, tt.credType, tt.header)
		if _, _, ok := c.fastRecord(splitRow(t, tt.row)); !ok {
			t.Errorf("%s row %q goes through the slow path", tt.credType, tt.row)
		}
	}
}

// TestFastPathAgreesWithSchema covers each rule at its edges.
func TestFastPathAgreesWithSchema(t *testing.T) {
	v := newTestValidator(t)
	long := func(n int) string { return strings.Repeat("é", n) }
	values := map[string][]string{
		"student_id":           {"0123456789A", "0123456789a", "0123456789", "0123456789AB", "0123456789É", " 0123456789A"},
		"given_name":           {"Zoé", "Z", "Jean Noël", "Jean\tNoël", "Jean\x7fNoël", "a\u00a0", "\u00a0a", long(100), long(101), "-", "Léa\u202e", "\u2066Léa", "L\u200dea", "Léa\u00ad"},
		"family_name":          {"N'Diaye", "\u2028x", "x\u0085", "O\x1fB", "x\U000E0041"},
		"birth_date":           {"2006-03-14", "2024-02-29", "2023-02-29", "2025-06-15", "2025-06-16", "2006-3-14", "20060314", "2006-03-14T00:00:00Z", "+2006-03-14", "14/03/2006", "1/1/1900", "31/12/1899", "30/02/2006", "2024-05-22", "2024-07-05"},
		"certification_center": {long(200), long(201), "Lycée \"Jean Moulin\""},
		"certified_on":         {"2024-13-01", "2024-12-31", "0000-01-01", "2025-06-15", "2025-06-16", "16/06/2025", "21/5/2024"},
		"pix_score":            {"0", "1024", "1025", "-1", "+12", "007", "-0", "1e3", "12.0", "0x10", "1_000", "99999999999999999999999999999999", "999999999999999999999999999999999", " 5 ", "٣"},
		"c1_1":                 {"-1", "8", "9", "-2", "+0", ""},
		"verification_code":    {"P-2BCD6789", "P-2BCD678", "P-2BCD67890", "P-0BCD6789", "p-2BCD6789", ""},
		"holder_jwk":           {`{"kty":"EC"}`, `{"kty":"EC","d":"x"}`, `{"kty":""}`, `[]`, `null`, `{`},
		"diploma":              {"CAP", "", " "},
		"eqf_level":            {"0", "1", "8", "9", "4.0"},
		"awarded_on":           {"2030-01-01", "1999-12-31", "2025-06-15", "2025-06-16", "15/06/2025", "04/07/2024", "4/7/24"},
		"mention":              {"bien", "Bien", "tres_bien_felicitations", ""},
		"speciality":           {"A|B", "A|A", "A| A", "A||B", "|", strings.Repeat("x|", 19) + "y", strings.Repeat("x|", 20) + "y", "a|" + long(201)},
		"rncp":                 {"RNCP123", "RNCP12", "RNCP123456", "RNCP1234567", "rncp123", "RNCP12a"},
		"session":              {"juin 2024", long(201)},
	}
	for _, tt := range []struct{ credType, header, row string }{
		{TypePixCertification, pixHeader + ",holder_jwk", pixRow + ","},
		{TypeDiploma, diplomaFullHeader, diplomaFullRow},
	} {
		c := headerReader(t, v, tt.credType, tt.header)
		base := splitRow(t, tt.row)
		for i, col := range c.Columns() {
			for _, value := range values[col] {
				fields := append([]string(nil), base...)
				fields[i] = value
				t.Run(tt.credType+"/"+col+"="+value, func(t *testing.T) { checkPathsAgree(t, c, fields) })
			}
		}
	}
}

// FuzzFastPathAgreesWithSchema changes up to two cells of a valid row and
// checks that the fast path and the JSON Schema decide alike.
func FuzzFastPathAgreesWithSchema(f *testing.F) {
	f.Add(true, uint8(6), "1025", uint8(0), "0123456789A")
	f.Add(true, uint8(3), "2024-02-29", uint8(9), "-1")
	f.Add(false, uint8(8), "A|A", uint8(1), " Zoé")
	f.Add(false, uint8(9), "RNCP1234567", uint8(11), `{"kty":"OKP"}`)
	f.Add(false, uint8(5), "+04", uint8(7), "passable")
	f.Add(false, uint8(3), "14/03/2006", uint8(6), "01/01/2025")
	f.Add(true, uint8(1), "L\u202eéa", uint8(5), "16/06/2025")
	v := newTestValidator(f)
	pix := headerReader(f, v, TypePixCertification, pixHeader+",holder_jwk")
	diploma := headerReader(f, v, TypeDiploma, diplomaFullHeader)
	pixBase := splitRow(f, pixRow+",")
	diplomaBase := splitRow(f, diplomaFullRow)
	f.Fuzz(func(t *testing.T, isPix bool, col1 uint8, val1 string, col2 uint8, val2 string) {
		if !utf8.ValidString(val1) || !utf8.ValidString(val2) {
			return // the reader stops at invalid UTF-8 before validating rows
		}
		c, fields := diploma, append([]string(nil), diplomaBase...)
		if isPix {
			c, fields = pix, append([]string(nil), pixBase...)
		}
		fields[int(col1)%len(fields)] = val1
		fields[int(col2)%len(fields)] = val2
		checkPathsAgree(t, c, fields)
	})
}

// FuzzConformsAgreesWithValidateRecord changes one field of a valid record
// and checks that Conforms decides as the JSON Schema does on its JSON.
func FuzzConformsAgreesWithValidateRecord(f *testing.F) {
	f.Add(true, uint8(0), "0123456789A", 5)
	f.Add(true, uint8(4), "", 1025)
	f.Add(true, uint8(7), "x", -2)
	f.Add(false, uint8(5), "A", 9)
	f.Add(false, uint8(6), "A", 0)
	f.Add(false, uint8(3), "2025-06-16", 4)
	f.Add(false, uint8(3), "1899-12-31", 4)
	f.Add(false, uint8(2), "2025-06-16", 4)
	f.Add(true, uint8(1), "Zo\u200be", 4)
	v := newTestValidator(f)
	f.Fuzz(func(t *testing.T, isPix bool, field uint8, s string, n int) {
		if !utf8.ValidString(s) {
			return // Conforms is defined on valid UTF-8 only
		}
		var rec Record
		if isPix {
			p := validPix()
			switch field % 9 {
			case 0:
				p.StudentID = s
			case 1:
				p.GivenName = s
			case 2:
				p.FamilyName = s
			case 3:
				p.BirthDate = s
			case 4:
				p.CertificationCenter = s
				p.PixScore = n
			case 5:
				p.CertifiedOn = s
			case 6:
				p.VerificationCode = s
			case 7:
				i := int(uint(n) % uint(len(p.Competences)))
				p.Competences[i].Level = n
				p.Competences[i].Name = s
			case 8:
				p.Competences = p.Competences[:int(uint(n)%uint(len(p.Competences)+1))]
			}
			rec = p
		} else {
			d := validDiploma()
			switch field % 9 {
			case 0:
				d.StudentID = s
			case 1:
				d.Diploma = s
			case 2:
				d.AwardedOn = s
			case 3:
				d.BirthDate = s
			case 4:
				d.Mention = s
			case 5:
				d.Specialities = strings.Split(s, "|")
			case 6:
				d.EQFLevel = n
				d.RNCP = s
			case 7:
				d.Session = s
			case 8:
				d.Specialities = nil
				d.GivenName = s
			}
			rec = d
		}
		fast := v.Conforms(rec)
		ref := v.ValidateRecord(rec)
		if fast != (ref == nil) {
			t.Fatalf("Conforms = %v, ValidateRecord = %v, for %+v", fast, ref, rec)
		}
	})
}

func BenchmarkFastPathPixRow(b *testing.B) {
	v := newTestValidator(b)
	c := headerReader(b, v, TypePixCertification, pixHeader)
	fields := splitRow(b, pixRow)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := c.fastRecord(fields); !ok {
			b.Fatal("fast path rejects a valid row")
		}
	}
}

// BenchmarkConforms compares the fast check of a valid record with the
// JSON Schema validation of its JSON.
func BenchmarkConforms(b *testing.B) {
	v := newTestValidator(b)
	for _, rec := range []Record{validDiploma(), validPix()} {
		b.Run(rec.CredentialType()+"/Conforms", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !v.Conforms(rec) {
					b.Fatal("Conforms rejects a valid record")
				}
			}
		})
		b.Run(rec.CredentialType()+"/ValidateRecord", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := v.ValidateRecord(rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
