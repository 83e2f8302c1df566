package provenanceapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
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
	ctx := context.Background()
	home := t.TempDir()
	l, err := embedded.Init(ctx, org.Home(home).LedgerDir(), embedded.InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if _, err := issuer.NewService(home, l, nil).Init(ctx, issuer.InitOptions{ID: platformID, Name: "Plateforme de ressources", NoPassphrase: true}); err != nil {
		t.Fatal(err)
	}
	if err := network.NewContract(l).AccreditIssuer(ctx, embedded.DefaultGovernanceOrg, platformID, []record.CredentialType{record.TypeOpenResource}, ""); err != nil {
		t.Fatal(err)
	}
	return &platform{home: home, ledger: l, svc: provenance.NewService(home, l, nil)}
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
