package sdjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/sceau/sceau/internal/jsonstr"
	"github.com/sceau/sceau/internal/jws"
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
	out, err := appendJWT(nil, signer, kid, typ, payload)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// appendJWT is signJWT appending the compact JWS to dst. The header is
// written as encoding/json writes the struct {alg, kid omitempty, typ}
// (a test checks it).
func appendJWT(dst []byte, signer crypto.Signer, kid, typ string, payload []byte) ([]byte, error) {
	header, alg, err := protectedHeader(signer, kid, typ)
	if err != nil {
		return nil, err
	}
	out, err := jws.AppendSign(dst, signer, alg, header, payload)
	if err != nil {
		return nil, fmt.Errorf("signing with %s: %w", alg, err)
	}
	return out, nil
}

// appendJWTDigest is appendJWT that also returns the SHA-256 of the JWS
// it appends (jws.AppendSignDigest).
func appendJWTDigest(dst []byte, signer crypto.Signer, kid, typ string, payload []byte) ([]byte, [sha256.Size]byte, error) {
	header, alg, err := protectedHeader(signer, kid, typ)
	if err != nil {
		return nil, [sha256.Size]byte{}, err
	}
	out, digest, err := jws.AppendSignDigest(dst, signer, alg, header, payload)
	if err != nil {
		return nil, digest, fmt.Errorf("signing with %s: %w", alg, err)
	}
	return out, digest, nil
}

// protectedHeader returns the protected header of the JWS signer signs, and its
// algorithm.
func protectedHeader(signer crypto.Signer, kid, typ string) ([]byte, string, error) {
	if signer == nil {
		return nil, "", errors.New("no signer")
	}
	alg, err := algorithmFor(signer.Public())
	if err != nil {
		return nil, "", fmt.Errorf("signer: %w", err)
	}
	var buf [256]byte
	header := append(buf[:0], `{"alg":`...)
	header = jsonstr.Append(header, string(alg), true)
	if kid != "" {
		header = append(header, `,"kid":`...)
		header = jsonstr.Append(header, kid, true)
	}
	header = append(header, `,"typ":`...)
	header = jsonstr.Append(header, typ, true)
	header = append(header, '}')
	return header, string(alg), nil
}

// verifyJWT checks a compact JWS's signature with key, which must be a key
// of the header's algorithm alg (already read and checked by the caller;
// Ed25519 is EdDSA), and returns the payload.
func verifyJWT(compact string, alg string, key crypto.PublicKey) ([]byte, error) {
	keyAlg, err := algorithmFor(key)
	if err != nil {
		return nil, err
	}
	if string(keyAlg) != jws.CanonicalAlgorithm(alg) {
		return nil, fmt.Errorf("header alg is %s but the key is a %s key", alg, keyAlg)
	}
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("a compact JWS has 3 parts, not %d", len(parts))
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("payload: not base64url without padding: %w", err)
	}
	signature, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("signature: not base64url without padding: %w", err)
	}
	if err := jws.Verify(key, string(keyAlg), []byte(compact[:len(parts[0])+1+len(parts[1])]), signature); err != nil {
		return nil, err
	}
	return payload, nil
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
