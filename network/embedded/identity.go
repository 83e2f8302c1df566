package embedded

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// Identity is an organisation member able to sign proposals: its MSP ID, its
// X.509 certificate (issued by the organisation's CA) and its private key.
type Identity struct {
	mspID   string
	certPEM []byte
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	creator []byte
}

// NewIdentity returns the identity of mspID holding the PEM certificate
// certPEM and its private key. The key must be an ECDSA P-256 key matching
// the certificate.
func NewIdentity(mspID string, certPEM []byte, key *ecdsa.PrivateKey) (*Identity, error) {
	if mspID == "" {
		return nil, errors.New("identity: the MSP ID is empty")
	}
	cert, err := parseCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("identity of %s: %w", mspID, err)
	}
	if key == nil || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("identity of %s: the private key is not an ECDSA P-256 key", mspID)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, fmt.Errorf("identity of %s: the private key does not match the certificate %q", mspID, cert.Subject.CommonName)
	}
	creator, err := MarshalCreator(mspID, certPEM)
	if err != nil {
		return nil, err
	}
	return &Identity{mspID: mspID, certPEM: append([]byte(nil), certPEM...), cert: cert, key: key, creator: creator}, nil
}

// MSPID returns the identity's MSP ID.
func (id *Identity) MSPID() string { return id.mspID }

// Certificate returns the identity's certificate.
func (id *Identity) Certificate() *x509.Certificate { return id.cert }

// Creator returns the identity as the chaincode sees it (GetCreator): a
// marshalled msp.SerializedIdentity.
func (id *Identity) Creator() []byte { return append([]byte(nil), id.creator...) }

// Sign returns p in its canonical bytes, signed with the identity's key.
// It signs p as it is: p.Creator may name another identity (to test that
// the ledger refuses such a proposal).
func (id *Identity) Sign(p *Proposal) (*SignedProposal, error) {
	b, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	sig, err := signLowS(id.key, b)
	if err != nil {
		return nil, fmt.Errorf("signing proposal %s as %s: %w", p.TxID, id.mspID, err)
	}
	return &SignedProposal{Proposal: b, Signature: sig}, nil
}

// MarshalCreator returns the creator bytes Fabric puts in a proposal: the
// deterministic protobuf encoding of msp.SerializedIdentity{Mspid, IdBytes}.
func MarshalCreator(mspID string, certPEM []byte) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(&msp.SerializedIdentity{Mspid: mspID, IdBytes: certPEM})
	if err != nil {
		return nil, fmt.Errorf("encoding the creator identity of %s: %w", mspID, err)
	}
	return b, nil
}

// MSPID derives an organisation's MSP ID from its id: the id capitalised,
// stripped of everything but letters and digits, followed by "MSP"
// ("examoffice" → "ExamofficeMSP", "exam-office" → "ExamofficeMSP").
// The org id must be 1 to 64 lowercase ASCII letters, digits, '-' or '_',
// starting with a letter: it also names the org's directory.
func MSPID(org string) (string, error) {
	if err := validateOrgID(org); err != nil {
		return "", err
	}
	var b strings.Builder
	for i, r := range org {
		switch {
		case r >= 'a' && r <= 'z':
			if i == 0 {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	b.WriteString("MSP")
	return b.String(), nil
}

func validateOrgID(org string) error {
	if org == "" || len(org) > 64 {
		return fmt.Errorf("org id %q: must be 1 to 64 characters long", org)
	}
	for i, r := range org {
		switch {
		case r >= 'a' && r <= 'z':
		case i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '_'):
		default:
			return fmt.Errorf("org id %q: character %q at position %d is not allowed (lowercase letters, digits, '-' and '_', starting with a letter)", org, r, i)
		}
	}
	return nil
}

// creatorIdentity is a creator decoded from a proposal.
type creatorIdentity struct {
	mspID   string
	certPEM []byte
	cert    *x509.Certificate
}

// parseCreator decodes creator bytes (a marshalled msp.SerializedIdentity).
func parseCreator(creator []byte) (*creatorIdentity, error) {
	var si msp.SerializedIdentity
	if err := proto.Unmarshal(creator, &si); err != nil {
		return nil, fmt.Errorf("the creator is not a serialized identity: %w", err)
	}
	if si.Mspid == "" {
		return nil, errors.New("the creator has no MSP ID")
	}
	cert, err := parseCertPEM(si.IdBytes)
	if err != nil {
		return nil, fmt.Errorf("the creator certificate of %s: %w", si.Mspid, err)
	}
	return &creatorIdentity{mspID: si.Mspid, certPEM: si.IdBytes, cert: cert}, nil
}

// parseCertPEM parses exactly one PEM CERTIFICATE block holding an ECDSA
// P-256 certificate.
func parseCertPEM(b []byte) (*x509.Certificate, error) {
	block, rest := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	if len(strings.TrimSpace(string(rest))) != 0 {
		return nil, errors.New("unexpected data after the PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing the certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("certificate %q: the public key is not ECDSA P-256", cert.Subject.CommonName)
	}
	return cert, nil
}

// ecdsaSignature is the ASN.1 form of an ECDSA signature.
type ecdsaSignature struct {
	R, S *big.Int
}

// signLowS signs SHA-256(msg) and returns the DER signature with S in its
// low form (S <= N/2), which Fabric requires to rule out malleability.
func signLowS(key *ecdsa.PrivateKey, msg []byte) ([]byte, error) {
	digest := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return nil, err
	}
	n := key.Curve.Params().N
	if s.Cmp(new(big.Int).Rsh(n, 1)) > 0 {
		s.Sub(n, s)
	}
	return asn1.Marshal(ecdsaSignature{R: r, S: s})
}

// verifyLowS checks a DER ECDSA signature over SHA-256(msg), refusing a
// signature whose S is not in its low form.
func verifyLowS(pub *ecdsa.PublicKey, msg, sig []byte) error {
	var es ecdsaSignature
	rest, err := asn1.Unmarshal(sig, &es)
	if err != nil || len(rest) != 0 || es.R == nil || es.S == nil {
		return errors.New("the signature is not a DER ECDSA signature")
	}
	if es.R.Sign() <= 0 || es.S.Sign() <= 0 {
		return errors.New("the signature has a non-positive component")
	}
	if es.S.Cmp(new(big.Int).Rsh(pub.Curve.Params().N, 1)) > 0 {
		return errors.New("the signature is not in low-S form")
	}
	digest := sha256.Sum256(msg)
	if !ecdsa.Verify(pub, digest[:], es.R, es.S) {
		return errors.New("the signature does not match the creator's certificate")
	}
	return nil
}
