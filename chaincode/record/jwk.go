package record

import (
	"bytes"
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// PrivateJWKMembers are the JWK members that carry private or secret key
// material (RFC 7518 section 6, RFC 8037). A public key must have none.
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"}

// PrivateJWKMember returns the first member of the JWK object members that
// carries private or secret key material, or "" when there is none.
func PrivateJWKMember[V any](members map[string]V) string {
	for _, m := range privateJWKMembers {
		if _, ok := members[m]; ok {
			return m
		}
	}
	return ""
}

// certificateJWKMembers bind a JWK to X.509 certificates, which can name
// people: the ledger takes bare keys only.
var certificateJWKMembers = []string{"x5c", "x5u", "x5t", "x5t#S256"}

// Signature algorithms of issuer keys, as JWK "alg" names them.
const (
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

// PublicKey is an issuer's public key as the ledger stores it.
type PublicKey struct {
	// KID is the RFC 7638 thumbprint (SHA-256, base64url without padding).
	KID string
	// JWK is the normalised public JWK: use, kty, kid, crv, alg, x (and y),
	// in that order, alg and use only when the submitter gave them.
	JWK string
	// Alg is the key's signature algorithm, AlgES256 or AlgEdDSA.
	Alg string
}

// normalJWK is how a normalised public JWK is written. Its members are in
// the order go-jose writes them, so keys registered before this code
// existed read back byte for byte.
type normalJWK struct {
	Use string `json:"use,omitempty"`
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Crv string `json:"crv"`
	Alg string `json:"alg,omitempty"`
	X   string `json:"x"`
	Y   string `json:"y,omitempty"`
}

// ParsePublicJWK checks that raw is the public JWK of an ES256 (EC P-256)
// or EdDSA (Ed25519) signing key and returns it normalised, with its
// thumbprint. It refuses private keys, other key types and curves, points
// not on the curve, certificate chains, and a kid, alg, use or key_ops that
// does not fit a signing key of that kind.
func ParsePublicJWK(raw string) (PublicKey, error) {
	if len(raw) > MaxJWKSize {
		return PublicKey{}, fmt.Errorf("public JWK is %d bytes, the limit is %d", len(raw), MaxJWKSize)
	}
	members, err := jsonMembers(raw)
	if err != nil {
		return PublicKey{}, fmt.Errorf("public JWK is not a JSON object: %w", err)
	}
	if m := PrivateJWKMember(members); m != "" {
		return PublicKey{}, fmt.Errorf("JWK has the private member %q: send the public key only", m)
	}
	for _, m := range certificateJWKMembers {
		if _, ok := members[m]; ok {
			return PublicKey{}, fmt.Errorf("JWK has the certificate member %q: send the bare public key", m)
		}
	}
	text := func(name string) (string, error) {
		v, ok := members[name]
		if !ok {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("public JWK: member %q is not a string", name)
		}
		return s, nil
	}
	var fields [6]string
	for i, name := range []string{"kty", "crv", "x", "y", "alg", "use"} {
		s, err := text(name)
		if err != nil {
			return PublicKey{}, err
		}
		fields[i] = s
	}
	kty, crv, x, y, alg, use := fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]
	kid, err := text("kid")
	if err != nil {
		return PublicKey{}, err
	}

	var key normalJWK
	var keyAlg string
	switch {
	case kty == "EC" && crv == "P-256":
		xb, err := coordinate("x", x, 32)
		if err != nil {
			return PublicKey{}, err
		}
		yb, err := coordinate("y", y, 32)
		if err != nil {
			return PublicKey{}, err
		}
		if _, err := ecdh.P256().NewPublicKey(slices.Concat([]byte{4}, xb, yb)); err != nil {
			return PublicKey{}, errors.New("public JWK: the EC point is not on the P-256 curve")
		}
		key = normalJWK{Kty: "EC", Crv: "P-256", X: b64(xb), Y: b64(yb)}
		keyAlg = AlgES256
	case kty == "EC":
		return PublicKey{}, fmt.Errorf("EC key on curve %q: only P-256 (ES256) is accepted", crv)
	case kty == "OKP" && crv == "Ed25519":
		if _, ok := members["y"]; ok {
			return PublicKey{}, errors.New(`public JWK: an Ed25519 key has no "y"`)
		}
		xb, err := coordinate("x", x, 32)
		if err != nil {
			return PublicKey{}, err
		}
		key = normalJWK{Kty: "OKP", Crv: "Ed25519", X: b64(xb)}
		keyAlg = AlgEdDSA
	default:
		return PublicKey{}, fmt.Errorf("JWK key type %q (curve %q) is not accepted: want an EC P-256 or Ed25519 public key", kty, crv)
	}
	if alg != "" && alg != keyAlg {
		return PublicKey{}, fmt.Errorf("JWK alg %q does not fit the key: want %q", alg, keyAlg)
	}
	if use != "" && use != "sig" {
		return PublicKey{}, fmt.Errorf("JWK use %q: an issuer key must be a signing key (\"sig\")", use)
	}
	if ops, ok := members["key_ops"]; ok {
		var list []string
		if err := json.Unmarshal(ops, &list); err != nil || len(list) != 1 || list[0] != "verify" {
			return PublicKey{}, errors.New(`JWK key_ops must be absent or exactly ["verify"]`)
		}
	}
	thumbprint := Thumbprint(key.Kty, key.Crv, key.X, key.Y)
	if kid != "" && kid != thumbprint {
		return PublicKey{}, fmt.Errorf("JWK kid %q is not the key's RFC 7638 thumbprint %q: omit kid or use the thumbprint", kid, thumbprint)
	}
	key.Kid, key.Alg, key.Use = thumbprint, alg, use
	out, err := json.Marshal(key)
	if err != nil {
		return PublicKey{}, fmt.Errorf("encoding the public JWK: %w", err)
	}
	return PublicKey{KID: thumbprint, JWK: string(out), Alg: keyAlg}, nil
}

// Thumbprint is the RFC 7638 thumbprint of an EC or OKP public key given by
// its JWK members (y empty for OKP): the base64url SHA-256 of the required
// members in lexicographic order.
func Thumbprint(kty, crv, x, y string) string {
	var b bytes.Buffer
	if kty == "EC" {
		fmt.Fprintf(&b, `{"crv":%q,"kty":"EC","x":%q,"y":%q}`, crv, x, y)
	} else {
		fmt.Fprintf(&b, `{"crv":%q,"kty":%q,"x":%q}`, crv, kty, x)
	}
	sum := sha256.Sum256(b.Bytes())
	return b64(sum[:])
}

// jsonMembers reads a JSON object's members, refusing one named twice:
// RFC 7517 lets a JWK parser either refuse duplicates or keep the last, and
// two parsers that chose differently would see two different keys.
func jsonMembers(raw string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("want an object")
	}
	members := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		if _, dup := members[name]; dup {
			return nil, fmt.Errorf("member %q is given twice", name)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		members[name] = value
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("data after the object")
	}
	return members, nil
}

// coordinate decodes a base64url key member of exactly size bytes. Padding
// is tolerated, as JOSE libraries do.
func coordinate(name, s string, size int) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("public JWK: member %q is missing", name)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("public JWK: member %q is not base64url: %w", name, err)
	}
	if len(b) != size {
		return nil, fmt.Errorf("public JWK: member %q is %d bytes, want %d", name, len(b), size)
	}
	return b, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
