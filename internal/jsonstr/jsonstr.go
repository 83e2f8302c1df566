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
// as is.
func isPlain(s string, escapeHTML bool) bool {
	for i := 0; i < len(s); i++ {
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
