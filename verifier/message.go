package verifier

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sceau/sceau/chaincode/record"
)

// Messages: what a verdict says to people is never built as text while
// the checks run. Each reason is a message — an entry of the catalogue
// (catalogue.go) and its arguments — rendered in a language only when it is
// shown (Result.In). Arguments that read differently in each language are
// the types below (times, dates, words, lists, ages, nested messages);
// errors are rendered by the message they carry (messageError), else by
// their text, which other packages write in English.

// message is an entry of the catalogue and its arguments.
type message struct {
	id   msgID
	args []any
}

// say returns the message id with args.
func say(id msgID, args ...any) message { return message{id: id, args: args} }

// in renders m in lang.
func (m message) in(lang Language) string {
	texts, ok := catalogue[m.id]
	if !ok {
		return string(m.id)
	}
	format := texts.en
	if lang == French {
		format = texts.fr
	}
	args := make([]any, len(m.args))
	for i, a := range m.args {
		args[i] = localize(a, lang)
	}
	// A language may leave out an argument another one needs: fmt takes
	// that for a mistake unless the format indexes its arguments.
	if n := verbs(format); !strings.Contains(format, "%[") && n < len(args) {
		args = args[:n]
	}
	return fmt.Sprintf(format, args...)
}

// verbs counts the verbs of a format ("%%" is none).
func verbs(format string) int {
	n := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		if i+1 < len(format) && format[i+1] == '%' {
			i++
			continue
		}
		n++
	}
	return n
}

// localized is an argument that reads differently in each language.
type localized interface{ in(Language) string }

// localize renders an argument in lang: a localized value or an error as
// text, anything else as it is (for the catalogue's verbs to format).
func localize(a any, lang Language) any {
	switch a := a.(type) {
	case localized:
		return a.in(lang)
	case error:
		var me *messageError
		if errors.As(a, &me) && lang != English {
			return me.msg.in(lang)
		}
		return a.Error()
	}
	return a
}

// messageError is an error that says itself with a message: its Error is
// the English text, and a verdict in another language shows the message
// in that language. It may wrap another error (network.ErrUnavailable…).
type messageError struct {
	msg message
	// text is the English text, when it is not the message's alone (a
	// prefix the wrapped errors add).
	text    string
	wrapped []error
}

func (e *messageError) Error() string {
	if e.text != "" {
		return e.text
	}
	return e.msg.in(English)
}

func (e *messageError) Unwrap() []error { return e.wrapped }

// timeArg is a time: RFC 3339 in English, in words in French.
type timeArg time.Time

func (t timeArg) in(lang Language) string {
	u := time.Time(t).UTC()
	if lang == French {
		return LongDate(French, u) + " à " + u.Format("15:04:05") + " UTC"
	}
	return u.Format(time.RFC3339)
}

// storedTime is a time as the ledger stores it (RFC 3339 text): as it is
// in English, in words in French when it parses.
type storedTime string

func (s storedTime) in(lang Language) string {
	if lang == French {
		if t, err := time.Parse(time.RFC3339, string(s)); err == nil {
			return timeArg(t).in(lang)
		}
	}
	return string(s)
}

// dayOf is the date of an RFC 3339 time the ledger stores: YYYY-MM-DD in
// English, in words in French; the text as it is when it does not parse.
type dayOf string

func (s dayOf) in(lang Language) string {
	t, err := time.Parse(time.RFC3339, string(s))
	switch {
	case err != nil:
		return string(s)
	case lang == French:
		return LongDate(French, t.UTC())
	}
	return t.UTC().Format(time.DateOnly)
}

// longDay is the date of an RFC 3339 time the ledger stores, in words in
// every language ("5 July 2025"): for the summaries.
type longDay string

func (s longDay) in(lang Language) string {
	t, err := time.Parse(time.RFC3339, string(s))
	if err != nil {
		return string(s)
	}
	return LongDate(lang, t.UTC())
}

// longTime is a time's date in words in every language.
type longTime time.Time

func (t longTime) in(lang Language) string { return LongDate(lang, time.Time(t).UTC()) }

// ageArg is a duration for people: "3 hours", "3 heures" (Age).
type ageArg time.Duration

func (d ageArg) in(lang Language) string { return Age(lang, time.Duration(d)) }

// statusReason is a reason code of the ledger (fraud, error…): the code
// itself in English, a word in French.
type statusReason record.ReasonCode

func (r statusReason) in(lang Language) string {
	if lang == French {
		switch record.ReasonCode(r) {
		case record.ReasonFraud:
			return "fraude"
		case record.ReasonError:
			return "erreur"
		case record.ReasonAnnulled:
			return "annulation"
		case record.ReasonSuperseded:
			return "remplacement"
		case record.ReasonOther:
			return "autre motif"
		}
	}
	return string(r)
}

// andList joins words with "and" ("et" in French): "vc+jwt and SC1".
type andList []string

func (l andList) in(lang Language) string {
	if lang == French {
		return strings.Join(l, " et ")
	}
	return strings.Join(l, " and ")
}

// joined joins arguments, each rendered in the language, with sep.
type joined struct {
	sep   string
	items []any
}

func (j joined) in(lang Language) string {
	parts := make([]string, len(j.items))
	for i, item := range j.items {
		parts[i] = fmt.Sprint(localize(item, lang))
	}
	return strings.Join(parts, j.sep)
}
