package org

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/internal/secret"
)

// PassphraseEnv is the environment variable holding the passphrase of
// organisations' signing keys.
const PassphraseEnv = "SCEAU_KEY_PASSPHRASE"

// Keys creates, rotates and unlocks the signing keys of a home's
// organisations. A key is a private JWK in the organisation's keys/
// folder, sealed with age (scrypt) under a passphrase, or in clear in a
// 0600 file when created without one (for development).
type Keys struct {
	Home Home
	// Passphrase supplies passphrases: the environment, then a terminal.
	Passphrase secret.Source
	// ScryptWorkFactor is age's scrypt log2(N) for new key files; 0 =
	// age's default.
	ScryptWorkFactor int
	// Now is the clock of key creation and retirement (time.Now when nil).
	Now func() time.Time
}

// NewKeys returns the Keys of home, with passphrases from PassphraseEnv
// or the terminal.
func NewKeys(home Home) *Keys {
	return &Keys{Home: home, Passphrase: secret.Source{EnvVar: PassphraseEnv}}
}

func (k *Keys) now() time.Time {
	if k.Now != nil {
		return k.Now().UTC()
	}
	return time.Now().UTC()
}

// NewPassphrase returns the passphrase to seal a new key of organisation
// id with, asked twice on a terminal; "" when none is wanted.
func (k *Keys) NewPassphrase(id string, none bool) (string, error) {
	if none {
		return "", nil
	}
	p, err := k.Passphrase.Get("issuer "+id+"'s signing key", true)
	if err != nil {
		return "", fmt.Errorf("%w (or use --no-passphrase for a development key kept in a 0600 file)", err)
	}
	return p, nil
}

// NewOrg describes an organisation to create.
type NewOrg struct {
	ID   string
	Name string
	// Org and MSPID are its ledger identity.
	Org   string
	MSPID string
	// Alg is the signing algorithm: "ES256" (default) or "EdDSA".
	Alg string
	// Passphrase seals the first key; "" keeps it in clear.
	Passphrase string
}

// Create makes the folder of organisation o: its profile and its first
// signing key. The folder is written aside, then register is called with
// the profile and the key's public JWK (to register both on the ledger; it
// may complete the profile, e.g. its MSPID), and only then is the folder
// put in place: if register fails, nothing is left in the home. The
// organisation must be new (Home.CheckNew).
func (k *Keys) Create(o NewOrg, register func(p *Profile, publicJWK string) error) (*Profile, error) {
	if err := k.Home.CheckNew(o.ID); err != nil {
		return nil, err
	}
	dir, err := k.Home.Org(o.ID)
	if err != nil {
		return nil, err
	}
	if o.Alg == "" {
		o.Alg = string(credential.ES256)
	}
	key, err := credential.GenerateKey(credential.Algorithm(o.Alg))
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(dir.Path())
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, fmt.Errorf("issuer init: %w", err)
	}
	// A name record.ValidateIssuerID refuses, so that Home.OrgIDs never lists it.
	path, err := os.MkdirTemp(parent, "."+o.ID+".new-*")
	if err != nil {
		return nil, fmt.Errorf("issuer init: %w", err)
	}
	defer os.RemoveAll(path) // a no-op once renamed
	staging := Dir{path: path}
	profile := &Profile{ID: o.ID, Name: o.Name, Org: o.Org, MSPID: o.MSPID}
	ref, err := k.write(staging, key, o.Passphrase)
	if err != nil {
		return nil, err
	}
	profile.Keys = []KeyRef{*ref}
	profile.CurrentKID = ref.KID
	if err := profile.save(staging); err != nil {
		return nil, err
	}
	pub, err := key.PublicJWK()
	if err != nil {
		return nil, err
	}
	if err := register(profile, string(pub)); err != nil {
		return nil, err
	}
	if err := profile.save(staging); err != nil {
		return nil, err
	}
	if err := os.Rename(staging.Path(), dir.Path()); err != nil {
		return nil, fmt.Errorf("issuer init: %w", err)
	}
	if err := fsutil.SyncDir(parent); err != nil {
		return nil, err
	}
	return profile, nil
}

// Rotate gives the organisation of profile p a new signing key, of
// algorithm alg (the current key's when empty), sealed with passphrase
// unless it is empty. register is called with the new public JWK (to
// register it on the ledger); if it fails, the new key is deleted and p
// is unchanged. Otherwise the older keys are marked retired and the new
// one becomes current.
func (k *Keys) Rotate(p *Profile, alg, passphrase string, register func(publicJWK string) error) (*KeyRef, error) {
	dir, err := k.Home.Org(p.ID)
	if err != nil {
		return nil, err
	}
	if alg == "" {
		alg = string(credential.ES256)
		if cur, err := p.key(p.CurrentKID); err == nil {
			alg = cur.Alg
		}
	}
	key, err := credential.GenerateKey(credential.Algorithm(alg))
	if err != nil {
		return nil, err
	}
	ref, err := k.write(dir, key, passphrase)
	if err != nil {
		return nil, err
	}
	pub, err := key.PublicJWK()
	if err != nil {
		return nil, err
	}
	if err := register(string(pub)); err != nil {
		os.Remove(dir.keyFile(ref))
		return nil, err
	}
	now := k.now().Format(time.RFC3339)
	for i := range p.Keys {
		if p.Keys[i].RetiredAt == "" {
			p.Keys[i].RetiredAt = now
		}
	}
	p.Keys = append(p.Keys, *ref)
	p.CurrentKID = ref.KID
	if err := p.save(dir); err != nil {
		return nil, err
	}
	return ref, nil
}

// write stores key in dir's keys/ folder, sealed with passphrase unless it
// is empty.
func (k *Keys) write(dir Dir, key *credential.Key, passphrase string) (*KeyRef, error) {
	priv, err := key.MarshalPrivateJWK()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir.KeysDir(), 0o700); err != nil {
		return nil, err
	}
	ref := &KeyRef{KID: key.KID(), Alg: string(key.Algorithm()), CreatedAt: k.now().Format(time.RFC3339)}
	data := priv
	ref.File = filepath.Join(keysFolder, ref.KID+".jwk")
	if passphrase != "" {
		if data, err = secret.Seal(priv, passphrase, k.ScryptWorkFactor); err != nil {
			return nil, err
		}
		ref.File += ".age"
		ref.Encrypted = true
	}
	if err := fsutil.WriteFileAtomic(dir.keyFile(ref), data, 0o600); err != nil {
		return nil, err
	}
	return ref, nil
}

// Open reads key kid of the organisation of profile p, unlocking it with
// the passphrase when it is sealed.
func (k *Keys) Open(p *Profile, kid string) (*credential.Key, error) {
	ref, err := p.key(kid)
	if err != nil {
		return nil, err
	}
	dir, err := k.Home.Org(p.ID)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(dir.keyFile(ref))
	if err != nil {
		return nil, fmt.Errorf("reading issuer %s's key: %w", p.ID, err)
	}
	if ref.Encrypted {
		passphrase, err := k.Passphrase.Get("issuer "+p.ID+"'s signing key", false)
		if err != nil {
			return nil, err
		}
		if data, err = secret.Open(data, passphrase, 64<<10); err != nil {
			return nil, fmt.Errorf("opening issuer %s's key %s: %w", p.ID, kid, err)
		}
	}
	key, err := credential.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("issuer %s's key %s: %w", p.ID, kid, err)
	}
	if key.KID() != kid {
		return nil, fmt.Errorf("issuer %s's key file %s holds key %s, not %s", p.ID, ref.File, key.KID(), kid)
	}
	return key, nil
}
