package embedded

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/sceau/sceau/internal/fsutil"
)

// Files of an organisation's dev-CA material, in <dir>/orgs/<org>/.
const (
	orgsDirName  = "orgs"
	caCertFile   = "ca.pem"
	caKeyFile    = "ca.key"
	memberCert   = "cert.pem"
	memberKey    = "key.pem"
	certValidity = 10 * 365 * 24 * time.Hour
	// clockSkew backdates certificates so that a slightly late clock
	// elsewhere still accepts them.
	clockSkew = time.Hour
)

// orgMaterial is an organisation's CA and member identity, as on disk.
type orgMaterial struct {
	org    string
	mspID  string
	caPEM  []byte
	ca     *x509.Certificate
	member *Identity
}

func orgDir(ledgerDir, org string) string {
	return filepath.Join(ledgerDir, orgsDirName, org)
}

// ensureOrgMaterial loads the CA and member identity of org from the ledger
// directory, creating them first if the org has no directory yet. Creation
// is atomic: the files are written in a temporary directory renamed into
// place, so a crash never leaves a half-made org behind.
func ensureOrgMaterial(ledgerDir, org string, now time.Time) (*orgMaterial, error) {
	mspID, err := MSPID(org)
	if err != nil {
		return nil, err
	}
	dir := orgDir(ledgerDir, org)
	if _, err := os.Stat(dir); err == nil {
		return loadOrgMaterial(ledgerDir, org, true)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("org %s: %w", org, err)
	}
	parent := filepath.Join(ledgerDir, orgsDirName)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, fmt.Errorf("org %s: creating %s: %w", org, parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+org+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("org %s: %w", org, err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := writeOrgMaterial(tmp, org, mspID, now); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr == nil {
			// Another caller created it first: use theirs.
			return loadOrgMaterial(ledgerDir, org, true)
		}
		return nil, fmt.Errorf("org %s: moving its material into place: %w", org, err)
	}
	if err := fsutil.SyncDir(parent); err != nil {
		return nil, fmt.Errorf("org %s: %w", org, err)
	}
	return loadOrgMaterial(ledgerDir, org, true)
}

// writeOrgMaterial creates a CA and a member identity of org in dir.
func writeOrgMaterial(dir, org, mspID string, now time.Time) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("org %s: generating the CA key: %w", org, err)
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "ca." + org, Organization: []string{org}, OrganizationalUnit: []string{mspID}},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	if caTmpl.SerialNumber, err = randomSerial(); err != nil {
		return fmt.Errorf("org %s: %w", org, err)
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("org %s: creating the CA certificate: %w", org, err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return fmt.Errorf("org %s: %w", org, err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("org %s: generating the member key: %w", org, err)
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "member." + org, Organization: []string{org}, OrganizationalUnit: []string{"client"}},
		NotBefore:   now.Add(-clockSkew),
		NotAfter:    now.Add(certValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if tmpl.SerialNumber, err = randomSerial(); err != nil {
		return fmt.Errorf("org %s: %w", org, err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("org %s: creating the member certificate: %w", org, err)
	}
	caKeyDER, err := x509.MarshalPKCS8PrivateKey(caKey)
	if err != nil {
		return fmt.Errorf("org %s: %w", org, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("org %s: %w", org, err)
	}
	files := []struct {
		name  string
		block *pem.Block
		perm  os.FileMode
	}{
		{caKeyFile, &pem.Block{Type: "PRIVATE KEY", Bytes: caKeyDER}, 0o600},
		{caCertFile, &pem.Block{Type: "CERTIFICATE", Bytes: caDER}, 0o644},
		{memberKey, &pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}, 0o600},
		{memberCert, &pem.Block{Type: "CERTIFICATE", Bytes: der}, 0o644},
	}
	for _, f := range files {
		if err := fsutil.WriteFileAtomic(filepath.Join(dir, f.name), pem.EncodeToMemory(f.block), f.perm); err != nil {
			return fmt.Errorf("org %s: %w", org, err)
		}
	}
	return nil
}

func randomSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("drawing a certificate serial number: %w", err)
	}
	return serial.Add(serial, big.NewInt(1)), nil
}

// loadOrgMaterial reads and cross-checks the material of org: the member
// certificate must be issued by the org's CA and match the member key. The
// CA key is read (and checked against the CA) only when withCAKey is set.
func loadOrgMaterial(ledgerDir, org string, withCAKey bool) (*orgMaterial, error) {
	mspID, err := MSPID(org)
	if err != nil {
		return nil, err
	}
	dir := orgDir(ledgerDir, org)
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("org %s: reading its %s: %w", org, name, err)
		}
		return b, nil
	}
	caPEM, err := read(caCertFile)
	if err != nil {
		return nil, err
	}
	ca, err := parseCACertPEM(caPEM)
	if err != nil {
		return nil, fmt.Errorf("org %s: %s: %w", org, filepath.Join(dir, caCertFile), err)
	}
	if withCAKey {
		caKeyPEM, err := read(caKeyFile)
		if err != nil {
			return nil, err
		}
		caKey, err := parseKeyPEM(caKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("org %s: %s: %w", org, filepath.Join(dir, caKeyFile), err)
		}
		if !caKey.PublicKey.Equal(ca.PublicKey) {
			return nil, fmt.Errorf("org %s: %s does not match %s", org, caKeyFile, caCertFile)
		}
	}
	certPEM, err := read(memberCert)
	if err != nil {
		return nil, err
	}
	keyPEM, err := read(memberKey)
	if err != nil {
		return nil, err
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("org %s: %s: %w", org, filepath.Join(dir, memberKey), err)
	}
	member, err := NewIdentity(mspID, certPEM, key)
	if err != nil {
		return nil, fmt.Errorf("org %s: %w", org, err)
	}
	if err := member.cert.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("org %s: %s is not issued by its %s: %w", org, memberCert, caCertFile, err)
	}
	return &orgMaterial{org: org, mspID: mspID, caPEM: caPEM, ca: ca, member: member}, nil
}

// parseCACertPEM parses a self-signed ECDSA P-256 CA certificate.
func parseCACertPEM(b []byte) (*x509.Certificate, error) {
	ca, err := parseCertPEM(b)
	if err != nil {
		return nil, err
	}
	if !ca.BasicConstraintsValid || !ca.IsCA {
		return nil, fmt.Errorf("certificate %q is not a CA certificate", ca.Subject.CommonName)
	}
	if err := ca.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("CA certificate %q is not self-signed: %w", ca.Subject.CommonName, err)
	}
	return ca, nil
}

// parseKeyPEM parses a PKCS #8 PEM ECDSA P-256 private key.
func parseKeyPEM(b []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM PKCS #8 private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing the private key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, errors.New("the private key is not ECDSA P-256")
	}
	return key, nil
}
