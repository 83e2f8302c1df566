package schemas

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

const diplomaHeader = "student_id,given_name,family_name,birth_date,diploma,eqf_level,awarded_on"

// pixHeader and pixRow make a valid PixCertification CSV, levels 0 to 7
// then 0 to 7 again.
const pixHeader = "student_id,given_name,family_name,birth_date,certification_center,certified_on,pix_score," +
	"c1_1,c1_2,c1_3,c2_1,c2_2,c2_3,c2_4,c3_1,c3_2,c3_3,c3_4,c4_1,c4_2,c4_3,c5_1,c5_2,verification_code"

const pixRow = "0123456789A,Hélène,Lefèvre,2006-03-14,\"Lycée Jean Moulin, Lyon\",2024-05-21,512," +
	"0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7,P-2BCD6789"

// readAll reads every row of a CSV of credType, failing the test on an
// error other than io.EOF.
func readAll(t *testing.T, input, credType string, opts CSVOptions) (*CSVReader, []*Row) {
	t.Helper()
	if opts.Validator == nil {
		opts.Validator = newTestValidator(t)
	}
	c, err := NewCSVReader(strings.NewReader(input), credType, opts)
	if err != nil {
		t.Fatalf("NewCSVReader: %v", err)
	}
	var rows []*Row
	for {
		row, err := c.Next()
		if errors.Is(err, io.EOF) {
			return c, rows
		}
		if err != nil {
			t.Fatalf("Next after %d rows: %v", len(rows), err)
		}
		rows = append(rows, row)
	}
}

// csvQuote quotes a CSV field.
func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// onlyRecord returns the record of the single, valid row of rows.
func onlyRecord(t *testing.T, rows []*Row) Record {
	t.Helper()
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	if rows[0].Err != nil {
		t.Fatalf("row error: %v", rows[0].Err)
	}
	return rows[0].Record
}

func TestCSVDiplomaAnyColumnOrder(t *testing.T) {
	want := &Diploma{
		Student:   Student{StudentID: "0123456789A", GivenName: "Hélène", FamilyName: "Lefèvre", BirthDate: "2006-03-14"},
		Diploma:   "Baccalauréat général",
		EQFLevel:  4,
		AwardedOn: "2024-07-04",
	}
	inputs := map[string]string{
		"schema order": diplomaHeader + "\n0123456789A,Hélène,Lefèvre,2006-03-14,Baccalauréat général,4,2024-07-04\n",
		"shuffled":     "awarded_on,eqf_level,family_name,diploma,student_id,birth_date,given_name\n2024-07-04,4,Lefèvre,Baccalauréat général,0123456789A,2006-03-14,Hélène\n",
		"header in capitals with spaces": " Student_ID , GIVEN_NAME,Family_Name,birth_date,Diploma,EQF_level,awarded_on \n" +
			"0123456789A, Hélène ,Lefèvre,2006-03-14,Baccalauréat général, 4 ,2024-07-04\n",
		"empty optional cells": diplomaHeader + ",mention,speciality,rncp,session\n0123456789A,Hélène,Lefèvre,2006-03-14,Baccalauréat général,4,2024-07-04,,, ,\n",
	}
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			_, rows := readAll(t, input, TypeDiploma, CSVOptions{})
			if got := onlyRecord(t, rows); !reflect.DeepEqual(got, want) {
				t.Errorf("record = %+v, want %+v", got, want)
			}
			if rows[0].Line != 2 {
				t.Errorf("Line = %d, want 2", rows[0].Line)
			}
		})
	}
}

func TestCSVWindows1252SemicolonCRLF(t *testing.T) {
	f, err := os.Open("testdata/diplomas-windows-1252.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := NewCSVReader(f, TypeDiploma, CSVOptions{Validator: newTestValidator(t)})
	if err != nil {
		t.Fatalf("NewCSVReader: %v", err)
	}
	if c.Encoding() != EncodingWindows1252 || c.Delimiter() != ';' {
		t.Errorf("encoding %s, delimiter %q; want %s and ';'", c.Encoding(), c.Delimiter(), EncodingWindows1252)
	}
	wantCols := []string{"student_id", "given_name", "family_name", "birth_date", "diploma", "eqf_level", "awarded_on", "mention", "speciality", "rncp", "session"}
	if !reflect.DeepEqual(c.Columns(), wantCols) {
		t.Errorf("Columns = %v, want %v", c.Columns(), wantCols)
	}
	want := []*Diploma{{
		Student:      Student{StudentID: "0123456789A", GivenName: "Hélène", FamilyName: "Lefèvre", BirthDate: "2006-03-14"},
		Diploma:      "Baccalauréat général",
		EQFLevel:     4,
		AwardedOn:    "2024-07-04",
		Mention:      "tres_bien",
		Specialities: []string{"Mathématiques", "Sciences économiques et sociales"},
		Session:      "juin 2024",
	}, {
		Student:   Student{StudentID: "1234567890B", GivenName: "François", FamilyName: "Dupré", BirthDate: "2005-11-02"},
		Diploma:   "Brevet de technicien supérieur; option Systèmes numériques",
		EQFLevel:  5,
		AwardedOn: "2024-07-02",
		RNCP:      "RNCP35340",
	}}
	for i, w := range want {
		row, err := c.Next()
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if row.Err != nil {
			t.Fatalf("row %d: %v", i, row.Err)
		}
		if !reflect.DeepEqual(row.Record, w) {
			t.Errorf("row %d = %+v, want %+v", i, row.Record, w)
		}
		if row.Line != i+2 {
			t.Errorf("row %d: Line = %d, want %d", i, row.Line, i+2)
		}
	}
	if _, err := c.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last row: %v, want io.EOF (trailing blank lines skipped)", err)
	}
}

func TestCSVUTF8ByteOrderMark(t *testing.T) {
	input := "\xEF\xBB\xBF" + diplomaHeader + "\n0123456789A,Hélène,Lefèvre,2006-03-14,Baccalauréat général,4,2024-07-04\n"
	c, rows := readAll(t, input, TypeDiploma, CSVOptions{})
	if c.Encoding() != EncodingUTF8 {
		t.Errorf("Encoding = %s, want %s", c.Encoding(), EncodingUTF8)
	}
	if c.Columns()[0] != "student_id" {
		t.Errorf("first column = %q, want student_id", c.Columns()[0])
	}
	if got := onlyRecord(t, rows).Holder().GivenName; got != "Hélène" {
		t.Errorf("given name = %q, want Hélène", got)
	}
}

func TestCSVPixCertification(t *testing.T) {
	jwk := `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`
	input := pixHeader + ",holder_jwk\n" + pixRow + "," + csvQuote(jwk) + "\r\n"
	c, rows := readAll(t, input, TypePixCertification, CSVOptions{})
	if c.Delimiter() != ',' || c.Encoding() != EncodingUTF8 {
		t.Errorf("delimiter %q, encoding %s; want ',' and utf-8", c.Delimiter(), c.Encoding())
	}
	got := onlyRecord(t, rows).(*PixCertification)
	if got.CertificationCenter != "Lycée Jean Moulin, Lyon" || got.PixScore != 512 || got.VerificationCode != "P-2BCD6789" {
		t.Errorf("record = %+v", got)
	}
	for i, comp := range got.Competences {
		def := CompetenceFramework[i]
		if comp.ID != def.ID || comp.Name != def.Name || comp.Level != i%8 {
			t.Errorf("competence %d = %+v, want %s %q level %d", i, comp, def.ID, def.Name, i%8)
		}
	}
	if rows[0].HolderJWK != jwk {
		t.Errorf("HolderJWK = %s, want %s", rows[0].HolderJWK, jwk)
	}
}

func TestCSVRowErrors(t *testing.T) {
	type problem struct{ column, rule string }
	tests := []struct {
		name     string
		credType string
		input    string
		line     int
		want     []problem
		message  string // Error() of the row, when set
	}{
		{
			name:     "bad date on line 3",
			credType: TypeDiploma,
			input: diplomaHeader + "\n0123456789A,Léa,Martin,2006-01-01,CAP Cuisine,3,2024-07-04\n" +
				"0123456789B,Hélène,Lefèvre,1999-13-01,Baccalauréat général,4,2024-07-04\n",
			line:    3,
			want:    []problem{{"birth_date", "format:date"}},
			message: "line 3, column birth_date: must be a date DD/MM/YYYY or YYYY-MM-DD (rule format:date)",
		},
		{
			name:     "30 February",
			credType: TypeDiploma,
			input:    diplomaHeader + "\n0123456789A,Léa,Martin,2023-02-30,CAP Cuisine,3,2024-07-04\n",
			line:     2,
			want:     []problem{{"birth_date", "format:date"}},
		},
		{
			name:     "integer that is not one",
			credType: TypeDiploma,
			input:    diplomaHeader + "\n0123456789A,Léa,Martin,2006-01-01,CAP Cuisine,quatre,2024-07-04\n",
			line:     2,
			want:     []problem{{"eqf_level", "type"}},
			message:  "line 2, column eqf_level: must be an integer (rule type)",
		},
		{
			name:     "decimal level",
			credType: TypeDiploma,
			input:    diplomaHeader + "\n0123456789A,Léa,Martin,2006-01-01,CAP Cuisine,3.0,2024-07-04\n",
			line:     2,
			want:     []problem{{"eqf_level", "type"}},
		},
		{
			name:     "empty required cell and mention typo",
			credType: TypeDiploma,
			input:    diplomaHeader + ",mention\n0123456789A,,Martin,2006-01-01,CAP Cuisine,3,2024-07-04,très bien\n",
			line:     2,
			want:     []problem{{"given_name", "required"}, {"mention", "enum"}},
			message: "line 2, column given_name: must not be empty (rule required); " +
				"line 2, column mention: must be one of passable, assez_bien, bien, tres_bien, tres_bien_felicitations (rule enum)",
		},
		{
			name:     "empty speciality between separators",
			credType: TypeDiploma,
			input:    diplomaHeader + ",speciality\n0123456789A,Léa,Martin,2006-01-01,Baccalauréat général,4,2024-07-04,Maths||SES\n",
			line:     2,
			want:     []problem{{"speciality", "pattern"}},
		},
		{
			name:     "bad INE and RNCP",
			credType: TypeDiploma,
			input:    diplomaHeader + ",rncp\n123,Léa,Martin,2006-01-01,BTS SIO,5,2024-07-04,rncp35340\n",
			line:     2,
			want:     []problem{{"student_id", "pattern"}, {"rncp", "pattern"}},
		},
		{
			name:     "wrong number of fields",
			credType: TypeDiploma,
			input:    diplomaHeader + "\n0123456789A,Léa,Martin,2006-01-01,CAP Cuisine,3\n",
			line:     2,
			want:     []problem{{"", "fieldCount"}},
			message:  "line 2: has 6 fields but the header has 7 columns (rule fieldCount)",
		},
		{
			name:     "value under a column without a name",
			credType: TypeDiploma,
			input:    diplomaHeader + ",\n0123456789A,Léa,Martin,2006-01-01,CAP Cuisine,3,2024-07-04,oops\n",
			line:     2,
			want:     []problem{{"", "unnamedColumn"}},
		},
		{
			name:     "competence level 9 and empty level",
			credType: TypePixCertification,
			input:    pixHeader + "\n0123456789A,Léa,Martin,2006-01-01,Lycée Hoche,2024-05-21,512,,1,2,9,4,5,6,7,0,1,2,3,4,5,6,7,\n",
			line:     2,
			want:     []problem{{"c1_1", "required"}, {"c2_1", "maximum"}},
			message:  "line 2, column c1_1: must not be empty (rule required); line 2, column c2_1: must be at most 8 (rule maximum)",
		},
		{
			name:     "score 1025 and bad verification code",
			credType: TypePixCertification,
			input:    pixHeader + "\n0123456789A,Léa,Martin,2006-01-01,Lycée Hoche,2024-05-21,1025,0,1,2,3,4,5,6,7,0,1,2,3,4,5,6,7,P-11111111\n",
			line:     2,
			want:     []problem{{"pix_score", "maximum"}, {"verification_code", "pattern"}},
		},
		{
			name:     "holder key that is not JSON",
			credType: TypeDiploma,
			input:    diplomaHeader + ",holder_jwk\n0123456789A,Léa,Martin,2006-01-01,CAP Cuisine,3,2024-07-04,EC P-256\n",
			line:     2,
			want:     []problem{{"holder_jwk", "jwk"}},
		},
		{
			name:     "holder key without kty",
			credType: TypeDiploma,
			input:    strings.ReplaceAll(diplomaHeader, ",", ";") + ";holder_jwk\n0123456789A;Léa;Martin;2006-01-01;CAP Cuisine;3;2024-07-04;" + csvQuote(`{"crv":"P-256"}`) + "\n",
			line:     2,
			want:     []problem{{"holder_jwk", "jwk"}},
		},
		{
			name:     "holder key with its private part",
			credType: TypeDiploma,
			input:    strings.ReplaceAll(diplomaHeader, ",", ";") + ";holder_jwk\n0123456789A;Léa;Martin;2006-01-01;CAP Cuisine;3;2024-07-04;" + csvQuote(`{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}`) + "\n",
			line:     2,
			want:     []problem{{"holder_jwk", "jwk"}},
		},
		{
			name:     "malformed quotes",
			credType: TypeDiploma,
			input:    diplomaHeader + "\n0123456789A,Léa,Mar\"tin,2006-01-01,CAP Cuisine,3,2024-07-04\n",
			line:     2,
			want:     []problem{{"", "csv"}},
		},
		{
			name:     "row after a quoted field spanning lines",
			credType: TypeDiploma,
			input: diplomaHeader + ",session\n0123456789A,Léa,Martin,2006-01-01,CAP Cuisine,3,2024-07-04,\"juin\n2024\"\n" +
				"0123456789B,Hélène,Lefèvre,2006-01-01,CAP Cuisine,3,2024-13-04,\n",
			line: 4,
			want: []problem{{"awarded_on", "format:date"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rows := readAll(t, tt.input, tt.credType, CSVOptions{})
			var bad *Row
			for _, r := range rows {
				if r.Line == tt.line {
					bad = r
				} else if r.Err != nil && tt.name != "row after a quoted field spanning lines" {
					t.Errorf("unexpected error on line %d: %v", r.Line, r.Err)
				}
			}
			if bad == nil {
				t.Fatalf("no row on line %d among %d rows", tt.line, len(rows))
			}
			if bad.Err == nil || bad.Record != nil {
				t.Fatalf("row on line %d: Err %v, Record %v; want an error and no record", tt.line, bad.Err, bad.Record)
			}
			if bad.Err.Line != tt.line {
				t.Errorf("RowError.Line = %d, want %d", bad.Err.Line, tt.line)
			}
			var got []problem
			for _, p := range bad.Err.Problems {
				got = append(got, problem{p.Column, p.Rule})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems = %v, want %v (%v)", got, tt.want, bad.Err)
			}
			if tt.message != "" && bad.Err.Error() != tt.message {
				t.Errorf("Error() = %q\nwant       %q", bad.Err.Error(), tt.message)
			}
		})
	}
}

func TestCSVRowErrorKeepsTheValueOutOfItsMessage(t *testing.T) {
	input := diplomaHeader + "\n0123456789A,Léa,Martin,1999-13-01,CAP Cuisine,3,2024-07-04\n"
	_, rows := readAll(t, input, TypeDiploma, CSVOptions{})
	p := rows[0].Err.Problems[0]
	if p.Got != `"1999-13-01"` {
		t.Errorf("Got = %s, want \"1999-13-01\"", p.Got)
	}
	if strings.Contains(rows[0].Err.Error(), "1999") {
		t.Errorf("Error() = %q leaks the cell value", rows[0].Err)
	}
}

func TestCSVSkipsBlankLines(t *testing.T) {
	row := "0123456789A;Léa;Martin;2006-01-01;CAP Cuisine;3;2024-07-04"
	input := strings.ReplaceAll(diplomaHeader, ",", ";") + "\r\n" + row + "\r\n\r\n;;;;;;\r\n" + row + "\r\n ; ; ;;;;\r\n\r\n"
	_, rows := readAll(t, input, TypeDiploma, CSVOptions{})
	if len(rows) != 2 || rows[0].Line != 2 || rows[1].Line != 5 {
		var lines []int
		for _, r := range rows {
			lines = append(lines, r.Line)
		}
		t.Fatalf("rows on lines %v, want [2 5]", lines)
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name                         string
		header                       string
		missing, unknown, duplicated []string
	}{
		{"missing column", "student_id,given_name,family_name,birth_date,diploma,awarded_on", []string{"eqf_level"}, nil, nil},
		{"unknown column", diplomaHeader + ",nationalite", nil, []string{"nationalite"}, nil},
		{"duplicated column", diplomaHeader + ",Mention,mention", nil, nil, []string{"mention"}},
		{"column of the other type", diplomaHeader + ",pix_score", nil, []string{"pix_score"}, nil},
		{"everything wrong", "student_id;nationalite;pays;student_id", []string{"given_name", "family_name", "birth_date", "diploma", "eqf_level", "awarded_on"}, []string{"nationalite", "pays"}, []string{"student_id"}},
		{"French and English names of one column", diplomaHeader + ",INE", nil, nil, []string{"INE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCSVReader(strings.NewReader(tt.header+"\n"), TypeDiploma, CSVOptions{Validator: newTestValidator(t)})
			var herr *HeaderError
			if !errors.As(err, &herr) {
				t.Fatalf("NewCSVReader = %v, want a *HeaderError", err)
			}
			if !reflect.DeepEqual(herr.Missing, tt.missing) || !reflect.DeepEqual(herr.Unknown, tt.unknown) || !reflect.DeepEqual(herr.Duplicated, tt.duplicated) {
				t.Errorf("missing %v, unknown %v, duplicated %v; want %v, %v, %v",
					herr.Missing, herr.Unknown, herr.Duplicated, tt.missing, tt.unknown, tt.duplicated)
			}
			msg := err.Error()
			for _, name := range append(append(append([]string{}, tt.missing...), tt.unknown...), tt.duplicated...) {
				if !strings.Contains(msg, name) {
					t.Errorf("error %q does not name %s", msg, name)
				}
			}
			if !strings.Contains(msg, "expected columns: "+strings.ReplaceAll(diplomaHeader, ",", ", ")) {
				t.Errorf("error %q does not list the expected columns", msg)
			}
		})
	}
}

func TestCSVReaderFatalErrors(t *testing.T) {
	tests := []struct {
		name, input, encoding, credType string
		wantIn                          []string
	}{
		{"empty file", "", "", TypeDiploma, []string{"empty"}},
		{"only blank lines", "\r\n\r\n", "", TypeDiploma, []string{"empty"}},
		{"UTF-16", "\xFF\xFEs\x00t\x00", "", TypeDiploma, []string{"UTF-16"}},
		{"unknown encoding", diplomaHeader + "\n", "latin-9", TypeDiploma, []string{"latin-9", "windows-1252"}},
		{"unknown type", diplomaHeader + "\n", "", "Licence", []string{"Licence", TypeDiploma, TypePixCertification}},
		{"BOM with Windows-1252 forced", "\xEF\xBB\xBF" + diplomaHeader + "\n", EncodingWindows1252, TypeDiploma, []string{"byte order mark"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCSVReader(strings.NewReader(tt.input), tt.credType, CSVOptions{Encoding: tt.encoding, Validator: newTestValidator(t)})
			if err == nil {
				t.Fatal("NewCSVReader: no error")
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// latin1Row is a diploma row with accents, encoded in Windows-1252.
func latin1Row(t *testing.T) string {
	t.Helper()
	s, err := charmap.Windows1252.NewEncoder().String("0123456789A;Hélène;Lefèvre;2006-01-01;Baccalauréat général;4;2024-07-04\r\n")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asciiRows returns n valid ASCII diploma rows, ';'-separated.
func asciiRows(n int) string {
	var b strings.Builder
	for range n {
		b.WriteString("0123456789A;Lea;Martin;2006-01-01;CAP Cuisine;3;2024-07-04\r\n")
	}
	return b.String()
}

// noSeek hides the Seek method of a reader: the CSV reader then cannot
// scan the whole file before reading it.
type noSeek struct{ io.Reader }

// readUntilError reads rows until an error, failing on a row error; it
// returns the error and the rows read before it.
func readUntilError(t *testing.T, c *CSVReader) ([]*Row, error) {
	t.Helper()
	var rows []*Row
	for {
		row, err := c.Next()
		if err != nil {
			return rows, err
		}
		if row.Err != nil {
			t.Fatalf("line %d: %v", row.Line, row.Err)
		}
		rows = append(rows, row)
	}
}

// TestCSVLateWindows1252: a Windows-1252 file whose first 64 KiB are
// ASCII is Windows-1252 all the same, as no byte of it is UTF-8 text.
func TestCSVLateWindows1252(t *testing.T) {
	header := strings.ReplaceAll(diplomaHeader, ",", ";") + "\r\n"
	ascii := asciiRows(sniffSize / 40) // more than the sniffed window
	lateLine := 2 + strings.Count(ascii, "\n")
	input := header + ascii + latin1Row(t)
	checkLast := func(t *testing.T, rows []*Row) {
		t.Helper()
		last := rows[len(rows)-1]
		if last.Err != nil || last.Line != lateLine {
			t.Fatalf("last row: line %d, %v", last.Line, last.Err)
		}
		if h := last.Record.Holder(); h.GivenName != "Hélène" || h.FamilyName != "Lefèvre" {
			t.Errorf("holder = %+v, want Hélène Lefèvre", h)
		}
		if got := last.Record.(*Diploma).Diploma; got != "Baccalauréat général" {
			t.Errorf("diploma = %q", got)
		}
	}

	t.Run("detected from the whole file", func(t *testing.T) {
		c, rows := readAll(t, input, TypeDiploma, CSVOptions{})
		if c.Encoding() != EncodingWindows1252 {
			t.Fatalf("Encoding = %s, want %s", c.Encoding(), EncodingWindows1252)
		}
		checkLast(t, rows)
	})
	t.Run("forced", func(t *testing.T) {
		c, rows := readAll(t, input, TypeDiploma, CSVOptions{Encoding: EncodingWindows1252})
		if c.Encoding() != EncodingWindows1252 {
			t.Errorf("Encoding = %s", c.Encoding())
		}
		checkLast(t, rows)
	})
	t.Run("from a stream that cannot be rewound", func(t *testing.T) {
		c, err := NewCSVReader(noSeek{strings.NewReader(input)}, TypeDiploma, CSVOptions{Validator: newTestValidator(t)})
		if err != nil {
			t.Fatal(err)
		}
		if c.Encoding() != EncodingUTF8 {
			t.Fatalf("Encoding = %s, want %s from the ASCII start", c.Encoding(), EncodingUTF8)
		}
		rows, err := readUntilError(t, c)
		if errors.Is(err, io.EOF) {
			t.Fatal("invalid UTF-8 went unnoticed")
		}
		var eerr *EncodingError
		if !errors.As(err, &eerr) || eerr.Line != lateLine || eerr.Byte != 14 || eerr.Value != 0xE9 {
			t.Fatalf("error %v (%#v), want an *EncodingError at line %d, byte 14", err, err, lateLine)
		}
		for _, s := range []string{fmt.Sprintf("line %d, byte 14", lateLine), "--encoding windows-1252"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not mention %q", err, s)
			}
		}
		if len(rows) > 0 && rows[len(rows)-1].Line >= lateLine {
			t.Errorf("a row on line %d was returned", rows[len(rows)-1].Line)
		}
		if _, again := c.Next(); again != err {
			t.Errorf("Next after the error = %v, want the same error", again)
		}
	})
}

// TestCSVStrayByteInUTF8: one byte that is not UTF-8 (a Windows-1252 é)
// in a UTF-8 file refuses the file, naming its line and byte, instead of
// reading every name garbled; forcing an encoding reads it.
func TestCSVStrayByteInUTF8(t *testing.T) {
	header := diplomaHeader + "\n"
	utf8Row := "0123456789A,Hélène,Lefèvre,2006-01-01,Baccalauréat général,4,2024-07-04\n"
	stray := "0123456789B,L\xE9a,Martin,2006-01-01,CAP Cuisine,3,2024-07-04\n"
	ascii := strings.ReplaceAll(asciiRows(sniffSize/40), ";", ",")
	asciiLines := strings.Count(ascii, "\n")
	tests := []struct {
		name                string
		input               string
		line, byteAt, utf8L int
	}{
		{"stray byte after UTF-8 text", header + utf8Row + stray, 3, 14, 2},
		{"stray byte before UTF-8 text", header + stray + utf8Row, 2, 14, 3},
		{"stray byte past the first 64 KiB", header + utf8Row + ascii + stray, 3 + asciiLines, 14, 2},
		{"UTF-8 text past the first 64 KiB", header + stray + ascii + utf8Row, 2, 14, 3 + asciiLines},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(t *testing.T, err error) {
				t.Helper()
				var eerr *EncodingError
				if !errors.As(err, &eerr) {
					t.Fatalf("error %v, want an *EncodingError", err)
				}
				if eerr.Line != tt.line || eerr.Byte != tt.byteAt || eerr.Value != 0xE9 || eerr.UTF8Line != tt.utf8L {
					t.Errorf("EncodingError %+v, want line %d, byte %d, 0xE9, UTF-8 on line %d", eerr, tt.line, tt.byteAt, tt.utf8L)
				}
				want := fmt.Sprintf("line %d, byte %d: byte 0xE9 is not UTF-8, yet line %d holds UTF-8 text", tt.line, tt.byteAt, tt.utf8L)
				if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "--encoding windows-1252") {
					t.Errorf("error %q\nwant it to start %q and name --encoding", err, want)
				}
			}
			// A file: refused before any row is read.
			_, err := NewCSVReader(strings.NewReader(tt.input), TypeDiploma, CSVOptions{Validator: newTestValidator(t)})
			check(t, err)
			// A stream: refused before the later of the two rows, which
			// contradicts the encoding the first one set.
			c, err := NewCSVReader(noSeek{strings.NewReader(tt.input)}, TypeDiploma, CSVOptions{Validator: newTestValidator(t)})
			if err == nil {
				var rows []*Row
				rows, err = readUntilError(t, c)
				for _, r := range rows {
					if r.Line >= max(tt.line, tt.utf8L) {
						t.Errorf("row of line %d returned", r.Line)
					}
					if h := r.Record.Holder(); strings.Contains(h.GivenName+h.FamilyName, "Ã") {
						t.Errorf("line %d read garbled: %s %s", r.Line, h.GivenName, h.FamilyName)
					}
				}
			}
			check(t, err)
		})
	}
	t.Run("forced Windows-1252", func(t *testing.T) {
		_, rows := readAll(t, header+utf8Row+stray, TypeDiploma, CSVOptions{Encoding: EncodingWindows1252})
		if len(rows) != 2 || rows[1].Err != nil || rows[1].Record.Holder().GivenName != "Léa" {
			t.Fatalf("rows %+v", rows)
		}
	})
}

func TestCSVForcedUTF8OnWindows1252(t *testing.T) {
	input := strings.ReplaceAll(diplomaHeader, ",", ";") + "\r\n" + latin1Row(t)
	c, err := NewCSVReader(strings.NewReader(input), TypeDiploma, CSVOptions{Encoding: EncodingUTF8, Validator: newTestValidator(t)})
	if err == nil {
		_, err = c.Next()
	}
	if err == nil || !strings.HasPrefix(err.Error(), "line 2, byte 14: byte 0xE9 is not UTF-8, and the CSV file is read as UTF-8 as asked") {
		t.Errorf("error = %v, want an invalid UTF-8 error on line 2, byte 14", err)
	}
}

func TestCSVUTF8BOMWithAStrayByte(t *testing.T) {
	input := utf8BOM + diplomaHeader + "\n0123456789B,L\xE9a,Martin,2006-01-01,CAP Cuisine,3,2024-07-04\n"
	_, err := NewCSVReader(strings.NewReader(input), TypeDiploma, CSVOptions{Validator: newTestValidator(t)})
	if err == nil || !strings.Contains(err.Error(), "line 2, byte 14") || !strings.Contains(err.Error(), "byte order mark") {
		t.Errorf("error = %v, want line 2, byte 14, and the byte order mark named", err)
	}
}

// TestCSVOpenQuote: a quote left open does not load the rest of the file
// as one field.
func TestCSVOpenQuote(t *testing.T) {
	var b strings.Builder
	b.WriteString(diplomaHeader + "\n0123456789A,Léa,Martin,2006-01-01,CAP Cuisine,3,2024-07-04\n")
	b.WriteString("0123456789B,\"Léa,Martin,2006-01-01,CAP Cuisine,3,2024-07-04\n")
	for b.Len() < 3*maxRecordBytes {
		b.WriteString(strings.Repeat("x", 99) + "\n")
	}
	for _, r := range []io.Reader{strings.NewReader(b.String()), noSeek{strings.NewReader(b.String())}} {
		c, err := NewCSVReader(r, TypeDiploma, CSVOptions{Validator: newTestValidator(t)})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := readUntilError(t, c)
		if len(rows) != 1 || err == nil || !strings.Contains(err.Error(), "after line 2") || !strings.Contains(err.Error(), "quote left open") {
			t.Errorf("%d rows, then %v; want 1 row, then the record after line 2 refused", len(rows), err)
		}
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestCSVStreams(t *testing.T) {
	const rows = 4000 // about 240 KB: nearly 4 times the reader's 64 KiB buffer
	body := asciiRows(rows)
	src := &countingReader{r: strings.NewReader(strings.ReplaceAll(diplomaHeader, ",", ";") + "\r\n" + body)}
	c, err := NewCSVReader(src, TypeDiploma, CSVOptions{Validator: newTestValidator(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Next(); err != nil {
		t.Fatal(err)
	}
	if limit := 2 * sniffSize; src.n > limit {
		t.Errorf("read %d bytes to return the first row, want at most %d", src.n, limit)
	}
	n := 1
	for {
		row, err := c.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || row.Err != nil {
			t.Fatalf("row %d: %v %v", n, err, row.Err)
		}
		n++
	}
	if n != rows {
		t.Errorf("read %d rows, want %d", n, rows)
	}
}

func FuzzCSVReader(f *testing.F) {
	seed, err := os.ReadFile("testdata/diplomas-windows-1252.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(false, seed)
	f.Add(false, []byte("\xEF\xBB\xBF"+diplomaHeader+"\n0123456789A,Léa,\"Mar\ntin\",2006-01-01,CAP,3,2024-07-04\n"))
	f.Add(true, []byte(pixHeader+",holder_jwk\n"+pixRow+",\"{\"\"kty\"\":\"\"EC\"\"}\"\n"))
	f.Add(true, []byte(pixHeader+"\n0123456789A,a,b,2006-01-01,c,2024-05-21,1e3,9,,x\n"))
	v := newTestValidator(f)
	f.Fuzz(func(t *testing.T, pix bool, input []byte) {
		credType := TypeDiploma
		if pix {
			credType = TypePixCertification
		}
		c, err := NewCSVReader(bytes.NewReader(input), credType, CSVOptions{Validator: v})
		if err != nil {
			return
		}
		lastLine := 1
		for range 1000 {
			row, err := c.Next()
			if err != nil {
				return
			}
			if row.Line <= lastLine {
				t.Fatalf("row on line %d after line %d", row.Line, lastLine)
			}
			lastLine = row.Line
			if (row.Err == nil) == (row.Record == nil) {
				t.Fatalf("line %d: Err %v with Record %v", row.Line, row.Err, row.Record)
			}
			if row.Err != nil {
				if row.Err.Line != row.Line || len(row.Err.Problems) == 0 {
					t.Fatalf("line %d: bad RowError %+v", row.Line, row.Err)
				}
				continue
			}
			if err := v.ValidateRecord(row.Record); err != nil {
				t.Fatalf("line %d: accepted record is invalid: %v", row.Line, err)
			}
		}
	})
}

func BenchmarkCSVReaderPix(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(pixHeader + "\n")
	for range 1000 {
		sb.WriteString(pixRow + "\n")
	}
	input := sb.String()
	v := newTestValidator(b)
	b.ReportAllocs()
	for b.Loop() {
		c, err := NewCSVReader(strings.NewReader(input), TypePixCertification, CSVOptions{Validator: v})
		if err != nil {
			b.Fatal(err)
		}
		for {
			row, err := c.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || row.Err != nil {
				b.Fatal(err, row.Err)
			}
		}
	}
}

// TestCSVResumesFromAnyPosition reads files in every encoding, with
// quoted line breaks, blank lines and bad rows, from each position a first
// reader returned: the rest comes back the same, on the same lines.
func TestCSVResumesFromAnyPosition(t *testing.T) {
	latin1, err := charmap.Windows1252.NewEncoder().String(
		"0123456789A;Hélène;Lefèvre;2006-01-01;Baccalauréat général;4;2024-07-04\r\n" +
			"\r\n;;;;;;\r\n" +
			"1123456789A;Zoé;\"Ménard\r\nDupré\";2006-01-01;CAP;3;2024-07-04\r\n" +
			"2123456789A;Loïc;Côté;2006-13-01;CAP;3;2024-07-04\r\n" +
			"3123456789A;Maëlle;Boëldieu;2006-01-01;BTS;5;2024-07-04")
	if err != nil {
		t.Fatal(err)
	}
	header := strings.ReplaceAll(diplomaHeader, ",", ";") + "\r\n"
	for name, input := range map[string]string{
		"windows-1252": header + latin1,
		"utf-8 BOM":    utf8BOM + diplomaHeader + "\n0123456789A,Léa,\"Mar\ntin\",2006-01-01,CAP,3,2024-07-04\n\n1123456789A,Noé,\"a \"\"b\"\"\",2006-01-01,CAP,3,2024-07-04\n2123456789A,x\n3123456789A,Œ,É,2006-01-01,CAP,3,2024-07-04\n",
		"ascii":        header + asciiRows(5),
	} {
		t.Run(name, func(t *testing.T) {
			v := newTestValidator(t)
			type read struct {
				line  int
				rec   Record
				probs []CellProblem
				after CSVPosition
			}
			readFrom := func(start CSVPosition) []read {
				c, err := NewCSVReader(strings.NewReader(input), TypeDiploma, CSVOptions{Validator: v, Start: start})
				if err != nil {
					t.Fatalf("from %+v: %v", start, err)
				}
				var rows []read
				for {
					row, err := c.Next()
					if errors.Is(err, io.EOF) {
						return rows
					}
					if err != nil {
						t.Fatalf("from %+v: %v", start, err)
					}
					r := read{line: row.Line, rec: row.Record, after: c.Position()}
					if row.Err != nil {
						r.probs = row.Err.Problems
					}
					rows = append(rows, r)
				}
			}
			all := readFrom(CSVPosition{})
			if len(all) < 4 {
				t.Fatalf("read %d rows", len(all))
			}
			for i := range all {
				rest := readFrom(all[i].after)
				if len(rest)+len(all[i+1:]) > 0 && !reflect.DeepEqual(rest, all[i+1:]) {
					t.Errorf("from the position after row %d (%+v): %+v, want %+v", i, all[i].after, rest, all[i+1:])
				}
			}
			if last := all[len(all)-1].after; last.Offset != int64(len(input)) {
				t.Errorf("the last position is %+v, want the end of the %d-byte file", last, len(input))
			}
		})
	}
	if _, err := NewCSVReader(io.MultiReader(strings.NewReader(header+asciiRows(2))), TypeDiploma, CSVOptions{Start: CSVPosition{Offset: int64(len(header)), Line: 2}}); err == nil {
		t.Error("a reader that cannot seek was started from a position")
	}
}

// virtualFile is a CSV file of a header and n rows, made up as it is read:
// row i is rowAt(i).
type virtualFile struct {
	header string
	n      int
	rowAt  func(i int) string
	// i is the next row; pending what is left of the current one.
	i       int
	pending string
	started bool
}

func (f *virtualFile) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if f.pending == "" {
			switch {
			case !f.started:
				f.pending, f.started = f.header, true
			case f.i < f.n:
				f.pending = f.rowAt(f.i)
				f.i++
			default:
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			}
		}
		k := copy(p[n:], f.pending)
		f.pending = f.pending[k:]
		n += k
	}
	return n, nil
}

func (f *virtualFile) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence == io.SeekEnd {
		return 0, errors.New("virtualFile seeks to its start only")
	}
	if whence == io.SeekStart {
		f.i, f.pending, f.started = 0, "", false
	}
	return 0, nil
}

// TestCSVEncodingOfAMillionRows: the whole of a file of a million rows is
// scanned for its encoding in constant memory, and a stray byte on its
// last line refuses it before any row is read.
func TestCSVEncodingOfAMillionRows(t *testing.T) {
	const rows = 1_000_000
	f := &virtualFile{header: diplomaHeader + "\n", n: rows, rowAt: func(i int) string {
		switch i {
		case 0:
			return "0123456789A,Hélène,Lefèvre,2006-01-01,Baccalauréat général,4,2024-07-04\n"
		case rows - 1:
			return "0123456789B,L\xE9a,Martin,2006-01-01,CAP Cuisine,3,2024-07-04\n"
		}
		return "0123456789C,Lea,Martin,2006-01-01,CAP Cuisine,3,2024-07-04\n"
	}}
	v := newTestValidator(t)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := NewCSVReader(f, TypeDiploma, CSVOptions{Validator: v})
	runtime.ReadMemStats(&after)
	var eerr *EncodingError
	if !errors.As(err, &eerr) || eerr.Line != rows+1 || eerr.UTF8Line != 2 {
		t.Fatalf("NewCSVReader = %v, want the stray byte of line %d refused", err, rows+1)
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 1<<20 {
		t.Errorf("scanning %d rows allocated %d bytes", rows, allocated)
	}
}
