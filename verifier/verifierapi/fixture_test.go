package verifierapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/merkle"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// The test issuer: an exam office registered and accredited on a real
// embedded ledger. (Package verifier's tests set up the same world.)
const (
	issuerOrg  = "acversailles"
	issuerID   = "ac-versailles"
	governance = embedded.DefaultGovernanceOrg
)

// env is a ledger with one accredited issuer.
type env struct {
	t        testing.TB
	ctx      context.Context
	ledger   *embedded.Ledger
	contract *network.Contract
	key      *credential.Key
	// issuedAt is when the test credentials are issued; the verifier's
	// clock reads an hour later unless a test changes now.
	issuedAt time.Time
	now      time.Time
	batches  int
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	l, err := embedded.Init(ctx, t.TempDir(), embedded.InitOptions{})
	if err != nil {
		t.Fatalf("embedded.Init: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	if _, err := l.ProvisionOrg(ctx, issuerOrg); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, ledger: l, contract: network.NewContract(l)}
	e.key = e.generateKey()
	jwk, err := e.key.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.contract.RegisterIssuer(ctx, issuerOrg, issuerID, "Académie de Versailles", string(jwk)); err != nil {
		t.Fatalf("RegisterIssuer: %v", err)
	}
	if err := e.contract.AccreditIssuer(ctx, governance, issuerID, record.CredentialTypes(), ""); err != nil {
		t.Fatalf("AccreditIssuer: %v", err)
	}
	e.issuedAt = time.Now().UTC().Truncate(time.Second)
	e.now = e.issuedAt.Add(time.Hour)
	return e
}

func (e *env) generateKey() *credential.Key {
	e.t.Helper()
	k, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

// verifier returns a verifier reading the test ledger, on the test clock.
func (e *env) verifier() *verifier.Verifier {
	e.t.Helper()
	validator, err := schemas.NewValidator()
	if err != nil {
		e.t.Fatal(err)
	}
	return verifier.New(e.contract, validator, verifier.Options{Now: func() time.Time { return e.now }})
}

// issued is a credential as the issuer hands it out.
type issued struct {
	cred      *credential.Credential
	jwt, qr   string
	bundle    credential.Bundle
	jwtDigest string
}

// issue signs records with the test issuer's key and anchors them in one
// batch, filling in each bundle's anchor.
func (e *env) issue(records ...schemas.Record) []*issued {
	e.t.Helper()
	var out []*issued
	var groups [][]string
	var leaves [][]byte
	for _, r := range records {
		c, err := credential.New(r, issuerID, e.issuedAt, rand.Reader)
		if err != nil {
			e.t.Fatalf("credential.New: %v", err)
		}
		jwt, err := credential.SignJWT(c, e.key)
		if err != nil {
			e.t.Fatal(err)
		}
		qr, err := credential.SignQR(c, e.key)
		if err != nil {
			e.t.Fatal(err)
		}
		group := []string{jwt.Digest, qr.Digest}
		raw := make([][]byte, len(group))
		for i, d := range group {
			raw[i], _ = hex.DecodeString(d)
		}
		groups = append(groups, group)
		leaves = append(leaves, merkle.LeafHash(merkle.LeafData(raw)))
		out = append(out, &issued{cred: c, jwt: jwt.Text, qr: qr.Text, jwtDigest: jwt.Digest,
			bundle: credential.Bundle{ID: c.ID, Type: c.Type, Issuer: credential.IssuerURI(issuerID), VCJWT: jwt.Text, QR: qr.Text}})
	}
	e.batches++
	batchID := fmt.Sprintf("test-batch-%d", e.batches)
	root := hex.EncodeToString(merkle.Root(leaves))
	req := record.AnchorRequest{BatchID: batchID, IssuerID: issuerID, Type: record.CredentialType(records[0].CredentialType()), Credentials: groups, Root: root}
	if _, err := e.contract.AnchorBatch(e.ctx, issuerOrg, req); err != nil {
		e.t.Fatalf("AnchorBatch: %v", err)
	}
	for i, is := range out {
		proof, err := merkle.Proof(leaves, uint64(i))
		if err != nil {
			e.t.Fatal(err)
		}
		hexProof := make([]string, len(proof))
		for j, h := range proof {
			hexProof[j] = hex.EncodeToString(h)
		}
		is.bundle.Anchor = credential.Anchor{Batch: batchID, Root: root, Index: i, Proof: hexProof}
	}
	return out
}

func (is *issued) bundleJSON(t *testing.T) []byte {
	t.Helper()
	data, err := json.Marshal(is.bundle)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// diploma returns a valid diploma subject.
func diploma() *schemas.Diploma {
	return &schemas.Diploma{
		Student:      schemas.Student{StudentID: "070123456AB", GivenName: "Léa", FamilyName: "Martin", BirthDate: "2007-02-28"},
		Diploma:      "Baccalauréat général",
		EQFLevel:     4,
		AwardedOn:    "2025-07-04",
		Mention:      "bien",
		Specialities: []string{"Mathématiques", "Physique-chimie"},
		Session:      "juin 2025",
	}
}

// pix returns a valid Pix certification subject, certified certifiedOn.
func pix(certifiedOn time.Time) *schemas.PixCertification {
	competences := make([]schemas.Competence, len(schemas.CompetenceFramework))
	for i, def := range schemas.CompetenceFramework {
		competences[i] = schemas.Competence{ID: def.ID, Name: def.Name, Level: 3 + i%4}
	}
	return &schemas.PixCertification{
		Student:             schemas.Student{StudentID: "081234567KL", GivenName: "Marie-Amélie", FamilyName: "Dupont", BirthDate: "2006-03-14"},
		CertificationCenter: "Lycée Jean Moulin, Montpellier",
		CertifiedOn:         certifiedOn.Format(time.DateOnly),
		PixScore:            512,
		Competences:         competences,
		VerificationCode:    "P-B2C3D4F6",
	}
}

// tamper changes one character in the middle of a text form.
func tamper(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// failing returns the first check that failed, or nil.
func failing(r *verifier.Result) *verifier.Check {
	for i := range r.Checks {
		if !r.Checks[i].OK && !r.Checks[i].Skipped {
			return &r.Checks[i]
		}
	}
	return nil
}
