// Package issuer is what an exam office runs: its identity and signing keys
// (kept in the Sceau home, encrypted at rest), the registration of its keys
// on the ledger, and batch issuance from CSV exports: validate, sign, anchor,
// write bundles — streaming, chunked and resumable.
package issuer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/sceau/sceau/internal/fsutil"
)

// Profile is an issuer's local record, `<home>/issuers/<id>/issuer.json`.
// It holds no secret: private keys are separate files under keys/.
type Profile struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Org is the ledger identity that submits this issuer's transactions.
	Org   string `json:"org"`
	MSPID string `json:"mspId"`
	// Keys lists every key this issuer ever had, oldest first.
	Keys []KeyRef `json:"keys"`
	// CurrentKID is the key that signs new credentials.
	CurrentKID string `json:"currentKid"`
}

// KeyRef points to one private key file of an issuer.
type KeyRef struct {
	KID string `json:"kid"`
	Alg string `json:"alg"`
	// File is relative to the issuer's folder.
	File      string `json:"file"`
	Encrypted bool   `json:"encrypted"`
	CreatedAt string `json:"createdAt"`
	RetiredAt string `json:"retiredAt,omitempty"`
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// ValidateID checks an issuer id: 2 to 63 characters, lower-case letters,
// digits and dashes, not starting with a dash.
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("issuer id %q: use 2 to 63 lower-case letters, digits and dashes, starting with a letter or digit", id)
	}
	return nil
}

// Dir returns the folder of issuer id under home.
func Dir(home, id string) string { return filepath.Join(home, "issuers", id) }

// ErrUnknownIssuer is returned when no local profile exists for an issuer id.
var ErrUnknownIssuer = errors.New("unknown issuer")

// LoadProfile reads the profile of issuer id.
func LoadProfile(home, id string) (*Profile, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(Dir(home, id), "issuer.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w %q in %s (create it with: sceau issuer init --id %s --name NAME)", ErrUnknownIssuer, id, home, id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading issuer %s: %w", id, err)
	}
	var p Profile
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("reading issuer %s: %w", id, err)
	}
	return &p, nil
}

// save writes the profile atomically into dir.
func (p *Profile) save(dir string) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(filepath.Join(dir, "issuer.json"), append(data, '\n'), 0o600)
}

// key returns the reference of key kid.
func (p *Profile) key(kid string) (*KeyRef, error) {
	for i := range p.Keys {
		if p.Keys[i].KID == kid {
			return &p.Keys[i], nil
		}
	}
	return nil, fmt.Errorf("issuer %s has no key %s", p.ID, kid)
}
