package oid4vp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/sceau/sceau/internal/testcert"
)

// testCA is a certificate authority, and the roots that trust it.
type testCA struct {
	*testcert.CA
	roots *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	ca := testcert.NewCA(t, "Test CA")
	return &testCA{CA: ca, roots: ca.Pool()}
}

// issue returns a signer whose certificate names dns, for key.
func (ca *testCA) issue(t *testing.T, dns string, key crypto.Signer) *RequestSigner {
	t.Helper()
	return &RequestSigner{Key: key, Chain: [][]byte{ca.Issue(t, testcert.ServerFor(dns), key.Public())}}
}

func x509Request() *Request {
	r := validRequest()
	r.ClientID = PrefixX509SanDNS + ":verifier.example"
	return r
}

func TestSignedRequestObjects(t *testing.T) {
	ca := newTestCA(t)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, key := range map[string]crypto.Signer{"ES256": ecKey, "EdDSA": edKey, "RS256": rsaKey} {
		t.Run(name, func(t *testing.T) {
			jwt, err := Sign(x509Request(), ca.issue(t, "verifier.example", key))
			if err != nil {
				t.Fatal(err)
			}
			r, signed, err := ReadRequestObjectSigned(jwt, ReadOptions{Roots: ca.roots})
			if err != nil {
				t.Fatal(err)
			}
			if r.ClientID != "x509_san_dns:verifier.example" || signed == nil || !strings.Contains(signed.Subject, "verifier.example") {
				t.Errorf("read %+v signed by %+v", r, signed)
			}
			if _, err := ReadRequestObject(jwt, ReadOptions{Roots: newTestCA(t).roots}); err == nil {
				t.Error("a request signed under an untrusted authority was read")
			}
			parts := strings.Split(jwt, ".")
			other := x509Request()
			other.Nonce = "another"
			forged, _ := Sign(other, ca.issue(t, "verifier.example", key))
			if _, err := ReadRequestObject(parts[0]+"."+strings.Split(forged, ".")[1]+"."+parts[2], ReadOptions{Roots: ca.roots}); err == nil {
				t.Error("a payload under another request's signature was read")
			}
		})
	}
	t.Run("a certificate for another host", func(t *testing.T) {
		s := ca.issue(t, "elsewhere.example", ecKey)
		if _, err := Sign(x509Request(), s); err == nil {
			t.Error("signed a request for a host the certificate does not name")
		}
	})
	t.Run("the response_uri on another host", func(t *testing.T) {
		r := x509Request()
		r.ClientID = PrefixX509SanDNS + ":other.example"
		if err := r.Validate(); err == nil {
			t.Error("a client id naming another host than the response_uri's validated")
		}
	})
	t.Run("unsigned x509_san_dns", func(t *testing.T) {
		jwt, _ := Sign(x509Request(), ca.issue(t, "verifier.example", ecKey))
		parts := strings.Split(jwt, ".")
		none := "eyJhbGciOiJub25lIiwidHlwIjoib2F1dGgtYXV0aHotcmVxK2p3dCJ9." + parts[1] + "."
		if _, err := ReadRequestObject(none, ReadOptions{Roots: ca.roots}); err == nil {
			t.Error("an unsigned request of the x509_san_dns prefix was read")
		}
	})
}
