// Package credential builds Sceau's W3C verifiable credentials (VC Data
// Model 2.0) and secures them in the forms a student carries: a compact JWS
// (`vc+jwt`, VC-JOSE-COSE), an SD-JWT VC to disclose claims selectively, and
// the compact "SC1:" text of the QR code (a CWT in COSE_Sign1, zlib,
// base45); an issuer hands them out together in a bundle. Every signer
// returns the form with the digest the ledger anchors for it (Signed).
//
// It reads every form back, strictly and with size limits: Decode
// recognises any input a verifier, a wallet or a status command is given —
// a bundle, a vc+jwt, an SD-JWT or SD-JWT presentation, an SC1 text, a
// PNG/JPEG image of the QR code, a PDF certificate — and returns its forms
// behind one interface, Form, each with its anchored digest, its key id
// and its signature check.
//
// It imports schemas (the subjects), sdjwt (the SD-JWT format), qrcode
// (reading QR codes from images and PDFs) and internal/jws and
// internal/jsonstr. It must not import certificate, which imports it to
// print credentials, nor anything that talks to the ledger.
package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/schemas"
)

// JSON-LD contexts of every Sceau credential, in this order.
const (
	// ContextV2 is the W3C Verifiable Credentials Data Model 2.0 context.
	// The Recommendation's context has no @vocab (undefined terms are no
	// longer given issuer-dependent IRIs), so each credential names a
	// second context, Sceau's (ContextDocument), under its base URL
	// (ContextURLOf), which defines its types and subject terms.
	ContextV2 = "https://www.w3.org/ns/credentials/v2"
)

// TypeVerifiableCredential is the first entry of every credential's "type".
const TypeVerifiableCredential = "VerifiableCredential"

// SchemaTypeJSONSchema is the "type" of a credentialSchema entry that points
// to a JSON Schema (W3C Verifiable Credentials JSON Schema).
const SchemaTypeJSONSchema = "JsonSchema"

// PixValidityYears is how many years a Pix certification is valid after the day it
// was certified (counted from that day).
const PixValidityYears = 3

// idPrefix starts every credential id.
const idPrefix = "urn:uuid:"

// Credential is a Sceau verifiable credential before it is secured: what
// every secured form (vc+jwt, SC1) carries and what decoding any of them
// rebuilds.
type Credential struct {
	// ID is "urn:uuid:" and a lower-case version 4 UUID.
	ID string
	// Type is schemas.TypeDiploma or schemas.TypePixCertification.
	Type string
	// IssuerID is the ledger id of the issuer; the credential names it as
	// IssuerURI(IssuerID).
	IssuerID string
	// ValidFrom is the issuance time, UTC, whole seconds.
	ValidFrom time.Time
	// ValidUntil is the end of validity, UTC, whole seconds; zero when the
	// credential does not expire (diplomas).
	ValidUntil time.Time
	// Subject is the credential subject: a *schemas.Diploma or a
	// *schemas.PixCertification whose CredentialType is Type.
	Subject schemas.Record
	// Base is the public base URL of the deployment that publishes what
	// the credential points to (its schema, vct, status lists, and with
	// IssuerByURL its issuer's metadata); DefaultBase when empty.
	Base string
	// IssuerByURL names the issuer by its HTTPS identifier, IssuerURL(Base,
	// IssuerID), instead of its urn.
	IssuerByURL bool
	// StatusIndex is the credential's index in its issuer's status lists,
	// or nil when it carries no status reference.
	StatusIndex *int
}

// New returns the credential that issuerID issues at now about subject,
// which the caller has validated against its schema. Its id is a random
// (version 4) UUID read from ids (crypto/rand.Reader in production). A
// PixCertification is valid until PixValidityYears after its certified_on
// day, at 00:00 UTC; a diploma does not expire. New fails when the subject
// cannot be carried by every secured form (see SignQR).
func New(subject schemas.Record, issuerID string, now time.Time, ids io.Reader) (*Credential, error) {
	if err := checkRecord(subject); err != nil {
		return nil, err
	}
	if err := record.ValidateIssuerID(issuerID); err != nil {
		return nil, err
	}
	id, err := uuid.NewRandomFromReader(ids)
	if err != nil {
		return nil, fmt.Errorf("credential id: %w", err)
	}
	c := &Credential{
		ID:        idPrefix + id.String(),
		Type:      subject.CredentialType(),
		IssuerID:  issuerID,
		ValidFrom: now.UTC().Truncate(time.Second),
		Subject:   subject,
	}
	if pix, ok := subject.(*schemas.PixCertification); ok {
		certified, err := parseDate(pix.CertifiedOn)
		if err != nil {
			return nil, fmt.Errorf("certified_on: %w", err)
		}
		c.ValidUntil = certified.AddDate(PixValidityYears, 0, 0)
	}
	if err := checkCompact(subject); err != nil {
		return nil, err
	}
	return c, nil
}

// checkRecord reports whether record is a non-nil subject of a type Sceau
// issues.
func checkRecord(record schemas.Record) error {
	switch r := record.(type) {
	case *schemas.Diploma:
		if r != nil {
			return nil
		}
	case *schemas.PixCertification:
		if r != nil {
			return nil
		}
	}
	return fmt.Errorf("credential subject: want a *schemas.Diploma or *schemas.PixCertification, got %T", record)
}

// SubjectJSON returns the credential subject as JSON, as the credential's
// "credentialSubject" carries it.
func (c *Credential) SubjectJSON() ([]byte, error) {
	return appendSubjectJSON(nil, c.Subject)
}

// envelopeDifferences names the members of the envelope — id, type,
// issuer, validFrom, validUntil — in which a credential given by them
// differs from other.
func envelopeDifferences(id, typ, issuerID string, validFrom, validUntil time.Time, other *Credential) []string {
	var diff []string
	if id != other.ID {
		diff = append(diff, "id")
	}
	if typ != other.Type {
		diff = append(diff, "type")
	}
	if issuerID != other.IssuerID {
		diff = append(diff, "issuer")
	}
	if !validFrom.Equal(other.ValidFrom) {
		diff = append(diff, "validFrom")
	}
	if !validUntil.Equal(other.ValidUntil) {
		diff = append(diff, "validUntil")
	}
	return diff
}

// Differences names the members in which the credential differs from
// other, the same credential in another form: id, type, issuer, validFrom,
// validUntil, credentialSubject.
func (c *Credential) Differences(other *Credential) []string {
	diff := envelopeDifferences(c.ID, c.Type, c.IssuerID, c.ValidFrom, c.ValidUntil, other)
	sa, errA := c.SubjectJSON()
	sb, errB := other.SubjectJSON()
	if errA != nil || errB != nil || !bytes.Equal(sa, sb) {
		diff = append(diff, "credentialSubject")
	}
	return diff
}

// marshalJSON encodes v as compact JSON without escaping <, > and &: the
// credential is data, never embedded in HTML as is.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// wireCredential is the JSON shape of a credential.
type wireCredential struct {
	Context           []string          `json:"@context"`
	ID                string            `json:"id"`
	Type              []string          `json:"type"`
	Issuer            string            `json:"issuer"`
	ValidFrom         string            `json:"validFrom"`
	ValidUntil        string            `json:"validUntil,omitempty"`
	CredentialSubject jsontext.Value    `json:"credentialSubject"`
	CredentialSchema  *wireSchemaEntry  `json:"credentialSchema"`
	CredentialStatus  []wireStatusEntry `json:"credentialStatus,omitempty"`
}

// wireSchemaEntry is a credentialSchema entry.
type wireSchemaEntry struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// MarshalJSON encodes the credential as a W3C VC 2.0 JSON document:
// wireCredential, as encoding/json writes it without HTML escaping
// (appendCredentialJSON writes it by hand).
func (c *Credential) MarshalJSON() ([]byte, error) {
	return c.appendJSON(nil)
}

// appendJSON appends the credential's JSON document (MarshalJSON) to dst.
func (c *Credential) appendJSON(dst []byte) ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	schemaURL, err := SchemaURLOf(c.baseOf(), c.Type)
	if err != nil {
		return nil, fmt.Errorf("credentialSchema: %w", err)
	}
	return appendCredentialJSON(dst, c, schemaURL)
}

// check reports whether the credential's fields are consistent, so that
// every form encodes it the same way.
func (c *Credential) check() error {
	if err := checkRecord(c.Subject); err != nil {
		return err
	}
	if c.Subject.CredentialType() != c.Type {
		return fmt.Errorf("credential type %q does not match its subject, a %s", c.Type, c.Subject.CredentialType())
	}
	if _, err := parseID(c.ID); err != nil {
		return err
	}
	if err := record.ValidateIssuerID(c.IssuerID); err != nil {
		return err
	}
	if c.Base != "" {
		if err := CheckBase(c.Base); err != nil {
			return err
		}
	}
	if c.StatusIndex != nil && *c.StatusIndex < 0 {
		return fmt.Errorf("status index %d is negative", *c.StatusIndex)
	}
	if err := checkTime("validFrom", c.ValidFrom); err != nil {
		return err
	}
	if !c.ValidUntil.IsZero() {
		if err := checkTime("validUntil", c.ValidUntil); err != nil {
			return err
		}
	}
	return nil
}

// checkTime reports whether t is a UTC time of whole seconds.
func checkTime(name string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("%s is not set", name)
	}
	if t.Location() != time.UTC || t.Nanosecond() != 0 {
		return fmt.Errorf("%s %s: want a UTC time in whole seconds", name, t)
	}
	return nil
}

// UnmarshalJSON decodes a credential strictly: the members New produces and
// no other, no duplicate names, exact contexts and types, a schema reference
// matching the type, a subject of the declared type with no unknown member.
// It does not validate the subject against its schema.
func (c *Credential) UnmarshalJSON(data []byte) error {
	var w wireCredential
	if err := unmarshalStrict(data, &w); err != nil {
		return fmt.Errorf("credential: %w", err)
	}
	parsed, err := fromWire(&w)
	if err != nil {
		return fmt.Errorf("credential: %w", err)
	}
	*c = *parsed
	return nil
}

// ParseJSON decodes a credential JSON document (see UnmarshalJSON).
func ParseJSON(data []byte) (*Credential, error) {
	var c Credential
	if err := c.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return &c, nil
}

func fromWire(w *wireCredential) (*Credential, error) {
	if len(w.Context) != 2 || w.Context[0] != ContextV2 {
		return nil, fmt.Errorf("@context: want [%q, <base URL>%s], got %q", ContextV2, ContextPath, w.Context)
	}
	if len(w.Type) != 2 || w.Type[0] != TypeVerifiableCredential || !record.IsCredentialType(w.Type[1]) {
		return nil, fmt.Errorf("type: want [%q, one of %q], got %q", TypeVerifiableCredential, record.CredentialTypes(), w.Type)
	}
	c := &Credential{ID: w.ID, Type: w.Type[1]}
	if _, err := parseID(w.ID); err != nil {
		return nil, err
	}
	issuerBase, err := "", error(nil)
	if c.IssuerID, issuerBase, err = ParseIssuer(w.Issuer); err != nil {
		return nil, err
	}
	if c.ValidFrom, err = parseTime("validFrom", w.ValidFrom); err != nil {
		return nil, err
	}
	if w.ValidUntil != "" {
		if c.ValidUntil, err = parseTime("validUntil", w.ValidUntil); err != nil {
			return nil, err
		}
	}
	if w.CredentialSchema == nil {
		return nil, errors.New("credentialSchema is missing")
	}
	base, schemaType, err := splitTyped(w.CredentialSchema.ID, SchemaPath, ".json")
	if err != nil {
		return nil, fmt.Errorf("credentialSchema: %w", err)
	}
	if schemaType != c.Type || w.CredentialSchema.Type != SchemaTypeJSONSchema {
		return nil, fmt.Errorf("credentialSchema: want {id <base URL>/schemas/<type>.json, type %q} for a %s, got {id %q, type %q}",
			SchemaTypeJSONSchema, c.Type, w.CredentialSchema.ID, w.CredentialSchema.Type)
	}
	c.Base = base
	if w.Context[1] != ContextURLOf(base) {
		return nil, fmt.Errorf("@context: want [%q, %q] (the context under the credential's base URL), got %q", ContextV2, ContextURLOf(base), w.Context)
	}
	if issuerBase != "" {
		if issuerBase != base {
			return nil, fmt.Errorf("issuer %q is not under the credential's base URL %q", w.Issuer, base)
		}
		c.IssuerByURL = true
	}
	if err := c.readStatusEntries(w.CredentialStatus); err != nil {
		return nil, err
	}
	if len(w.CredentialSubject) == 0 {
		return nil, errors.New("credentialSubject is missing")
	}
	if c.Subject, err = decodeSubjectJSON(c.Type, w.CredentialSubject); err != nil {
		return nil, err
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeSubjectJSON decodes a credentialSubject of type credType strictly.
func decodeSubjectJSON(credType string, data []byte) (schemas.Record, error) {
	var record schemas.Record
	switch credType {
	case schemas.TypeDiploma:
		record = new(schemas.Diploma)
	case schemas.TypePixCertification:
		record = new(schemas.PixCertification)
	default:
		return nil, fmt.Errorf("credential type %q is not one Sceau issues", credType)
	}
	if err := unmarshalStrict(data, record); err != nil {
		return nil, fmt.Errorf("credentialSubject: %w", err)
	}
	return record, nil
}

// unmarshalStrict decodes one JSON value: members are matched case
// sensitively, unknown members, duplicate names, invalid UTF-8 and trailing
// data are errors.
func unmarshalStrict(data []byte, out any) error {
	return jsonv2.Unmarshal(data, out, jsonv2.RejectUnknownMembers(true), jsontext.AllowDuplicateNames(false))
}

// parseID checks a credential id and returns its UUID.
func parseID(id string) (uuid.UUID, error) {
	s, ok := strings.CutPrefix(id, idPrefix)
	if !ok {
		return uuid.UUID{}, fmt.Errorf("id %q: want %q and a UUID", id, idPrefix)
	}
	u, err := uuid.Parse(s)
	if err != nil || u.String() != s {
		return uuid.UUID{}, fmt.Errorf("id %q: want %q and a lower-case hyphenated UUID", id, idPrefix)
	}
	if u.Version() != 4 || u.Variant() != uuid.RFC4122 {
		return uuid.UUID{}, fmt.Errorf("id %q: want a version 4 (random) UUID, got version %d", id, u.Version())
	}
	return u, nil
}

// timeLayout is how credentials write times: RFC 3339, UTC, whole seconds.
const timeLayout = "2006-01-02T15:04:05Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseTime reads a time written by formatTime, and nothing else.
func parseTime(name, s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil || formatTime(t) != s {
		return time.Time{}, fmt.Errorf("%s %q: want an RFC 3339 UTC time in whole seconds, like 2025-07-04T09:30:00Z", name, s)
	}
	return t, nil
}

// dateLayout is the layout of the subjects' ISO dates.
const dateLayout = "2006-01-02"

// parseDate reads an ISO date, YYYY-MM-DD, as 00:00 UTC that day.
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Format(dateLayout) != s {
		return time.Time{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return t, nil
}
