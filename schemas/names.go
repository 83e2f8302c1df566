package schemas

import (
	"encoding/json"
	"fmt"
	"unicode"
)

// A person's name is printed on certificates and shown by verifiers: it
// may hold no character that changes how the rest reads without being
// seen. The schema's pattern refuses ASCII control characters; Go checks
// the rest (the schema's regular expressions cannot say which character
// is at fault).

// personNameFields are the subject's fields holding a person's name.
var personNameFields = [...]string{"given_name", "family_name"}

// bidiControls are the format characters that change the direction of
// the text around them: embeddings and overrides (U+202A–U+202E), isolates
// (U+2066–U+2069) and the directional marks.
var bidiControls = map[rune]string{
	'\u061C': "ARABIC LETTER MARK",
	'\u200E': "LEFT-TO-RIGHT MARK",
	'\u200F': "RIGHT-TO-LEFT MARK",
	'\u202A': "LEFT-TO-RIGHT EMBEDDING",
	'\u202B': "RIGHT-TO-LEFT EMBEDDING",
	'\u202C': "POP DIRECTIONAL FORMATTING",
	'\u202D': "LEFT-TO-RIGHT OVERRIDE",
	'\u202E': "RIGHT-TO-LEFT OVERRIDE",
	'\u2066': "LEFT-TO-RIGHT ISOLATE",
	'\u2067': "RIGHT-TO-LEFT ISOLATE",
	'\u2068': "FIRST STRONG ISOLATE",
	'\u2069': "POP DIRECTIONAL ISOLATE",
}

// invisibleNames names the common invisible format characters.
var invisibleNames = map[rune]string{
	'\u00AD': "SOFT HYPHEN",
	'\u200B': "ZERO WIDTH SPACE",
	'\u200C': "ZERO WIDTH NON-JOINER",
	'\u200D': "ZERO WIDTH JOINER",
	'\u2060': "WORD JOINER",
	'\uFEFF': "ZERO WIDTH NO-BREAK SPACE",
}

// nameViolation checks a person's name for control characters (Unicode
// category Cc) and format characters (Cf: bidirectional controls,
// zero-width characters…), naming the first one found. bad is false when
// there is none.
func nameViolation(field, name string) (v Violation, bad bool) {
	for _, r := range name {
		if r >= 0x20 && r < 0x7F {
			continue // printable ASCII
		}
		var rule, what string
		switch {
		case unicode.Is(unicode.Cc, r):
			rule, what = "controlCharacter", "a control character"
		case !unicode.Is(unicode.Cf, r):
			continue
		case bidiControls[r] != "":
			rule, what = "bidiControl", bidiControls[r]+", a bidirectional control character, which can reorder or hide text"
		case invisibleNames[r] != "":
			rule, what = "formatCharacter", invisibleNames[r]+", an invisible format character"
		default:
			rule, what = "formatCharacter", "an invisible format character"
		}
		return Violation{
			Field:   field,
			Rule:    rule,
			Message: fmt.Sprintf("must not contain U+%04X (%s)", r, what),
			Got:     gotString(name),
		}, true
	}
	return Violation{}, false
}

// gotString renders s for Violation.Got: as JSON text, shortened.
func gotString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return ""
	}
	return shorten(string(b), maxGotLen)
}
