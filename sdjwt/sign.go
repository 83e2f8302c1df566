package sdjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/go-jose/go-jose/v4"
)

// The signature algorithms this package signs and verifies with.
const (
	// ES256 is ECDSA over P-256 with SHA-256.
	ES256 = string(jose.ES256)
	// EdDSA is Ed25519.
	EdDSA = string(jose.EdDSA)
)

// algorithmFor returns the JOSE algorithm of a P-256 or Ed25519 public key.
func algorithmFor(key crypto.PublicKey) (jose.SignatureAlgorithm, error) {
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", fmt.Errorf("EC key on curve %s: want P-256", k.Curve.Params().Name)
		}
		return jose.ES256, nil
	case ed25519.PublicKey:
		return jose.EdDSA, nil
	default:
		return "", fmt.Errorf("key type %T: want a P-256 (ES256) or Ed25519 (EdDSA) key", key)
	}
}

// signJWT signs payload as a compact JWS whose protected header is alg (from
// the signer's key), typ and, if not empty, kid.
func signJWT(signer crypto.Signer, kid, typ string, payload []byte) (string, error) {
	if signer == nil {
		return "", errors.New("no signer")
	}
	alg, err := algorithmFor(signer.Public())
	if err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	opaque := opaqueSigner{signer: signer, alg: alg, kid: kid}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: opaque}, (&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", fmt.Errorf("%s signer: %w", alg, err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("signing with %s: %w", alg, err)
	}
	return jws.CompactSerialize()
}

// opaqueSigner lets go-jose sign with any crypto.Signer (a key in memory or
// in a hardware module) holding a P-256 or Ed25519 key.
type opaqueSigner struct {
	signer crypto.Signer
	alg    jose.SignatureAlgorithm
	kid    string
}

// Public returns the public key, with the kid go-jose puts in the header.
func (s opaqueSigner) Public() *jose.JSONWebKey {
	return &jose.JSONWebKey{Key: s.signer.Public(), KeyID: s.kid, Algorithm: string(s.alg), Use: "sig"}
}

// Algs returns the one algorithm the key signs with.
func (s opaqueSigner) Algs() []jose.SignatureAlgorithm { return []jose.SignatureAlgorithm{s.alg} }

// SignPayload signs payload as JWS (RFC 7518 section 3.4 for ES256: the
// fixed-size R || S, not ASN.1).
func (s opaqueSigner) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	switch alg {
	case jose.EdDSA:
		return s.signer.Sign(rand.Reader, payload, crypto.Hash(0))
	case jose.ES256:
		digest := sha256.Sum256(payload)
		der, err := s.signer.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			return nil, err
		}
		var sig struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) > 0 {
			return nil, errors.New("the signer returned a malformed ECDSA signature")
		}
		if sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 256 || sig.S.BitLen() > 256 {
			return nil, errors.New("the signer returned an out-of-range ECDSA signature")
		}
		out := make([]byte, 64)
		sig.R.FillBytes(out[:32])
		sig.S.FillBytes(out[32:])
		return out, nil
	default:
		return nil, fmt.Errorf("algorithm %s is not supported", alg)
	}
}

// verifyJWT checks a compact JWS's signature with key, which must be a key
// of the header's algorithm alg, and returns the payload.
func verifyJWT(compact string, alg string, key crypto.PublicKey) ([]byte, error) {
	keyAlg, err := algorithmFor(key)
	if err != nil {
		return nil, err
	}
	if string(keyAlg) != alg {
		return nil, fmt.Errorf("header alg is %s but the key is a %s key", alg, keyAlg)
	}
	jws, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{keyAlg})
	if err != nil {
		return nil, err
	}
	return jws.Verify(key)
}

// publicJWK returns the public JWK of a P-256 or Ed25519 key as a JSON
// object, for cnf.jwk.
func publicJWK(key crypto.PublicKey) (map[string]any, error) {
	if _, err := algorithmFor(key); err != nil {
		return nil, err
	}
	raw, err := (&jose.JSONWebKey{Key: key}).MarshalJSON()
	if err != nil {
		return nil, err
	}
	return decodeJSONObject(raw)
}

// parsePublicJWK reads a public P-256 or Ed25519 key from a decoded JWK.
func parsePublicJWK(v any) (crypto.PublicKey, error) {
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("is %s, want a JWK object", jsonKind(v))
	}
	raw, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	if !jwk.IsPublic() {
		return nil, errors.New("holds private key material")
	}
	if _, err := algorithmFor(jwk.Key); err != nil {
		return nil, err
	}
	return jwk.Key, nil
}
