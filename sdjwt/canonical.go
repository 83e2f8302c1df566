package sdjwt

import (
	"bytes"
	"unicode/utf8"
)

// isCanonicalJSON reports whether value is an object or array that
// compactValue's slow path — decode (decodeJSON), check the reserved names
// (checkReservedNames), encode again (encodeJSON) — would return
// unchanged, so that it needs not run. A credential's claims holding an
// object (its status) are written that way already, and decoding them into
// maps to encode them again cost more than the rest of the claims.
//
// It is one pass over the bytes and only ever says yes when the round trip
// is the identity: no whitespace; the members of every object in strictly
// increasing byte order of their names (encoding/json sorts map keys so,
// and strictness rules out repeated names); strings of valid UTF-8 without
// escapes, control characters or U+2028/U+2029 (the encoder escapes
// those); numbers in JSON's grammar (json.Number is written back as read);
// no name SD-JWT reserves; nesting under MaxDepth. Anything else, valid or
// not, answers false and takes the slow path, which compacts, rejects or
// explains it. FuzzCanonicalJSON checks that a yes always matches it.
func isCanonicalJSON(value []byte) bool {
	if len(value) == 0 || value[0] != '{' && value[0] != '[' {
		return false
	}
	end, ok := canonicalValue(value, 0, 1)
	return ok && end == len(value)
}

// canonicalValue checks the value starting at value[i], at nesting depth
// (1 for the outermost object or array), and returns where it ends.
func canonicalValue(value []byte, i, depth int) (int, bool) {
	if i >= len(value) {
		return 0, false
	}
	switch c := value[i]; {
	case c == '{':
		if depth >= MaxDepth {
			return 0, false
		}
		i++
		if i < len(value) && value[i] == '}' {
			return i + 1, true
		}
		var prev []byte
		for first := true; ; first = false {
			start := i
			end, ok := canonicalString(value, i)
			if !ok {
				return 0, false
			}
			name := value[start+1 : end-1]
			if string(name) == sdKey || string(name) == arrayDigestKey || !first && bytes.Compare(prev, name) >= 0 {
				return 0, false
			}
			prev = name
			if end >= len(value) || value[end] != ':' {
				return 0, false
			}
			if i, ok = canonicalValue(value, end+1, depth+1); !ok || i >= len(value) {
				return 0, false
			}
			switch value[i] {
			case ',':
				i++
			case '}':
				return i + 1, true
			default:
				return 0, false
			}
		}
	case c == '[':
		if depth >= MaxDepth {
			return 0, false
		}
		i++
		if i < len(value) && value[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = canonicalValue(value, i, depth+1); !ok || i >= len(value) {
				return 0, false
			}
			switch value[i] {
			case ',':
				i++
			case ']':
				return i + 1, true
			default:
				return 0, false
			}
		}
	case c == '"':
		return canonicalString(value, i)
	case c == '-' || c >= '0' && c <= '9':
		return canonicalNumber(value, i)
	case bytes.HasPrefix(value[i:], []byte("true")):
		return i + 4, true
	case bytes.HasPrefix(value[i:], []byte("false")):
		return i + 5, true
	case bytes.HasPrefix(value[i:], []byte("null")):
		return i + 4, true
	}
	return 0, false
}

// canonicalString checks the string starting at value[i] (its opening
// quote) and returns where it ends, after its closing quote.
func canonicalString(value []byte, i int) (int, bool) {
	if i >= len(value) || value[i] != '"' {
		return 0, false
	}
	start := i + 1
	for j := start; j < len(value); j++ {
		switch c := value[j]; {
		case c == '"':
			s := value[start:j]
			if !utf8.Valid(s) || bytes.Contains(s, []byte("\u2028")) || bytes.Contains(s, []byte("\u2029")) {
				return 0, false
			}
			return j + 1, true
		case c < 0x20 || c == '\\':
			return 0, false
		}
	}
	return 0, false
}

// canonicalNumber checks the number starting at value[i] against JSON's
// grammar, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, and returns
// where it ends.
func canonicalNumber(value []byte, i int) (int, bool) {
	digits := func(i int) int {
		for i < len(value) && value[i] >= '0' && value[i] <= '9' {
			i++
		}
		return i
	}
	if value[i] == '-' {
		i++
	}
	switch {
	case i < len(value) && value[i] == '0':
		i++
	case i < len(value) && value[i] >= '1' && value[i] <= '9':
		i = digits(i + 1)
	default:
		return 0, false
	}
	if i < len(value) && value[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(value) && (value[i] == 'e' || value[i] == 'E') {
		i++
		if i < len(value) && (value[i] == '+' || value[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}
