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

	"github.com/sceau/sceau/chaincode/record"
)

// CSVOptions tunes a CSVReader.
type CSVOptions struct {
	// Encoding of the file: EncodingUTF8 or EncodingWindows1252 to force
	// it; "" or EncodingAuto to detect it: UTF-8 when the file starts with
	// a byte order mark or is all UTF-8, Windows-1252 when none of its
	// characters is UTF-8, and an *EncodingError when it mixes both.
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
// (a record is at most maxRecordBytes long). It is not safe for concurrent
// use.
type CSVReader struct {
	spec      typeSpec
	validator *Validator
	csv       *csv.Reader
	// input is the file's bytes, held to their encoding.
	input *checkedReader
	// columns holds the header's names, trimmed and lower case.
	columns []string
	// labels names each column of the file in messages: its English name
	// when the header gives that, else the header's own words.
	labels []string
	// specOf maps each column of the file to its index in spec.columns,
	// or -1 for a column without a name; fileOf maps back, -1 for a
	// column the file does not have.
	specOf, fileOf []int
	// lang is the language of the header: LangFrench or LangEnglish.
	lang      string
	delimiter rune
	encoding  string
	// track turns the csv reader's offsets into positions in the file.
	track *positionTracker
	// lineBase is added to the csv reader's line numbers: the line it
	// started on, less one.
	lineBase int
	// pos is the position after the last row read.
	pos CSVPosition
	// lastLine is the line of the last record read.
	lastLine int
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
	// is (e.g. malformed quotes, wrong number of fields): its English name
	// (e.g. birth_date) when the header gives that, else the header's own
	// words (e.g. "Date de naissance").
	Column string
	// Violation is the broken rule. Its Field is the subject's field the
	// column fills, or empty for a problem outside the subject. Besides the
	// subject's rules, a row may break "csv" (malformed quoting),
	// "fieldCount", "unnamedColumn" (a value under a header cell left
	// empty) and "jwk" (holder_jwk is not a public JWK).
	Violation
}

// Error lists the problems, e.g. `line 3, column birth_date: must be a
// date DD/MM/YYYY or YYYY-MM-DD (rule format:date)`. It never includes
// cell values.
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
	// Missing, Unknown and Duplicated list the offending column names:
	// the missing ones in the language of the header, the others as the
	// header writes them.
	Missing, Unknown, Duplicated []string
	// Required and Optional list the columns the type accepts, in the
	// language of the header.
	Required, Optional []string
	// TooMany is set when the header has more than maxHeaderColumns
	// columns (which are then not looked at).
	TooMany bool
}

// Error names every offending column and the expected ones.
func (e *HeaderError) Error() string {
	if e.TooMany {
		return fmt.Sprintf("CSV header for %s: more than %d columns", e.CredentialType, maxHeaderColumns)
	}
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

// maxHeaderColumns bounds the number of columns of a header.
const maxHeaderColumns = 200

// NewCSVReader reads the header of a CSV file of credType subjects, and
// returns a reader of its rows. The delimiter (';' or ',') is detected
// from the header line, the encoding as opts.Encoding says: when r can
// seek (a file), the whole file is scanned to detect it, and r is brought
// back where it was. Header names are English (student_id…) or French
// (INE, Prénom…), in any order, and compared regardless of case, accents
// and spaces. An error names missing, unknown and duplicated columns (as
// a *HeaderError), or the line and byte where the file leaves its
// encoding (as an *EncodingError).
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
	var whole *utf8Scan
	if rs, ok := r.(io.ReadSeeker); ok && encoding == EncodingAuto {
		if whole, err = scanAll(rs); err != nil {
			return nil, err
		}
	}
	input := &checkedReader{r: r}
	br := bufio.NewReaderSize(input, sniffSize)
	sn, err := sniff(br, input, encoding, whole)
	if err != nil {
		return nil, err
	}
	c := &CSVReader{
		spec:      spec,
		validator: validator,
		input:     input,
		delimiter: sn.delimiter,
		encoding:  sn.encoding,
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
	// The bytes from there on are held to the encoding as the first ones
	// were, their lines counted from at's.
	input := &checkedReader{r: r, encoding: c.input.encoding, why: c.input.why, detected: c.input.detected}
	input.scan.lines = at.Line - 1
	c.input = input
	c.readFrom(bufio.NewReaderSize(input, sniffSize), at)
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

// Language returns the language of the header: LangFrench when more of
// its names are French than English, else LangEnglish.
func (c *CSVReader) Language() string { return c.lang }

// CredentialType returns the type of the subjects read.
func (c *CSVReader) CredentialType() string { return c.spec.name }

func (c *CSVReader) readHeader() error {
	header, err := c.read()
	if errors.Is(err, io.EOF) {
		return errors.New("the CSV file is empty: it has no header line")
	}
	var eerr *EncodingError
	if errors.As(err, &eerr) {
		return eerr
	}
	if err != nil {
		return fmt.Errorf("reading the CSV header: %w", err)
	}
	if len(header) > maxHeaderColumns {
		return &HeaderError{CredentialType: c.spec.name, TooMany: true}
	}
	c.columns = make([]string, len(header))
	c.labels = make([]string, len(header))
	c.specOf = make([]int, len(header))
	c.fileOf = make([]int, len(c.spec.columns))
	for j := range c.fileOf {
		c.fileOf[j] = -1
	}
	var herr HeaderError
	english, french := 0, 0
	for i, h := range header {
		h = strings.TrimSpace(h)
		c.columns[i] = strings.ToLower(h)
		c.specOf[i] = -1
		if h == "" {
			continue // a stray column; its cells must stay empty
		}
		j, isEnglish, isFrench := matchColumn(c.spec.columns, headerKey(h))
		label := shorten(strings.Join(strings.Fields(h), " "), maxHeaderNameLen)
		if isEnglish {
			label = c.spec.columns[j].name
		}
		c.labels[i] = label
		switch {
		case j < 0:
			herr.Unknown = append(herr.Unknown, label)
		case c.fileOf[j] >= 0:
			if !slices.Contains(herr.Duplicated, label) {
				herr.Duplicated = append(herr.Duplicated, label)
			}
		default:
			c.specOf[i], c.fileOf[j] = j, i
		}
		if isEnglish && !isFrench {
			english++
		} else if isFrench && !isEnglish {
			french++
		}
	}
	c.lang = LangEnglish
	if french > english {
		c.lang = LangFrench
	}
	for j, col := range c.spec.columns {
		if col.required {
			herr.Required = append(herr.Required, col.nameIn(c.lang))
			if c.fileOf[j] < 0 {
				herr.Missing = append(herr.Missing, col.nameIn(c.lang))
			}
		} else {
			herr.Optional = append(herr.Optional, col.nameIn(c.lang))
		}
	}
	if len(herr.Missing)+len(herr.Unknown)+len(herr.Duplicated) > 0 {
		herr.CredentialType = c.spec.name
		return &herr
	}
	return nil
}

// read reads the next record, of at most maxRecordBytes, and notes its
// last line.
func (c *CSVReader) read() ([]string, error) {
	c.input.mark()
	record, err := c.csv.Read()
	if errors.Is(err, errRecordTooLong) {
		return nil, fmt.Errorf("the CSV record after line %d runs over %d KiB: is a quote left open?", c.lastLine, maxRecordBytes>>10)
	}
	if err == nil {
		c.lastLine, _ = c.csv.FieldPos(len(record) - 1)
		c.lastLine += c.lineBase
	}
	return record, err
}

// Next returns the next data row, skipping blank ones, or io.EOF after the
// last. A row breaking the rules comes back with Row.Err set; the error
// return is for what stops the reading (I/O errors, a byte that leaves
// the file's encoding, as an *EncodingError), and is returned again by
// later calls.
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
		record, err := c.read()
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		c.pos = c.track.advance(c.csv.InputOffset())
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			start, at := perr.StartLine+c.lineBase, perr.Line+c.lineBase
			c.lastLine = at
			return &Row{Line: start, Err: &RowError{Line: start, Problems: []CellProblem{{
				Violation: Violation{Rule: "csv", Message: fmt.Sprintf("malformed CSV at line %d, byte %d: %v", at, perr.Column, perr.Err)},
			}}}}, nil
		}
		var eerr *EncodingError
		if errors.As(err, &eerr) {
			return nil, eerr
		}
		if err != nil {
			return nil, fmt.Errorf("reading the CSV file: %w", err)
		}
		if isBlank(record) {
			continue
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
		slices.SortStableFunc(problems, func(a, b rankedProblem) int { return a.rank - b.rank })
		out := make([]CellProblem, len(problems))
		for i, p := range problems {
			out[i] = p.CellProblem
		}
		return fail(out)
	}
	rec, err := c.validator.recordOf(c.spec.name, doc)
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", line, err)
	}
	return &Row{Line: line, Record: rec, HolderJWK: holderJWK}, nil
}

// rankedProblem is a problem of a row with the index in spec.columns of
// its column, in which order problems are listed: -1, first, for the row
// as a whole.
type rankedProblem struct {
	CellProblem
	rank int
}

// problemAt returns a problem of the column of index j in spec.columns.
func (c *CSVReader) problemAt(j int, v Violation) rankedProblem {
	label := c.spec.columns[j].nameIn(c.lang)
	if f := c.fileOf[j]; f >= 0 {
		label = c.labels[f]
	}
	return rankedProblem{CellProblem: CellProblem{Column: label, Violation: v}, rank: j}
}

// subjectOf builds the JSON subject of a row, as Validator.validateDoc
// takes it. Empty cells are left out. It returns the holder's key and the
// problems found outside the subject.
func (c *CSVReader) subjectOf(record []string) (doc map[string]any, holderJWK string, problems []rankedProblem) {
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
		j := c.specOf[i]
		if j < 0 {
			problems = append(problems, rankedProblem{rank: -1, CellProblem: CellProblem{Violation: Violation{
				Rule:    "unnamedColumn",
				Message: fmt.Sprintf("field %d holds a value but its column has no name in the header", i+1),
			}}})
			continue
		}
		col := c.spec.columns[j]
		switch col.kind {
		case cellText:
			doc[col.field] = cell
		case cellDate:
			doc[col.field] = isoDate(cell)
		case cellInteger:
			doc[col.field] = integerCell(cell)
		case cellList:
			parts := strings.Split(cell, listSeparator)
			items := make([]any, len(parts))
			for k, p := range parts {
				items[k] = strings.TrimSpace(p)
			}
			doc[col.field] = items
		case cellCompetenceLevel:
			competences[col.competence].(map[string]any)["level"] = integerCell(cell)
		case cellHolderJWK:
			if err := checkPublicJWK(cell); err != nil {
				problems = append(problems, c.problemAt(j, Violation{Rule: "jwk", Message: err.Error()}))
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
func (c *CSVReader) cellProblems(violations []Violation) []rankedProblem {
	problems := make([]rankedProblem, len(violations))
	for i, v := range violations {
		j := columnIndex(c.spec.columns, v.Field)
		if j < 0 {
			problems[i] = rankedProblem{CellProblem: CellProblem{Violation: v}, rank: -1}
			continue
		}
		switch {
		case v.Rule == "required":
			v.Message = "must not be empty"
		case v.Rule == "format:date" && c.spec.columns[j].kind == cellDate:
			v.Message = "must be a date DD/MM/YYYY or YYYY-MM-DD"
		}
		problems[i] = c.problemAt(j, v)
	}
	return problems
}
