package provenanceapi

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/issuertest"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/provenance"
)

// platformID is the platform of the tests, an issuer accredited for
// OpenResource. (Package provenance's tests set up the same world.)
const platformID = "edu"

// platform is a Sceau home with an embedded ledger and an accredited platform.
type platform struct {
	home   string
	ledger *embedded.Ledger
	svc    *provenance.Service
}

func newPlatform(t *testing.T) *platform {
	t.Helper()
	h := issuertest.New(t, platformID, "Plateforme de ressources", record.TypeOpenResource)
	return &platform{home: h.Dir, ledger: h.Ledger, svc: provenance.NewService(h.Dir, h.Ledger, nil)}
}

// newKey returns a new author key.
func newKey(t testing.TB) *provenance.Key {
	t.Helper()
	k, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := k.MarshalPrivateJWK()
	if err != nil {
		t.Fatal(err)
	}
	key, err := provenance.ParseKey(jwk)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// sha returns the SHA-256 of s in hex, as a resource digest.
func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
