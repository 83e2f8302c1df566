package credential

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/sceau/sceau/internal/jws"
)

// Header values of the vc+jwt form (W3C VC-JOSE-COSE).
const (
	// JWTType is the "typ" header of a credential secured as a JWS.
	JWTType = "vc+jwt"
	// JWTContentType is the "cty" header: the payload is a credential.
	JWTContentType = "vc"
)

// MaxJWTSize bounds the compact JWS a verifier accepts.
const MaxJWTSize = 64 << 10

// SignJWT secures the credential as a compact JWS (`vc+jwt`, VC-JOSE-COSE):
// protected header {alg, kid, typ "vc+jwt", cty "vc"}, payload the
// credential's JSON itself.
func SignJWT(c *Credential, key *Key) (Signed, error) {
	var buf [4096]byte
	payload, err := c.appendJSON(buf[:0])
	if err != nil {
		return Signed{}, err
	}
	compact, digest, err := jws.SignDigest(key.signer, string(key.Algorithm()), key.jwtHeader, payload)
	if err != nil {
		return Signed{}, fmt.Errorf("signing the vc+jwt: %w", err)
	}
	// The digest of the text signed, as DigestJWS(compact) gives it.
	return Signed{Text: compact, Digest: hex.EncodeToString(digest[:])}, nil
}

// jwtHeader is the protected header of the vc+jwt form.
type jwtHeader struct {
	Alg string `json:"alg"`
	Cty string `json:"cty"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// SignedJWT is a vc+jwt read by ParseJWT. Until Verify succeeds, nothing in
// it is authenticated: use KID and Credential.IssuerID only to find the key.
type SignedJWT struct {
	// Compact is the JWS as read.
	Compact string
	// KID is the "kid" header: the signing key's RFC 7638 thumbprint.
	KID string
	// Algorithm is the "alg" header.
	Algorithm Algorithm
	// Credential is the payload, decoded strictly.
	Credential *Credential

	// signature is the decoded third part of Compact.
	signature []byte
	// digest is DigestJWS(Compact).
	digest string
}

// ParseJWT reads a compact vc+jwt without verifying its signature. The
// protected header must hold exactly alg (ES256 or EdDSA), kid, typ
// "vc+jwt" and optionally cty "vc": "none", HMAC and any other algorithm,
// embedded or referenced keys (jwk, jku, x5u, x5c…) and critical extensions
// are rejected. The payload must be a Sceau credential (see
// Credential.UnmarshalJSON).
func ParseJWT(compact string) (*SignedJWT, error) {
	if len(compact) > MaxJWTSize {
		return nil, fmt.Errorf("vc+jwt: %d bytes is more than the %d allowed", len(compact), MaxJWTSize)
	}
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("vc+jwt: want 3 dot-separated parts (header.payload.signature), got %d", len(parts))
	}
	header, err := parseJOSEHeader(parts[0])
	if err != nil {
		return nil, fmt.Errorf("vc+jwt header: %w", err)
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("vc+jwt payload: not base64url without padding: %w", err)
	}
	signature, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("vc+jwt signature: not base64url without padding: %w", err)
	}
	cred, err := ParseJSON(payload)
	if err != nil {
		return nil, fmt.Errorf("vc+jwt payload: %w", err)
	}
	return &SignedJWT{Compact: compact, KID: header.kid, Algorithm: header.alg, Credential: cred, signature: signature, digest: DigestJWS(compact)}, nil
}

// Verify checks the JWS signature with pub, which must be the key the
// header's kid names and be of the header's algorithm.
func (j *SignedJWT) Verify(pub *PublicKey) error {
	if pub.KID() != j.KID {
		return fmt.Errorf("vc+jwt: header kid %q does not name key %q", j.KID, pub.KID())
	}
	if pub.Algorithm() != j.Algorithm {
		return fmt.Errorf("vc+jwt: header alg %s does not match key %s, a %s key", j.Algorithm, pub.KID(), pub.Algorithm())
	}
	signingInput := j.Compact[:strings.LastIndexByte(j.Compact, '.')]
	if err := jws.Verify(pub.key, string(j.Algorithm), []byte(signingInput), j.signature); err != nil {
		return fmt.Errorf("vc+jwt: %w with key %s", ErrBadSignature, pub.KID())
	}
	return nil
}

// Name is how verdicts name the form: "vc+jwt".
func (j *SignedJWT) Name() string { return "vc+jwt" }

// Digest returns the digest the ledger anchors for this form (DigestJWS).
func (j *SignedJWT) Digest() string { return j.digest }

// KeyID returns the header's kid.
func (j *SignedJWT) KeyID() string { return j.KID }

// NamesKey reports whether the header's kid is kid.
func (j *SignedJWT) NamesKey(kid string) bool { return j.KID == kid }

// SignatureAlgorithm returns the header's alg.
func (j *SignedJWT) SignatureAlgorithm() Algorithm { return j.Algorithm }

// Envelope returns the credential, subject included.
func (j *SignedJWT) Envelope() *Credential { return j.Credential }

// joseHeader is the checked protected header of a vc+jwt.
type joseHeader struct {
	alg Algorithm
	kid string
}

// parseJOSEHeader decodes and checks the base64url protected header of a
// vc+jwt as VC-JOSE-COSE asks: alg ES256, EdDSA or Ed25519 (RFC 9864's
// name of the same algorithm), kid a thumbprint, typ "vc+jwt" when present
// (it is only recommended), cty "vc" when present; members that carry a
// key and "crit" are refused (internal/jws.CheckMembers); any other
// member is ignored.
func parseJOSEHeader(encoded string) (*joseHeader, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("not base64url without padding: %w", err)
	}
	var members map[string]jsontext.Value
	if err := unmarshalStrict(raw, &members); err != nil {
		return nil, err
	}
	if err := jws.CheckMembers(sortedNames(members)); err != nil {
		return nil, err
	}
	alg, err := headerAlgorithm(members)
	if err != nil {
		return nil, err
	}
	if _, ok := members["typ"]; ok {
		typ, err := headerString(members, "typ")
		if err != nil {
			return nil, err
		}
		if typ != JWTType {
			return nil, fmt.Errorf("typ %q: want %q", typ, JWTType)
		}
	}
	if _, ok := members["cty"]; ok {
		cty, err := headerString(members, "cty")
		if err != nil {
			return nil, err
		}
		if cty != JWTContentType {
			return nil, fmt.Errorf("cty %q: want %q", cty, JWTContentType)
		}
	}
	kid, err := headerString(members, "kid")
	if err != nil {
		return nil, err
	}
	if _, err := ShortKIDOf(kid); err != nil {
		return nil, fmt.Errorf("kid: %w", err)
	}
	return &joseHeader{alg: alg, kid: kid}, nil
}

// headerAlgorithm reads and checks a header's "alg": ES256, EdDSA, or
// Ed25519, returned as EdDSA (CanonicalAlgorithm).
func headerAlgorithm(members map[string]jsontext.Value) (Algorithm, error) {
	alg, err := headerString(members, "alg")
	if err != nil {
		return "", err
	}
	switch {
	case alg == string(ES256), alg == string(EdDSA), alg == jws.Ed25519:
		return CanonicalAlgorithm(Algorithm(alg)), nil
	case strings.EqualFold(alg, "none"):
		return "", errors.New("alg \"none\" (an unsigned token) is not accepted")
	case strings.HasPrefix(alg, "HS"):
		return "", fmt.Errorf("alg %q: shared-secret (HMAC) signatures are not accepted; want ES256, EdDSA or Ed25519", alg)
	}
	return "", fmt.Errorf("alg %q is not accepted; want ES256, EdDSA or Ed25519", alg)
}

// CanonicalAlgorithm returns the algorithm alg names as Sceau's keys
// spell it: Ed25519 (RFC 9864) is EdDSA.
func CanonicalAlgorithm(alg Algorithm) Algorithm {
	return Algorithm(jws.CanonicalAlgorithm(string(alg)))
}

// sortedNames returns the member names of a header, sorted, so that the
// first unexpected one reported is always the same.
func sortedNames(members map[string]jsontext.Value) []string {
	names := make([]string, 0, len(members))
	for name := range members {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// headerString returns the string member name of a header.
func headerString(members map[string]jsontext.Value, name string) (string, error) {
	v, ok := members[name]
	if !ok {
		return "", fmt.Errorf("%q is missing", name)
	}
	var s string
	if err := unmarshalStrict(v, &s); err != nil {
		return "", fmt.Errorf("%q: want a string, got %s", name, v)
	}
	return s, nil
}
