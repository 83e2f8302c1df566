// Package wallet is a student's credential wallet: a folder of its own,
// where every credential and the holder's private key are encrypted, from
// which the student presents credentials disclosing the fewest claims.
//
// # Layout
//
//	<dir>/wallet.key            the data key, sealed with the passphrase
//	<dir>/holder.key            the holder key pair(s), sealed with the data key
//	<dir>/credentials/<n>.cred  one credential each, sealed with the data key
//	<dir>/settings              the wallet's settings (Settings), sealed, if any
//
// wallet.key is an age file (scrypt passphrase recipient, internal/secret)
// holding a JSON document with a random 32-byte data key: the passphrase is
// stretched once per opening, not once per credential. Two keys are derived
// from the data key with HKDF-SHA256: one encrypts the other files with
// XChaCha20-Poly1305 (golang.org/x/crypto), the other names the credential
// files. A sealed file is "SCW1", a random 24-byte nonce and the
// ciphertext; its associated data is its path in the wallet, so that files
// cannot be swapped. A credential file is named by the hex HMAC-SHA256 of
// the credential id under the naming key (first 16 bytes): the name tells
// nothing of the credential, not even its random id, to whoever reads the
// folder without the passphrase, yet the wallet finds a credential, and
// refuses duplicates, without decrypting the others.
//
// Nothing of a credential is ever written in clear. Every write goes to a
// temporary file that is synced, then renamed over the old one, and the
// folder is synced (internal/fsutil): a crash leaves the old file or the
// new one. Deleting a credential removes its file; overwriting it first
// would not reach the blocks an SSD or a copy-on-write file system keeps,
// and the file was only ever ciphertext.
//
// Import reads any input with credential.Decode, so it takes what a
// verifier takes (an image or a PDF is kept as the text of its QR code).
// Answering a verifier's OpenID4VP request (respond.go: Understand, Answer)
// chooses the credential and discloses only the claims asked for; the
// request is fetched and the answer posted by cli, this package holding no
// HTTP.
//
// The package imports credential, chaincode/record (the credential types),
// oid4vp (the request's vocabulary), schemas (for titles), verifier (for the verdict of
// VerifyFunc), internal/fsutil and internal/secret; only cli imports it.
package wallet

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/internal/secret"
)

// PassphraseEnv names the environment variable holding the wallet's
// passphrase.
const PassphraseEnv = "SCEAU_WALLET_PASSPHRASE"

// Scrypt work factors (log2 of scrypt's N) of the passphrase.
const (
	// DefaultScryptWorkFactor is 2^16 (scrypt N=2^16, r=8: 64 MiB). The
	// passphrase is stretched once per command, and a student opens her
	// wallet often: `sceau wallet list` of 100 credentials must answer in
	// well under a second. Measured on this project's 2-core machine,
	// quiet, with the sceau binary: 0.37–0.40 s at 2^16, 0.75–0.86 s at
	// 2^17 (0.6 s of it unsealing), age's default of 18 about 1.1 s of CPU
	// to unseal alone. 2^17 is the least OWASP's password storage guidance
	// gives for scrypt: `wallet init --scrypt-work-factor 17` (or more)
	// trades that speed for resistance to guessing; wallets keep the
	// factor they were created with.
	DefaultScryptWorkFactor = 16
	// MinScryptWorkFactor is the lowest accepted, for tests and very slow
	// devices.
	MinScryptWorkFactor = 10
	// MaxScryptWorkFactor is the highest age opens.
	MaxScryptWorkFactor = 22
)

// Files and folders of a wallet.
const (
	keyFile        = "wallet.key"
	holderFile     = "holder.key"
	credentialsDir = "credentials"
	credentialExt  = ".cred"
	settingsFile   = "settings"
)

// Size limits of what the wallet reads back.
const (
	maxKeyFile        = 4 << 10
	maxHolderFile     = 256 << 10
	maxCredentialFile = 1 << 20
	maxSettingsFile   = 64 << 10
)

// sealMagic starts every file sealed with the data key.
const sealMagic = "SCW1"

// Errors of the wallet.
var (
	// ErrNoWallet: the folder holds no wallet.
	ErrNoWallet = errors.New("no wallet")
	// ErrExists: a wallet is already there.
	ErrExists = errors.New("a wallet already exists")
	// ErrWrongPassphrase: the passphrase does not open the wallet (or the
	// backup).
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrNotFound: no credential with this id in the wallet.
	ErrNotFound = errors.New("no such credential in the wallet")
)

// Wallet is an open wallet. It is not safe for concurrent use.
type Wallet struct {
	dir        string
	aead       cipher.AEAD
	nameKey    []byte
	workFactor int
	// holders are the holder keys, the current one first; older ones come
	// from restored backups and still present what they are bound to.
	holders []*credential.Key
}

// CreateOptions tune Create.
type CreateOptions struct {
	// ScryptWorkFactor is log2 of scrypt's N for the passphrase, from
	// MinScryptWorkFactor to MaxScryptWorkFactor; zero means
	// DefaultScryptWorkFactor.
	ScryptWorkFactor int
}

// keyDocument is the content of wallet.key, once opened.
type keyDocument struct {
	Version          int    `json:"version"`
	DataKey          string `json:"data_key"`
	ScryptWorkFactor int    `json:"scrypt_work_factor"`
	CreatedAt        string `json:"created_at"`
}

// holderDocument is the content of holder.key, once opened.
type holderDocument struct {
	Keys []json.RawMessage `json:"keys"`
}

// Create makes a new wallet in dir, which must not exist or be empty: a
// random data key sealed with passphrase, and a new P-256 holder key.
func Create(dir, passphrase string, opts CreateOptions) (*Wallet, error) {
	holder, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		return nil, fmt.Errorf("holder key: %w", err)
	}
	return create(dir, passphrase, opts, []*credential.Key{holder})
}

// create makes a wallet in dir with the given holder keys.
func create(dir, passphrase string, opts CreateOptions, holders []*credential.Key) (*Wallet, error) {
	wf := opts.ScryptWorkFactor
	if wf == 0 {
		wf = DefaultScryptWorkFactor
	}
	if wf < MinScryptWorkFactor || wf > MaxScryptWorkFactor {
		return nil, fmt.Errorf("scrypt work factor %d: want %d to %d", wf, MinScryptWorkFactor, MaxScryptWorkFactor)
	}
	if passphrase == "" {
		return nil, errors.New("the wallet passphrase is empty")
	}
	if err := checkNewFolder(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, credentialsDir), 0o700); err != nil {
		return nil, fmt.Errorf("creating the wallet: %w", err)
	}
	dataKey := make([]byte, 32)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	w, err := newWallet(dir, dataKey, wf)
	if err != nil {
		return nil, err
	}
	w.holders = holders
	if err := w.saveHolders(); err != nil {
		return nil, err
	}
	doc, err := json.Marshal(keyDocument{
		Version:          1,
		DataKey:          base64.StdEncoding.EncodeToString(dataKey),
		ScryptWorkFactor: wf,
		CreatedAt:        time.Now().UTC().Format(time.RFC3339),
	})
	if err != nil {
		return nil, err
	}
	sealed, err := secret.Seal(doc, passphrase, wf)
	if err != nil {
		return nil, err
	}
	// Written last: a wallet exists once its key file does.
	if err := fsutil.WriteFileAtomic(filepath.Join(dir, keyFile), sealed, 0o600); err != nil {
		return nil, err
	}
	return w, nil
}

// checkNewFolder accepts a folder that does not exist, is empty, or holds
// only what an interrupted Create leaves (no wallet.key).
func checkNewFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("wallet folder: %w", err)
	}
	for _, e := range entries {
		switch name := e.Name(); {
		case name == keyFile:
			return fmt.Errorf("%w in %s", ErrExists, dir)
		case name == holderFile, name == credentialsDir && e.IsDir(), strings.HasPrefix(name, "."+holderFile+".tmp-"), name == settingsFile:
		default:
			return fmt.Errorf("folder %s is not empty (it holds %s): a wallet needs a folder of its own", dir, name)
		}
	}
	return nil
}

// Open opens the wallet in dir with passphrase.
func Open(dir, passphrase string) (*Wallet, error) {
	sealed, err := os.ReadFile(filepath.Join(dir, keyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: create one with `sceau wallet init`", ErrNoWallet, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the wallet key: %w", err)
	}
	plain, err := secret.Open(sealed, passphrase, maxKeyFile)
	if errors.Is(err, secret.ErrWrongPassphrase) {
		return nil, fmt.Errorf("%w: it does not open the wallet in %s", ErrWrongPassphrase, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("the wallet key %s: %w", filepath.Join(dir, keyFile), err)
	}
	var doc keyDocument
	if err := json.Unmarshal(plain, &doc); err != nil || doc.Version != 1 {
		return nil, fmt.Errorf("the wallet key %s is damaged or of an unknown version", filepath.Join(dir, keyFile))
	}
	dataKey, err := base64.StdEncoding.DecodeString(doc.DataKey)
	if err != nil || len(dataKey) != 32 {
		return nil, fmt.Errorf("the wallet key %s is damaged: no 32-byte data key", filepath.Join(dir, keyFile))
	}
	w, err := newWallet(dir, dataKey, doc.ScryptWorkFactor)
	if err != nil {
		return nil, err
	}
	if err := w.loadHolders(); err != nil {
		return nil, err
	}
	return w, nil
}

// Exists reports whether dir holds a wallet.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, keyFile))
	return err == nil
}

// newWallet derives the wallet's keys from its data key.
func newWallet(dir string, dataKey []byte, workFactor int) (*Wallet, error) {
	encKey, err := hkdf.Key(sha256.New, dataKey, nil, "sceau wallet v1: file encryption", chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	nameKey, err := hkdf.Key(sha256.New, dataKey, nil, "sceau wallet v1: file names", 32)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(encKey)
	if err != nil {
		return nil, err
	}
	return &Wallet{dir: dir, aead: aead, nameKey: nameKey, workFactor: workFactor}, nil
}

// Dir returns the wallet's folder.
func (w *Wallet) Dir() string { return w.dir }

// HolderKey returns the current holder key, the one new credentials should
// be bound to.
func (w *Wallet) HolderKey() *credential.Key { return w.holders[0] }

// HolderJWK returns the current holder key's public JWK, for the issuer's
// holder_jwk CSV column. It never holds the private part.
func (w *Wallet) HolderJWK() ([]byte, error) { return w.holders[0].PublicJWK() }

// holderFor returns the holder key whose thumbprint is kid, or nil.
func (w *Wallet) holderFor(kid string) *credential.Key {
	for _, k := range w.holders {
		if k.KID() == kid {
			return k
		}
	}
	return nil
}

// seal encrypts plain for the file at rel (a slash path in the wallet).
func (w *Wallet) seal(rel string, plain []byte) ([]byte, error) {
	nonce := make([]byte, w.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(sealMagic)+len(nonce)+len(plain)+w.aead.Overhead())
	out = append(append(out, sealMagic...), nonce...)
	return w.aead.Seal(out, nonce, plain, []byte("sceau-wallet/v1/"+rel)), nil
}

// open decrypts the file at rel.
func (w *Wallet) open(rel string, sealed []byte) ([]byte, error) {
	n := len(sealMagic) + w.aead.NonceSize()
	if len(sealed) < n+w.aead.Overhead() || string(sealed[:len(sealMagic)]) != sealMagic {
		return nil, fmt.Errorf("%s is not a wallet file", rel)
	}
	plain, err := w.aead.Open(nil, sealed[len(sealMagic):n], sealed[n:], []byte("sceau-wallet/v1/"+rel))
	if err != nil {
		return nil, fmt.Errorf("%s is damaged, or not from this wallet", rel)
	}
	return plain, nil
}

// writeSealed seals plain and writes it atomically at rel.
func (w *Wallet) writeSealed(rel string, plain []byte) error {
	sealed, err := w.seal(rel, plain)
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(filepath.Join(w.dir, filepath.FromSlash(rel)), sealed, 0o600)
}

// readSealed reads and opens the file at rel, at most limit bytes.
func (w *Wallet) readSealed(rel string, limit int64) ([]byte, error) {
	path := filepath.Join(w.dir, filepath.FromSlash(rel))
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes is more than the %d a wallet file holds", rel, st.Size(), limit)
	}
	sealed, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return w.open(rel, sealed)
}

func (w *Wallet) saveHolders() error {
	var doc holderDocument
	for _, k := range w.holders {
		jwk, err := k.MarshalPrivateJWK()
		if err != nil {
			return err
		}
		doc.Keys = append(doc.Keys, jwk)
	}
	plain, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return w.writeSealed(holderFile, plain)
}

func (w *Wallet) loadHolders() error {
	plain, err := w.readSealed(holderFile, maxHolderFile)
	if err != nil {
		return fmt.Errorf("the holder key: %w", err)
	}
	keys, err := parseHolderKeys(plain)
	if err != nil {
		return fmt.Errorf("the holder key: %w", err)
	}
	w.holders = keys
	return nil
}

// parseHolderKeys reads a holderDocument: at least one private key.
func parseHolderKeys(plain []byte) ([]*credential.Key, error) {
	var doc holderDocument
	if err := json.Unmarshal(plain, &doc); err != nil {
		return nil, fmt.Errorf("damaged: %w", err)
	}
	if len(doc.Keys) == 0 {
		return nil, errors.New("no holder key")
	}
	keys := make([]*credential.Key, len(doc.Keys))
	for i, raw := range doc.Keys {
		k, err := credential.ParseKey(raw)
		if err != nil {
			return nil, fmt.Errorf("holder key %d: %w", i+1, err)
		}
		keys[i] = k
	}
	return keys, nil
}

// credentialRel returns the path in the wallet of the file of credential
// id ("urn:uuid:…").
func (w *Wallet) credentialRel(id string) string {
	mac := hmac.New(sha256.New, w.nameKey)
	mac.Write([]byte(id))
	return credentialsDir + "/" + hex.EncodeToString(mac.Sum(nil)[:16]) + credentialExt
}

// Settings are the wallet's own settings, kept sealed in it.
type Settings struct {
	// Verifier is the URL of a public Sceau verifier (`sceau serve`) that
	// verifies the wallet's credentials, for a student with no ledger of
	// her own; empty: the ledger the command line selects.
	Verifier string `json:"verifier,omitempty"`
}

// Settings returns the wallet's settings (zero when none were saved).
func (w *Wallet) Settings() (Settings, error) {
	var s Settings
	plain, err := w.readSealed(settingsFile, maxSettingsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("the wallet's settings: %w", err)
	}
	if err := json.Unmarshal(plain, &s); err != nil {
		return s, fmt.Errorf("the wallet's settings are damaged: %w", err)
	}
	return s, nil
}

// SaveSettings keeps s as the wallet's settings.
func (w *Wallet) SaveSettings(s Settings) error {
	plain, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return w.writeSealed(settingsFile, plain)
}
