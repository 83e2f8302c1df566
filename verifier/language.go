package verifier

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Language is a language the verifier explains its verdicts in: every
// check's reason and every verdict's summary exist in each (Result.In).
type Language string

// The verifier's languages.
const (
	English Language = "en"
	French  Language = "fr"
)

// Languages lists the verifier's languages.
func Languages() []Language { return []Language{English, French} }

// Matchers of the verifier's languages, one per fallback: a matcher falls
// back on the first language it is given.
var (
	matchEnglishFirst = language.NewMatcher([]language.Tag{language.English, language.French})
	matchFrenchFirst  = language.NewMatcher([]language.Tag{language.French, language.English})
)

// MatchLanguage picks the verifier's language that best answers
// preferences — each a language tag ("fr", "en-GB") or an Accept-Language
// header ("fr-CA,en;q=0.8"), the first that matches winning — or fallback
// when none does (an empty, malformed or unknown preference is skipped).
func MatchLanguage(fallback Language, preferences ...string) Language {
	matcher := matchEnglishFirst
	if fallback == French {
		matcher = matchFrenchFirst
	}
	tag, _ := language.MatchStrings(matcher, preferences...)
	if base, _ := tag.Base(); base.String() == string(French) {
		return French
	}
	return English
}

// LongDate writes a date for people: "4 July 2025" in English, "4 juillet
// 2025" in French ("1er juillet" for the first of the month).
func LongDate(lang Language, t time.Time) string {
	if lang == French {
		day := fmt.Sprint(t.Day())
		if t.Day() == 1 {
			day = "1er"
		}
		return fmt.Sprintf("%s %s %d", day, strings.Fields(frenchMonths)[t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), t.Month(), t.Year())
}

// frenchMonths names the months in French, January first.
const frenchMonths = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
