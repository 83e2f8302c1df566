package issuer

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/merkle"
	"github.com/sceau/sceau/schemas"
)

func TestSecureProducesTheSDJWTForm(t *testing.T) {
	key, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}
	holder, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}
	holderJWK, err := holder.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}
	record := &schemas.Diploma{
		Student:   schemas.Student{StudentID: "070123456AB", GivenName: "Léa", FamilyName: "Martin", BirthDate: "2007-02-28"},
		Diploma:   "Baccalauréat général",
		EQFLevel:  4,
		AwardedOn: "2025-07-04",
	}
	cred, err := credential.New(record, "examoffice", time.Date(2025, 7, 4, 9, 0, 0, 0, time.UTC), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		holder string
	}{{"bound to the holder_jwk", string(holderJWK)}, {"without holder_jwk", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := secure(cred, key, tc.holder)
			if err != nil {
				t.Fatal(err)
			}
			sd, err := credential.ParseSDJWT(f.SDJWT)
			if err != nil {
				t.Fatalf("the SD-JWT form does not parse: %v", err)
			}
			if sd.Credential.ID != cred.ID || !strings.HasSuffix(f.SDJWT, "~") {
				t.Errorf("SD-JWT of credential %s, want %s, with the trailing ~", sd.Credential.ID, cred.ID)
			}
			if f.SDJWTDigest != credential.DigestJWS(sd.IssuerJWT) {
				t.Errorf("SD-JWT digest %s is not that of the issuer-signed JWT alone", f.SDJWTDigest)
			}
			if f.JWTDigest != credential.DigestJWS(f.VCJWT) {
				t.Errorf("vc+jwt digest %s is not that of its text", f.JWTDigest)
			}
			if d := f.Digests(); len(d) != 3 || d[2] != f.SDJWTDigest {
				t.Errorf("Digests() = %v, want vc+jwt, COSE and SD-JWT", d)
			}
			bound := sd.Credential.HolderKey != nil
			if bound != (tc.holder != "") || bound && sd.Credential.HolderKey.KID() != holder.KID() {
				t.Errorf("cnf = %v, want bound to the holder key: %v", sd.Credential.HolderKey, tc.holder != "")
			}
		})
	}
	if _, err := secure(cred, key, `{"kty":"RSA","n":"AQAB","e":"AQAB"}`); err == nil || !strings.Contains(err.Error(), "holder key") {
		t.Errorf("an unusable holder_jwk: %v, want an error naming the holder key", err)
	}
}

// TestMerkleTreeProofsVerify checks that every proof merkleTree gives leads
// from its leaf to its root, for trees of every shape up to 70 leaves.
func TestMerkleTreeProofsVerify(t *testing.T) {
	for n := 1; n <= 70; n++ {
		leaves := make([][]string, n)
		for i := range leaves {
			a, b := sha256.Sum256(fmt.Appendf(nil, "a%d", i)), sha256.Sum256(fmt.Appendf(nil, "b%d", i))
			leaves[i] = []string{hex.EncodeToString(a[:]), hex.EncodeToString(b[:])}
		}
		root, proofs, err := merkleTree(leaves)
		if err != nil {
			t.Fatal(err)
		}
		if want, err := merkleRoot(leaves); err != nil || root != want {
			t.Fatalf("%d leaves: root %s, want %s (%v)", n, root, want, err)
		}
		hashes, err := leafHashes(leaves)
		if err != nil {
			t.Fatal(err)
		}
		rawRoot, _ := hex.DecodeString(root)
		for i, p := range proofs {
			raw := make([][]byte, len(p))
			for j, node := range p {
				raw[j], _ = hex.DecodeString(node)
			}
			if err := merkle.VerifyInclusion(uint64(i), uint64(n), hashes[i], rawRoot, raw); err != nil {
				t.Fatalf("%d leaves: the proof of leaf %d does not verify: %v", n, i, err)
			}
		}
	}
}
