package wallet

import (
	"encoding/json"
	"fmt"
	"time"
)

// KeyProofType is the typ of an OpenID4VCI key proof JWT.
const KeyProofType = "openid4vci-proof+jwt"

// KeyProof returns an OpenID4VCI key proof (a JWT of type
// openid4vci-proof+jwt) signed with the wallet's holder key: it proves to
// credential issuer audience that the wallet holds the key, its public JWK
// in the header, over the issuer's c_nonce nonce, made at now. The issuer
// binds the credential it returns to that key (cnf.jwk).
func (w *Wallet) KeyProof(audience, nonce string, now time.Time) (string, error) {
	key := w.HolderKey()
	jwk, err := key.PublicJWK()
	if err != nil {
		return "", err
	}
	header, err := json.Marshal(struct {
		Alg string          `json:"alg"`
		Typ string          `json:"typ"`
		JWK json.RawMessage `json:"jwk"`
	}{string(key.Algorithm()), KeyProofType, jwk})
	if err != nil {
		return "", err
	}
	claims := map[string]any{"aud": audience, "iat": now.Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	proof, err := key.SignCompact(header, payload)
	if err != nil {
		return "", fmt.Errorf("signing the key proof: %w", err)
	}
	return proof, nil
}
