package embedded

import (
	"github.com/fxamacker/cbor/v2"
)

// Every structure the ledger signs or hashes (proposals, blocks, history
// entries) is CBOR in the core deterministic encoding of RFC 8949 §4.2.1:
// one value has exactly one encoding, so bytes can be hashed and signed.
var (
	canonicalCBOR = mustEncMode(cbor.CoreDetEncOptions())
	strictCBOR    = mustDecMode(cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		MaxArrayElements:  2147483647, // a batch may hold far more than the 131 072 default
		MaxMapPairs:       64,
		MaxNestedLevels:   8,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
	})
)

func mustEncMode(opts cbor.EncOptions) cbor.UserBufferEncMode {
	mode, err := opts.UserBufferEncMode()
	if err != nil {
		panic("embedded: invalid CBOR encoding options: " + err.Error())
	}
	return mode
}

func mustDecMode(opts cbor.DecOptions) cbor.DecMode {
	mode, err := opts.DecMode()
	if err != nil {
		panic("embedded: invalid CBOR decoding options: " + err.Error())
	}
	return mode
}
