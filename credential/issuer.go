package credential

import (
	"fmt"
	"strings"

	"github.com/sceau/sceau/chaincode/record"
)

// issuerURIPrefix starts the URI of every Sceau issuer.
const issuerURIPrefix = "urn:sceau:issuer:"

// IssuerURI returns the URI that names issuer id in a credential's "issuer"
// member: "urn:sceau:issuer:<id>".
func IssuerURI(id string) string { return issuerURIPrefix + id }

// ParseIssuerURI returns the issuer id that uri names: "urn:sceau:issuer:<id>"
// or an HTTPS identifier "<base URL>/issuers/<id>" (see ParseIssuer), with a
// valid id (record.ValidateIssuerID).
func ParseIssuerURI(uri string) (string, error) {
	id, _, err := ParseIssuer(uri)
	return id, err
}

// parseIssuerURN reads "urn:sceau:issuer:<id>".
func parseIssuerURN(uri string) (string, error) {
	id, ok := strings.CutPrefix(uri, issuerURIPrefix)
	if !ok {
		return "", fmt.Errorf("issuer %q: want a URI starting with %q", uri, issuerURIPrefix)
	}
	if err := record.ValidateIssuerID(id); err != nil {
		return "", fmt.Errorf("issuer %q: %w", uri, err)
	}
	return id, nil
}
