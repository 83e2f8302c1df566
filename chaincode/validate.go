package chaincode

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
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

var (
	issuerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	batchIDPattern  = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
)

func validateIssuerID(id string) error {
	if !issuerIDPattern.MatchString(id) {
		return fmt.Errorf("issuer id %q is invalid: want 2 to 63 characters of a-z, 0-9 and '-', not starting with '-'", id)
	}
	return nil
}

func validateBatchID(id string) error {
	if !batchIDPattern.MatchString(id) {
		return fmt.Errorf("batch id %q is invalid: want 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'", id)
	}
	return nil
}

// validateDigest checks a hex SHA-256 digest: 64 lowercase hex characters.
func validateDigest(d string) error {
	return checkHexSHA256("digest", d)
}

func checkHexSHA256(field, s string) error {
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

func validateName(name string) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("issuer name is not valid UTF-8")
	}
	if strings.TrimSpace(name) != name || name == "" {
		return fmt.Errorf("issuer name %q is empty or has leading or trailing spaces", name)
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLength {
		return fmt.Errorf("issuer name is %d characters long, the limit is %d", n, MaxNameLength)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("issuer name %q contains the non-printable character %U", name, r)
		}
	}
	return nil
}

func validateReason(reason string) error {
	if !slices.Contains(ReasonCodes, reason) {
		return fmt.Errorf("reason %q is not a reason code: want one of %s", reason, strings.Join(ReasonCodes, ", "))
	}
	return nil
}

func validateCredentialType(typ string) error {
	if !slices.Contains(CredentialTypes, typ) {
		return fmt.Errorf("credential type %q is unknown: want one of %s", typ, strings.Join(CredentialTypes, ", "))
	}
	return nil
}

// formatTime is how every time is stored: RFC 3339, UTC, whole seconds.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// parseLedgerTime reads a time given to the contract: RFC 3339, or a date
// YYYY-MM-DD meaning its first instant (00:00:00 UTC). Fractions of a second
// are dropped, as the ledger keeps whole seconds.
func parseLedgerTime(field, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Second), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time (2026-07-01T00:00:00Z) nor a date (2026-07-01)", field, s)
}

// parseStoredTime reads a time the contract stored itself.
func parseStoredTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored %s %q is corrupt: %w", field, s, err)
	}
	return t, nil
}
