package wallet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/secret"
)

// backupFormat names the content of a backup.
const backupFormat = "sceau-wallet-backup"

// MaxBackupSize bounds the backup Restore reads.
const MaxBackupSize = 256 << 20

// backup is a wallet's whole content, as Export seals it.
type backup struct {
	Format      string            `json:"format"`
	Version     int               `json:"version"`
	CreatedAt   string            `json:"created_at"`
	HolderKeys  []json.RawMessage `json:"holder_keys"`
	Credentials []*Entry          `json:"credentials"`
}

// Export returns an encrypted backup of the whole wallet — holder keys and
// credentials — as one age file sealed with passphrase (scrypt, the
// wallet's work factor). Restore reads it back.
func (w *Wallet) Export(passphrase string) ([]byte, error) {
	entries, err := w.List()
	if err != nil {
		return nil, err
	}
	b := backup{Format: backupFormat, Version: 1, CreatedAt: time.Now().UTC().Format(time.RFC3339), Credentials: entries}
	for _, k := range w.holders {
		jwk, err := k.MarshalPrivateJWK()
		if err != nil {
			return nil, err
		}
		b.HolderKeys = append(b.HolderKeys, jwk)
	}
	if b.Credentials == nil {
		b.Credentials = []*Entry{}
	}
	plain, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	return secret.Seal(plain, passphrase, w.workFactor)
}

// RestoreSummary says what Restore did.
type RestoreSummary struct {
	// Created is true when Restore created the wallet.
	Created bool
	// Restored lists the credentials added; Present those the wallet
	// already had (kept as they were).
	Restored, Present []*Entry
	// HolderKeys is the number of holder keys the wallet gained.
	HolderKeys int
}

// Restore puts the content of a backup made by Export into the wallet in
// dir, creating it (with the backup's holder keys) when there is none. The
// same passphrase opens the backup and the wallet. Credentials the wallet
// already has are kept, not duplicated. Nothing is changed unless the
// backup opens and is whole.
func Restore(dir string, sealed []byte, passphrase string, opts CreateOptions) (*RestoreSummary, error) {
	if len(sealed) > MaxBackupSize {
		return nil, fmt.Errorf("the backup is %d bytes, more than the %d allowed", len(sealed), MaxBackupSize)
	}
	plain, err := secret.Open(sealed, passphrase, MaxBackupSize)
	if errors.Is(err, secret.ErrWrongPassphrase) {
		return nil, fmt.Errorf("%w: it does not open this backup; nothing was changed", ErrWrongPassphrase)
	}
	if err != nil {
		return nil, fmt.Errorf("not a wallet backup (%v); nothing was changed", err)
	}
	b, holders, err := parseBackup(plain)
	if err != nil {
		return nil, fmt.Errorf("the backup is damaged (%v); nothing was changed", err)
	}
	sum := &RestoreSummary{}
	var w *Wallet
	if Exists(dir) {
		if w, err = Open(dir, passphrase); err != nil {
			return nil, fmt.Errorf("%w; nothing was changed", err)
		}
		for _, k := range holders {
			if w.holderFor(k.KID()) == nil {
				w.holders = append(w.holders, k)
				sum.HolderKeys++
			}
		}
		if sum.HolderKeys > 0 {
			if err := w.saveHolders(); err != nil {
				return nil, err
			}
		}
	} else {
		if w, err = create(dir, passphrase, opts, holders); err != nil {
			return nil, err
		}
		sum.Created, sum.HolderKeys = true, len(holders)
	}
	for _, e := range b.Credentials {
		if _, err := w.Get(e.ID); err == nil {
			sum.Present = append(sum.Present, e)
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return sum, err
		}
		if err := w.put(e); err != nil {
			return sum, err
		}
		sum.Restored = append(sum.Restored, e)
	}
	return sum, nil
}

// parseBackup reads and checks a backup's content.
func parseBackup(plain []byte) (*backup, []*credential.Key, error) {
	var b backup
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, nil, err
	}
	if b.Format != backupFormat || b.Version != 1 {
		return nil, nil, fmt.Errorf("format %q version %d: want %q version 1", b.Format, b.Version, backupFormat)
	}
	if len(b.HolderKeys) == 0 {
		return nil, nil, errors.New("no holder key")
	}
	holders := make([]*credential.Key, len(b.HolderKeys))
	for i, raw := range b.HolderKeys {
		k, err := credential.ParseKey(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("holder key %d: %w", i+1, err)
		}
		holders[i] = k
	}
	for i, e := range b.Credentials {
		if e == nil {
			return nil, nil, fmt.Errorf("credential %d is null", i+1)
		}
		if credential.CarrierOf([]byte(e.Data)) != credential.CarrierText {
			return nil, nil, fmt.Errorf("credential %d: its data is an image or a PDF, not the credential's text the wallet keeps", i+1)
		}
		// Text decodes without work worth cancelling.
		parsed, _, err := parseEntry(context.Background(), []byte(e.Data))
		if err != nil {
			return nil, nil, fmt.Errorf("credential %d: %w", i+1, err)
		}
		if parsed.ID != e.ID || parsed.Form != e.Form {
			return nil, nil, fmt.Errorf("credential %d: its data is credential %s (%s), not %s (%s)", i+1, parsed.ID, parsed.Form, e.ID, e.Form)
		}
	}
	return &b, holders, nil
}
