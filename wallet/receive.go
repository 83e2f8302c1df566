package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/verifier"
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

// ImportReceived keeps a credential the wallet received from its issuer
// (OpenID4VCI), bound to its holder key: as Import, but when the wallet
// already holds the same credential in a form that is not bound to one of
// its keys (a bundle or an SD-JWT imported from a file), the received one
// takes its place — it alone can be presented with key binding — and the
// entry replaced is returned. A bound SD-JWT form already there is a
// *DuplicateError, as for Import. issuerName, if not nil, names the issuer
// (Entry.IssuerName), as for ImportNamed.
func (w *Wallet) ImportReceived(ctx context.Context, input []byte, verify VerifyFunc, issuerName func(ctx context.Context, uri string) string) (entry, replaced *Entry, err error) {
	e, sd, err := parseEntry(ctx, input)
	if err != nil {
		return nil, nil, err
	}
	if sd == nil || sd.Credential.HolderKey == nil {
		return nil, nil, errors.New("the credential received is not an SD-JWT VC bound to a key")
	}
	if err := w.checkHolder(sd); err != nil {
		return nil, nil, err
	}
	existing, err := w.Get(e.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		existing = nil
	case err != nil:
		return nil, nil, err
	case w.BoundHere(existing):
		return nil, nil, &DuplicateError{Existing: existing}
	}
	// Bound to the wallet's key, the credential is valid only presented by
	// its holder: the wallet presents it to itself over a fresh nonce.
	res, err := w.verify(ctx, e.Data, sd, verify)
	if err != nil {
		return nil, nil, err
	}
	if res.Verdict != verifier.Valid {
		return nil, nil, &NotVerifiedError{Result: res}
	}
	if res.ID != e.ID {
		return nil, nil, fmt.Errorf("the verifier checked credential %s, not %s", res.ID, e.ID)
	}
	if issuerName != nil {
		e.IssuerName = issuerName(ctx, e.Issuer)
	}
	e.ImportedAt = time.Now().UTC().Truncate(time.Second)
	if err := w.put(e); err != nil {
		return nil, nil, err
	}
	return e, existing, nil
}

// BoundHere reports whether entry e holds an SD-JWT bound to one of the
// wallet's holder keys.
func (w *Wallet) BoundHere(e *Entry) bool {
	text := e.SDJWT()
	if text == "" {
		return false
	}
	sd, err := credential.ParseSDJWT(text)
	if err != nil || sd.Credential.HolderKey == nil {
		return false
	}
	return w.holderFor(sd.Credential.HolderKey.KID()) != nil
}
