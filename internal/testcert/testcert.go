// Package testcert makes the certificates of tests: a new authority
// (NewCA) that signs certificates of the shape a test needs (CA.Issue),
// and the most common of them, a server certificate for the DNS name
// localhost (Localhost). It is imported by _test files only: the map of
// architecture_test.go lets no other package import it.
//
// Imports: the standard library only.
package testcert

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// CA is a certificate authority of a test, valid from an hour ago to an
// hour from now.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	// PEM is Cert as PEM, for a file or a flag naming the authority.
	PEM []byte
}

// NewCA returns a new authority named name, with a P-256 key.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: cert, Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// Pool returns a pool that trusts ca alone.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return pool
}

// Issue returns the certificate (DER) ca signs for pub with what tmpl
// says (subject, names, key usages), a random serial number and ca's
// validity.
func (ca *CA) Issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey) []byte {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		t.Fatal(err)
	}
	c := *tmpl
	c.SerialNumber, c.NotBefore, c.NotAfter = serial, ca.Cert.NotBefore, ca.Cert.NotAfter
	der, err := x509.CreateCertificate(rand.Reader, &c, ca.Cert, pub, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// ServerFor is the template of a server certificate for the DNS name dns.
func ServerFor(dns string) *x509.Certificate {
	return &x509.Certificate{Subject: pkix.Name{CommonName: dns}, DNSNames: []string{dns},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
}

// Localhost returns a new P-256 key and a server certificate (DER) for
// the DNS name localhost that a new authority named caName signed, and
// that authority's certificate as PEM.
func Localhost(t testing.TB, caName string) (key *ecdsa.PrivateKey, leaf, caPEM []byte) {
	t.Helper()
	ca := NewCA(t, caName)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key, ca.Issue(t, ServerFor("localhost"), key.Public()), ca.PEM
}
