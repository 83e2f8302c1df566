package chaincode

import (
	"reflect"

	"github.com/go-openapi/spec"
	"github.com/hyperledger/fabric-contract-api-go/v2/metadata"
	"github.com/hyperledger/fabric-contract-api-go/v2/serializer"
)

// contractSerializer is contract-api's JSON serializer with two changes.
//
// It does not validate the contract's own results against the JSON Schema
// generated from their Go types. The results are this package's structs,
// marshalled by encoding/json: validating them again cost about a fifth of
// every read (a verifier reads a status per credential).
//
// It does not validate a string argument against a schema that only says
// "a string", which every string passes: contract-api's validation
// marshals and decodes the whole argument again, and an AnchorBatch
// request is hundreds of kilobytes. Every other argument is parsed and
// validated as before.
type contractSerializer struct {
	serializer.JSONSerializer
}

// FromString converts an argument as contract-api's JSON serializer does,
// passing a plain string through without its no-op validation.
func (s *contractSerializer) FromString(param string, fieldType reflect.Type, paramMetadata *metadata.ParameterMetadata, components *metadata.ComponentMetadata) (reflect.Value, error) {
	if fieldType.Kind() == reflect.String && paramMetadata != nil && isPlainStringSchema(paramMetadata.Schema) {
		return reflect.ValueOf(param).Convert(fieldType), nil
	}
	return s.JSONSerializer.FromString(param, fieldType, paramMetadata, components)
}

// ToString marshals a result without validating it against its schema.
func (s *contractSerializer) ToString(result reflect.Value, resultType reflect.Type, _ *metadata.ReturnMetadata, components *metadata.ComponentMetadata) (string, error) {
	return s.JSONSerializer.ToString(result, resultType, nil, components)
}

// isPlainStringSchema reports whether schema only says "a string": no
// length, pattern, enumeration or format.
func isPlainStringSchema(schema *spec.Schema) bool {
	return schema != nil && reflect.DeepEqual(*schema, *spec.StringProperty())
}
