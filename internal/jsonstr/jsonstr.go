// Package jsonstr appends strings as JSON the way encoding/json writes
// them, without reflection: the hand-built documents of batch issuance
// (bundles, SD-JWT payloads and disclosures) must come out byte for byte as
// encoding/json would have made them.
//
// Imports: nothing of Sceau.
package jsonstr

import (
	"bytes"
	"encoding/json"
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
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s) // a string always encodes
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
}

// isPlain reports whether s is printable ASCII that encoding/json copies
// as is. It looks at eight bytes at a time: batch issuance runs it over
// every signed form it writes.
func isPlain(s string, escapeHTML bool) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		bad := x&highBits | // a byte over 0x7f
			(x-0x20*lowBits)&^x&highBits | // a byte under 0x20
			hasByte(x, 0x7f) | hasByte(x, '"') | hasByte(x, '\\')
		if escapeHTML {
			bad |= hasByte(x, '<') | hasByte(x, '>') | hasByte(x, '&')
		}
		if bad != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
		if escapeHTML && (c == '<' || c == '>' || c == '&') {
			return false
		}
	}
	return true
}

// The bytes of a word, each with its lowest or highest bit set.
const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// hasByte is not zero when a byte of x is c (and x has no byte over 0x7f,
// which isPlain checks besides).
func hasByte(x uint64, c byte) uint64 {
	v := x ^ (uint64(c) * lowBits)
	return (v - lowBits) &^ v & highBits
}
