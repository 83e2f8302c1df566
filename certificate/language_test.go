package certificate

import (
	"strings"
	"testing"

	"github.com/sceau/sceau/schemas"
)

func TestDatesInWords(t *testing.T) {
	cases := []struct {
		lang Language
		iso  string
		want string
	}{
		{French, "2007-03-14", "14 mars 2007"},
		{French, "2006-10-01", "1er octobre 2006"},
		{French, "2025-08-15", "15 août 2025"},
		{French, "2024-02-29", "29 février 2024"},
		{French, "2025-12-31", "31 décembre 2025"},
		{"", "2007-03-14", "14 mars 2007"},
		{English, "2007-03-14", "14 March 2007"},
		{English, "2006-10-01", "1 October 2006"},
	}
	for _, tc := range cases {
		w, err := wordingFor(tc.lang)
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.date("birth_date", tc.iso)
		if err != nil {
			t.Errorf("%s date(%q): %v", tc.lang, tc.iso, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s date(%q) = %q, want %q", tc.lang, tc.iso, got, tc.want)
		}
	}
}

func TestDatesThatAreNotISODatesAreRefusedNamingTheField(t *testing.T) {
	for _, iso := range []string{"", "14/03/2007", "2007-3-14", "2007-02-30", "2007-03-14T00:00:00Z"} {
		_, err := frenchWording.date("awarded_on", iso)
		if err == nil || !strings.Contains(err.Error(), "awarded_on") {
			t.Errorf("date(%q) error = %v, want one naming awarded_on", iso, err)
		}
	}
}

func TestEveryMentionHasWordsInEveryLanguage(t *testing.T) {
	for _, lang := range []Language{French, English} {
		w, err := wordingFor(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range schemas.Mentions {
			words, err := w.mentionWords(code)
			if err != nil || words == "" || strings.Contains(words, "_") {
				t.Errorf("%s: mention %q reads %q, %v", lang, code, words, err)
			}
		}
		if len(w.mentions) != len(schemas.Mentions) {
			t.Errorf("%s has words for %d mentions, the schema has %d", lang, len(w.mentions), len(schemas.Mentions))
		}
	}
	if got, _ := frenchWording.mentionWords("tres_bien"); got != "Très bien" {
		t.Errorf("tres_bien reads %q in French, want Très bien", got)
	}
	if got, _ := frenchWording.mentionWords("assez_bien"); got != "Assez bien" {
		t.Errorf("assez_bien reads %q in French, want Assez bien", got)
	}
}

func TestCompetenceLevelsInWords(t *testing.T) {
	cases := []struct {
		level int
		fr    string
		en    string
	}{
		{-1, "non validé", "not passed"},
		{0, "niveau 0", "level 0"},
		{5, "niveau 5", "level 5"},
		{8, "niveau 8", "level 8"},
	}
	for _, tc := range cases {
		if got := frenchWording.levelWords(tc.level); got != tc.fr {
			t.Errorf("level %d reads %q in French, want %q", tc.level, got, tc.fr)
		}
		if got := englishWording.levelWords(tc.level); got != tc.en {
			t.Errorf("level %d reads %q in English, want %q", tc.level, got, tc.en)
		}
	}
}
