package org

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sceau/sceau/credential"
)

// newTestKeys returns the Keys of a new home, with passphrases from the
// map env and no terminal to ask on.
func newTestKeys(t *testing.T, env map[string]string) *Keys {
	t.Helper()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devNull.Close() })
	k := NewKeys(Home(t.TempDir()))
	k.Passphrase.Getenv = func(name string) string { return env[name] }
	k.Passphrase.Terminal = devNull
	k.ScryptWorkFactor = 10 // age's default (18) takes about a second per key
	return k
}

func TestCreateSealsTheKeyAndLeavesNothingWhenRegistrationFails(t *testing.T) {
	env := map[string]string{PassphraseEnv: "s3cret passphrase"}
	k := newTestKeys(t, env)
	passphrase, err := k.NewPassphrase("platform", false)
	if err != nil {
		t.Fatal(err)
	}
	o := NewOrg{ID: "platform", Name: "Plateforme", Org: "platform", Passphrase: passphrase}

	refused := errors.New("the ledger refuses")
	if _, err := k.Create(o, func(*Profile, string) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("Create with a failing registration: %v, want the registration's error", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(string(k.Home), "issuers")); len(entries) != 0 {
		t.Fatalf("a failed creation left %v", entries)
	}

	var registeredJWK string
	p, err := k.Create(o, func(p *Profile, publicJWK string) error {
		registeredJWK = publicJWK
		p.MSPID = "PlatformMSP"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(registeredJWK, `"d"`) {
		t.Error("the registered key holds the private part")
	}
	stored, err := k.Home.LoadProfile("platform")
	if err != nil {
		t.Fatal(err)
	}
	if stored.MSPID != "PlatformMSP" || stored.CurrentKID != p.CurrentKID || len(stored.Keys) != 1 || stored.Keys[0].Alg != "ES256" {
		t.Errorf("stored profile %+v, want the registered one with one ES256 key", stored)
	}
	dir, err := k.Home.Org("platform")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir.Path(), p.Keys[0].File))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Keys[0].Encrypted || !strings.HasSuffix(p.Keys[0].File, ".jwk.age") || strings.Contains(string(raw), `"d"`) {
		t.Errorf("key %+v is not sealed", p.Keys[0])
	}
	if _, err := k.Create(o, func(*Profile, string) error { return nil }); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("creating it again: %v, want an error saying it exists", err)
	}
}

func TestOpenNeedsThePassphrase(t *testing.T) {
	env := map[string]string{PassphraseEnv: "s3cret passphrase"}
	k := newTestKeys(t, env)
	p, err := k.Create(NewOrg{ID: "examoffice", Name: "Office", Org: "examoffice", Alg: "EdDSA", Passphrase: env[PassphraseEnv]}, func(*Profile, string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	key, err := k.Open(p, p.CurrentKID)
	if err != nil || key.KID() != p.CurrentKID || key.Algorithm() != credential.EdDSA {
		t.Fatalf("Open with the passphrase: %v, %v", key, err)
	}
	env[PassphraseEnv] = "wrong"
	if _, err := k.Open(p, p.CurrentKID); err == nil {
		t.Error("a wrong passphrase opens the key")
	}
	delete(env, PassphraseEnv)
	if _, err := k.Open(p, p.CurrentKID); err == nil || !strings.Contains(err.Error(), PassphraseEnv) {
		t.Errorf("no passphrase and no terminal: %v, want an error naming %s", err, PassphraseEnv)
	}
	if _, err := k.NewPassphrase("examoffice", false); err == nil || !strings.Contains(err.Error(), "--no-passphrase") {
		t.Errorf("a new key without a passphrase: %v, want an error suggesting --no-passphrase", err)
	}
}

func TestRotateRetiresTheOldKeyOrChangesNothing(t *testing.T) {
	k := newTestKeys(t, nil)
	p, err := k.Create(NewOrg{ID: "examoffice", Name: "Office", Org: "examoffice", Alg: "EdDSA"}, func(*Profile, string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	first := p.CurrentKID
	dir, err := k.Home.Org("examoffice")
	if err != nil {
		t.Fatal(err)
	}

	refused := errors.New("the ledger refuses")
	if _, err := k.Rotate(p, "", "", func(string) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("Rotate with a failing registration: %v", err)
	}
	if files, _ := os.ReadDir(dir.KeysDir()); len(files) != 1 {
		t.Errorf("a failed rotation left %d key files, want 1", len(files))
	}
	if stored, _ := k.Home.LoadProfile("examoffice"); stored.CurrentKID != first || len(stored.Keys) != 1 {
		t.Errorf("a failed rotation changed the profile: %+v", stored)
	}

	ref, err := k.Rotate(p, "", "", func(string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	stored, err := k.Home.LoadProfile("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	if stored.CurrentKID != ref.KID || ref.KID == first || len(stored.Keys) != 2 || ref.Alg != "EdDSA" {
		t.Fatalf("after rotation: %+v, new key %+v (want a new current EdDSA key)", stored, ref)
	}
	if stored.Keys[0].RetiredAt == "" || stored.Keys[1].RetiredAt != "" {
		t.Errorf("after rotation keys are %+v: want the old one retired, the new one not", stored.Keys)
	}
	if ref.Encrypted {
		t.Error("a key rotated without a passphrase is marked encrypted")
	}
	if _, err := k.Open(stored, first); err != nil {
		t.Errorf("the retired key no longer opens: %v", err)
	}
}
