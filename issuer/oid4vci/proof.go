package oid4vci

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/jws"
)

// Limits of key proofs.
const (
	// MaxProofSize bounds a proof JWT, in bytes.
	MaxProofSize = 8 << 10
	// ProofType is the typ of a key proof JWT.
	ProofType = "openid4vci-proof+jwt"
	// proofMaxAge is how old a proof's iat may be; proofMaxSkew how far
	// in the future (clocks differ).
	proofMaxAge  = 5 * time.Minute
	proofMaxSkew = time.Minute
)

// ProofAlgorithms are the algorithms a key proof may be signed with: the
// holder keys Sceau binds credentials to (P-256 and Ed25519).
var ProofAlgorithms = []string{jws.ES256, jws.EdDSA}

// proofHeader is the JOSE header of a key proof.
type proofHeader struct {
	Alg  string          `json:"alg"`
	Typ  string          `json:"typ"`
	JWK  json.RawMessage `json:"jwk"`
	KID  string          `json:"kid"`
	X5C  any             `json:"x5c"`
	Crit any             `json:"crit"`
}

// proofClaims are the claims of a key proof.
type proofClaims struct {
	Aud   any    `json:"aud"`
	Iat   *int64 `json:"iat"`
	Nonce string `json:"nonce"`
	Iss   string `json:"iss"`
}

// checkProof checks a key proof JWT (OpenID4VCI Appendix F.1) and consumes
// its c_nonce: typ openid4vci-proof+jwt, alg ES256 or EdDSA, the public
// key in the jwk header (no private member), a signature that verifies with
// it, aud the credential issuer, iat recent, nonce a c_nonce of this
// server. It returns the holder's public JWK, canonical, for cnf.jwk.
func (s *Server) checkProof(proof string, now time.Time) ([]byte, *Error) {
	bad := func(format string, args ...any) ([]byte, *Error) {
		return nil, protoErr(ErrInvalidProof, format, args...)
	}
	if len(proof) > MaxProofSize {
		return bad("the proof is %d bytes, more than the %d allowed", len(proof), MaxProofSize)
	}
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return bad("the proof is not a compact JWS (three base64url parts)")
	}
	var h proofHeader
	if err := decodePart(parts[0], &h); err != nil {
		return bad("the proof's header: %v", err)
	}
	switch {
	case h.Typ != ProofType:
		return bad("the proof's typ is %q, want %q", h.Typ, ProofType)
	case h.Alg != jws.ES256 && h.Alg != jws.EdDSA:
		return bad("the proof's algorithm %q is not supported: want ES256 or EdDSA", h.Alg)
	case h.Crit != nil:
		return bad("the proof has critical header parameters, which this issuer does not understand")
	case h.KID != "" || h.X5C != nil:
		return bad("the proof must carry the wallet's public key in its jwk header (kid and x5c are not supported)")
	case len(h.JWK) == 0:
		return bad("the proof has no jwk header: the wallet's public key is required")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(h.JWK, &members); err != nil {
		return bad("the proof's jwk is not a JSON object")
	}
	if m := record.PrivateJWKMember(members); m != "" {
		return bad("the proof's jwk has the private member %q: send the public key only", m)
	}
	pub, err := credential.ParsePublicJWK(h.JWK)
	if err != nil {
		return bad("the proof's jwk: %v", err)
	}
	if string(pub.Algorithm()) != h.Alg {
		return bad("the proof is signed %s with a %s key", h.Alg, pub.Algorithm())
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(h.JWK); err != nil {
		return bad("the proof's jwk: %v", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return bad("the proof's signature is not base64url")
	}
	if err := jws.Verify(jwk.Key, h.Alg, []byte(parts[0]+"."+parts[1]), sig); err != nil {
		return bad("the proof's signature does not verify with its jwk: %v", err)
	}
	var c proofClaims
	if err := decodePart(parts[1], &c); err != nil {
		return bad("the proof's claims: %v", err)
	}
	if !audienceIs(c.Aud, s.url) {
		return bad("the proof's audience (aud) must be the credential issuer, %s", s.url)
	}
	if c.Iat == nil {
		return bad("the proof has no iat")
	}
	iat := time.Unix(*c.Iat, 0)
	if iat.Before(now.Add(-proofMaxAge)) || iat.After(now.Add(proofMaxSkew)) {
		return bad("the proof's iat is %s, not within %s of the issuer's time", iat.UTC().Format(time.RFC3339), proofMaxAge)
	}
	if c.Nonce == "" || !s.useNonce(c.Nonce) {
		return nil, protoErr(ErrInvalidNonce, "the proof's nonce is missing, unknown, used or expired: get a fresh c_nonce from the nonce endpoint")
	}
	out, err := pub.JWK()
	if err != nil {
		return bad("the proof's jwk: %v", err)
	}
	return out, nil
}

// decodePart decodes a base64url JSON part of a JWS into v.
func decodePart(part string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errTrailing
	}
	return nil
}

var errTrailing = &Error{Code: ErrInvalidProof, Description: "data after the JSON object"}

// audienceIs reports whether aud, a string or an array of strings, is or
// holds want.
func audienceIs(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want || a == want+"/"
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok && (s == want || s == want+"/") {
				return true
			}
		}
	}
	return false
}
