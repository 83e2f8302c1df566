package credential

import (
	"fmt"
	"strings"
)

// issuerURIPrefix starts the URI of every Sceau issuer.
const issuerURIPrefix = "urn:sceau:issuer:"

// maxIssuerIDLen bounds an issuer id.
const maxIssuerIDLen = 64

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

// CheckIssuerID reports whether id can name an issuer: 1 to 64 ASCII
// letters, digits, '.', '_' or '-'.
func CheckIssuerID(id string) error {
	if id == "" {
		return fmt.Errorf("issuer id is empty")
	}
	if len(id) > maxIssuerIDLen {
		return fmt.Errorf("issuer id %q is longer than %d characters", id, maxIssuerIDLen)
	}
	for i, r := range id {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '_', r == '-':
		default:
			return fmt.Errorf("issuer id %q: character %q at position %d is not a letter, digit, '.', '_' or '-'", id, r, i)
		}
	}
	return nil
}
