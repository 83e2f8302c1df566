package provenance

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/attest"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/internal/secret"
)

// AuthorPassphraseEnv is the environment variable holding the passphrase
// of encrypted author and reviewer keys: a person's own, apart from the
// platform's key passphrase (SCEAU_KEY_PASSPHRASE), which a teacher never
// needs to know.
const AuthorPassphraseEnv = "SCEAU_AUTHOR_PASSPHRASE"

// maxKeyFile bounds a key file (a private JWK, possibly age-encrypted).
const maxKeyFile = 64 << 10

// ageHeader starts every age-encrypted file.
var ageHeader = []byte("age-encryption.org/")

// Key is a person's signing key: an author's or a reviewer's. Their id on
// the ledger is its RFC 7638 thumbprint, and nothing else about them.
type Key struct {
	signer crypto.Signer
	id     string
}

// ID returns the key holder's id: the RFC 7638 thumbprint of the public key.
func (k *Key) ID() string { return k.id }

// Signer returns the private key, for signing statements.
func (k *Key) Signer() crypto.Signer { return k.signer }

// LoadKey reads a person's private key from path: a private JWK (ES256
// P-256 or EdDSA Ed25519, as `sceau resource keygen` writes it), in clear
// or encrypted with age under a passphrase (from SCEAU_AUTHOR_PASSPHRASE,
// or asked on the terminal when one is attached, as passphrase says). Each
// key has its own passphrase: when the environment's does not open this
// key (another author's), it is asked for on the terminal, if any. Wallet
// folders are not read yet: a folder is refused with an error saying so.
func LoadKey(path string, passphrase secret.Source) (*Key, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading key: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("key %s is a folder: wallet folders are not supported yet; pass the private JWK file of the key (`sceau resource keygen` makes one)", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading key: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading key %s: %w", path, err)
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("key %s is larger than %d bytes: not a key file", path, maxKeyFile)
	}
	if bytes.HasPrefix(data, ageHeader) {
		p, err := passphrase.Get("key "+path, false)
		if err != nil {
			return nil, err
		}
		opened, err := secret.Open(data, p, maxKeyFile)
		if errors.Is(err, secret.ErrWrongPassphrase) && passphrase.EnvVar != "" {
			// The environment's passphrase may be another key's: this
			// key's own is asked for, where a terminal is attached.
			ask := passphrase
			ask.EnvVar = ""
			if own, askErr := ask.Get("key "+path+" (the passphrase in "+passphrase.EnvVar+" does not open it)", false); askErr == nil {
				opened, err = secret.Open(data, own, maxKeyFile)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("opening key %s: %w", path, err)
		}
		data = opened
	}
	key, err := ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	return key, nil
}

// ParseKey reads a private JWK (ES256 P-256 or EdDSA Ed25519).
func ParseKey(privateJWK []byte) (*Key, error) {
	// credential.ParseKey checks the key thoroughly (curve, "d" matching
	// the public part, alg, use and kid members); the signer comes from the
	// same JWK.
	checked, err := credential.ParseKey(privateJWK)
	if err != nil {
		return nil, err
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(privateJWK); err != nil {
		return nil, fmt.Errorf("JWK: %w", err)
	}
	signer, ok := jwk.Key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("JWK: key type %T cannot sign", jwk.Key)
	}
	id, err := attest.Thumbprint(signer.Public())
	if err != nil {
		return nil, err
	}
	if id != checked.KID() {
		return nil, errors.New("JWK: the key's public part does not match its private part")
	}
	return &Key{signer: signer, id: id}, nil
}

// GenerateKeyFile makes a new signing key for alg (ES256 or EdDSA) and
// writes it to path as a private JWK (0600), encrypted with age under
// passphrase unless passphrase is empty. scryptWorkFactor is age's scrypt
// log2(N); 0 means age's default. It refuses to overwrite a file.
func GenerateKeyFile(path string, alg credential.Algorithm, passphrase string, scryptWorkFactor int) (*Key, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%s already exists: a key file is never overwritten", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("writing key: %w", err)
	}
	generated, err := credential.GenerateKey(alg)
	if err != nil {
		return nil, err
	}
	data, err := generated.MarshalPrivateJWK()
	if err != nil {
		return nil, err
	}
	key, err := ParseKey(data)
	if err != nil {
		return nil, err
	}
	if passphrase != "" {
		if data, err = secret.Seal(data, passphrase, scryptWorkFactor); err != nil {
			return nil, err
		}
	}
	if err := fsutil.WriteFileAtomic(path, data, 0o600); err != nil {
		return nil, err
	}
	return key, nil
}
