package issuer

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
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
