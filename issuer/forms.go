package issuer

import (
	"encoding/hex"
	"fmt"
	"unsafe"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/merkle"
)

// Forms are the secured forms of one credential, with the digests anchored
// for each.
type Forms struct {
	Issuer string `json:"issuer"`
	VCJWT  string `json:"vcJwt"`
	QR     string `json:"qr"`
	SDJWT  string `json:"sdJwt,omitempty"`
	// Digests of each form, in leaf order: vc+jwt, COSE, then SD-JWT when present.
	JWTDigest   string `json:"jwtDigest"`
	QRDigest    string `json:"qrDigest"`
	SDJWTDigest string `json:"sdJwtDigest,omitempty"`
}

// Digests returns the form digests in leaf order.
func (f *Forms) Digests() []string {
	d := []string{f.JWTDigest, f.QRDigest}
	if f.SDJWTDigest != "" {
		d = append(d, f.SDJWTDigest)
	}
	return d
}

// secure signs cred in every form with key: vc+jwt, SC1 and SD-JWT VC,
// the last bound to holderJWK (the holder's public JWK) unless it is empty.
func secure(cred *credential.Credential, key *credential.Key, holderJWK string) (*Forms, error) {
	jwt, err := credential.SignJWT(cred, key)
	if err != nil {
		return nil, err
	}
	qr, err := credential.SignQR(cred, key)
	if err != nil {
		return nil, err
	}
	sd, err := credential.SignSDJWT(cred, key, []byte(holderJWK))
	if err != nil {
		return nil, err
	}
	return &Forms{
		Issuer:      credential.IssuerURI(cred.IssuerID),
		VCJWT:       jwt.Text,
		QR:          qr.Text,
		SDJWT:       sd.Text,
		JWTDigest:   jwt.Digest,
		QRDigest:    qr.Digest,
		SDJWTDigest: sd.Digest,
	}, nil
}

// leafHashes returns the Merkle leaf hash of each credential's digests.
func leafHashes(leaves [][]string) ([][]byte, error) {
	hashes := make([][]byte, len(leaves))
	for i, digests := range leaves {
		raw := make([][]byte, len(digests))
		for j, d := range digests {
			b, err := hex.DecodeString(d)
			if err != nil || len(b) != 32 {
				return nil, fmt.Errorf("credential %d: digest %q is not a hex SHA-256", i, d)
			}
			raw[j] = b
		}
		hashes[i] = merkle.LeafHash(merkle.LeafData(raw))
	}
	return hashes, nil
}

// merkleRoot returns the hex RFC 6962 root over the credentials' leaves.
func merkleRoot(leaves [][]string) (string, error) {
	h, err := leafHashes(leaves)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(merkle.Root(h)), nil
}

// merkleTree returns the hex RFC 6962 root over the credentials' leaves
// and every credential's inclusion proof, hex-encoded. A node is in the
// proofs of many leaves, most of them sharing its bytes: each is encoded
// once, and the proofs share the strings.
func merkleTree(leaves [][]string) (string, [][]string, error) {
	h, err := leafHashes(leaves)
	if err != nil {
		return "", nil, err
	}
	proofs := merkle.Proofs(h)
	encoded := make(map[*byte]string, 2*len(leaves))
	out := make([][]string, len(proofs))
	for i, p := range proofs {
		out[i] = make([]string, len(p))
		for j, node := range p {
			at := unsafe.SliceData(node)
			e, ok := encoded[at]
			if !ok {
				e = hex.EncodeToString(node)
				encoded[at] = e
			}
			out[i][j] = e
		}
	}
	return hex.EncodeToString(merkle.Root(h)), out, nil
}
