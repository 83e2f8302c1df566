package org

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sceau/sceau/chaincode/record"
)

// Home is a Sceau home folder. Its methods are the only code that knows
// where things are in it (the package documentation draws the layout).
// Like http.Dir, it is the folder's path, typed.
type Home string

// keysFolder is where an organisation's private keys are, in its folder:
// KeyRef.File starts with it.
const keysFolder = "keys"

// LedgerDir is the embedded ledger's folder.
func (h Home) LedgerDir() string { return filepath.Join(string(h), "ledger") }

// CacheDir is the verifier's offline cache of ledger reads.
func (h Home) CacheDir() string { return filepath.Join(string(h), "cache") }

// ResourcesDir is a resource platform's off-ledger store.
func (h Home) ResourcesDir() string { return filepath.Join(string(h), "resources") }

// ServeInfoFile is where a running `sceau serve` says that it holds the
// home's embedded ledger, and where it listens.
func (h Home) ServeInfoFile() string { return filepath.Join(string(h), "serve.json") }

// orgsDir holds one folder per organisation, named by its id.
func (h Home) orgsDir() string { return filepath.Join(string(h), "issuers") }

// Org returns the folder of organisation id, once id is checked
// (record.ValidateIssuerID): no path is ever built from an unchecked id. The folder
// may not exist.
func (h Home) Org(id string) (Dir, error) {
	if err := record.ValidateIssuerID(id); err != nil {
		return Dir{}, err
	}
	return Dir{path: filepath.Join(h.orgsDir(), id)}, nil
}

// CheckNew returns an error when organisation id already has a folder in
// the home (or id is not valid).
func (h Home) CheckNew(id string) error {
	dir, err := h.Org(id)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir.Path()); err == nil {
		return fmt.Errorf("issuer %s already exists in %s", id, dir.Path())
	}
	return nil
}

// OrgIDs lists the organisations of the home, sorted: the folders of
// issuers/ whose name is a valid id (a folder being created is not one).
// A home without organisations has none, and no error.
func (h Home) OrgIDs() ([]string, error) {
	entries, err := os.ReadDir(h.orgsDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && record.ValidateIssuerID(e.Name()) == nil {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// Dir is the folder of one organisation in a home, issuers/<id>/. Only
// Home.Org makes one, after checking the id.
type Dir struct{ path string }

// Path is the folder itself.
func (d Dir) Path() string { return d.path }

// ProfileFile is issuer.json, the organisation's Profile.
func (d Dir) ProfileFile() string { return filepath.Join(d.path, "issuer.json") }

// KeysDir holds the organisation's private signing keys; KeyRef.File
// names them relative to the organisation's folder.
func (d Dir) KeysDir() string { return filepath.Join(d.path, keysFolder) }

// keyFile is the file of key ref.
func (d Dir) keyFile(ref *KeyRef) string { return filepath.Join(d.path, ref.File) }

// TokensFile is tokens.json, the organisation's API tokens (hashes).
func (d Dir) TokensFile() string { return filepath.Join(d.path, "tokens.json") }

// RegisterFile is register.db, the encrypted record of every credential
// the organisation issued (package issuer/register owns its inside).
func (d Dir) RegisterFile() string { return filepath.Join(d.path, "register.db") }

// StatusIndexFile is status-index, which status list index each credential
// the organisation issued holds, by the digest of its vc+jwt (nothing
// personal: both are public in the credential and on the ledger).
func (d Dir) StatusIndexFile() string { return filepath.Join(d.path, "status-index") }

// StatusListsDir holds the organisation's status lists as last published,
// and the checkpoint of each on the ledger.
func (d Dir) StatusListsDir() string { return filepath.Join(d.path, "status") }

// JobsDir holds the resume state of `sceau issue` runs, one folder each.
func (d Dir) JobsDir() string { return filepath.Join(d.path, "jobs") }

// APICredentialsDir holds the bundles of credentials issued one by one
// over HTTP, as <uuid>.json.
func (d Dir) APICredentialsDir() string {
	return filepath.Join(d.path, "api", "credentials")
}

// APIBatchesDir holds the CSV batches uploaded over HTTP, one folder each.
func (d Dir) APIBatchesDir() string { return filepath.Join(d.path, "api", "batches") }
