package chaincode

import (
	"reflect"

	"github.com/hyperledger/fabric-contract-api-go/v2/metadata"
	"github.com/hyperledger/fabric-contract-api-go/v2/serializer"
)

// resultSerializer is contract-api's JSON serializer with one change: it
// does not validate the contract's own results against the JSON Schema
// generated from their Go types. Arguments, which come from clients, are
// still parsed and validated as before. The results are this package's
// structs, marshalled by encoding/json: validating them again cost about a
// fifth of every read (a verifier reads a status per credential).
type resultSerializer struct {
	serializer.JSONSerializer
}

// ToString marshals a result without validating it against its schema.
func (s *resultSerializer) ToString(result reflect.Value, resultType reflect.Type, _ *metadata.ReturnMetadata, components *metadata.ComponentMetadata) (string, error) {
	return s.JSONSerializer.ToString(result, resultType, nil, components)
}
