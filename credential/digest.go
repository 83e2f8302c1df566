package credential

import (
	"crypto/sha256"
	"encoding/hex"
)

// The ledger identifies a credential by the digests of its secured forms:
// never by anything personal. Issuers anchor these digests and verifiers
// look them up, so both compute them with these functions.

// DigestJWS returns the hex SHA-256 of a compact JWS (the vc+jwt form), as
// the exact ASCII string.
func DigestJWS(compact string) string {
	sum := sha256.Sum256([]byte(compact))
	return hex.EncodeToString(sum[:])
}

// DigestCOSE returns the hex SHA-256 of a tagged COSE_Sign1 (the QR form
// before zlib and base45).
func DigestCOSE(sign1 []byte) string {
	sum := sha256.Sum256(sign1)
	return hex.EncodeToString(sum[:])
}
