package oid4vp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/sceau/sceau/internal/jws"
)

// Request objects of the x509_san_dns prefix are JWS signed by the key of
// an X.509 certificate whose chain the header's x5c carries (leaf first);
// the wallet checks the chain against the certificate authorities it
// trusts, that the leaf names the client identifier as a DNS name, and
// the signature. Sceau signs with the key of its TLS certificate: ES256
// (P-256), EdDSA (Ed25519) or RS256 (RSA).

// maxChain bounds the certificates of an x5c header.
const maxChain = 8

// RequestSigner signs request objects under the x509_san_dns prefix.
type RequestSigner struct {
	// Key is the private key of Chain's leaf.
	Key crypto.Signer
	// Chain is the certificate chain, leaf first, as DER.
	Chain [][]byte
}

// ErrSigned is returned (wrapped) for a signed request object of a prefix
// whose requests are not signed, or a signature algorithm Sceau does not
// verify.
var ErrSigned = errors.New("the request object's signature cannot be checked: Sceau reads unsigned requests of the redirect_uri prefix and requests of the x509_san_dns prefix signed with ES256, EdDSA or RS256")

// signingAlg returns the JWS algorithm of a key.
func signingAlg(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return jws.ES256, nil
		}
	case ed25519.PublicKey:
		return jws.EdDSA, nil
	case *rsa.PublicKey:
		return "RS256", nil
	}
	return "", fmt.Errorf("a %T key cannot sign request objects: want a P-256, Ed25519 or RSA key", pub)
}

// CheckHost checks that the signer's certificate names host as a DNS name
// and holds the signer's key.
func (s *RequestSigner) CheckHost(host string) error {
	if s == nil || s.Key == nil || len(s.Chain) == 0 {
		return errors.New("request signer: a key and its certificate are required")
	}
	leaf, err := x509.ParseCertificate(s.Chain[0])
	if err != nil {
		return fmt.Errorf("request signer: %w", err)
	}
	if err := leaf.VerifyHostname(host); err != nil {
		return fmt.Errorf("request signer: %w", err)
	}
	if !publicKeysEqual(leaf.PublicKey, s.Key.Public()) {
		return errors.New("request signer: the key is not the certificate's")
	}
	_, err = signingAlg(leaf.PublicKey)
	return err
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// Sign returns r as a request object signed by s, with x5c. r must be
// valid and of the x509_san_dns prefix.
func Sign(r *Request, s *RequestSigner) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("request object: %w", err)
	}
	prefix, host := ClientIDPrefix(r.ClientID)
	if prefix != PrefixX509SanDNS {
		return "", fmt.Errorf("request object: client %q is not of the %s prefix", r.ClientID, PrefixX509SanDNS)
	}
	if err := s.CheckHost(host); err != nil {
		return "", err
	}
	alg, err := signingAlg(s.Key.Public())
	if err != nil {
		return "", err
	}
	x5c := make([]string, len(s.Chain))
	for i, der := range s.Chain {
		x5c[i] = base64.StdEncoding.EncodeToString(der)
	}
	header, err := json.Marshal(map[string]any{"alg": alg, "typ": RequestObjectType, "x5c": x5c})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	if alg != "RS256" {
		return jws.Sign(s.Key, alg, header, payload)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	sig, err := s.Key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("RS256: %w", err)
	}
	return input + "." + enc.EncodeToString(sig), nil
}

// ReadOptions say whom a wallet trusts.
type ReadOptions struct {
	// Roots are the certificate authorities trusted for signed request
	// objects. Nil: the system's.
	Roots *x509.CertPool
	// Now is when certificates must be valid. Zero: now.
	Now time.Time
}

// Signed is what a verified request object's signature says.
type Signed struct {
	// Subject names the leaf certificate's subject.
	Subject string
}

// ReadRequestObject reads a request object of type oauth-authz-req+jwt: an
// unsigned JWT (alg none) of the redirect_uri prefix, or a JWS of the
// x509_san_dns prefix whose x5c chain leads to one of opts.Roots, whose
// leaf names the client identifier as a DNS name and holds the key that
// signed it. Its payload must be a valid Request.
func ReadRequestObject(jwt string, opts ReadOptions) (*Request, error) {
	r, _, err := ReadRequestObjectSigned(jwt, opts)
	return r, err
}

// ReadRequestObjectSigned is ReadRequestObject, also returning, for a
// signed request object, who signed it (nil for an unsigned one).
func ReadRequestObjectSigned(jwt string, opts ReadOptions) (*Request, *Signed, error) {
	jwt = strings.TrimSpace(jwt)
	if len(jwt) > MaxRequestObject {
		return nil, nil, fmt.Errorf("request object: %d bytes, more than the %d allowed", len(jwt), MaxRequestObject)
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("request object: %d dot-separated parts, want a JWT's 3", len(parts))
	}
	var header struct {
		Alg string   `json:"alg"`
		Typ string   `json:"typ"`
		X5C []string `json:"x5c"`
	}
	if err := decodePart(parts[0], &header); err != nil {
		return nil, nil, fmt.Errorf("request object header: %w", err)
	}
	if header.Typ != RequestObjectType {
		return nil, nil, fmt.Errorf("request object: typ %q, want %q", header.Typ, RequestObjectType)
	}
	var r Request
	if err := decodePart(parts[1], &r); err != nil {
		return nil, nil, fmt.Errorf("request object payload: %w", err)
	}
	if err := r.Validate(); err != nil {
		return nil, nil, fmt.Errorf("request object: %w", err)
	}
	prefix, host := ClientIDPrefix(r.ClientID)
	if header.Alg == "none" {
		if parts[2] != "" {
			return nil, nil, errors.New("request object: alg none with a signature")
		}
		if prefix != PrefixRedirectURI {
			return nil, nil, fmt.Errorf("request object: a request of client %q must be signed", r.ClientID)
		}
		return &r, nil, nil
	}
	if prefix != PrefixX509SanDNS {
		return nil, nil, fmt.Errorf("request object (alg %q, client %q): %w", header.Alg, r.ClientID, ErrSigned)
	}
	leaf, err := verifyChain(header.X5C, host, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("request object of %s: %w", r.ClientID, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, nil, fmt.Errorf("request object signature: %w", err)
	}
	if err := verifySignature(leaf.PublicKey, header.Alg, []byte(parts[0]+"."+parts[1]), sig); err != nil {
		return nil, nil, fmt.Errorf("request object of %s: %w", r.ClientID, err)
	}
	return &r, &Signed{Subject: leaf.Subject.String()}, nil
}

// verifyChain parses an x5c chain and verifies it for DNS name host.
func verifyChain(x5c []string, host string, opts ReadOptions) (*x509.Certificate, error) {
	if len(x5c) == 0 || len(x5c) > maxChain {
		return nil, fmt.Errorf("x5c holds %d certificates, want 1 to %d", len(x5c), maxChain)
	}
	certs := make([]*x509.Certificate, len(x5c))
	for i, b64 := range x5c {
		der, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("x5c[%d]: %w", i, err)
		}
		if certs[i], err = x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("x5c[%d]: %w", i, err)
		}
	}
	intermediates := x509.NewCertPool()
	for _, c := range certs[1:] {
		intermediates.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{
		DNSName: host, Roots: opts.Roots, Intermediates: intermediates, CurrentTime: opts.Now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return nil, fmt.Errorf("its certificate is not trusted for %s: %w", host, err)
	}
	return certs[0], nil
}

// verifySignature checks a JWS signature with the leaf's key.
func verifySignature(pub crypto.PublicKey, alg string, input, sig []byte) error {
	want, err := signingAlg(pub)
	if err != nil {
		return err
	}
	if alg != want {
		return fmt.Errorf("alg %q does not match the certificate's %s key: %w", alg, want, ErrSigned)
	}
	if alg == "RS256" {
		digest := sha256.Sum256(input)
		if err := rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, digest[:], sig); err != nil {
			return errors.New("RS256 signature does not verify")
		}
		return nil
	}
	return jws.Verify(pub, alg, input, sig)
}

// HostOf returns the host name of a URL, or "".
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
