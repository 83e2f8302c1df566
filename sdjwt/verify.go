package sdjwt

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sceau/sceau/internal/jws"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TypeKeyBinding is the typ header of a key-binding JWT.
const TypeKeyBinding = "kb+jwt"

// Defaults of VerifyOptions.
const (
	// DefaultMaxKeyBindingAge is how old a key-binding JWT may be when
	// VerifyOptions.MaxKeyBindingAge is zero.
	DefaultMaxKeyBindingAge = 5 * time.Minute
	// DefaultClockSkew is the clock difference tolerated when
	// VerifyOptions.ClockSkew is zero.
	DefaultClockSkew = time.Minute
)

// KeyBindingPolicy says whether a presentation must carry a key-binding JWT.
type KeyBindingPolicy int

const (
	// KeyBindingRequired rejects an SD-JWT without a key-binding JWT. It is
	// the zero value: what a verifier of presentations wants.
	KeyBindingRequired KeyBindingPolicy = iota
	// KeyBindingOptional accepts an SD-JWT without a key-binding JWT (a
	// holder checking what it was issued); one that is there is still
	// checked.
	KeyBindingOptional
)

// Header is the checked protected header of an issuer-signed JWT.
type Header struct {
	// Algorithm is alg: ES256 or EdDSA.
	Algorithm string
	// KeyID is kid, or "" if absent.
	KeyID string
	// Type is typ, or "" if absent.
	Type string
}

// KeyRequest is what a VerifyOptions.IssuerKey resolver is given to find
// the issuer's key. Nothing in it is authenticated yet.
type KeyRequest struct {
	Header
	// Issuer is the payload's iss claim, or "" if absent.
	Issuer string
}

// VerifyOptions says which keys, holder binding and times Verify accepts.
type VerifyOptions struct {
	// IssuerKey returns the issuer's public key (*ecdsa.PublicKey on P-256
	// or ed25519.PublicKey) for a header, or an error if the issuer or key
	// is unknown. Keys never come from the token itself. Required.
	IssuerKey func(KeyRequest) (crypto.PublicKey, error)
	// ExpectedType, if not empty, is the typ the issuer-signed JWT must
	// have, e.g. TypeVC.
	ExpectedType string
	// KeyBinding says whether a key-binding JWT is required.
	KeyBinding KeyBindingPolicy
	// Nonce and Audience are what the key-binding JWT's nonce and aud must
	// be. Both are required to check a key-binding JWT.
	Nonce    string
	Audience string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxKeyBindingAge is how old the key-binding JWT's iat may be; zero
	// means DefaultMaxKeyBindingAge.
	MaxKeyBindingAge time.Duration
	// ClockSkew is the clock difference tolerated on iat, exp and nbf; zero
	// means DefaultClockSkew.
	ClockSkew time.Duration
}

// Verified is an SD-JWT that Verify accepted.
type Verified struct {
	// Claims are the issuer-signed claims with the presented disclosures
	// substituted; _sd, _sd_alg and hidden array elements are removed.
	Claims map[string]any
	// Disclosed lists the path of each presented disclosure, in order.
	Disclosed []Path
	// Header is the issuer-signed JWT's header.
	Header Header
	// IssuerJWT is the compact issuer-signed JWT.
	IssuerJWT string
	// KeyBinding is the checked key-binding JWT, or nil if there was none.
	KeyBinding *KeyBinding
}

// KeyBinding is a checked key-binding JWT.
type KeyBinding struct {
	// Nonce is the nonce the holder signed, equal to VerifyOptions.Nonce.
	Nonce string
	// Audience is the aud the holder signed, equal to
	// VerifyOptions.Audience.
	Audience string
	// IssuedAt is the key-binding JWT's iat.
	IssuedAt time.Time
}

// Verify checks an SD-JWT or a presentation (see Parse for the forms) and
// returns its claims. It checks, in order: the structure and disclosures
// (Parse), the issuer-signed JWT's header, the issuer signature, exp and
// nbf, the SD-JWT VC rules when typ is TypeVC, then the key-binding JWT:
// present if required, typ kb+jwt, signed by the cnf.jwk key, sd_hash,
// nonce, aud and iat. Errors are *Error naming the failed Check.
func Verify(s string, opts VerifyOptions) (*Verified, error) {
	if opts.IssuerKey == nil {
		return nil, errors.New("sd-jwt: VerifyOptions.IssuerKey is nil")
	}
	t, err := Parse(s)
	if err != nil {
		return nil, err
	}
	hdr, err := checkHeader(t.header, opts.ExpectedType)
	if err != nil {
		return nil, fail(CheckHeader, "issuer-signed JWT: %w", err)
	}
	iss, _ := t.payload["iss"].(string)
	key, err := opts.IssuerKey(KeyRequest{Header: hdr, Issuer: iss})
	if err != nil {
		return nil, fail(CheckSignature, "issuer key (iss %q, kid %q): %w", iss, hdr.KeyID, err)
	}
	if _, err := verifyJWT(t.issuerJWT, hdr.Algorithm, key); err != nil {
		return nil, fail(CheckSignature, "issuer-signed JWT does not verify with the issuer key: %w", err)
	}
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	skew := orDefault(opts.ClockSkew, DefaultClockSkew)
	if err := checkClaims(t, hdr, now, skew); err != nil {
		return nil, fail(CheckClaims, "%w", err)
	}
	v := &Verified{Claims: t.claims, Header: hdr, IssuerJWT: t.issuerJWT}
	for _, d := range t.disclosures {
		v.Disclosed = append(v.Disclosed, d.Path)
	}
	if t.kbJWT == "" {
		if opts.KeyBinding != KeyBindingOptional {
			return nil, fail(CheckKeyBinding, "the SD-JWT has no key-binding JWT and this verifier requires one")
		}
		return v, nil
	}
	v.KeyBinding, err = verifyKeyBinding(t, opts, now, skew)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// keyHeaders name the JOSE header parameters that carry or point to a key
// or certificate: the verifier chooses keys, never the token.
var keyHeaders = []string{"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256"}

// checkHeader checks a protected header: alg ES256 or EdDSA, no embedded or
// referenced keys, no crit, string kid and typ, typ as expected.
func checkHeader(h map[string]any, expectedType string) (Header, error) {
	for _, name := range keyHeaders {
		if _, ok := h[name]; ok {
			return Header{}, fmt.Errorf("header %q is not accepted: the verifier chooses the key, never the token", name)
		}
	}
	if crit, ok := h["crit"]; ok {
		return Header{}, fmt.Errorf("header \"crit\" lists extensions %v; none is supported", crit)
	}
	var hdr Header
	alg, ok := h["alg"].(string)
	switch {
	case !ok:
		return Header{}, fmt.Errorf("header alg is %s, want a string", jsonKind(h["alg"]))
	case alg == ES256, alg == EdDSA, alg == jws.Ed25519:
		// Ed25519 (RFC 9864) is EdDSA's fully specified name.
		hdr.Algorithm = jws.CanonicalAlgorithm(alg)
	case strings.EqualFold(alg, "none"):
		return Header{}, errors.New("alg \"none\" (an unsigned JWT) is not accepted")
	case strings.HasPrefix(alg, "HS"):
		return Header{}, fmt.Errorf("alg %q: shared-secret (HMAC) signatures are not accepted; want ES256 or EdDSA", alg)
	default:
		return Header{}, fmt.Errorf("alg %q is not accepted; want ES256 or EdDSA", alg)
	}
	var err error
	if hdr.KeyID, err = optionalString(h, "kid"); err != nil {
		return Header{}, err
	}
	if hdr.Type, err = optionalString(h, "typ"); err != nil {
		return Header{}, err
	}
	if expectedType != "" && hdr.Type != expectedType {
		return Header{}, fmt.Errorf("typ is %q, want %q", hdr.Type, expectedType)
	}
	return hdr, nil
}

// checkClaims checks exp and nbf against now, and the SD-JWT VC rules.
func checkClaims(t *SDJWT, hdr Header, now time.Time, skew time.Duration) error {
	if raw, ok := t.claims["exp"]; ok {
		exp, err := numericDate(raw)
		if err != nil {
			return fmt.Errorf("exp: %w", err)
		}
		if !now.Before(exp.Add(skew)) {
			return fmt.Errorf("the SD-JWT expired at %s", exp.UTC().Format(time.RFC3339))
		}
	}
	if raw, ok := t.claims["nbf"]; ok {
		nbf, err := numericDate(raw)
		if err != nil {
			return fmt.Errorf("nbf: %w", err)
		}
		if now.Add(skew).Before(nbf) {
			return fmt.Errorf("the SD-JWT is not valid before %s", nbf.UTC().Format(time.RFC3339))
		}
	}
	if hdr.Type != TypeVC {
		return nil
	}
	if vct, ok := t.payload["vct"].(string); !ok || vct == "" {
		return errors.New("an SD-JWT VC needs a non-empty string claim \"vct\" in the issuer-signed payload")
	}
	for _, d := range t.disclosures {
		if d.parent == -1 && !d.ArrayElement && slices.Contains(vcFixedClaims, d.Name) {
			return fmt.Errorf("claim %q of an SD-JWT VC must not be selectively disclosable", d.Name)
		}
	}
	return nil
}

// verifyKeyBinding checks the key-binding JWT of t.
func verifyKeyBinding(t *SDJWT, opts VerifyOptions, now time.Time, skew time.Duration) (*KeyBinding, error) {
	if opts.Nonce == "" || opts.Audience == "" {
		return nil, fail(CheckKeyBinding, "the SD-JWT has a key-binding JWT but VerifyOptions gives no Nonce and Audience to check it against")
	}
	cnf, _ := t.claims["cnf"].(map[string]any)
	if cnf == nil || cnf["jwk"] == nil {
		return nil, fail(CheckKeyBinding, "the issuer-signed JWT has no cnf.jwk holder key to check the key-binding JWT with")
	}
	holderKey, err := parsePublicJWK(cnf["jwk"])
	if err != nil {
		return nil, fail(CheckKeyBinding, "cnf.jwk: %w", err)
	}
	header, payload, err := decodeCompactJWT(t.kbJWT)
	if err != nil {
		return nil, fail(CheckKeyBinding, "key-binding JWT: %w", err)
	}
	hdr, err := checkHeader(header, TypeKeyBinding)
	if err != nil {
		return nil, fail(CheckKeyBinding, "key-binding JWT header: %w", err)
	}
	if _, err := verifyJWT(t.kbJWT, hdr.Algorithm, holderKey); err != nil {
		return nil, fail(CheckKeyBinding, "key-binding JWT is not signed by the holder key (cnf.jwk): %w", err)
	}
	claims := map[string]string{}
	for _, name := range []string{"sd_hash", "nonce", "aud"} {
		v, ok := payload[name].(string)
		if !ok {
			return nil, fail(CheckKeyBinding, "key-binding JWT: %s is %s, want a string", name, jsonKind(payload[name]))
		}
		claims[name] = v
	}
	if want := digestOf(t.hashed); claims["sd_hash"] != want {
		return nil, fail(CheckSDHash, "key-binding JWT's sd_hash %s is not the hash of this presentation (%s): disclosures were added, removed or changed", claims["sd_hash"], want)
	}
	if claims["nonce"] != opts.Nonce {
		return nil, fail(CheckNonce, "key-binding JWT's nonce %q is not the one this verifier issued", claims["nonce"])
	}
	if claims["aud"] != opts.Audience {
		return nil, fail(CheckAudience, "key-binding JWT is for audience %q, not %q", claims["aud"], opts.Audience)
	}
	iat, err := numericDate(payload["iat"])
	if err != nil {
		return nil, fail(CheckKeyBinding, "key-binding JWT: iat: %w", err)
	}
	if iat.After(now.Add(skew)) {
		return nil, fail(CheckFreshness, "key-binding JWT is issued at %s, in the future", iat.UTC().Format(time.RFC3339))
	}
	if maxAge := orDefault(opts.MaxKeyBindingAge, DefaultMaxKeyBindingAge); now.Sub(iat) > maxAge+skew {
		return nil, fail(CheckFreshness, "key-binding JWT is issued at %s, more than %s ago", iat.UTC().Format(time.RFC3339), maxAge)
	}
	return &KeyBinding{Nonce: claims["nonce"], Audience: claims["aud"], IssuedAt: iat}, nil
}

// optionalString returns the header member name, "" if absent, or an error
// if it is not a string.
func optionalString(h map[string]any, name string) (string, error) {
	raw, ok := h[name]
	if !ok {
		return "", nil
	}
	s, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf("header %s is %s, want a string (RFC 7515)", name, jsonKind(raw))
	}
	return s, nil
}

// numericDate reads a JWT NumericDate: seconds since the epoch.
func numericDate(v any) (time.Time, error) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, fmt.Errorf("is %s, want a number of seconds", jsonKind(v))
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || f < 0 || f > 1<<40 {
		return time.Time{}, fmt.Errorf("%s is not a date", n)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
