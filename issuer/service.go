package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
)

// Service performs an issuer's operations against a ledger.
type Service struct {
	// Home is the Sceau home: the issuers' profiles, keys and resume state.
	Home     org.Home
	Ledger   network.Ledger
	Contract *network.Contract
	// Keys creates, rotates and unlocks the issuers' signing keys.
	Keys   *org.Keys
	Logger *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Base is the public base URL of the deployment, under which the
	// credentials point to their schema, type metadata and status lists
	// (credential.DefaultBase when empty).
	Base string
	// IssuerByURL names issuers in credentials by their HTTPS identifier,
	// <Base>/issuers/<id>, instead of their urn.
	IssuerByURL bool

	// indexes are the issuers' status indexes open in this process.
	indexes statusIndexes
}

// NewService returns a Service over ledger for the Sceau home folder.
func NewService(home string, ledger network.Ledger, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		Home:     org.Home(home),
		Ledger:   ledger,
		Contract: network.NewContract(ledger),
		Keys:     org.NewKeys(org.Home(home)),
		Logger:   logger,
	}
	s.Keys.Now = s.now // keys are dated by the service's clock
	return s
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
func (s *Service) Init(ctx context.Context, opts InitOptions) (*org.Profile, error) {
	if err := record.ValidateIssuerID(opts.ID); err != nil {
		return nil, err
	}
	if opts.Name == "" {
		return nil, errors.New("issuer init: --name is required")
	}
	if err := s.Home.CheckNew(opts.ID); err != nil {
		return nil, err
	}
	passphrase, err := s.Keys.NewPassphrase(opts.ID, opts.NoPassphrase)
	if err != nil {
		return nil, err
	}
	ledgerOrg := opts.ID
	mspID := ""
	if p, ok := s.Ledger.(network.OrgProvisioner); ok {
		if mspID, err = p.ProvisionOrg(ctx, ledgerOrg); err != nil {
			return nil, fmt.Errorf("creating the ledger identity of %s: %w", ledgerOrg, err)
		}
	}
	newOrg := org.NewOrg{ID: opts.ID, Name: opts.Name, Org: ledgerOrg, MSPID: mspID, Alg: opts.Alg, Passphrase: passphrase}
	profile, err := s.Keys.Create(newOrg, func(p *org.Profile, publicJWK string) error {
		if err := s.Contract.RegisterIssuer(ctx, ledgerOrg, opts.ID, opts.Name, publicJWK); err != nil {
			return fmt.Errorf("registering issuer %s on the ledger: %w", opts.ID, err)
		}
		if registered, err := s.Contract.GetIssuer(ctx, opts.ID); err == nil {
			p.MSPID = registered.MSPID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Logger.Info("issuer registered", "issuer", opts.ID, "kid", profile.CurrentKID, "msp", profile.MSPID)
	return profile, nil
}

// RotateKey gives issuer id a new signing key, registered on the ledger; the
// old keys are retired there (credentials they signed keep verifying).
func (s *Service) RotateKey(ctx context.Context, id, alg string, noPassphrase bool) (*org.KeyRef, error) {
	p, err := s.Home.LoadProfile(id)
	if err != nil {
		return nil, err
	}
	passphrase, err := s.Keys.NewPassphrase(id, noPassphrase)
	if err != nil {
		return nil, err
	}
	return s.Keys.Rotate(p, alg, passphrase, func(publicJWK string) error {
		if err := s.Contract.RotateIssuerKey(ctx, p.Org, id, publicJWK); err != nil {
			return fmt.Errorf("registering the new key on the ledger: %w", err)
		}
		return nil
	})
}

// RevokeKey reports key kid of issuer id as compromised since the given
// ledger time: credentials anchored from then on no longer verify.
func (s *Service) RevokeKey(ctx context.Context, id, kid string, since time.Time) error {
	p, err := s.Home.LoadProfile(id)
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
