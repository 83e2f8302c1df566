package cli

import (
	"crypto"
	"crypto/tls"

	"github.com/sceau/sceau/oid4vp"
)

// requestSigner returns what signs presentation request objects when
// `sceau serve` serves HTTPS: the key and chain of its TLS certificate, so
// that requests use the x509_san_dns client identifier prefix, which a
// wallet checks against the certificate authorities it trusts. Nil without
// TLS (requests then use the redirect_uri prefix, unsigned), or when the
// certificate's key cannot sign (crypto.Signer).
func requestSigner(cfg *tls.Config) *oid4vp.RequestSigner {
	if cfg == nil || len(cfg.Certificates) == 0 {
		return nil
	}
	pair := cfg.Certificates[0]
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok || len(pair.Certificate) == 0 {
		return nil
	}
	return &oid4vp.RequestSigner{Key: key, Chain: pair.Certificate}
}
