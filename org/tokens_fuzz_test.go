package org

import (
	"os"
	"strings"
	"testing"
)

// FuzzAuthenticate feeds API tokens, as an HTTP client sends them in its
// Authorization header, to Tokens.Authenticate. Only the one live token of
// the home authenticates, as its issuer; anything else — a revoked token,
// a changed character, an issuer id that names another folder — is
// refused, without panicking.
func FuzzAuthenticate(f *testing.F) {
	home := Home(f.TempDir())
	const id = "examoffice"
	dir, err := home.Org(id)
	if err != nil {
		f.Fatal(err)
	}
	if err := os.MkdirAll(dir.Path(), 0o700); err != nil {
		f.Fatal(err)
	}
	profile := `{"id":"examoffice","name":"Office des examens","org":"examoffice","keys":[],"currentKid":""}`
	if err := os.WriteFile(dir.ProfileFile(), []byte(profile), 0o600); err != nil {
		f.Fatal(err)
	}
	tokens := &Tokens{Home: home}
	live, _, err := tokens.Create(id, "ci")
	if err != nil {
		f.Fatal(err)
	}
	revoked, info, err := tokens.Create(id, "old")
	if err != nil {
		f.Fatal(err)
	}
	if err := tokens.Revoke(id, info.ID); err != nil {
		f.Fatal(err)
	}
	f.Add(live)
	f.Add(revoked)
	f.Add(live + "x")
	f.Add(strings.Replace(live, "sceau_", "Sceau_", 1))
	f.Add("sceau_examoffice__")
	f.Add("sceau_.._" + info.ID + "_x")
	f.Add("sceau_examoffice_" + info.ID)
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		got, err := tokens.Authenticate(token)
		switch {
		case token == live && (err != nil || got != id):
			t.Fatalf("the live token authenticates as %q, %v", got, err)
		case token != live && err == nil:
			t.Fatalf("token %q authenticates as %q; only %q should", token, got, live)
		}
	})
}
