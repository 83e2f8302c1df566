package org

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func newTokenHome(t *testing.T, ids ...string) *Tokens {
	t.Helper()
	home := Home(t.TempDir())
	for _, id := range ids {
		dir, err := home.Org(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir.Path(), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := (&Profile{ID: id, Name: id, Org: id}).save(dir); err != nil {
			t.Fatal(err)
		}
	}
	return &Tokens{Home: home}
}

func TestTokensActOnlyForTheirIssuerAndStoreNoSecret(t *testing.T) {
	tk := newTokenHome(t, "office-a", "office-b")
	tokA, infoA, err := tk.Create("office-a", "batch uploader")
	if err != nil {
		t.Fatal(err)
	}
	tokB, _, err := tk.Create("office-b", "")
	if err != nil {
		t.Fatal(err)
	}
	for tok, want := range map[string]string{tokA: "office-a", tokB: "office-b"} {
		got, err := tk.Authenticate(tok)
		if err != nil || got != want {
			t.Errorf("Authenticate = %q, %v; want %q", got, err, want)
		}
	}
	dirA, err := tk.Home.Org("office-a")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := os.ReadFile(dirA.TokensFile())
	if err != nil {
		t.Fatal(err)
	}
	// sceau_<issuer>_<token id>_<secret>: the secret, base64url, may hold "_" itself.
	secret := strings.SplitN(tokA, "_", 4)[3]
	if strings.Contains(string(stored), secret) {
		t.Error("tokens.json holds the token's secret")
	}
	// A token of A with B's name swapped in must not act for B.
	forged := strings.Replace(tokA, "office-a", "office-b", 1)
	if _, err := tk.Authenticate(forged); !errors.Is(err, ErrBadToken) {
		t.Errorf("forged token: got %v, want ErrBadToken", err)
	}
	if err := tk.Revoke("office-a", infoA.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tk.Authenticate(tokA); !errors.Is(err, ErrBadToken) {
		t.Errorf("revoked token: got %v, want ErrBadToken", err)
	}
	for _, bad := range []string{"", "sceau_", "sceau_office-a", "Bearer x", tokB + "x"} {
		if _, err := tk.Authenticate(bad); !errors.Is(err, ErrBadToken) {
			t.Errorf("Authenticate(%q) = %v, want ErrBadToken", bad, err)
		}
	}
	list, err := tk.List("office-a")
	if err != nil || len(list) != 1 || list[0].RevokedAt == "" || list[0].Label != "batch uploader" {
		t.Errorf("List = %+v, %v", list, err)
	}
}
