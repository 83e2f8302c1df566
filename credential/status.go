package credential

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/schemas"
)

// DefaultBase is the base URL of credentials issued without a public URL:
// the URLs they carry (schema, vct, issuer metadata) name documents that
// nobody serves. Issuers set Credential.Base to their deployment's
// --public-url, where `sceau serve` publishes them.
const DefaultBase = "https://sceau.example"

// Paths under a deployment's base URL of what its credentials point to,
// all served by `sceau serve`.
const (
	// SchemaPath + <type file> is a credential type's JSON Schema of the
	// whole credential (credentialSchema).
	SchemaPath = "/schemas/"
	// VCTPath + <type file> is a type's SD-JWT VC type metadata (vct).
	VCTPath = "/vct/"
	// IssuerPath + <issuer id> is an issuer's HTTPS identifier.
	IssuerPath = "/issuers/"
	// StatusPath + <issuer id>/<kind> is one of an issuer's status lists.
	StatusPath = "/status/"
)

// TypeFile returns the name a credential type has in URLs: "diploma",
// "pix-certification".
func TypeFile(credType string) (string, error) {
	switch credType {
	case schemas.TypeDiploma:
		return "diploma", nil
	case schemas.TypePixCertification:
		return "pix-certification", nil
	}
	return "", fmt.Errorf("credential type %q: want one of %q", credType, record.CredentialTypes())
}

// typeOfFile is TypeFile's inverse.
func typeOfFile(name string) (string, bool) {
	for _, t := range []string{schemas.TypeDiploma, schemas.TypePixCertification} {
		if f, _ := TypeFile(t); f == name {
			return t, true
		}
	}
	return "", false
}

// CheckBase reports whether base can be a credential's base URL: absolute
// http or https, a host, no query, fragment or trailing slash.
func CheckBase(base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(base, "/") || u.String() != base {
		return fmt.Errorf("base URL %q: want an absolute http(s) URL without query, fragment or trailing slash", base)
	}
	return nil
}

// baseOf returns the credential's base URL.
func (c *Credential) baseOf() string {
	if c.Base == "" {
		return DefaultBase
	}
	return c.Base
}

// SchemaURLOf returns the URL of the JSON Schema of a whole credential of
// credType under base.
func SchemaURLOf(base, credType string) (string, error) {
	f, err := TypeFile(credType)
	if err != nil {
		return "", err
	}
	return base + SchemaPath + f + ".json", nil
}

// VCTOf returns the SD-JWT VC type ("vct") of credType under base.
func VCTOf(base, credType string) (string, error) {
	f, err := TypeFile(credType)
	if err != nil {
		return "", err
	}
	return base + VCTPath + f, nil
}

// splitTyped cuts url into its base and the credential type it names
// after path (SchemaPath with suffix ".json", or VCTPath).
func splitTyped(u, path, suffix string) (base, credType string, err error) {
	i := strings.LastIndex(u, path)
	if i <= 0 {
		return "", "", fmt.Errorf("%q: want <base URL>%s<type>%s", u, path, suffix)
	}
	name, ok := strings.CutSuffix(u[i+len(path):], suffix)
	if !ok {
		return "", "", fmt.Errorf("%q: want <base URL>%s<type>%s", u, path, suffix)
	}
	credType, ok = typeOfFile(name)
	if !ok {
		return "", "", fmt.Errorf("%q does not name a credential type Sceau issues", u)
	}
	base = u[:i]
	if err := CheckBase(base); err != nil {
		return "", "", fmt.Errorf("%q: %w", u, err)
	}
	return base, credType, nil
}

// IssuerURL returns issuer id's HTTPS identifier under base.
func IssuerURL(base, id string) string { return base + IssuerPath + id }

// Issuer returns the credential's "issuer": IssuerURL under its base when
// IssuerByURL, otherwise IssuerURI ("urn:sceau:issuer:<id>").
func (c *Credential) Issuer() string {
	if c.IssuerByURL {
		return IssuerURL(c.baseOf(), c.IssuerID)
	}
	return IssuerURI(c.IssuerID)
}

// ParseIssuer returns the issuer id that uri names, either form, and for
// an HTTPS identifier its base URL ("" for a urn).
func ParseIssuer(uri string) (id, base string, err error) {
	if strings.HasPrefix(uri, issuerURIPrefix) {
		id, err := parseIssuerURN(uri)
		return id, "", err
	}
	i := strings.LastIndex(uri, IssuerPath)
	if i <= 0 {
		return "", "", fmt.Errorf("issuer %q: want %q and an id, or <base URL>%s<id>", uri, issuerURIPrefix, IssuerPath)
	}
	base, id = uri[:i], uri[i+len(IssuerPath):]
	if err := CheckBase(base); err != nil {
		return "", "", fmt.Errorf("issuer %q: %w", uri, err)
	}
	if err := record.ValidateIssuerID(id); err != nil {
		return "", "", fmt.Errorf("issuer %q: %w", uri, err)
	}
	return id, base, nil
}

// StatusListURI returns the URL of the credential issuer's status list of
// kind ("ietf", "revocation", "suspension"): <base>/status/<issuer>/<kind>.
func (c *Credential) StatusListURI(kind string) string {
	return c.baseOf() + StatusPath + c.IssuerID + "/" + kind
}

// Status kinds a credential points to (see package statuslist).
const (
	statusIETF       = "ietf"
	statusRevocation = "revocation"
	statusSuspension = "suspension"
)

// wireStatusEntry is a BitstringStatusListEntry (W3C Bitstring Status
// List v1.0) in a credential's credentialStatus.
type wireStatusEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// statusEntries returns the credential's credentialStatus: one entry per
// purpose, revocation then suspension.
func (c *Credential) statusEntries() []wireStatusEntry {
	if c.StatusIndex == nil {
		return nil
	}
	idx := strconv.Itoa(*c.StatusIndex)
	out := make([]wireStatusEntry, 0, 2)
	for _, purpose := range []string{statusRevocation, statusSuspension} {
		list := c.StatusListURI(purpose)
		out = append(out, wireStatusEntry{ID: list + "#" + idx, Type: "BitstringStatusListEntry",
			StatusPurpose: purpose, StatusListIndex: idx, StatusListCredential: list})
	}
	return out
}

// readStatusEntries sets the credential's StatusIndex from its
// credentialStatus, which must be exactly what statusEntries writes.
func (c *Credential) readStatusEntries(entries []wireStatusEntry) error {
	if entries == nil {
		return nil
	}
	if len(entries) != 2 {
		return fmt.Errorf("credentialStatus: want 2 entries (revocation, suspension), got %d", len(entries))
	}
	idx, err := strconv.Atoi(entries[0].StatusListIndex)
	if err != nil || idx < 0 || strconv.Itoa(idx) != entries[0].StatusListIndex {
		return fmt.Errorf("credentialStatus: statusListIndex %q is not a non-negative integer", entries[0].StatusListIndex)
	}
	c.StatusIndex = &idx
	want := c.statusEntries()
	for i := range want {
		if entries[i] != want[i] {
			return fmt.Errorf("credentialStatus entry %d: want %+v, got %+v", i+1, want[i], entries[i])
		}
	}
	return nil
}

// sdjwtStatus is the "status" claim of an SD-JWT VC (IETF Token Status
// List): where the credential's status is, and at which index.
type sdjwtStatus struct {
	StatusList struct {
		Idx int    `json:"idx"`
		URI string `json:"uri"`
	} `json:"status_list"`
}

// StatusReference is where a credential's status is published: its index
// in each of its issuer's lists, and the URL of each.
type StatusReference struct {
	Index int
	// Lists maps a list's kind ("ietf", "revocation", "suspension") to its URL.
	Lists map[string]string
}

// StatusReference returns where the credential's status is published, or
// nil when it carries none.
func (c *Credential) StatusReference() *StatusReference {
	if c.StatusIndex == nil {
		return nil
	}
	r := &StatusReference{Index: *c.StatusIndex, Lists: map[string]string{}}
	for _, k := range []string{statusIETF, statusRevocation, statusSuspension} {
		r.Lists[k] = c.StatusListURI(k)
	}
	return r
}
