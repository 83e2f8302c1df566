package credential

import (
	"crypto/sha256"
	"encoding/hex"
	"unsafe"
)

// The ledger identifies a credential by the digests of its secured forms:
// never by anything personal. Issuers anchor these digests and verifiers
// look them up, so both compute them with these functions: a vc+jwt's is
// DigestJWS of its compact JWS, an SC1 text's DigestCOSE of its
// COSE_Sign1, and an SD-JWT's DigestJWS of its issuer-signed JWT alone,
// which every presentation of it carries unchanged. Signers return the
// digest with the form (Signed); Decode gives each form read back with its
// digest (Form.Digest).

// Signed is a credential secured in one form, as the signers (SignJWT,
// SignQR, SignSDJWT) return it.
type Signed struct {
	// Text is the form as it is handed out: a compact JWS, an SC1 text or
	// an SD-JWT with every disclosure.
	Text string
	// Digest is the hex SHA-256 the ledger anchors for the form.
	Digest string
}

// DigestJWS returns the hex SHA-256 of a compact JWS (the vc+jwt form), as
// the exact ASCII string.
func DigestJWS(compact string) string {
	// Hashed in place: a conversion to []byte would copy the text.
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(compact), len(compact)))
	return hex.EncodeToString(sum[:])
}

// DigestCOSE returns the hex SHA-256 of a tagged COSE_Sign1 (the QR form
// before zlib and base45).
func DigestCOSE(sign1 []byte) string {
	sum := sha256.Sum256(sign1)
	return hex.EncodeToString(sum[:])
}
