package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/internal/secret"
	"github.com/sceau/sceau/network"
)

// PassphraseEnv is the environment variable holding issuers' key passphrase.
const PassphraseEnv = "SCEAU_KEY_PASSPHRASE"

// Service performs an issuer's operations against a ledger.
type Service struct {
	// Home is the Sceau home folder.
	Home     string
	Ledger   network.Ledger
	Contract *network.Contract
	// Passphrase supplies key passphrases (environment, then terminal).
	Passphrase secret.Source
	Logger     *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// ScryptWorkFactor is age's scrypt log2(N) for new key files; 0 = age's default.
	ScryptWorkFactor int
}

// NewService returns a Service over ledger for the Sceau home folder.
func NewService(home string, ledger network.Ledger, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		Home:       home,
		Ledger:     ledger,
		Contract:   network.NewContract(ledger),
		Passphrase: secret.Source{EnvVar: PassphraseEnv},
		Logger:     logger,
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// InitOptions describes a new issuer.
type InitOptions struct {
	ID   string
	Name string
	// Alg is the signing algorithm: "ES256" (default) or "EdDSA".
	Alg string
	// NoPassphrase keeps the private key in a plain 0600 file (development only).
	NoPassphrase bool
}

// Init creates issuer opts.ID: its ledger identity (on ledgers that create
// identities), its first signing key, and its registration on the ledger.
// Nothing is left on disk if the registration fails.
func (s *Service) Init(ctx context.Context, opts InitOptions) (*Profile, error) {
	if err := ValidateID(opts.ID); err != nil {
		return nil, err
	}
	if opts.Name == "" {
		return nil, errors.New("issuer init: --name is required")
	}
	dir := Dir(s.Home, opts.ID)
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("issuer %s already exists in %s", opts.ID, dir)
	}
	passphrase, err := s.newPassphrase(opts.ID, opts.NoPassphrase)
	if err != nil {
		return nil, err
	}
	org := opts.ID
	mspID := ""
	if p, ok := s.Ledger.(network.OrgProvisioner); ok {
		if mspID, err = p.ProvisionOrg(ctx, org); err != nil {
			return nil, fmt.Errorf("creating the ledger identity of %s: %w", org, err)
		}
	}
	if opts.Alg == "" {
		opts.Alg = string(credential.ES256)
	}
	key, err := credential.GenerateKey(credential.Algorithm(opts.Alg))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, fmt.Errorf("issuer init: %w", err)
	}
	staging, err := os.MkdirTemp(filepath.Dir(dir), "."+opts.ID+".new-*")
	if err != nil {
		return nil, fmt.Errorf("issuer init: %w", err)
	}
	defer os.RemoveAll(staging) // a no-op once renamed
	profile := &Profile{ID: opts.ID, Name: opts.Name, Org: org, MSPID: mspID}
	ref, err := s.writeKey(staging, key, passphrase)
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
	if err := s.Contract.RegisterIssuer(ctx, org, opts.ID, opts.Name, string(pub)); err != nil {
		return nil, fmt.Errorf("registering issuer %s on the ledger: %w", opts.ID, err)
	}
	if registered, err := s.Contract.GetIssuer(ctx, opts.ID); err == nil {
		profile.MSPID = registered.MSPID
		if err := profile.save(staging); err != nil {
			return nil, err
		}
	}
	if err := os.Rename(staging, dir); err != nil {
		return nil, fmt.Errorf("issuer init: %w", err)
	}
	if err := fsutil.SyncDir(filepath.Dir(dir)); err != nil {
		return nil, err
	}
	s.Logger.Info("issuer registered", "issuer", opts.ID, "kid", ref.KID, "msp", profile.MSPID)
	return profile, nil
}

// newPassphrase returns the passphrase protecting a new key ("" when none).
func (s *Service) newPassphrase(id string, none bool) (string, error) {
	if none {
		return "", nil
	}
	p, err := s.Passphrase.Get("issuer "+id+"'s signing key", true)
	if err != nil {
		return "", fmt.Errorf("%w (or use --no-passphrase for a development key kept in a 0600 file)", err)
	}
	return p, nil
}

// writeKey stores key in dir/keys/, sealed with passphrase unless it is empty.
func (s *Service) writeKey(dir string, key *credential.Key, passphrase string) (*KeyRef, error) {
	priv, err := key.MarshalPrivateJWK()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		return nil, err
	}
	ref := &KeyRef{KID: key.KID(), Alg: string(key.Algorithm()), CreatedAt: s.now().Format(time.RFC3339)}
	data := priv
	ref.File = filepath.Join("keys", ref.KID+".jwk")
	if passphrase != "" {
		if data, err = secret.Seal(priv, passphrase, s.ScryptWorkFactor); err != nil {
			return nil, err
		}
		ref.File += ".age"
		ref.Encrypted = true
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(dir, ref.File), data, 0o600); err != nil {
		return nil, err
	}
	return ref, nil
}

// signingKey loads and, if needed, decrypts key kid of profile p.
func (s *Service) signingKey(p *Profile, kid string) (*credential.Key, error) {
	ref, err := p.key(kid)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(Dir(s.Home, p.ID), ref.File))
	if err != nil {
		return nil, fmt.Errorf("reading issuer %s's key: %w", p.ID, err)
	}
	if ref.Encrypted {
		passphrase, err := s.Passphrase.Get("issuer "+p.ID+"'s signing key", false)
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

// RotateKey gives issuer id a new signing key, registered on the ledger; the
// old keys are retired there (credentials they signed keep verifying).
func (s *Service) RotateKey(ctx context.Context, id, alg string, noPassphrase bool) (*KeyRef, error) {
	p, err := LoadProfile(s.Home, id)
	if err != nil {
		return nil, err
	}
	passphrase, err := s.newPassphrase(id, noPassphrase)
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
	dir := Dir(s.Home, id)
	ref, err := s.writeKey(dir, key, passphrase)
	if err != nil {
		return nil, err
	}
	pub, err := key.PublicJWK()
	if err != nil {
		return nil, err
	}
	if err := s.Contract.RotateIssuerKey(ctx, p.Org, id, string(pub)); err != nil {
		os.Remove(filepath.Join(dir, ref.File))
		return nil, fmt.Errorf("registering the new key on the ledger: %w", err)
	}
	now := s.now().Format(time.RFC3339)
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

// RevokeKey reports key kid of issuer id as compromised since the given
// ledger time: credentials anchored from then on no longer verify.
func (s *Service) RevokeKey(ctx context.Context, id, kid string, since time.Time) error {
	p, err := LoadProfile(s.Home, id)
	if err != nil {
		return err
	}
	if err := s.Contract.CompromiseIssuerKey(ctx, p.Org, id, kid, since.UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("reporting key %s compromised: %w", kid, err)
	}
	if kid == p.CurrentKID {
		s.Logger.Warn("the compromised key was the current signing key: rotate it before issuing again", "issuer", id)
	}
	return nil
}

// JWKS returns issuer id's public keys as the ledger holds them, as a JSON Web Key Set.
func (s *Service) JWKS(ctx context.Context, id string) ([]byte, error) {
	is, err := s.Contract.GetIssuer(ctx, id)
	if err != nil {
		return nil, err
	}
	keys := make([]json.RawMessage, 0, len(is.Keys))
	for _, k := range is.Keys {
		var jwk map[string]any
		if err := json.Unmarshal([]byte(k.JWK), &jwk); err != nil {
			return nil, fmt.Errorf("issuer %s key %s on the ledger: %w", id, k.KID, err)
		}
		jwk["kid"] = k.KID
		jwk["use"] = "sig"
		// Key history, as registered on the ledger (non-standard members).
		jwk["sceau:validFrom"] = k.ValidFrom
		if k.RetiredAt != "" {
			jwk["sceau:retiredAt"] = k.RetiredAt
		}
		if k.CompromisedSince != "" {
			jwk["sceau:compromisedSince"] = k.CompromisedSince
		}
		b, err := json.Marshal(jwk)
		if err != nil {
			return nil, err
		}
		keys = append(keys, b)
	}
	return json.MarshalIndent(map[string]any{"keys": keys}, "", "  ")
}
