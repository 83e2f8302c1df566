package schemas

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sceau/sceau/chaincode/record"
)

// CSVOptions tunes a CSVReader.
type CSVOptions struct {
	// Encoding of the file: "" or EncodingAuto to detect it (UTF-8 with or
	// without byte order mark, else Windows-1252), EncodingUTF8 or
	// EncodingWindows1252 to force it.
	Encoding string
	// Validator checks the rows; nil means a new one from NewValidator.
	Validator *Validator
	// Start, when set, is where to read on from: a Position an earlier
	// reader of the same file returned. The header is read first, as
	// always; the reader must then also be an io.Seeker.
	Start CSVPosition
}

// CSVPosition is a place between two rows of a CSV file: the byte offset of
// what follows a row, counted in the file's own bytes whatever its
// encoding, and the line it is on. A reader started there (CSVOptions.Start)
// reads the rest of the file as a reader from the top would have: the same
// rows on the same lines.
type CSVPosition struct {
	Offset int64 `json:"offset"`
	Line   int   `json:"line"`
}

// CSVReader reads the credential subjects of one type from an issuer's CSV
// export, one row at a time: files of any size are read in constant memory
// (but for the longest row). It is not safe for concurrent use.
type CSVReader struct {
	spec      typeSpec
	validator *Validator
	csv       *csv.Reader
	// columns holds the header's names, trimmed and lower case.
	columns []string
	// specOf maps each column of the file to its index in spec.columns,
	// or -1 for a column without a name.
	specOf    []int
	delimiter rune
	encoding  string
	// detected is set when the encoding was guessed from the first bytes.
	detected bool
	// track turns the csv reader's offsets into positions in the file.
	track *positionTracker
	// lineBase is added to the csv reader's line numbers: the line it
	// started on, less one.
	lineBase int
	// pos is the position after the last row read.
	pos CSVPosition
	// err is the error that stopped the reading, returned ever after.
	err error
}

// Row is one data row of a CSV file.
type Row struct {
	// Line is the line where the row starts; the header is line 1 (or
	// later, after blank lines).
	Line int
	// Record is the row's validated subject; nil when Err is set.
	Record Record
	// HolderJWK is the holder's public key (a JSON JWK) from the optional
	// holder_jwk column, or empty.
	HolderJWK string
	// Err lists what is wrong with the row, or is nil.
	Err *RowError
}

// RowError lists the problems of one CSV row.
type RowError struct {
	// Line is the line where the row starts.
	Line int
	// Problems holds at least one problem, in column order.
	Problems []CellProblem
}

// CellProblem is one problem of a CSV row.
type CellProblem struct {
	// Column is the CSV column at fault, or empty when the row as a whole
	// is (e.g. malformed quotes, wrong number of fields).
	Column string
	// Violation is the broken rule. Its Field is the subject's field the
	// column fills, or empty for a problem outside the subject. Besides the
	// subject's rules, a row may break "csv" (malformed quoting),
	// "fieldCount", "unnamedColumn" (a value under a header cell left
	// empty) and "jwk" (holder_jwk is not a public JWK).
	Violation
}

// Error lists the problems, e.g. `line 3, column birth_date: must be a
// date YYYY-MM-DD (rule format:date)`. It never includes cell values.
func (e *RowError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Column == "" {
			parts[i] = fmt.Sprintf("line %d: %s (rule %s)", e.Line, p.Message, p.Rule)
		} else {
			parts[i] = fmt.Sprintf("line %d, column %s: %s (rule %s)", e.Line, p.Column, p.Message, p.Rule)
		}
	}
	return strings.Join(parts, "; ")
}

// HeaderError reports a CSV header that does not fit the credential type.
type HeaderError struct {
	CredentialType string
	// Missing, Unknown and Duplicated list the offending column names.
	Missing, Unknown, Duplicated []string
	// Required and Optional list the columns the type accepts.
	Required, Optional []string
}

// Error names every offending column and the expected ones.
func (e *HeaderError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required column(s) "+strings.Join(e.Missing, ", "))
	}
	if len(e.Unknown) > 0 {
		parts = append(parts, "unknown column(s) "+strings.Join(e.Unknown, ", "))
	}
	if len(e.Duplicated) > 0 {
		parts = append(parts, "duplicated column(s) "+strings.Join(e.Duplicated, ", "))
	}
	return fmt.Sprintf("CSV header for %s: %s; expected columns: %s, optional: %s",
		e.CredentialType, strings.Join(parts, "; "), strings.Join(e.Required, ", "), strings.Join(e.Optional, ", "))
}

// NewCSVReader reads the header of a CSV file of credType subjects, and
// returns a reader of its rows. The delimiter (';' or ',') is detected
// from the header line, the encoding as opts.Encoding says. Header names
// are trimmed and case-insensitive, in any order. An error names missing,
// unknown and duplicated columns (as a *HeaderError).
func NewCSVReader(r io.Reader, credType string, opts CSVOptions) (*CSVReader, error) {
	spec, err := lookupType(credType)
	if err != nil {
		return nil, err
	}
	encoding, err := parseEncoding(opts.Encoding)
	if err != nil {
		return nil, err
	}
	validator := opts.Validator
	if validator == nil {
		if validator, err = NewValidator(); err != nil {
			return nil, err
		}
	}
	br := bufio.NewReaderSize(r, sniffSize)
	sn, err := sniff(br, encoding)
	if err != nil {
		return nil, err
	}
	c := &CSVReader{
		spec:      spec,
		validator: validator,
		delimiter: sn.delimiter,
		encoding:  sn.encoding,
		detected:  sn.detected,
	}
	c.readFrom(br, CSVPosition{Offset: sn.skipped, Line: 1})
	if err := c.readHeader(); err != nil {
		return nil, err
	}
	c.pos = c.track.advance(c.csv.InputOffset())
	if opts.Start != (CSVPosition{}) {
		if err := c.seek(r, opts.Start); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// readFrom makes the reader parse r, which starts at position at of the file.
func (c *CSVReader) readFrom(r io.Reader, at CSVPosition) {
	c.track = newPositionTracker(decodingReader(r, c.encoding), at, c.encoding == EncodingWindows1252)
	c.csv = csv.NewReader(c.track)
	c.csv.Comma = c.delimiter
	c.csv.FieldsPerRecord = -1
	c.lineBase = at.Line - 1
}

// seek moves the reader of r, whose header is read, to position at.
func (c *CSVReader) seek(r io.Reader, at CSVPosition) error {
	seeker, ok := r.(io.Seeker)
	if !ok {
		return errors.New("reading a CSV file from a position needs a file that can seek")
	}
	if at.Offset < c.pos.Offset || at.Line < c.pos.Line {
		return fmt.Errorf("CSV position %d (line %d) is before the first row", at.Offset, at.Line)
	}
	if _, err := seeker.Seek(at.Offset, io.SeekStart); err != nil {
		return fmt.Errorf("moving to byte %d of the CSV file: %w", at.Offset, err)
	}
	c.readFrom(bufio.NewReaderSize(r, sniffSize), at)
	c.pos = at
	return nil
}

// Position returns where the last row read ends (after the header before
// the first row): a reader started there reads the rows after it.
func (c *CSVReader) Position() CSVPosition { return c.pos }

// Columns returns the header's column names, trimmed and lower case, in
// file order.
func (c *CSVReader) Columns() []string { return slices.Clone(c.columns) }

// Delimiter returns the field delimiter of the file: ';' or ','.
func (c *CSVReader) Delimiter() rune { return c.delimiter }

// Encoding returns the encoding the file is read in: EncodingUTF8 or
// EncodingWindows1252.
func (c *CSVReader) Encoding() string { return c.encoding }

// CredentialType returns the type of the subjects read.
func (c *CSVReader) CredentialType() string { return c.spec.name }

func (c *CSVReader) readHeader() error {
	header, err := c.csv.Read()
	if errors.Is(err, io.EOF) {
		return errors.New("the CSV file is empty: it has no header line")
	}
	if err != nil {
		return fmt.Errorf("reading the CSV header: %w", err)
	}
	if err := c.checkUTF8(header); err != nil {
		return err
	}
	c.columns = make([]string, len(header))
	c.specOf = make([]int, len(header))
	var herr HeaderError
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		c.columns[i] = name
		c.specOf[i] = -1
		if name == "" {
			continue // a stray column; its cells must stay empty
		}
		if seen[name] {
			if !slices.Contains(herr.Duplicated, name) {
				herr.Duplicated = append(herr.Duplicated, name)
			}
			continue
		}
		seen[name] = true
		j := slices.IndexFunc(c.spec.columns, func(col column) bool { return col.name == name })
		if j < 0 {
			herr.Unknown = append(herr.Unknown, name)
			continue
		}
		c.specOf[i] = j
	}
	for _, col := range c.spec.columns {
		if col.required {
			herr.Required = append(herr.Required, col.name)
			if !seen[col.name] {
				herr.Missing = append(herr.Missing, col.name)
			}
		} else {
			herr.Optional = append(herr.Optional, col.name)
		}
	}
	if len(herr.Missing)+len(herr.Unknown)+len(herr.Duplicated) > 0 {
		herr.CredentialType = c.spec.name
		return &herr
	}
	return nil
}

// checkUTF8 fails on a field that is not valid UTF-8, which happens when
// the encoding was wrongly detected or forced.
func (c *CSVReader) checkUTF8(record []string) error {
	if c.encoding != EncodingUTF8 {
		return nil
	}
	for i, field := range record {
		if utf8.ValidString(field) {
			continue
		}
		line, _ := c.csv.FieldPos(i)
		line += c.lineBase
		how := "was read as UTF-8"
		if c.detected {
			how = fmt.Sprintf("looked like UTF-8 in its first %d KiB", sniffSize>>10)
		}
		return fmt.Errorf("line %d: the CSV file %s but this line is not valid UTF-8; if the file was saved as Windows-1252 (Excel's plain \"CSV\"), use --encoding %s", line, how, EncodingWindows1252)
	}
	return nil
}

// Next returns the next data row, skipping blank ones, or io.EOF after the
// last. A row breaking the rules comes back with Row.Err set; the error
// return is for what stops the reading (I/O errors, wrong encoding), and
// is returned again by later calls.
func (c *CSVReader) Next() (*Row, error) {
	if c.err != nil {
		return nil, c.err
	}
	row, err := c.next()
	if err != nil {
		c.err = err
	}
	return row, err
}

func (c *CSVReader) next() (*Row, error) {
	for {
		record, err := c.csv.Read()
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		c.pos = c.track.advance(c.csv.InputOffset())
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			start, at := perr.StartLine+c.lineBase, perr.Line+c.lineBase
			return &Row{Line: start, Err: &RowError{Line: start, Problems: []CellProblem{{
				Violation: Violation{Rule: "csv", Message: fmt.Sprintf("malformed CSV at line %d, byte %d: %v", at, perr.Column, perr.Err)},
			}}}}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the CSV file: %w", err)
		}
		if isBlank(record) {
			continue
		}
		if err := c.checkUTF8(record); err != nil {
			return nil, err
		}
		line, _ := c.csv.FieldPos(0)
		return c.row(line+c.lineBase, record)
	}
}

// isBlank reports whether every field of record is empty or white space,
// as in the trailing ";;;;" lines of spreadsheet exports.
func isBlank(record []string) bool {
	for _, f := range record {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// row turns the fields of a data row into a validated record: through the
// fast path (fast.go) when it accepts the row, else through checkedRow.
func (c *CSVReader) row(line int, record []string) (*Row, error) {
	if len(record) == len(c.columns) {
		if rec, holderJWK, ok := c.fastRecord(record); ok {
			return &Row{Line: line, Record: rec, HolderJWK: holderJWK}, nil
		}
	}
	return c.checkedRow(line, record)
}

// checkedRow is row through the JSON Schema, the reference: it names every
// problem of a bad row.
func (c *CSVReader) checkedRow(line int, record []string) (*Row, error) {
	fail := func(problems []CellProblem) (*Row, error) {
		return &Row{Line: line, Err: &RowError{Line: line, Problems: problems}}, nil
	}
	if len(record) != len(c.columns) {
		return fail([]CellProblem{{Violation: Violation{
			Rule:    "fieldCount",
			Message: fmt.Sprintf("has %d fields but the header has %d columns", len(record), len(c.columns)),
		}}})
	}
	doc, holderJWK, problems := c.subjectOf(record)
	if err := c.validator.validateDoc(c.spec.name, doc); err != nil {
		var verr *ValidationError
		if !errors.As(err, &verr) {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		problems = append(problems, c.cellProblems(verr.Violations)...)
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b CellProblem) int {
			return c.columnRank(a.Column) - c.columnRank(b.Column)
		})
		return fail(problems)
	}
	rec, err := c.validator.recordOf(c.spec.name, doc)
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", line, err)
	}
	return &Row{Line: line, Record: rec, HolderJWK: holderJWK}, nil
}

// subjectOf builds the JSON subject of a row, as Validator.validateDoc
// takes it. Empty cells are left out. It returns the holder's key and the
// problems found outside the subject.
func (c *CSVReader) subjectOf(record []string) (doc map[string]any, holderJWK string, problems []CellProblem) {
	doc = make(map[string]any, len(record))
	var competences []any
	if c.spec.name == TypePixCertification {
		competences = make([]any, len(CompetenceFramework))
		for i, def := range CompetenceFramework {
			competences[i] = map[string]any{"id": def.ID, "name": def.Name}
		}
		doc["competences"] = competences
	}
	for i, raw := range record {
		cell := strings.TrimSpace(raw)
		if cell == "" {
			continue
		}
		if c.specOf[i] < 0 {
			problems = append(problems, CellProblem{Violation: Violation{
				Rule:    "unnamedColumn",
				Message: fmt.Sprintf("field %d holds a value but its column has no name in the header", i+1),
			}})
			continue
		}
		col := c.spec.columns[c.specOf[i]]
		switch col.kind {
		case cellText:
			doc[col.field] = cell
		case cellInteger:
			doc[col.field] = integerCell(cell)
		case cellList:
			parts := strings.Split(cell, listSeparator)
			items := make([]any, len(parts))
			for j, p := range parts {
				items[j] = strings.TrimSpace(p)
			}
			doc[col.field] = items
		case cellCompetenceLevel:
			competences[col.competence].(map[string]any)["level"] = integerCell(cell)
		case cellHolderJWK:
			if err := checkPublicJWK(cell); err != nil {
				problems = append(problems, CellProblem{Column: col.name, Violation: Violation{
					Rule: "jwk", Message: err.Error(),
				}})
				continue
			}
			holderJWK = cell
		}
	}
	return doc, holderJWK, problems
}

// integerCell returns cell as a JSON integer, or as a string (which the
// schema rejects with rule "type") when it is not one.
func integerCell(cell string) any {
	digits := cell
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	if digits == "" || len(digits) > maxNumberLen || strings.Trim(digits, "0123456789") != "" {
		return cell
	}
	n, ok := new(big.Int).SetString(cell, 10)
	if !ok {
		return cell
	}
	return json.Number(n.String())
}

// checkPublicJWK checks that s is a JSON object with a "kty" member and
// no private key material.
func checkPublicJWK(s string) error {
	var jwk map[string]any
	if err := json.Unmarshal([]byte(s), &jwk); err != nil || jwk == nil {
		return errors.New("must be a public key as a JSON object (JWK)")
	}
	if kty, _ := jwk["kty"].(string); kty == "" {
		return errors.New(`must be a JWK with a "kty" member`)
	}
	if private := record.PrivateJWKMember(jwk); private != "" {
		return fmt.Errorf("must be a public key, but member %q holds secret key material: remove it and renew the key", private)
	}
	return nil
}

// cellProblems maps the violations of a row's subject to its columns.
func (c *CSVReader) cellProblems(violations []Violation) []CellProblem {
	problems := make([]CellProblem, len(violations))
	for i, v := range violations {
		p := CellProblem{Violation: v}
		if j := columnIndex(c.spec.columns, v.Field); j >= 0 {
			p.Column = c.spec.columns[j].name
		}
		if v.Rule == "required" && p.Column != "" {
			p.Message = "must not be empty"
		}
		problems[i] = p
	}
	return problems
}

// columnRank orders problems as the columns of the credential type, the
// problems of the whole row first.
func (c *CSVReader) columnRank(name string) int {
	if name == "" {
		return -1
	}
	return slices.IndexFunc(c.spec.columns, func(col column) bool { return col.name == name })
}
