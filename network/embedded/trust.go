package embedded

import (
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// trustedOrg is an org the ledger's config state trusts, its CA parsed.
type trustedOrg struct {
	record orgRecord
	ca     *x509.Certificate
	roots  *x509.CertPool
	// issued remembers the certificates (DER, as a string) found issued by
	// ca, so that a chain is built once per member, not once per proposal.
	issued sync.Map
}

// checkIssued checks that cert is issued by the org's CA and that both are
// valid at time at.
func (t *trustedOrg) checkIssued(cert *x509.Certificate, at time.Time) error {
	inValidity := func(c *x509.Certificate) bool { return !at.Before(c.NotBefore) && !at.After(c.NotAfter) }
	if inValidity(cert) && inValidity(t.ca) {
		if _, ok := t.issued.Load(string(cert.Raw)); ok {
			return nil
		}
	}
	_, err := cert.Verify(x509.VerifyOptions{
		Roots:       t.roots,
		CurrentTime: at,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return err
	}
	t.issued.Store(string(cert.Raw), struct{}{})
	return nil
}

// trustSet maps MSP IDs to the orgs the ledger trusts. A trustSet is never
// modified once built: a config change builds a new one.
type trustSet map[string]*trustedOrg

func newTrustedOrg(r *orgRecord) (*trustedOrg, error) {
	ca, err := parseCACertPEM(r.CACert)
	if err != nil {
		return nil, fmt.Errorf("the CA certificate of %s: %w", r.MSPID, err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return &trustedOrg{record: *r, ca: ca, roots: roots}, nil
}

// loadTrust reads the config state.
func loadTrust(config *bolt.Bucket) (trustSet, error) {
	ts := trustSet{}
	err := config.ForEach(func(k, v []byte) error {
		r, err := decodeOrgRecord(v)
		if err != nil {
			return fmt.Errorf("config key %q: %w", k, err)
		}
		if r.MSPID != string(k) {
			return fmt.Errorf("config key %q holds the record of %s", k, r.MSPID)
		}
		t, err := newTrustedOrg(r)
		if err != nil {
			return err
		}
		ts[r.MSPID] = t
		return nil
	})
	return ts, err
}

// verifiedCreator is a proposal creator whose certificate chains to the CA
// the ledger trusts for its MSP ID.
type verifiedCreator struct {
	mspID string
	org   string
	cert  *x509.Certificate
}

// verifySignedProposal checks what a signed proposal claims about its
// creator, as a Fabric peer's MSP does: the creator's MSP ID is trusted, its
// certificate is issued by that MSP's CA and valid at time at, and the
// signature over the proposal bytes is the certificate key's.
func (ts trustSet) verifySignedProposal(p *Proposal, sp *SignedProposal, at time.Time) (*verifiedCreator, error) {
	if want := ComputeTxID(p.Nonce, p.Creator); p.TxID != want {
		return nil, fmt.Errorf("transaction id %s is not the SHA-256 of the proposal's nonce and creator (%s)", p.TxID, want)
	}
	if len(p.Nonce) == 0 {
		return nil, fmt.Errorf("proposal %s has no nonce", p.TxID)
	}
	c, err := parseCreator(p.Creator)
	if err != nil {
		return nil, fmt.Errorf("proposal %s: %w", p.TxID, err)
	}
	org, ok := ts[c.mspID]
	if !ok {
		return nil, fmt.Errorf("proposal %s: MSP %s is not trusted by this ledger", p.TxID, c.mspID)
	}
	if err := org.checkIssued(c.cert, at); err != nil {
		return nil, fmt.Errorf("proposal %s: the creator certificate %q is not valid for MSP %s (CA %q): %w",
			p.TxID, c.cert.Subject.CommonName, c.mspID, org.ca.Subject.CommonName, err)
	}
	if err := verifyLowS(c.cert.PublicKey.(*ecdsa.PublicKey), sp.Proposal, sp.Signature); err != nil {
		return nil, fmt.Errorf("proposal %s by %s: %w", p.TxID, c.mspID, err)
	}
	return &verifiedCreator{mspID: c.mspID, org: org.record.Org, cert: c.cert}, nil
}
