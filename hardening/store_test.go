package hardening

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/sceau/sceau/org"
	bolt "go.etcd.io/bbolt"
)

// The buckets of the embedded ledger's store, as network/embedded
// documents them: blocks by number (8 bytes, big-endian), chaincode state,
// key history, trusted orgs (config), transaction ids, and meta (the tip
// hash recorded at each commit).
var (
	bucketBlocks  = []byte("blocks")
	bucketState   = []byte("state")
	bucketHistory = []byte("history")
	bucketConfig  = []byte("config")
	bucketMeta    = []byte("meta")
	metaTip       = []byte("tip")
)

// storeEdit changes a closed ledger's store behind the ledger's back and
// returns what `sceau ledger verify` must name (a block, a key).
type storeEdit func(t *testing.T, tx *bolt.Tx) string

// TestLedgerVerifyDetectsEveryChangeToTheStore changes a committed block,
// a state entry, a history entry or a trusted org directly in ledger.db —
// flipping one byte, deleting, adding, reordering, and rewriting the
// recorded tip hash to cover the change — and checks that `sceau ledger
// verify` exits 1 naming the block or key concerned, on each copy; the
// untouched copy verifies.
func TestLedgerVerifyDetectsEveryChangeToTheStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bundles := w.issue("Diploma", "diplomas", sampleDiplomaCSV(nil))
	w.mustSceau("revoke", "--issuer", examOffice, "--reason", "error", bundles[0].path)
	pristine := w.ledgerDir()

	edits := []struct {
		name string
		edit storeEdit
	}{
		{"one byte of a middle block", func(t *testing.T, tx *bolt.Tx) string {
			n := middleBlock(t, tx)
			flipValueByte(t, tx.Bucket(bucketBlocks), blockKey(n))
			return fmt.Sprintf("block %d", n)
		}},
		{"one byte of the last block, tip hash rewritten to match", func(t *testing.T, tx *bolt.Tx) string {
			n := lastBlock(t, tx)
			raw := flipValueByte(t, tx.Bucket(bucketBlocks), blockKey(n))
			tip := sha256.Sum256(raw)
			put(t, tx.Bucket(bucketMeta), metaTip, tip[:])
			return fmt.Sprintf("block %d", n)
		}},
		{"the last block deleted, tip hash rewritten to the one before", func(t *testing.T, tx *bolt.Tx) string {
			blocks := tx.Bucket(bucketBlocks)
			n := lastBlock(t, tx)
			if err := blocks.Delete(blockKey(n)); err != nil {
				t.Fatal(err)
			}
			tip := sha256.Sum256(blocks.Get(blockKey(n - 1)))
			put(t, tx.Bucket(bucketMeta), metaTip, tip[:])
			return "the state value differs from the value the block wrote"
		}},
		{"two blocks swapped", func(t *testing.T, tx *bolt.Tx) string {
			blocks := tx.Bucket(bucketBlocks)
			n := middleBlock(t, tx)
			a, b := bytes.Clone(blocks.Get(blockKey(n))), bytes.Clone(blocks.Get(blockKey(n+1)))
			put(t, blocks, blockKey(n), b)
			put(t, blocks, blockKey(n+1), a)
			return fmt.Sprintf("block %d", n)
		}},
		{"a credential's status changed from revoked to active", func(t *testing.T, tx *bolt.Tx) string {
			key, value := findEntry(t, tx.Bucket(bucketState), []byte(`"status":"revoked"`))
			put(t, tx.Bucket(bucketState), key, bytes.Replace(value, []byte(`"status":"revoked"`), []byte(`"status":"active"`), 1))
			return fmt.Sprintf("%q", key)
		}},
		{"an issuer's public key replaced in the state", func(t *testing.T, tx *bolt.Tx) string {
			// The registry keeps each key's JWK as a JSON string.
			x := []byte(`\"x\":\"`)
			key, value := findEntry(t, tx.Bucket(bucketState), x)
			i := bytes.Index(value, x) + len(x)
			altered := bytes.Clone(value)
			altered[i] ^= 0x01
			put(t, tx.Bucket(bucketState), key, altered)
			return fmt.Sprintf("%q", key)
		}},
		{"a state entry deleted", func(t *testing.T, tx *bolt.Tx) string {
			key, _ := findEntry(t, tx.Bucket(bucketState), []byte(`"status":"active"`))
			if err := tx.Bucket(bucketState).Delete(key); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%q", key)
		}},
		{"a state entry added", func(t *testing.T, tx *bolt.Tx) string {
			key, value := findEntry(t, tx.Bucket(bucketState), []byte(`"status":"active"`))
			forged := append(bytes.Clone(key), 'f')
			put(t, tx.Bucket(bucketState), forged, value)
			return fmt.Sprintf("%q", forged)
		}},
		{"a history entry changed", func(t *testing.T, tx *bolt.Tx) string {
			history := tx.Bucket(bucketHistory)
			k, _ := history.Cursor().Last()
			flipValueByte(t, history, bytes.Clone(k))
			return "history"
		}},
		{"a trusted org's CA replaced by the attacker's", func(t *testing.T, tx *bolt.Tx) string {
			config := tx.Bucket(bucketConfig)
			k, v := config.Cursor().Last()
			var record map[int]any
			if err := cbor.Unmarshal(v, &record); err != nil {
				t.Fatal(err)
			}
			record[3] = attackerCAPEM(t)
			put(t, config, k, coseEncode(t, record))
			return fmt.Sprintf("%q", k)
		}},
		{"a trusted org's CA made unreadable", func(t *testing.T, tx *bolt.Tx) string {
			config := tx.Bucket(bucketConfig)
			k, _ := config.Cursor().Last()
			flipValueByte(t, config, bytes.Clone(k))
			return string(k)
		}},
	}

	t.Run("untouched", func(t *testing.T) {
		home := copyLedger(t, pristine)
		if code, out := w.sceauHome(home, "ledger", "verify"); code != 0 {
			t.Fatalf("the untouched copy does not verify: exit %d\n%s", code, out)
		}
	})
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			home := copyLedger(t, pristine)
			db, err := bolt.Open(filepath.Join(org.Home(home).LedgerDir(), "ledger.db"), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			var named string
			err = db.Update(func(tx *bolt.Tx) error {
				named = e.edit(t, tx)
				return nil
			})
			if cerr := db.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
			code, out := w.sceauHome(home, "ledger", "verify")
			if code != 1 {
				t.Fatalf("ledger verify after the change: exit %d, want 1\n%s", code, out)
			}
			if !strings.Contains(out, named) {
				t.Errorf("ledger verify does not name %s:\n%s", named, out)
			}
			lines := strings.SplitN(out, "\n", 4)
			t.Logf("ledger verify: %s", strings.Join(lines[:min(3, len(lines))], " | "))
		})
	}
}

// sceauHome runs the command line in-process on another home.
func (w *world) sceauHome(home string, args ...string) (int, string) {
	w.t.Helper()
	other := *w
	other.home = home
	return other.sceau(args...)
}

// attackerCAPEM returns a self-signed CA certificate of a new key, PEM: a
// CA that would let an attacker make member certificates the ledger trusts.
func attackerCAPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{CommonName: "ministry CA", Organization: []string{"ministry"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// copyLedger copies a ledger folder into a new home and returns the home.
func copyLedger(t *testing.T, ledger string) string {
	t.Helper()
	home := t.TempDir()
	err := filepath.WalkDir(ledger, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(ledger, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(org.Home(home).LedgerDir(), rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return home
}

func blockKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func lastBlock(t *testing.T, tx *bolt.Tx) uint64 {
	t.Helper()
	k, _ := tx.Bucket(bucketBlocks).Cursor().Last()
	if len(k) != 8 || binary.BigEndian.Uint64(k) < 4 {
		t.Fatalf("the ledger has too few blocks to change: last key %x", k)
	}
	return binary.BigEndian.Uint64(k)
}

func middleBlock(t *testing.T, tx *bolt.Tx) uint64 { return lastBlock(t, tx) / 2 }

// flipValueByte flips one bit in the middle of the value at key and
// returns the new value.
func flipValueByte(t *testing.T, b *bolt.Bucket, key []byte) []byte {
	t.Helper()
	v := bytes.Clone(b.Get(key))
	if len(v) == 0 {
		t.Fatalf("no value at key %q", key)
	}
	v[len(v)/2] ^= 0x01
	put(t, b, key, v)
	return v
}

func put(t *testing.T, b *bolt.Bucket, key, value []byte) {
	t.Helper()
	if err := b.Put(bytes.Clone(key), value); err != nil {
		t.Fatal(err)
	}
}

// findEntry returns the first entry of b whose value contains part.
func findEntry(t *testing.T, b *bolt.Bucket, part []byte) (key, value []byte) {
	t.Helper()
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if bytes.Contains(v, part) {
			return bytes.Clone(k), bytes.Clone(v)
		}
	}
	t.Fatalf("no entry holds %s", part)
	return nil, nil
}
