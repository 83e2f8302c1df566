package ledgertest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/merkle"
)

// NewPublicJWK returns the public JWK of a fresh EC P-256 key and its RFC
// 7638 thumbprint (SHA-256, base64url), the kid the ledger gives it.
func NewPublicJWK(t testing.TB) (jwk, kid string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	point, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	x, y := b64(point[1:33]), b64(point[33:])
	// RFC 7638: the required members, in lexicographic order, no spaces.
	canonical := fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":%q,"y":%q}`, x, y)
	return canonical, thumbprint(canonical)
}

// NewEd25519PublicJWK returns the public JWK of a fresh Ed25519 key and its
// RFC 7638 thumbprint.
func NewEd25519PublicJWK(t testing.TB) (jwk, kid string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	canonical := fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":%q}`, b64(pub))
	return canonical, thumbprint(canonical)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func thumbprint(canonicalJWK string) string {
	sum := sha256.Sum256([]byte(canonicalJWK))
	return b64(sum[:])
}

// NewDigest returns a random hex SHA-256 digest (64 lowercase hex digits).
func NewDigest(t testing.TB) string {
	t.Helper()
	b := make([]byte, sha256.Size)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// NewCredentials returns one credential per entry of forms, each with that
// many fresh digests (one per secured form).
func NewCredentials(t testing.TB, forms ...int) [][]string {
	t.Helper()
	creds := make([][]string, len(forms))
	for i, n := range forms {
		for range n {
			creds[i] = append(creds[i], NewDigest(t))
		}
	}
	return creds
}

// MerkleRoot returns the hex RFC 6962 root over one leaf per credential,
// whose data is the credential's raw digests concatenated.
func MerkleRoot(t testing.TB, credentials [][]string) string {
	t.Helper()
	leaves := make([][]byte, len(credentials))
	for i, forms := range credentials {
		raws := make([][]byte, len(forms))
		for j, d := range forms {
			raw, err := hex.DecodeString(d)
			if err != nil {
				t.Fatalf("credential %d form %d: digest %q is not hex: %v", i, j, d, err)
			}
			raws[j] = raw
		}
		leaves[i] = merkle.LeafHash(merkle.LeafData(raws))
	}
	return hex.EncodeToString(merkle.Root(leaves))
}

// NewAnchorRequest returns the request anchoring credentials as batch
// batchID of issuer issuerID, with their Merkle root.
func NewAnchorRequest(t testing.TB, batchID, issuerID string, typ record.CredentialType, credentials [][]string) record.AnchorRequest {
	t.Helper()
	return record.AnchorRequest{
		BatchID:     batchID,
		IssuerID:    issuerID,
		Type:        typ,
		Credentials: credentials,
		Root:        MerkleRoot(t, credentials),
	}
}
