// Package jsonstr appends strings as JSON the way encoding/json writes
// them, without reflection: the hand-built documents of batch issuance
// (bundles, SD-JWT payloads and disclosures) must come out byte for byte as
// encoding/json would have made them.
//
// Imports: nothing of Sceau.
package jsonstr

import (
	"unicode/utf8"
	"unsafe"
)

// Append appends s to dst as a JSON string, as encoding/json.Marshal writes
// it when escapeHTML is true, and as an encoding/json Encoder with
// SetEscapeHTML(false) writes it otherwise.
func Append(dst []byte, s string, escapeHTML bool) []byte {
	if isPlain(s, escapeHTML) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	return appendEscaped(dst, s, escapeHTML)
}

// AppendBytes is Append of a string held in a byte slice.
func AppendBytes(dst, s []byte, escapeHTML bool) []byte {
	return Append(dst, unsafeString(s), escapeHTML)
}

// unsafeString returns b as a string without copying it: Append only
// reads it, and keeps nothing of it.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

const hexDigits = "0123456789abcdef"

// appendEscaped is encoding/json's string encoder (encode.go,
// appendString), rule for rule: text that is not plain ASCII — accented
// names above all — is copied as is where encoding/json copies it, and
// escaped where it escapes: '"' and '\\', the controls (\b, \f, \n, \r
// and \t by name, the others as \u00XX), with escapeHTML '<', '>' and
// '&', invalid UTF-8 as \ufffd, and U+2028 and U+2029.
func appendEscaped(dst []byte, s string, escapeHTML bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && (!escapeHTML || b != '<' && b != '>' && b != '&') {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// isPlain reports whether s is printable ASCII that encoding/json copies
// as is. It looks bytes up in a table, four at a time: batch issuance runs
// it over every signed form it writes (a table beat eight-byte words
// tested for each special byte, 2× on bundles).
func isPlain(s string, escapeHTML bool) bool {
	t := &plainBytes[0]
	if escapeHTML {
		t = &plainBytes[1]
	}
	i := 0
	for ; i+4 <= len(s); i += 4 {
		if !(t[s[i]] && t[s[i+1]] && t[s[i+2]] && t[s[i+3]]) {
			return false
		}
	}
	for ; i < len(s); i++ {
		if !t[s[i]] {
			return false
		}
	}
	return true
}

// plainBytes tells the bytes isPlain lets through: [0] without HTML
// escaping, [1] with it.
var plainBytes = func() (t [2][256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[0][c] = c != '"' && c != '\\'
		t[1][c] = t[0][c] && c != '<' && c != '>' && c != '&'
	}
	return t
}()
