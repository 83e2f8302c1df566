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

// sniffSize is how many bytes of a CSV file are looked at to detect its
// encoding and delimiter.
const sniffSize = 64 << 10

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

// sniffed is what the first bytes of a CSV file tell about it.
type sniffed struct {
	// encoding is EncodingUTF8 or EncodingWindows1252.
	encoding string
	// detected is set when encoding was guessed rather than forced or
	// given by a byte order mark.
	detected bool
	// delimiter is ';' or ','.
	delimiter rune
	// skipped is the length of the byte order mark skipped, if any.
	skipped int64
}

// sniff looks at the first bytes of br (without consuming them, except a
// UTF-8 byte order mark) to settle the encoding, when asked for "auto",
// and the delimiter.
func sniff(br *bufio.Reader, encoding string) (sniffed, error) {
	window, err := br.Peek(sniffSize)
	atEOF := errors.Is(err, io.EOF)
	if err != nil && !atEOF {
		return sniffed{}, fmt.Errorf("reading the start of the CSV file: %w", err)
	}
	s := sniffed{encoding: encoding, delimiter: detectDelimiter(window)}
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
	case bytes.HasPrefix(window, []byte{0xFF, 0xFE}), bytes.HasPrefix(window, []byte{0xFE, 0xFF}):
		return sniffed{}, errors.New("the CSV file is in UTF-16, which is not supported: export it as CSV UTF-8 or as CSV (Windows-1252)")
	case encoding == EncodingAuto:
		s.detected = true
		if validUTF8Prefix(window, atEOF) {
			s.encoding = EncodingUTF8
		} else {
			s.encoding = EncodingWindows1252
		}
	}
	return s, nil
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing an
// incomplete last character when b is cut from a longer input.
func validUTF8Prefix(b []byte, atEOF bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if atEOF {
		return false
	}
	for k := 1; k < utf8.UTFMax && k <= len(b); k++ {
		tail := b[len(b)-k:]
		if utf8.RuneStart(tail[0]) {
			return !utf8.FullRune(tail) && utf8.Valid(b[:len(b)-k])
		}
	}
	return false
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
// passed through: its validity is checked field by field.
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
