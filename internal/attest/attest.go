// Package attest signs and verifies the short statements people make about
// open educational resources: an author's registration of a resource, a
// reviewer's endorsement, an author's attribution. Each is a compact JWS
// (RFC 7515) whose protected header holds exactly "alg" (ES256 or EdDSA),
// "typ" (the statement type) and "jwk" (the signer's public key); the
// signer's id is the RFC 7638 thumbprint of that key. Nothing else
// identifies the signer, so registration and endorsement statements carry
// no personal data and may be read by the chaincode.
//
// The chaincode and the platforms both verify with this package.
//
// Imports: nothing of Sceau.
package attest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Statement types, as the JWS "typ" header gives them. A statement of one
// type is never accepted as another.
const (
	TypeRegistration = "sceau-resource-registration+jws"
	TypeEndorsement  = "sceau-resource-endorsement+jws"
	TypeAttribution  = "sceau-resource-attribution+jws"
)

// MaxSize bounds a statement, in bytes of compact JWS.
const MaxSize = 16 << 10

// Freshness of a statement, checked against the ledger's transaction time:
// signed at most MaxAge before it, and at most MaxSkew after it (clocks drift).
const (
	MaxAge  = 30 * 24 * time.Hour
	MaxSkew = 10 * time.Minute
)

// headerMembers are the only members of a statement's protected header.
var headerMembers = []string{"alg", "jwk", "typ"}

// Sign makes a statement of type typ with claims (JSON-encoded) as payload,
// signed by key, a P-256 ECDSA (ES256) or Ed25519 (EdDSA) private key.
func Sign(key crypto.Signer, typ string, claims any) (string, error) {
	var alg jose.SignatureAlgorithm
	switch k := key.Public().(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", fmt.Errorf("signing a %s: EC key on curve %s, want P-256", typ, k.Curve.Params().Name)
		}
		alg = jose.ES256
	case ed25519.PublicKey:
		alg = jose.EdDSA
	default:
		return "", fmt.Errorf("signing a %s: key type %T, want P-256 or Ed25519", typ, k)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encoding the %s: %w", typ, err)
	}
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType(jose.ContentType(typ))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("signing a %s: %w", typ, err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("signing a %s: %w", typ, err)
	}
	return jws.CompactSerialize()
}

// Verify checks that compact is a statement of type typ signed by the key
// its header carries, decodes its payload strictly (no unknown member, no
// trailing data) into claims, and returns the signer's id: the RFC 7638
// thumbprint (SHA-256, base64url) of the key.
func Verify(compact, typ string, claims any) (string, error) {
	if len(compact) > MaxSize {
		return "", fmt.Errorf("%s is %d bytes, the limit is %d", typ, len(compact), MaxSize)
	}
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%s: want a compact JWS of 3 dot-separated parts, got %d", typ, len(parts))
	}
	pub, alg, err := parseHeader(parts[0], typ)
	if err != nil {
		return "", fmt.Errorf("%s header: %w", typ, err)
	}
	jws, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{alg})
	if err != nil {
		return "", fmt.Errorf("%s: %w", typ, err)
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		return "", fmt.Errorf("%s: the signature does not verify with the key in its header", typ)
	}
	if err := decodeStrict(payload, claims); err != nil {
		return "", fmt.Errorf("%s payload: %w", typ, err)
	}
	return Thumbprint(pub)
}

// parseHeader decodes and checks a statement's protected header and returns
// the signer's public key and the algorithm.
func parseHeader(encoded, typ string) (crypto.PublicKey, jose.SignatureAlgorithm, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(encoded)
	if err != nil {
		return nil, "", fmt.Errorf("not base64url without padding: %w", err)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, "", fmt.Errorf("not a JSON object: %w", err)
	}
	for name := range members {
		if !slices.Contains(headerMembers, name) {
			return nil, "", fmt.Errorf("member %q is not allowed: want exactly %s", name, strings.Join(headerMembers, ", "))
		}
	}
	var header struct {
		Alg string          `json:"alg"`
		Typ string          `json:"typ"`
		JWK json.RawMessage `json:"jwk"`
	}
	if err := json.Unmarshal(raw, &header); err != nil {
		return nil, "", fmt.Errorf("not a JSON object: %w", err)
	}
	if header.Typ != typ {
		return nil, "", fmt.Errorf("typ %q, want %q", header.Typ, typ)
	}
	if len(header.JWK) == 0 {
		return nil, "", errors.New(`no "jwk": the signer's public key is missing`)
	}
	pub, alg, err := publicKey(header.JWK)
	if err != nil {
		return nil, "", err
	}
	if header.Alg != string(alg) {
		return nil, "", fmt.Errorf("alg %q does not fit the key in jwk: want %q", header.Alg, alg)
	}
	return pub, alg, nil
}

// publicKey reads the header's JWK: a bare public P-256 or Ed25519 key.
func publicKey(raw json.RawMessage) (crypto.PublicKey, jose.SignatureAlgorithm, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, "", fmt.Errorf("jwk is not a JSON object: %w", err)
	}
	for name := range members {
		switch name {
		case "kty", "crv", "x", "y", "kid", "alg", "use":
		default:
			return nil, "", fmt.Errorf("jwk member %q is not allowed: want a bare public key", name)
		}
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil {
		return nil, "", fmt.Errorf("jwk: %w", err)
	}
	switch k := jwk.Key.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, "", fmt.Errorf("jwk: EC key on curve %s, want P-256", k.Curve.Params().Name)
		}
		return k, jose.ES256, nil
	case ed25519.PublicKey:
		return k, jose.EdDSA, nil
	default:
		return nil, "", fmt.Errorf("jwk: key type %T, want a P-256 or Ed25519 public key", jwk.Key)
	}
}

// Thumbprint returns the RFC 7638 thumbprint (SHA-256, base64url without
// padding) of a P-256 or Ed25519 public key: the id of its holder.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// Digest returns the hex SHA-256 of a statement, as the ledger records it.
func Digest(compact string) string {
	sum := sha256.Sum256([]byte(compact))
	return hex.EncodeToString(sum[:])
}

// CheckFresh checks a statement's "iat" (Unix seconds) against the time of
// the transaction that uses it: at most MaxAge before, MaxSkew after.
func CheckFresh(typ string, iat int64, now time.Time) error {
	at := time.Unix(iat, 0).UTC()
	if at.After(now.Add(MaxSkew)) {
		return fmt.Errorf("%s was signed at %s, after the transaction time %s", typ, at.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if at.Before(now.Add(-MaxAge)) {
		return fmt.Errorf("%s was signed at %s, more than %v before the transaction time %s: sign a new one", typ, at.Format(time.RFC3339), MaxAge, now.UTC().Format(time.RFC3339))
	}
	return nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON object")
	}
	return nil
}
