package credential

import (
	"fmt"
	"strings"

	"github.com/sceau/sceau/internal/jws"
)

// SignJWS returns a compact JWS of payload under the protected header
// header (a JSON object whose "alg" is the key's algorithm), for documents
// an issuer signs besides credentials: its status lists.
func (k *Key) SignJWS(header, payload []byte) (string, error) {
	return jws.Sign(k.signer, string(k.public.alg), header, payload)
}

// VerifyJWS checks the signature of compact, a compact JWS whose header
// declares alg (read and checked by the caller), with the key.
func (p *PublicKey) VerifyJWS(compact string, alg Algorithm, signature []byte) error {
	if CanonicalAlgorithm(alg) != p.alg {
		return fmt.Errorf("header alg %s does not match key %s, a %s key", alg, p.kid, p.alg)
	}
	dot := strings.LastIndexByte(compact, '.')
	if dot < 0 {
		return fmt.Errorf("not a compact JWS")
	}
	if err := jws.Verify(p.key, string(p.alg), []byte(compact[:dot]), signature); err != nil {
		return fmt.Errorf("%w with key %s", ErrBadSignature, p.kid)
	}
	return nil
}
