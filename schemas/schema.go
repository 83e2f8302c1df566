package schemas

import (
	"embed"
	"errors"
	"fmt"

	"github.com/sceau/sceau/chaincode/record"
)

// Schema identifiers: the "$id" of each embedded JSON Schema, which
// credentials quote in their "credentialSchema".
const (
	DiplomaSchemaURL          = "https://sceau.example/schemas/diploma.json"
	PixCertificationSchemaURL = "https://sceau.example/schemas/pix-certification.json"
)

// ErrUnknownType is returned (wrapped) for a credential type that is not one
// of record.CredentialTypes.
var ErrUnknownType = errors.New("unknown credential type")

//go:embed diploma.schema.json pix-certification.schema.json
var schemaFiles embed.FS

// typeSpec gathers what this package knows about one credential type.
type typeSpec struct {
	name      string
	schemaURL string
	file      string
	// newRecord returns an empty record to decode a subject into.
	newRecord func() Record
	columns   []column
}

// lookupType returns the spec of credType, or an error wrapping
// ErrUnknownType that lists the known types.
func lookupType(credType string) (typeSpec, error) {
	switch credType {
	case TypeDiploma:
		return typeSpec{
			name:      TypeDiploma,
			schemaURL: DiplomaSchemaURL,
			file:      "diploma.schema.json",
			newRecord: func() Record { return new(Diploma) },
			columns:   diplomaColumns(),
		}, nil
	case TypePixCertification:
		return typeSpec{
			name:      TypePixCertification,
			schemaURL: PixCertificationSchemaURL,
			file:      "pix-certification.schema.json",
			newRecord: func() Record { return new(PixCertification) },
			columns:   pixCertificationColumns(),
		}, nil
	default:
		return typeSpec{}, fmt.Errorf("%w %q: known types are %s",
			ErrUnknownType, credType, record.Join(record.CredentialTypes(), ", "))
	}
}

// SchemaURL returns the "$id" of the JSON Schema of credType. Every
// credential parsed asks for it: unlike lookupType, it builds no CSV
// columns.
func SchemaURL(credType string) (string, error) {
	switch credType {
	case TypeDiploma:
		return DiplomaSchemaURL, nil
	case TypePixCertification:
		return PixCertificationSchemaURL, nil
	}
	_, err := lookupType(credType)
	return "", err
}

// SchemaJSON returns the JSON Schema (draft 2020-12) of credType, as
// published: a fresh copy the caller may keep or modify.
func SchemaJSON(credType string) ([]byte, error) {
	spec, err := lookupType(credType)
	if err != nil {
		return nil, err
	}
	b, err := schemaFiles.ReadFile(spec.file)
	if err != nil {
		return nil, fmt.Errorf("reading embedded schema of %s: %w", credType, err)
	}
	return b, nil
}
