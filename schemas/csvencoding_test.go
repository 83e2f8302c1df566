package schemas

import (
	"testing"
	"unicode/utf8"
)

// referenceScan is utf8Scan done the plain way, on the whole input at once.
func referenceScan(b []byte) (multibyte, invalid position, value byte, lines int) {
	line, col := 1, 1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			if invalid.line == 0 {
				invalid, value = position{line, col}, b[i]
			}
		case size > 1 && multibyte.line == 0:
			multibyte = position{line, col}
		}
		if b[i] == '\n' {
			line, col = line+1, 1
		} else {
			col += size
		}
		i += size
	}
	return multibyte, invalid, value, line - 1
}

// FuzzUTF8Scan: whatever the chunks a stream comes in, the scan finds the
// first UTF-8 character and the first byte that is not UTF-8 where a scan
// of the whole input finds them.
func FuzzUTF8Scan(f *testing.F) {
	f.Add([]byte("a,b\nH\xc3\xa9l\xc3\xa8ne\nL\xe9a\n"), uint16(5), uint16(6))
	f.Add([]byte("\xe2\x82\xac\xe2\x82"), uint16(1), uint16(2))
	f.Add([]byte("x\n\xf0\x9f\x98\x80\n\xed\xa0\x80"), uint16(3), uint16(9))
	f.Fuzz(func(t *testing.T, data []byte, cut1, cut2 uint16) {
		a := min(int(cut1), len(data))
		b := min(max(int(cut2), a), len(data))
		var s utf8Scan
		s.write(data[:a])
		s.write(data[a:b])
		s.write(data[b:])
		s.close()
		multibyte, invalid, value, lines := referenceScan(data)
		if s.firstMultibyte != multibyte || s.firstInvalid != invalid || (invalid.line != 0 && s.invalidByte != value) || s.lines != lines {
			t.Fatalf("chunks %d/%d: scan found UTF-8 at %v, invalid %v (0x%02X), %d lines; whole input: %v, %v (0x%02X), %d lines",
				a, b, s.firstMultibyte, s.firstInvalid, s.invalidByte, s.lines, multibyte, invalid, value, lines)
		}
		enc, err := s.decide()
		switch {
		case utf8.Valid(data) && enc != EncodingUTF8:
			t.Fatalf("valid UTF-8 decided %s, %v", enc, err)
		case !utf8.Valid(data) && multibyte.line == 0 && enc != EncodingWindows1252:
			t.Fatalf("no UTF-8 character, invalid bytes: decided %s, %v", enc, err)
		case !utf8.Valid(data) && multibyte.line != 0 && err == nil:
			t.Fatalf("mixed input decided %s", enc)
		}
	})
}
