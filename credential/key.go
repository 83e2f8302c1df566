package credential

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"github.com/sceau/sceau/internal/jws"
)

// Algorithm is a signature algorithm Sceau signs and verifies with, named
// as in JOSE.
type Algorithm string

// The signature algorithms Sceau accepts. Nothing else is ever verified.
const (
	// ES256 is ECDSA over P-256 with SHA-256, the default.
	ES256 Algorithm = "ES256"
	// EdDSA is Ed25519.
	EdDSA Algorithm = "EdDSA"
)

// ShortKIDSize is the length in bytes of a short key id: the prefix of the
// key's JWK thumbprint that the compact QR form carries.
const ShortKIDSize = 8

// maxJWKSize bounds a JWK document.
const maxJWKSize = 4 << 10

// Key is an issuer's private signing key.
type Key struct {
	signer crypto.Signer
	public *PublicKey
	// The protected headers of the forms it signs, which depend on the key
	// only: encoded once, not for every credential.
	jwtHeader     []byte // vc+jwt, JSON
	coseProtected []byte // SC1, the CBOR bstr of the COSE protected header
}

// PublicKey is an issuer's public verification key, as the ledger's
// registry holds it.
type PublicKey struct {
	key crypto.PublicKey
	alg Algorithm
	kid string
}

// GenerateKey returns a new random signing key for alg (ES256 or EdDSA).
func GenerateKey(alg Algorithm) (*Key, error) {
	var signer crypto.Signer
	switch alg {
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generating a P-256 key: %w", err)
		}
		signer = k
	case EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generating an Ed25519 key: %w", err)
		}
		signer = k
	default:
		return nil, fmt.Errorf("signature algorithm %q: want %s or %s", alg, ES256, EdDSA)
	}
	return newKey(signer)
}

func newKey(signer crypto.Signer) (*Key, error) {
	pub, err := newPublicKey(signer.Public())
	if err != nil {
		return nil, err
	}
	header, err := json.Marshal(jwtHeader{Alg: string(pub.alg), Cty: JWTContentType, Kid: pub.kid, Typ: JWTType})
	if err != nil {
		return nil, err
	}
	protected, err := coseProtectedHeader(pub)
	if err != nil {
		return nil, err
	}
	return &Key{signer: signer, public: pub, jwtHeader: header, coseProtected: protected}, nil
}

func newPublicKey(key crypto.PublicKey) (*PublicKey, error) {
	var alg Algorithm
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("EC key on curve %s: want P-256", k.Curve.Params().Name)
		}
		alg = ES256
	case ed25519.PublicKey:
		alg = EdDSA
	default:
		return nil, fmt.Errorf("key type %T: want a P-256 (ES256) or Ed25519 (EdDSA) key", key)
	}
	jwk := jose.JSONWebKey{Key: key}
	thumbprint, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("JWK thumbprint: %w", err)
	}
	return &PublicKey{key: key, alg: alg, kid: base64.RawURLEncoding.EncodeToString(thumbprint)}, nil
}

// ParseKey reads a private signing key from a private JWK (JSON), as
// MarshalPrivateJWK writes it. If the JWK has "alg", "use" or "kid"
// members they must agree with the key.
func ParseKey(privateJWK []byte) (*Key, error) {
	jwk, err := parseJWK(privateJWK)
	if err != nil {
		return nil, err
	}
	if jwk.IsPublic() {
		return nil, errors.New("JWK: want a private key, got a public key (no \"d\")")
	}
	var signer crypto.Signer
	switch k := jwk.Key.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("JWK: EC key on curve %s: want P-256", k.Curve.Params().Name)
		}
		// go-jose does not check that "d" matches "x" and "y": derive the
		// public key from "d" and compare.
		d, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("JWK: \"d\": %w", err)
		}
		derived, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		if err != nil {
			return nil, fmt.Errorf("JWK: \"d\": %w", err)
		}
		if !derived.PublicKey.Equal(&k.PublicKey) {
			return nil, errors.New("JWK: \"x\" and \"y\" do not match \"d\"")
		}
		signer = derived
	case ed25519.PrivateKey:
		signer = k
	default:
		return nil, fmt.Errorf("JWK: key type %T: want a P-256 or Ed25519 private key", jwk.Key)
	}
	key, err := newKey(signer)
	if err != nil {
		return nil, fmt.Errorf("JWK: %w", err)
	}
	if err := checkJWKMembers(jwk, key.public); err != nil {
		return nil, err
	}
	return key, nil
}

// ParsePublicJWK reads a public verification key from a JWK (JSON). It
// rejects private JWKs, keys other than P-256 and Ed25519, and "alg", "use"
// or "kid" members that disagree with the key.
func ParsePublicJWK(data []byte) (*PublicKey, error) {
	jwk, err := parseJWK(data)
	if err != nil {
		return nil, err
	}
	if !jwk.IsPublic() {
		return nil, errors.New("JWK: want a public key, got private key material")
	}
	pub, err := newPublicKey(jwk.Key)
	if err != nil {
		return nil, fmt.Errorf("JWK: %w", err)
	}
	if err := checkJWKMembers(jwk, pub); err != nil {
		return nil, err
	}
	return pub, nil
}

func parseJWK(data []byte) (*jose.JSONWebKey, error) {
	if len(data) > maxJWKSize {
		return nil, fmt.Errorf("JWK: %d bytes is more than the %d allowed", len(data), maxJWKSize)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("JWK: %w", err)
	}
	if !jwk.Valid() {
		return nil, errors.New("JWK: not a valid key")
	}
	return &jwk, nil
}

func checkJWKMembers(jwk *jose.JSONWebKey, pub *PublicKey) error {
	if jwk.Algorithm != "" && jwk.Algorithm != string(pub.alg) {
		return fmt.Errorf("JWK: \"alg\" is %q but the key is a %s key", jwk.Algorithm, pub.alg)
	}
	if jwk.Use != "" && jwk.Use != "sig" {
		return fmt.Errorf("JWK: \"use\" is %q, want \"sig\"", jwk.Use)
	}
	if jwk.KeyID != "" && jwk.KeyID != pub.kid {
		return fmt.Errorf("JWK: \"kid\" is %q but the key's RFC 7638 thumbprint is %q", jwk.KeyID, pub.kid)
	}
	return nil
}

// Algorithm returns the algorithm the key signs with.
func (k *Key) Algorithm() Algorithm { return k.public.alg }

// KID returns the key id: the RFC 7638 JWK thumbprint (SHA-256, base64url).
func (k *Key) KID() string { return k.public.kid }

// ShortKID returns the first ShortKIDSize bytes of the key's thumbprint.
func (k *Key) ShortKID() []byte { return k.public.ShortKID() }

// Public returns the key's public verification key.
func (k *Key) Public() *PublicKey { return k.public }

// PublicJWK returns the public key as a JWK (JSON) with kid, alg and use.
func (k *Key) PublicJWK() ([]byte, error) { return k.public.JWK() }

// MarshalPrivateJWK returns the private key as a JWK (JSON) with kid, alg
// and use. It is secret: store it encrypted.
func (k *Key) MarshalPrivateJWK() ([]byte, error) {
	return jose.JSONWebKey{Key: k.signer, KeyID: k.public.kid, Algorithm: string(k.public.alg), Use: "sig"}.MarshalJSON()
}

// Algorithm returns the algorithm the key verifies.
func (p *PublicKey) Algorithm() Algorithm { return p.alg }

// KID returns the key id: the RFC 7638 JWK thumbprint (SHA-256, base64url).
func (p *PublicKey) KID() string { return p.kid }

// ShortKID returns the first ShortKIDSize bytes of the key's thumbprint.
func (p *PublicKey) ShortKID() []byte {
	short, _ := ShortKIDOf(p.kid)
	return short
}

// JWK returns the public key as a JWK (JSON) with kid, alg and use.
func (p *PublicKey) JWK() ([]byte, error) {
	return jose.JSONWebKey{Key: p.key, KeyID: p.kid, Algorithm: string(p.alg), Use: "sig"}.MarshalJSON()
}

// ShortKIDOf returns the short key id of a key id (an RFC 7638 SHA-256
// thumbprint, base64url): its first ShortKIDSize bytes.
func ShortKIDOf(kid string) ([]byte, error) {
	thumbprint, err := base64.RawURLEncoding.DecodeString(kid)
	if err != nil || len(thumbprint) != sha256.Size {
		return nil, fmt.Errorf("key id %q: want a base64url SHA-256 JWK thumbprint", kid)
	}
	return thumbprint[:ShortKIDSize], nil
}

// SignCompact returns the compact JWS of payload under the protected
// header header (a JSON object whose "alg" is the key's algorithm), signed
// with the key: for JWTs Sceau makes that are not credentials, such as a
// wallet's OpenID4VCI key proof.
func (k *Key) SignCompact(header, payload []byte) (string, error) {
	return jws.Sign(k.signer, string(k.public.alg), header, payload)
}
