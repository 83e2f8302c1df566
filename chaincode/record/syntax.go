package record

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of what the ledger accepts.
const (
	// MaxNameLength is the longest issuer name, in characters.
	MaxNameLength = 200
	// MaxJWKSize is the largest public JWK accepted, in bytes.
	MaxJWKSize = 4096
	// MaxDigestsPerCredential is the most secured forms (digests) one
	// credential can anchor.
	MaxDigestsPerCredential = 4
	// MaxBatchDigests is the most digests one batch can anchor. A batch
	// writes one record of 0.1 to 0.45 KB per digest (key included), and
	// reads its key once: at this cap a worst-case batch (longest ids, four
	// digests per credential) adds 5.3 MB to a block, under 10 MB, the
	// default Fabric block size limit. Larger issuances are split into
	// several batches.
	MaxBatchDigests = 8000
	// MaxPageSize is the largest ListIssuers page; DefaultPageSize is used
	// when the caller asks for 0.
	MaxPageSize     = 1000
	DefaultPageSize = 100
)

// ValidateIssuerID checks an issuer id: 2 to 63 characters of a-z, 0-9 and
// '-', not starting with '-'. An issuer id names an organisation on the
// ledger and a folder in a Sceau home, so the rule also keeps paths safe.
func ValidateIssuerID(id string) error {
	const rule = "want 2 to 63 characters of a-z, 0-9 and '-', not starting with '-'"
	switch {
	case id == "":
		return fmt.Errorf("issuer id is empty: %s", rule)
	case len(id) < 2 || len(id) > 63:
		return fmt.Errorf("issuer id %q is invalid: it has %d characters, %s", id, len(id), rule)
	case id[0] == '-':
		return fmt.Errorf("issuer id %q is invalid: it starts with '-', %s", id, rule)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			r, _ := utf8.DecodeRuneInString(id[i:])
			return fmt.Errorf("issuer id %q is invalid: character %q at position %d is not one of a-z, 0-9 and '-'", id, r, i)
		}
	}
	return nil
}

// ValidateBatchID checks a batch id: 1 to 128 characters of A-Z, a-z, 0-9,
// '.', '_', ':' and '-'.
func ValidateBatchID(id string) error {
	ok := len(id) >= 1 && len(id) <= 128
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-'
	}
	if !ok {
		return fmt.Errorf("batch id %q is invalid: want 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'", id)
	}
	return nil
}

// ValidateDigest checks a hex SHA-256 digest as the ledger keys them: 64
// lowercase hex characters.
func ValidateDigest(d string) error {
	return ValidateHexSHA256("digest", d)
}

// ValidateHexSHA256 checks that s, the field named field, is a hex SHA-256
// digest: 64 lowercase hex characters.
func ValidateHexSHA256(field, s string) error {
	if len(s) != 64 {
		return fmt.Errorf("%s %q is invalid: want 64 lowercase hex characters, got %d bytes", field, s, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("%s %q is invalid: character %d is not lowercase hex", field, s, i+1)
		}
	}
	return nil
}

// IsDigest reports whether s is a hex SHA-256 digest (see ValidateDigest).
func IsDigest(s string) bool { return ValidateDigest(s) == nil }

// ValidateIssuerName checks an issuer's display name: valid UTF-8, not
// empty, no leading or trailing space, at most MaxNameLength printable
// characters.
func ValidateIssuerName(name string) error {
	return validateLabel("issuer name", name, MaxNameLength)
}

// validateLabel checks a short text the ledger shows people, named what:
// valid UTF-8, not empty, no leading or trailing space, at most max
// printable characters (no control or format character that could hide
// or reorder text).
func validateLabel(what, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	if strings.TrimSpace(s) != s || s == "" {
		return fmt.Errorf("%s %q is empty or has leading or trailing spaces", what, s)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s is %d characters long, the limit is %d", what, n, max)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%s %q contains the non-printable character %U", what, s, r)
		}
	}
	return nil
}
