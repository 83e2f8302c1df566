package credential

import (
	"fmt"
	"strings"
)

// issuerURIPrefix starts the URI of every Sceau issuer.
const issuerURIPrefix = "urn:sceau:issuer:"

// IssuerURI returns the URI that names issuer id in a credential's "issuer"
// member: "urn:sceau:issuer:<id>".
func IssuerURI(id string) string { return issuerURIPrefix + id }

// ParseIssuerURI returns the issuer id that uri names. It accepts only
// "urn:sceau:issuer:<id>" with a valid id (see CheckIssuerID).
func ParseIssuerURI(uri string) (string, error) {
	id, ok := strings.CutPrefix(uri, issuerURIPrefix)
	if !ok {
		return "", fmt.Errorf("issuer %q: want a URI starting with %q", uri, issuerURIPrefix)
	}
	if err := CheckIssuerID(id); err != nil {
		return "", fmt.Errorf("issuer %q: %w", uri, err)
	}
	return id, nil
}

// CheckIssuerID reports whether id can name an issuer. The rule is the
// ledger's: 2 to 63 characters of a-z, 0-9 and '-', not starting with '-'.
func CheckIssuerID(id string) error {
	if id == "" {
		return fmt.Errorf("issuer id is empty")
	}
	if len(id) < 2 || len(id) > 63 {
		return fmt.Errorf("issuer id %q has %d characters, want 2 to 63", id, len(id))
	}
	if id[0] == '-' {
		return fmt.Errorf("issuer id %q starts with '-'", id)
	}
	for i, r := range id {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-') {
			return fmt.Errorf("issuer id %q: character %q at position %d is not one of a-z, 0-9 and '-'", id, r, i)
		}
	}
	return nil
}
