package chaincode

import (
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// Object types of the composite keys of the world state. Each record lives
// under its own key; no key is shared by unrelated transactions, so
// concurrent anchoring and status changes never conflict.
const (
	// objIssuer keys an Issuer by id: issuer\x00<id>. ListIssuers pages
	// over this object type, so issuers list in id order.
	objIssuer = "issuer"
	// objBatch keys a Batch by id: batch\x00<batchId>.
	objBatch = "batch"
	// objBatchCredentials keys the digest groups of a batch, in leaf order
	// (written once at anchoring, read by RevokeBatch).
	objBatchCredentials = "batch-credentials"
	// objDigest keys a digest's record (digestRecord, see records.go) by
	// hex digest: digest\x00<digest>.
	objDigest = "digest"
)

// issuerKeyPrefix starts every issuer key (the composite key namespace,
// the object type and its separator).
const issuerKeyPrefix = "\x00" + objIssuer + "\x00"

// digestKeyPrefix starts every digest key.
const digestKeyPrefix = "\x00" + objDigest + "\x00"

func compositeKey(stub shim.ChaincodeStubInterface, objectType, id string) (string, error) {
	key, err := stub.CreateCompositeKey(objectType, []string{id})
	if err != nil {
		return "", fmt.Errorf("building the %s key for %q: %w", objectType, id, err)
	}
	return key, nil
}

func issuerKey(stub shim.ChaincodeStubInterface, id string) (string, error) {
	return compositeKey(stub, objIssuer, id)
}

func batchKey(stub shim.ChaincodeStubInterface, id string) (string, error) {
	return compositeKey(stub, objBatch, id)
}

func batchCredentialsKey(stub shim.ChaincodeStubInterface, id string) (string, error) {
	return compositeKey(stub, objBatchCredentials, id)
}

func digestKey(stub shim.ChaincodeStubInterface, digest string) (string, error) {
	return compositeKey(stub, objDigest, digest)
}

// digestOfKey returns the digest that a digest key names.
func digestOfKey(key string) string {
	return strings.TrimSuffix(strings.TrimPrefix(key, digestKeyPrefix), "\x00")
}

// printableKey shows a composite key in error messages without its NUL
// separators.
func printableKey(key string) string {
	return strings.Trim(strings.ReplaceAll(key, "\x00", "/"), "/")
}
