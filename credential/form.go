package credential

import "errors"

// Form is one secured form of a credential, read back: a *SignedJWT (vc+jwt),
// a *SignedQR (SC1) or a *SignedSDJWT (SD-JWT VC). Decode returns the forms
// of any input behind it, so that a verifier checks each the same way:
// find the issuer's key its key id names, verify, look its digest up on the
// ledger. Until Verify succeeds, nothing in a form is authenticated: use
// its key id and its credential's issuer only to find the key.
type Form interface {
	// Name is how verdicts name the form: "vc+jwt", "SC1" or "SD-JWT".
	Name() string
	// Digest returns the hex SHA-256 the ledger anchors for the form.
	Digest() string
	// KeyID returns the signing key's id as the form carries it, for
	// messages: an RFC 7638 thumbprint, or for SC1 its short prefix in
	// hex.
	KeyID() string
	// NamesKey reports whether the form's key id names the key whose
	// RFC 7638 thumbprint is kid.
	NamesKey(kid string) bool
	// SignatureAlgorithm returns the algorithm the form's header declares.
	SignatureAlgorithm() Algorithm
	// Envelope returns the credential the form carries, for the checks of
	// its id, type, issuer and validity: the whole credential for vc+jwt
	// and SC1; for an SD-JWT, which shows only some claims of the subject,
	// the credential without its subject.
	Envelope() *Credential
	// Verify checks the form's signature with pub, which must be the key
	// its key id names and be of its algorithm. When the signature itself
	// does not verify, the error wraps ErrBadSignature.
	Verify(pub *PublicKey) error
}

// ErrBadSignature is wrapped by Form.Verify's error when the form's
// signature does not verify with the key it names: what it signs was
// changed, or another key signed it.
var ErrBadSignature = errors.New("signature does not verify")

// Every parsed form is a Form.
var (
	_ Form = (*SignedJWT)(nil)
	_ Form = (*SignedQR)(nil)
	_ Form = (*SignedSDJWT)(nil)
)
