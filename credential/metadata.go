package credential

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/sceau/sceau/schemas"
)

// What a deployment serves so that a credential resolves: the JSON Schema
// of a whole credential (its credentialSchema, as the W3C VC JSON Schema
// specification validates: against the whole credential, not the subject
// alone) and the SD-JWT VC type metadata its vct names.

// ContextPath is where, under a deployment's base URL, Sceau's JSON-LD
// context is served.
const ContextPath = "/contexts/sceau-v1.jsonld"

// ContextURLOf returns the URL of Sceau's JSON-LD context under base.
func ContextURLOf(base string) string { return base + ContextPath }

// ContextDocument is Sceau's JSON-LD context: the IRIs of its credential
// types and subject terms (schema.org's where one fits, urn:sceau:vocab:
// otherwise), protected, so that a JSON-LD processor expands a credential
// with the VC 2.0 context and this one alone, and drops nothing.
//
//go:embed context.jsonld
var ContextDocument []byte

// SchemaDocument returns the JSON Schema (2020-12) of a whole credential of
// credType issued under base, as served at SchemaURLOf(base, credType):
// the VC 2.0 envelope Sceau writes, with the subject's schema (package
// schemas) embedded under $defs as its own resource.
func SchemaDocument(base, credType string) ([]byte, error) {
	id, err := SchemaURLOf(base, credType)
	if err != nil {
		return nil, err
	}
	subject, err := schemas.SchemaJSON(credType)
	if err != nil {
		return nil, err
	}
	subjectID, err := schemas.SchemaURL(credType)
	if err != nil {
		return nil, err
	}
	uri := map[string]any{"type": "string", "pattern": "^[a-z][a-z0-9+.-]*:[^\\s]+$"}
	dateTime := map[string]any{"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"}
	statusEntry := map[string]any{
		"type": "object", "additionalProperties": false,
		"required": []string{"id", "type", "statusPurpose", "statusListIndex", "statusListCredential"},
		"properties": map[string]any{
			"id":                   uri,
			"type":                 map[string]any{"const": "BitstringStatusListEntry"},
			"statusPurpose":        map[string]any{"enum": []string{"revocation", "suspension"}},
			"statusListIndex":      map[string]any{"type": "string", "pattern": "^(0|[1-9][0-9]*)$"},
			"statusListCredential": uri,
		},
	}
	doc := map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  id,
		"title":                credType + " credential",
		"description":          "A whole " + credType + " verifiable credential (W3C VC Data Model 2.0) as Sceau issues it.",
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"@context", "id", "type", "issuer", "validFrom", "credentialSubject", "credentialSchema"},
		"properties": map[string]any{
			"@context":          map[string]any{"type": "array", "prefixItems": []any{map[string]any{"const": ContextV2}, map[string]any{"const": ContextURLOf(base)}}, "minItems": 2, "maxItems": 2},
			"id":                map[string]any{"type": "string", "pattern": "^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"},
			"type":              map[string]any{"const": []string{TypeVerifiableCredential, credType}},
			"issuer":            uri,
			"validFrom":         dateTime,
			"validUntil":        dateTime,
			"credentialSubject": map[string]any{"$ref": subjectID},
			"credentialSchema": map[string]any{
				"type": "object", "additionalProperties": false, "required": []string{"id", "type"},
				"properties": map[string]any{"id": map[string]any{"const": id}, "type": map[string]any{"const": SchemaTypeJSONSchema}},
			},
			"credentialStatus": map[string]any{"type": "array", "items": statusEntry, "minItems": 2, "maxItems": 2},
		},
		"$defs": map[string]any{"subject": json.RawMessage(subject)},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// TypeMetadata returns the SD-JWT VC type metadata of credType under base,
// as served at its vct: its name and description, in English and French,
// and the JSON Schema of the claims (the subject's).
func TypeMetadata(base, credType string) ([]byte, error) {
	vct, err := VCTOf(base, credType)
	if err != nil {
		return nil, err
	}
	subject, err := schemas.SchemaJSON(credType)
	if err != nil {
		return nil, err
	}
	names := map[string][2]string{
		schemas.TypeDiploma:          {"Diploma", "Diplôme"},
		schemas.TypePixCertification: {"Pix certification", "Certification Pix"},
	}
	n, ok := names[credType]
	if !ok {
		return nil, fmt.Errorf("credential type %q has no type metadata", credType)
	}
	doc := map[string]any{
		"vct":         vct,
		"name":        n[0],
		"description": n[0] + " issued with Sceau; every personal claim is selectively disclosable.",
		"display": []map[string]any{
			{"lang": "en", "name": n[0]},
			{"lang": "fr", "name": n[1]},
		},
		"schema": json.RawMessage(subject),
	}
	return json.MarshalIndent(doc, "", "  ")
}
