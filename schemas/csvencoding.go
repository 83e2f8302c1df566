package schemas

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Encodings of a CSV file, as named by CSVOptions.Encoding and
// CSVReader.Encoding.
const (
	EncodingAuto        = "auto"
	EncodingUTF8        = "utf-8"
	EncodingWindows1252 = "windows-1252"
)

// How the encoding of a CSV file is decided, when it is not forced: a file
// is UTF-8 when it starts with a UTF-8 byte order mark, or when every byte
// of it is UTF-8; it is Windows-1252 when none of its non-ASCII characters
// is UTF-8. A file that holds both UTF-8 characters and bytes that are not
// UTF-8 is refused, naming the line and byte of the first such byte: read
// as Windows-1252, its UTF-8 names would be signed garbled ("HÃ©lÃ¨ne");
// read as UTF-8, the other bytes would be lost.
//
// The whole file is scanned for that, in constant memory, when the reader
// can seek (a file); other readers are judged on their first sniffSize
// bytes, and refused as soon as the rest contradicts them. Either way, no
// row holding a byte that contradicts the encoding is ever returned.

// sniffSize is how many bytes of a CSV file are looked at to detect its
// delimiter (and its encoding, when the reader cannot seek).
const sniffSize = 64 << 10

// maxRecordBytes bounds the bytes read for one CSV record: a quote left
// open would otherwise make the rest of the file one field, in memory.
const maxRecordBytes = 1 << 20

// utf8BOM is the UTF-8 byte order mark some spreadsheets write first.
const utf8BOM = "\xEF\xBB\xBF"

// parseEncoding normalizes the encoding a caller asked for.
func parseEncoding(name string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", EncodingAuto:
		return EncodingAuto, nil
	case EncodingUTF8, "utf8":
		return EncodingUTF8, nil
	case EncodingWindows1252, "cp1252":
		return EncodingWindows1252, nil
	}
	return "", fmt.Errorf("unknown CSV encoding %q: use %s, %s or %s",
		name, EncodingAuto, EncodingUTF8, EncodingWindows1252)
}

// EncodingError reports a CSV file with a byte that is not UTF-8 where
// UTF-8 was expected: the file is UTF-8 (it has a byte order mark, or
// UTF-8 characters elsewhere) or is read as UTF-8 as asked.
type EncodingError struct {
	// Line and Byte locate the first byte that is not UTF-8: its line
	// (the header is line 1) and its place in the line, in bytes from 1.
	Line, Byte int
	// Value is that byte.
	Value byte
	// UTF8Line is the line of the first UTF-8 character of several bytes,
	// or 0 when the file has none.
	UTF8Line int
	// why says why the file is expected to be UTF-8.
	why utf8Reason
}

// utf8Reason says why a file is read as UTF-8.
type utf8Reason int

const (
	// utf8Text: the file holds UTF-8 characters of several bytes.
	utf8Text utf8Reason = iota
	// utf8BOMFound: the file starts with a UTF-8 byte order mark.
	utf8BOMFound
	// utf8Asked: the caller forced UTF-8.
	utf8Asked
	// utf8Sniffed: the start of a file that cannot be rewound was UTF-8.
	utf8Sniffed
)

// Error names the line and byte, and what to do. It never quotes the
// file's text.
func (e *EncodingError) Error() string {
	at := fmt.Sprintf("line %d, byte %d: byte 0x%02X is not UTF-8", e.Line, e.Byte, e.Value)
	useWindows1252 := fmt.Sprintf("if the whole file is Windows-1252 (Excel's plain \"CSV\"), use --encoding %s", EncodingWindows1252)
	switch e.why {
	case utf8BOMFound:
		return at + ", yet the CSV file starts with a UTF-8 byte order mark: correct that character"
	case utf8Asked:
		return at + ", and the CSV file is read as UTF-8 as asked: " + useWindows1252
	case utf8Sniffed:
		return fmt.Sprintf("%s, and the CSV file was read as UTF-8 from its first %d KiB: %s", at, sniffSize>>10, useWindows1252)
	}
	if e.UTF8Line == 0 {
		return at + ", and the CSV file is read as UTF-8: " + useWindows1252
	}
	return fmt.Sprintf("%s, yet line %d holds UTF-8 text: the CSV file mixes two encodings; correct that character, or %s",
		at, e.UTF8Line, useWindows1252)
}

// position is where a byte of a file is: its line (from 1) and its place
// in the line, in bytes from 1. The zero position is none.
type position struct{ line, byte int }

// utf8Scan follows a byte stream, chunk by chunk, and records where its
// first UTF-8 character of several bytes is, and its first byte that is
// not UTF-8. It holds no more than a few bytes of the stream.
type utf8Scan struct {
	// lines is the number of line feeds scanned; col the number of bytes
	// scanned since the last one.
	lines, col int
	// carry holds the start of a character cut at the end of a chunk.
	carry []byte
	// joined is carry and the next chunk, put together.
	joined []byte

	firstMultibyte position
	firstInvalid   position
	invalidByte    byte
}

// write scans the next chunk of the stream.
func (s *utf8Scan) write(p []byte) {
	if len(s.carry) > 0 {
		s.joined = append(append(s.joined[:0], s.carry...), p...)
		p = s.joined
	}
	s.scan(p, false)
}

// close scans what is left at the end of the stream.
func (s *utf8Scan) close() {
	if len(s.carry) > 0 {
		rest := append([]byte(nil), s.carry...)
		s.scan(rest, true)
	}
}

// scan scans b, keeping an incomplete last character for the next chunk
// unless atEOF.
func (s *utf8Scan) scan(b []byte, atEOF bool) {
	end := len(b)
	if !atEOF {
		end -= incompleteTail(b)
	}
	body := b[:end]
	if utf8.Valid(body) {
		if s.firstMultibyte.line == 0 {
			if i := firstNonASCII(body); i >= 0 {
				s.firstMultibyte = s.positionOf(body, i)
			}
		}
		s.advance(body)
	} else {
		s.scanSlowly(body)
	}
	s.carry = append(s.carry[:0], b[end:]...)
}

// scanSlowly scans b, which is not valid UTF-8, character by character.
func (s *utf8Scan) scanSlowly(b []byte) {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == '\n' {
				s.lines++
				s.col = 0
			} else {
				s.col++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			if s.firstInvalid.line == 0 {
				s.firstInvalid = position{s.lines + 1, s.col + 1}
				s.invalidByte = c
			}
		case s.firstMultibyte.line == 0:
			s.firstMultibyte = position{s.lines + 1, s.col + 1}
		}
		s.col += size
		i += size
	}
}

// advance counts the lines of b.
func (s *utf8Scan) advance(b []byte) {
	if last := bytes.LastIndexByte(b, '\n'); last >= 0 {
		s.lines += bytes.Count(b, []byte{'\n'})
		s.col = len(b) - last - 1
		return
	}
	s.col += len(b)
}

// positionOf returns the position of b[i], b being the next bytes to scan.
func (s *utf8Scan) positionOf(b []byte, i int) position {
	before := b[:i]
	last := bytes.LastIndexByte(before, '\n')
	if last < 0 {
		return position{s.lines + 1, s.col + i + 1}
	}
	return position{s.lines + bytes.Count(before, []byte{'\n'}) + 1, i - last}
}

// incompleteTail returns the length of the start of a character that
// ends b without being complete.
func incompleteTail(b []byte) int {
	for k := 1; k < utf8.UTFMax && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if utf8.FullRune(b[len(b)-k:]) {
				return 0
			}
			return k
		}
	}
	return 0
}

func firstNonASCII(b []byte) int {
	for i, c := range b {
		if c >= utf8.RuneSelf {
			return i
		}
	}
	return -1
}

// decide returns the encoding of the bytes s scanned, as the rule above
// says, or an *EncodingError.
func (s *utf8Scan) decide() (string, error) {
	switch {
	case s.firstInvalid.line == 0:
		return EncodingUTF8, nil
	case s.firstMultibyte.line == 0:
		return EncodingWindows1252, nil
	}
	return "", s.invalidError(utf8Text)
}

func (s *utf8Scan) invalidError(why utf8Reason) *EncodingError {
	return &EncodingError{
		Line: s.firstInvalid.line, Byte: s.firstInvalid.byte, Value: s.invalidByte,
		UTF8Line: s.firstMultibyte.line, why: why,
	}
}

// scanAll scans the rest of rs and seeks back to where it was.
func scanAll(rs io.ReadSeeker) (*utf8Scan, error) {
	start, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("reading the CSV file: %w", err)
	}
	s := new(utf8Scan)
	buf := make([]byte, sniffSize)
	for {
		n, err := rs.Read(buf)
		s.write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the CSV file: %w", err)
		}
	}
	s.close()
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewinding the CSV file: %w", err)
	}
	return s, nil
}

// checkedReader passes a CSV file's bytes through, scanning them, and
// fails as soon as they contradict the encoding the file is read in, or
// a record grows over maxRecordBytes.
type checkedReader struct {
	r    io.Reader
	scan utf8Scan
	// encoding is the encoding the file is read in, "" until known.
	encoding string
	// why says why a file read as UTF-8 is (for errors).
	why utf8Reason
	// detected is set when a Windows-1252 encoding was detected, not
	// forced: a UTF-8 character then contradicts it.
	detected bool
	// sinceMark counts the bytes read since the last call to mark.
	sinceMark int
	err       error
}

// errRecordTooLong is returned by a checkedReader once a record runs
// over maxRecordBytes.
var errRecordTooLong = fmt.Errorf("a CSV record runs over %d KiB", maxRecordBytes>>10)

func (g *checkedReader) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	g.scan.write(p[:n])
	if errors.Is(err, io.EOF) {
		g.scan.close()
	}
	g.sinceMark += n
	if cerr := g.contradiction(&g.scan); cerr != nil {
		g.err = cerr
		return 0, cerr
	}
	if g.sinceMark > maxRecordBytes {
		g.err = errRecordTooLong
		return 0, g.err
	}
	return n, err
}

// mark starts counting the bytes of a new record.
func (g *checkedReader) mark() { g.sinceMark = 0 }

// contradiction returns an *EncodingError when what s scanned
// contradicts the encoding the file is read in.
func (g *checkedReader) contradiction(s *utf8Scan) error {
	switch {
	case g.encoding == EncodingUTF8 && s.firstInvalid.line != 0:
		why := g.why
		if why == utf8Sniffed && s.firstMultibyte.line != 0 {
			why = utf8Text
		}
		return s.invalidError(why)
	case g.encoding == EncodingWindows1252 && g.detected && s.firstMultibyte.line != 0:
		return s.invalidError(utf8Text)
	}
	return nil
}

// sniffed is what the first bytes of a CSV file tell about it.
type sniffed struct {
	// encoding is EncodingUTF8 or EncodingWindows1252.
	encoding string
	// delimiter is ';' or ','.
	delimiter rune
	// skipped is the length of the byte order mark skipped, if any.
	skipped int64
}

// sniff looks at the first bytes of br (without consuming them, except a
// UTF-8 byte order mark) to settle the encoding, when asked for "auto",
// and the delimiter. whole is the scan of the whole file, when it could
// be read ahead; without it, the encoding is decided on the first bytes.
// It tells g which encoding to hold the file to.
func sniff(br *bufio.Reader, g *checkedReader, encoding string, whole *utf8Scan) (sniffed, error) {
	window, err := br.Peek(sniffSize)
	atEOF := errors.Is(err, io.EOF)
	if err != nil && !atEOF {
		return sniffed{}, fmt.Errorf("reading the start of the CSV file: %w", err)
	}
	s := sniffed{encoding: encoding, delimiter: detectDelimiter(window)}
	g.encoding, g.why = encoding, utf8Asked
	switch {
	case bytes.HasPrefix(window, []byte(utf8BOM)):
		if encoding == EncodingWindows1252 {
			return sniffed{}, fmt.Errorf("the CSV file starts with a UTF-8 byte order mark but encoding %s was asked for: drop the encoding option", EncodingWindows1252)
		}
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return sniffed{}, fmt.Errorf("skipping the byte order mark of the CSV file: %w", err)
		}
		s.encoding = EncodingUTF8
		s.skipped = int64(len(utf8BOM))
		g.encoding, g.why = EncodingUTF8, utf8BOMFound
	case bytes.HasPrefix(window, []byte{0xFF, 0xFE}), bytes.HasPrefix(window, []byte{0xFE, 0xFF}):
		return sniffed{}, errors.New("the CSV file is in UTF-16, which is not supported: export it as CSV UTF-8 or as CSV (Windows-1252)")
	case encoding == EncodingAuto:
		scan, why := whole, utf8Text
		if scan == nil {
			scan, why = new(utf8Scan), utf8Sniffed
			scan.scan(window, atEOF)
		}
		if s.encoding, err = scan.decide(); err != nil {
			return sniffed{}, err
		}
		g.encoding, g.why, g.detected = s.encoding, why, true
	}
	if whole != nil {
		if err := g.contradiction(whole); err != nil {
			return sniffed{}, err
		}
	}
	if err := g.contradiction(&g.scan); err != nil {
		return sniffed{}, err
	}
	return s, nil
}

// detectDelimiter returns ';' when the first line of b holds more
// semicolons than commas outside quotes, ',' otherwise.
func detectDelimiter(b []byte) rune {
	semicolons, commas := 0, 0
	quoted := false
	for _, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ';':
			semicolons++
		case c == ',':
			commas++
		case c == '\n':
			if semicolons > commas {
				return ';'
			}
			return ','
		}
	}
	if semicolons > commas {
		return ';'
	}
	return ','
}

// decodingReader returns r decoded to UTF-8 from encoding. UTF-8 input is
// passed through: a checkedReader below has checked it.
func decodingReader(r io.Reader, encoding string) io.Reader {
	if encoding == EncodingWindows1252 {
		return charmap.Windows1252.NewDecoder().Reader(r)
	}
	return r
}

// positionTracker passes the decoded text of a CSV file on to the csv
// reader, keeping what it handed over until the csv reader's offset (in
// decoded bytes) moves past it, so as to say where in the file, in its own
// bytes, that offset is. A single-byte encoding (Windows-1252) decodes each
// byte of the file to one character, UTF-8 is passed through: either way
// the file offset follows from the decoded text alone.
type positionTracker struct {
	r io.Reader
	// pending holds the decoded bytes from offset base on that were read
	// from r; start is where in it the csv reader's offset base is.
	pending []byte
	start   int
	base    int64
	// pos is the position in the file at decoded offset base.
	pos CSVPosition
	// singleByte is set when each character of the text is one byte of the file.
	singleByte bool
}

func newPositionTracker(r io.Reader, at CSVPosition, singleByte bool) *positionTracker {
	return &positionTracker{r: r, pos: at, singleByte: singleByte}
}

func (t *positionTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if t.start > 0 && t.start >= len(t.pending)/2 {
		t.pending = t.pending[:copy(t.pending, t.pending[t.start:])]
		t.start = 0
	}
	t.pending = append(t.pending, p[:n]...)
	return n, err
}

// advance returns the position in the file of decoded offset to, which is
// at or after the last one asked and not past what was read.
func (t *positionTracker) advance(to int64) CSVPosition {
	n := int(to - t.base)
	if n <= 0 || n > len(t.pending)-t.start {
		return t.pos
	}
	consumed := t.pending[t.start : t.start+n]
	if t.singleByte {
		t.pos.Offset += int64(utf8.RuneCount(consumed))
	} else {
		t.pos.Offset += int64(n)
	}
	t.pos.Line += bytes.Count(consumed, []byte{'\n'})
	t.start += n
	t.base = to
	return t.pos
}
