package chaincode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
)

// privateJWKMembers are the JWK members that carry private or secret key
// material (RFC 7518 section 6, RFC 8037).
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"}

// certificateJWKMembers bind a JWK to X.509 certificates, which can name
// people: the ledger takes bare keys only.
var certificateJWKMembers = []string{"x5c", "x5u", "x5t", "x5t#S256"}

// publicKey is an issuer's public key as the ledger stores it.
type publicKey struct {
	// kid is the RFC 7638 thumbprint (SHA-256, base64url without padding).
	kid string
	// jwk is the normalised public JWK: kty, crv, x (and y), kid, and alg
	// and use when the submitter gave them.
	jwk string
}

// parsePublicJWK checks that raw is the public JWK of an ES256 (EC P-256)
// or EdDSA (Ed25519) signing key and returns it with its thumbprint.
// It refuses private keys, other key types and curves, certificate chains,
// and a kid, alg or use that does not fit the key.
func parsePublicJWK(raw string) (publicKey, error) {
	if len(raw) > MaxJWKSize {
		return publicKey{}, fmt.Errorf("public JWK is %d bytes, the limit is %d", len(raw), MaxJWKSize)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &members); err != nil {
		return publicKey{}, fmt.Errorf("public JWK is not a JSON object: %w", err)
	}
	for _, m := range privateJWKMembers {
		if _, ok := members[m]; ok {
			return publicKey{}, fmt.Errorf("JWK has the private member %q: send the public key only", m)
		}
	}
	for _, m := range certificateJWKMembers {
		if _, ok := members[m]; ok {
			return publicKey{}, fmt.Errorf("JWK has the certificate member %q: send the bare public key", m)
		}
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON([]byte(raw)); err != nil {
		return publicKey{}, fmt.Errorf("public JWK: %w", err)
	}
	var alg string
	switch k := jwk.Key.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return publicKey{}, fmt.Errorf("EC key on curve %s: only P-256 (ES256) is accepted", k.Curve.Params().Name)
		}
		alg = string(jose.ES256)
	case ed25519.PublicKey:
		alg = string(jose.EdDSA)
	default:
		return publicKey{}, fmt.Errorf("JWK key type %T is not accepted: want an EC P-256 or Ed25519 public key", jwk.Key)
	}
	if jwk.Algorithm != "" && jwk.Algorithm != alg {
		return publicKey{}, fmt.Errorf("JWK alg %q does not fit the key: want %q", jwk.Algorithm, alg)
	}
	if jwk.Use != "" && jwk.Use != "sig" {
		return publicKey{}, fmt.Errorf("JWK use %q: an issuer key must be a signing key (\"sig\")", jwk.Use)
	}
	if ops, ok := members["key_ops"]; ok {
		var list []string
		if err := json.Unmarshal(ops, &list); err != nil || !slices.Contains(list, "verify") || len(list) != 1 {
			return publicKey{}, errors.New(`JWK key_ops must be absent or exactly ["verify"]`)
		}
	}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return publicKey{}, fmt.Errorf("computing the JWK thumbprint: %w", err)
	}
	kid := base64.RawURLEncoding.EncodeToString(sum)
	if jwk.KeyID != "" && jwk.KeyID != kid {
		return publicKey{}, fmt.Errorf("JWK kid %q is not the key's RFC 7638 thumbprint %q: omit kid or use the thumbprint", jwk.KeyID, kid)
	}
	normal := jose.JSONWebKey{Key: jwk.Key, KeyID: kid, Algorithm: jwk.Algorithm, Use: jwk.Use}
	out, err := normal.MarshalJSON()
	if err != nil {
		return publicKey{}, fmt.Errorf("encoding the public JWK: %w", err)
	}
	return publicKey{kid: kid, jwk: string(out)}, nil
}
