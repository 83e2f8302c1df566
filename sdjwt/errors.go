package sdjwt

import (
	"errors"
	"fmt"
)

// Check names the rule an SD-JWT failed, so that a caller can report which
// verification step rejected it.
type Check string

// The checks an SD-JWT can fail.
const (
	// CheckFormat: not an SD-JWT (separators, base64url, JSON, size limits).
	CheckFormat Check = "format"
	// CheckHeader: the issuer-signed JWT's header (alg, typ, crit, kid,
	// embedded or referenced keys).
	CheckHeader Check = "header"
	// CheckSignature: the issuer key is unknown or the issuer signature is
	// not valid.
	CheckSignature Check = "signature"
	// CheckDisclosure: a disclosure is malformed, not referenced, referenced
	// twice or collides with another claim, or _sd_alg is not supported.
	CheckDisclosure Check = "disclosure"
	// CheckClaims: exp, nbf or the SD-JWT VC rules (vct, claims that must not
	// be selectively disclosable).
	CheckClaims Check = "claims"
	// CheckKeyBinding: the key-binding JWT is missing when required,
	// malformed, of the wrong typ, or not signed by the cnf.jwk key.
	CheckKeyBinding Check = "key_binding"
	// CheckNonce: the key-binding JWT's nonce is not the expected one.
	CheckNonce Check = "nonce"
	// CheckAudience: the key-binding JWT's aud is not the expected one.
	CheckAudience Check = "audience"
	// CheckFreshness: the key-binding JWT's iat is too old or in the future.
	CheckFreshness Check = "freshness"
	// CheckSDHash: the key-binding JWT's sd_hash does not cover this
	// presentation.
	CheckSDHash Check = "sd_hash"
)

// Error reports why Parse or Verify rejected an SD-JWT.
type Error struct {
	// Check is the rule that failed.
	Check Check
	// Err says what is wrong.
	Err error
}

// Error returns "sd-jwt: <check>: <what is wrong>".
func (e *Error) Error() string { return "sd-jwt: " + string(e.Check) + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// CheckOf returns the check that err reports, or "" if err is not (and does
// not wrap) an *Error.
func CheckOf(err error) Check {
	var e *Error
	if errors.As(err, &e) {
		return e.Check
	}
	return ""
}

// fail returns an *Error for check with a formatted message.
func fail(check Check, format string, args ...any) error {
	return &Error{Check: check, Err: fmt.Errorf(format, args...)}
}
