package sdjwt

import (
	"errors"
	"strings"
	"testing"
)

func TestPathString(t *testing.T) {
	cases := []struct {
		path Path
		want string
	}{
		{Path{"address", "street_address"}, "address.street_address"},
		{Path{"nationalities", 0}, "nationalities[0]"},
		{Path{"competences", nil, "level"}, "competences[*].level"},
		{Path{"https://example.org/claim", "a.b"}, `["https://example.org/claim"]["a.b"]`},
		{Path{"vct#integrity"}, "vct#integrity"},
		{Path{""}, `[""]`},
	}
	for _, c := range cases {
		if got := c.path.String(); got != c.want {
			t.Errorf("%#v: got %s, want %s", c.path, got, c.want)
		}
	}
}

func TestSelect(t *testing.T) {
	sel := Select(Path{"school"}, Path{"competences", nil, "level"}, Path{})
	cases := []struct {
		path Path
		want bool
	}{
		{Path{"school"}, true},
		{Path{"school", "city"}, true},
		{Path{"schools"}, false},
		{Path{"competences", 3, "level"}, true},
		{Path{"competences", 3}, false},
		{Path{"competences", "3", "level"}, false},
		{Path{"mention"}, false},
	}
	for _, c := range cases {
		if got := sel(c.path); got != c.want {
			t.Errorf("Select(...)(%s) = %v, want %v", c.path, got, c.want)
		}
	}
}

func TestParseDisclosureRejects(t *testing.T) {
	cases := []struct {
		json string
		word string
	}{
		{`["salt"]`, "an array of 1 elements"},
		{`["salt", "name", "value", "extra"]`, "an array of 4 elements"},
		{`{"salt": "name"}`, "an object"},
		{`[1, "name", "value"]`, "salt is a number"},
		{`["salt", null, "value"]`, "claim name is null"},
		{`["salt", "...", "value"]`, "reserved"},
		{`["salt", "name", {"a": 1, "a": 2}]`, "duplicate"},
		{`["salt", "name", "value"] x`, "invalid JSON"},
		{"[\"salt\", \"name\", \"\xff\"]", "UTF-8"},
	}
	for _, c := range cases {
		_, err := parseDisclosure(b64(c.json))
		if err == nil || !strings.Contains(err.Error(), c.word) {
			t.Errorf("%s: got %v, want an error naming %q", c.json, err, c.word)
		}
	}
}

func TestParseJSONSerializationRejects(t *testing.T) {
	cases := []struct {
		json string
		word string
	}{
		{`{"signatures": [], "payload": "e30"}`, "general form"},
		{`{"protected": "e30", "payload": "e30"}`, `"signature" is null`},
		{`{"protected": "e30", "payload": "e30", "signature": "c2ln", "unprotected": {}}`, "not allowed"},
		{`{"protected": "e30", "payload": "e30", "signature": "c2ln", "header": {"kid": "k"}}`, "kid"},
		{`{"protected": "e30", "payload": "e30", "signature": "c2ln", "header": {"disclosures": [1]}}`, "disclosures[0]"},
		{`{"protected": "e30", "payload": "e30", "signature": "c2ln", "header": {"kb_jwt": "a~b"}}`, "kb_jwt"},
		{`{"protected": "e30~", "payload": "e30", "signature": "c2ln"}`, "protected"},
	}
	for _, c := range cases {
		_, err := Parse(c.json)
		if CheckOf(err) != CheckFormat || !strings.Contains(err.Error(), c.word) {
			t.Errorf("%s: got %v, want a format error naming %q", c.json, err, c.word)
		}
	}
}

func TestErrorUnwraps(t *testing.T) {
	cause := errors.New("ledger unreachable")
	err := fail(CheckSignature, "issuer key: %w", cause)
	if !errors.Is(err, cause) || CheckOf(err) != CheckSignature || CheckOf(cause) != "" {
		t.Errorf("%v: Is %v, CheckOf %q", err, errors.Is(err, cause), CheckOf(err))
	}
	if got := err.Error(); got != "sd-jwt: signature: issuer key: ledger unreachable" {
		t.Errorf("Error() = %q", got)
	}
}
