package org

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/sceau/sceau/internal/fsutil"
)

// Profile is an organisation's local record, issuer.json in its folder.
// It holds no secret: private keys are separate files under keys/.
type Profile struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Org is the organisation's ledger identity (its Fabric org), which
	// submits its transactions.
	Org   string `json:"org"`
	MSPID string `json:"mspId"`
	// Keys lists every key this organisation ever had, oldest first.
	Keys []KeyRef `json:"keys"`
	// CurrentKID is the key that signs now.
	CurrentKID string `json:"currentKid"`
}

// KeyRef points to one private key file of an organisation.
type KeyRef struct {
	KID string `json:"kid"`
	Alg string `json:"alg"`
	// File is relative to the organisation's folder: keys/<kid>.jwk, or
	// keys/<kid>.jwk.age when Encrypted.
	File      string `json:"file"`
	Encrypted bool   `json:"encrypted"`
	CreatedAt string `json:"createdAt"`
	RetiredAt string `json:"retiredAt,omitempty"`
}

// ErrUnknown is returned when the home holds no profile for an
// organisation id.
var ErrUnknown = errors.New("unknown issuer")

// LoadProfile reads the profile of organisation id.
func (h Home) LoadProfile(id string) (*Profile, error) {
	dir, err := h.Org(id)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(dir.ProfileFile())
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w %q in %s (create it with: sceau issuer init --id %s --name NAME)", ErrUnknown, id, string(h), id)
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
func (p *Profile) save(dir Dir) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(dir.ProfileFile(), append(data, '\n'), 0o600)
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
