package org

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/fsutil"
)

// API tokens let a program act for one organisation over HTTP (issue
// credentials, register resources). A token reads
// "sceau_<issuer id>_<token id>_<secret>"; only the SHA-256 of the secret is
// stored (in the organisation's tokens.json), so a token is shown once.

const tokenPrefix = "sceau_"

// TokenInfo describes a stored token (never the token itself).
type TokenInfo struct {
	ID        string `json:"id"`
	Label     string `json:"label,omitempty"`
	CreatedAt string `json:"createdAt"`
	RevokedAt string `json:"revokedAt,omitempty"`
	// Hash is the hex SHA-256 of the token's secret part.
	Hash string `json:"hash"`
}

// Tokens manages the API tokens of a home's organisations. It is safe for
// concurrent use within one process.
type Tokens struct {
	Home Home
	Now  func() time.Time
	mu   sync.Mutex
}

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now().UTC()
	}
	return time.Now().UTC()
}

func (t *Tokens) load(id string) ([]TokenInfo, error) {
	dir, err := t.Home.Org(id)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(dir.TokensFile())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s's tokens: %w", id, err)
	}
	var list []TokenInfo
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("reading %s's tokens: %w", id, err)
	}
	return list, nil
}

func (t *Tokens) save(id string, list []TokenInfo) error {
	dir, err := t.Home.Org(id)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(dir.TokensFile(), append(data, '\n'), 0o600)
}

// Create makes a new token for organisation id and returns it; it cannot be shown again.
func (t *Tokens) Create(id, label string) (string, *TokenInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.Home.LoadProfile(id); err != nil {
		return "", nil, err
	}
	var raw [8 + 32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, err
	}
	tokenID := hex.EncodeToString(raw[:8])
	secret := base64.RawURLEncoding.EncodeToString(raw[8:])
	sum := sha256.Sum256([]byte(secret))
	info := TokenInfo{ID: tokenID, Label: label, CreatedAt: t.now().Format(time.RFC3339), Hash: hex.EncodeToString(sum[:])}
	list, err := t.load(id)
	if err != nil {
		return "", nil, err
	}
	if err := t.save(id, append(list, info)); err != nil {
		return "", nil, err
	}
	return tokenPrefix + id + "_" + tokenID + "_" + secret, &info, nil
}

// List returns organisation id's tokens (hashes only).
func (t *Tokens) List(id string) ([]TokenInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := t.Home.LoadProfile(id); err != nil {
		return nil, err
	}
	return t.load(id)
}

// Revoke disables token tokenID of organisation id.
func (t *Tokens) Revoke(id, tokenID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	list, err := t.load(id)
	if err != nil {
		return err
	}
	for i := range list {
		if list[i].ID == tokenID {
			if list[i].RevokedAt == "" {
				list[i].RevokedAt = t.now().Format(time.RFC3339)
			}
			return t.save(id, list)
		}
	}
	return fmt.Errorf("issuer %s has no token %s (see sceau issuer token list --id %s)", id, tokenID, id)
}

// ErrBadToken is returned for a token that is malformed, unknown or revoked.
var ErrBadToken = errors.New("invalid or revoked API token")

// Authenticate returns the id of the organisation a token acts for.
func (t *Tokens) Authenticate(token string) (string, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", ErrBadToken
	}
	// The issuer id may contain dashes but not underscores; the token id is hex.
	parts := strings.SplitN(rest, "_", 3)
	if len(parts) != 3 || record.ValidateIssuerID(parts[0]) != nil {
		return "", ErrBadToken
	}
	id, tokenID, secret := parts[0], parts[1], parts[2]
	t.mu.Lock()
	list, err := t.load(id)
	t.mu.Unlock()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(secret))
	got := hex.EncodeToString(sum[:])
	for _, info := range list {
		if info.ID == tokenID && subtle.ConstantTimeCompare([]byte(info.Hash), []byte(got)) == 1 {
			if info.RevokedAt != "" {
				return "", ErrBadToken
			}
			return id, nil
		}
	}
	return "", ErrBadToken
}
