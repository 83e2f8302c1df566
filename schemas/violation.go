package schemas

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Violation is one way a credential subject breaks the rules of its type.
type Violation struct {
	// Field is the path of the offending JSON field, e.g. "birth_date" or
	// "competences[3].level"; empty for the subject as a whole.
	Field string
	// Rule is the short name of the broken rule: "required", "type",
	// "format:date", "pattern", "minimum", "maximum", "enum", "const",
	// "additionalProperties", "notInFuture"…
	Rule string
	// Message says what the field must be, e.g. "must be a date YYYY-MM-DD".
	Message string
	// Got is the offending value as JSON text (shortened when long), or
	// empty when the rule is not about one scalar value. It often holds
	// personal data, which is why Error strings leave it out: show it to
	// the person who supplied it, never log it.
	Got string
}

// String renders the violation as "field: message (rule name)".
func (v Violation) String() string {
	field := v.Field
	if field == "" {
		field = "subject"
	}
	return fmt.Sprintf("%s: %s (rule %s)", field, v.Message, v.Rule)
}

// ValidationError reports every violation found in one credential subject.
type ValidationError struct {
	// CredentialType is the type the subject was checked against.
	CredentialType string
	// Violations holds at least one violation, in the order of the
	// subject's fields.
	Violations []Violation
}

// Error lists the violations, e.g.
// "birth_date: must be a date YYYY-MM-DD (rule format:date)". It never
// includes the offending values.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}

// maxGotLen bounds the length of Violation.Got, in bytes.
const maxGotLen = 64

// patternMessage says what a value failing the pattern of a "$defs" entry
// of the schemas must look like.
func patternMessage(def string) (string, bool) {
	switch def {
	case "ine":
		return "must be an INE: 11 digits or capital letters", true
	case "personName", "text":
		return "must be non-empty text on one line, without control characters or leading or trailing spaces", true
	case "rncp":
		return "must be RNCP followed by 3 to 6 digits, e.g. RNCP34511", true
	case "verificationCode":
		return "must be P- followed by 8 characters among 2346789BCDFGHJKMPQRTVWXY", true
	}
	return "", false
}

// violationsOf flattens the error tree of the schema library into
// violations, one per failed leaf keyword. doc is the validated instance.
func violationsOf(err *jsonschema.ValidationError, doc any, out []Violation) []Violation {
	if len(err.Causes) > 0 {
		for _, cause := range err.Causes {
			out = violationsOf(cause, doc, out)
		}
		return out
	}
	field := fieldPath(doc, err.InstanceLocation)
	got := gotValue(doc, err.InstanceLocation)
	switch k := err.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			out = append(out, Violation{Field: joinField(field, name), Rule: "required", Message: "is required"})
		}
		return out
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			out = append(out, Violation{Field: joinField(field, name), Rule: "additionalProperties", Message: "is not a field of this credential type"})
		}
		return out
	}
	rule, msg := describe(err)
	return append(out, Violation{Field: field, Rule: rule, Message: msg, Got: got})
}

// describe returns the rule name and the message of a leaf error.
func describe(err *jsonschema.ValidationError) (rule, msg string) {
	switch k := err.ErrorKind.(type) {
	case *kind.Type:
		wants := make([]string, len(k.Want))
		for i, w := range k.Want {
			wants[i] = withArticle(w)
		}
		return "type", "must be " + strings.Join(wants, " or ")
	case *kind.Enum:
		values := make([]string, len(k.Want))
		for i, w := range k.Want {
			values[i] = fmt.Sprint(w)
		}
		return "enum", "must be one of " + strings.Join(values, ", ")
	case *kind.Const:
		want, _ := json.Marshal(k.Want)
		return "const", "must be " + string(want)
	case *kind.Format:
		rule = "format:" + k.Want
		if k.Want == "date" {
			return rule, "must be a date YYYY-MM-DD"
		}
		return rule, "must be a valid " + k.Want
	case *kind.Pattern:
		if _, def, ok := strings.Cut(err.SchemaURL, "#/$defs/"); ok {
			if msg, ok := patternMessage(def); ok {
				return "pattern", msg
			}
		}
		return "pattern", "must match the pattern " + k.Want
	case *kind.MinLength:
		if k.Want == 1 {
			return "minLength", "must not be empty"
		}
		return "minLength", fmt.Sprintf("must have at least %d characters", k.Want)
	case *kind.MaxLength:
		return "maxLength", fmt.Sprintf("must have at most %d characters", k.Want)
	case *kind.Minimum:
		return "minimum", "must be at least " + k.Want.RatString()
	case *kind.Maximum:
		return "maximum", "must be at most " + k.Want.RatString()
	case *kind.MinItems:
		return "minItems", fmt.Sprintf("must have at least %d items, has %d", k.Want, k.Got)
	case *kind.MaxItems:
		return "maxItems", fmt.Sprintf("must have at most %d items, has %d", k.Want, k.Got)
	case *kind.UniqueItems:
		return "uniqueItems", fmt.Sprintf("must not repeat an item: items %d and %d are equal", k.Duplicates[0], k.Duplicates[1])
	case *kind.FalseSchema:
		return "false", "is not allowed"
	}
	rule = strings.Join(err.ErrorKind.KeywordPath(), "/")
	if rule == "" {
		rule = "schema"
	}
	return rule, err.ErrorKind.LocalizedString(message.NewPrinter(language.English))
}

// withArticle turns a JSON type name into a noun phrase: "an integer".
func withArticle(jsonType string) string {
	switch jsonType {
	case "integer", "object", "array":
		return "an " + jsonType
	case "null":
		return "null"
	}
	return "a " + jsonType
}

// fieldPath renders a JSON pointer's tokens as a field path, e.g.
// competences[3].level, looking at doc to tell array indexes from names.
func fieldPath(doc any, tokens []string) string {
	var b strings.Builder
	v := doc
	for _, tok := range tokens {
		switch node := v.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(node) {
				v = nil
			} else {
				v = node[i]
			}
		case map[string]any:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(tok)
			v = node[tok]
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(tok)
			v = nil
		}
	}
	return b.String()
}

// joinField appends a property name to a field path.
func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// gotValue returns the scalar at tokens in doc as (shortened) JSON text,
// or "" when there is none.
func gotValue(doc any, tokens []string) string {
	v := doc
	for _, tok := range tokens {
		switch node := v.(type) {
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(node) {
				return ""
			}
			v = node[i]
		case map[string]any:
			v = node[tok]
		default:
			return ""
		}
	}
	switch v.(type) {
	case map[string]any, []any:
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return shorten(string(b), maxGotLen)
}

// shorten cuts s to at most max bytes on a rune boundary, marking the cut
// with an ellipsis.
func shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// sortViolations orders violations as the fields of the credential type
// (the order of its CSV columns), then by field path and rule.
func sortViolations(cols []column, vs []Violation) {
	slices.SortStableFunc(vs, func(a, b Violation) int {
		if c := cmp.Compare(fieldRank(cols, a.Field), fieldRank(cols, b.Field)); c != 0 {
			return c
		}
		if c := compareFieldPaths(a.Field, b.Field); c != 0 {
			return c
		}
		return strings.Compare(a.Rule, b.Rule)
	})
}

// fieldRank is the position among cols of the column a field comes from:
// the column itself, that of its competence, or that of its top-level
// field; len(cols) for a field no column fills.
func fieldRank(cols []column, field string) int {
	if i := columnIndex(cols, field); i >= 0 {
		return i
	}
	top, _, _ := strings.Cut(field, ".")
	if i := columnIndex(cols, top+".level"); i >= 0 {
		return i // another member of competences[i]
	}
	top, _, _ = strings.Cut(top, "[")
	for i, c := range cols {
		if c.field == top {
			return i
		}
	}
	return len(cols)
}

// compareFieldPaths orders field paths, comparing their array indexes as
// numbers: competences[4] comes before competences[10].
func compareFieldPaths(a, b string) int {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da != "" && db != "" {
			if c := cmp.Compare(len(da), len(db)); c != 0 {
				return c
			}
			if c := strings.Compare(da, db); c != 0 {
				return c
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

// leadingDigits returns the ASCII digits s starts with.
func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
