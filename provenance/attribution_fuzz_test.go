package provenance

import (
	"bytes"
	"crypto/ed25519"
	"reflect"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/sceau/sceau/internal/attest"
)

// FuzzVerifyAttribution feeds attribution statements, as a platform
// receives them in a submission or serves them, to VerifyAttribution. It
// must not panic, and what it accepts is a seed's content signed by the
// seed's author: the fuzzer cannot sign, so an accepted change can only be
// one that no signature covers. The seeds are signed with a fixed Ed25519
// key over fixed content (Ed25519 is deterministic), so that every fuzzing
// process holds the same ones.
func FuzzVerifyAttribution(f *testing.F) {
	jwk, err := jose.JSONWebKey{Key: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))}.MarshalJSON()
	if err != nil {
		f.Fatal(err)
	}
	author, err := ParseKey(jwk)
	if err != nil {
		f.Fatal(err)
	}
	resource := strings.Repeat("ab", 32)
	signed := map[string]*Attribution{}
	for _, a := range []Attribution{
		{Resource: resource, Names: []string{"Jeanne Martin"}, Nonce: "bm9uY2Utb2YtMTYtY2hhcnM", IssuedAt: 1751620000},
		{Resource: resource, Names: []string{"Ysaline Vercingétorix-Dubreuil", "Paul Roux"}, School: "Collège Jean Moulin",
			Email: "y.v@ac-exemple.invalid", Statement: "Séquence conçue en classe de 6e.\nMerci à mes collègues.",
			Nonce: "YW5vdGhlci1ub25jZS0xNg", IssuedAt: 1751620001},
	} {
		s, err := attest.Sign(author.Signer(), attest.TypeAttribution, a)
		if err != nil {
			f.Fatal(err)
		}
		got, signer, err := VerifyAttribution(s)
		if err != nil || signer != author.ID() {
			f.Fatalf("a signed attribution does not verify: %v", err)
		}
		signed[s] = got
		f.Add(s)
	}
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, compact string) {
		a, signer, err := VerifyAttribution(compact)
		if err != nil {
			return
		}
		if signer != author.ID() {
			t.Fatalf("accepted an attribution signed by %s, not by the seeds' author", signer)
		}
		for _, want := range signed {
			if reflect.DeepEqual(a, want) {
				return
			}
		}
		t.Fatalf("accepted an attribution no seed holds: %+v", a)
	})
}
