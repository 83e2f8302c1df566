// Package jws signs compact JSON Web Signatures (RFC 7515) with ES256 or
// EdDSA, the two algorithms Sceau issues with.
//
// It exists for speed: an exam office signs two JWS per credential, and
// building a go-jose Signer for each one, with its header map and the
// DER-to-(R||S) conversion through math/big, cost more than the signature
// itself. Verification stays with go-jose, which every form's parser uses.
package jws

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// The algorithms Sign accepts, as in the "alg" header.
const (
	ES256 = "ES256"
	EdDSA = "EdDSA"
)

// Sign returns the compact JWS of payload under the protected header
// header (a JSON object, used as given: its "alg" must be alg), signed by
// signer: an ECDSA P-256 key for ES256 (the signature is R || S, 64 bytes,
// RFC 7518 section 3.4), an Ed25519 key for EdDSA.
func Sign(signer crypto.Signer, alg string, header, payload []byte) (string, error) {
	enc := base64.RawURLEncoding
	hl, pl := enc.EncodedLen(len(header)), enc.EncodedLen(len(payload))
	// The signing input, then room for "." and the signature.
	out := make([]byte, hl+1+pl, hl+1+pl+1+enc.EncodedLen(64))
	enc.Encode(out, header)
	out[hl] = '.'
	enc.Encode(out[hl+1:], payload)
	var sig []byte
	switch alg {
	case ES256:
		digest := sha256.Sum256(out)
		der, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			return "", fmt.Errorf("ES256: %w", err)
		}
		if sig, err = fixedSize(der, 32); err != nil {
			return "", fmt.Errorf("ES256: %w", err)
		}
	case EdDSA:
		var err error
		if sig, err = signer.Sign(rand.Reader, out, crypto.Hash(0)); err != nil {
			return "", fmt.Errorf("EdDSA: %w", err)
		}
		if len(sig) != 64 {
			return "", fmt.Errorf("EdDSA: the signer returned %d bytes, want 64", len(sig))
		}
	default:
		return "", fmt.Errorf("algorithm %q: want %s or %s", alg, ES256, EdDSA)
	}
	out = append(out, '.')
	return string(enc.AppendEncode(out, sig)), nil
}

// fixedSize turns an ASN.1 DER ECDSA signature into R || S, each
// left-padded to size bytes.
func fixedSize(der []byte, size int) ([]byte, error) {
	var r, s []byte
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) || !seq.Empty() {
		return nil, errors.New("the signer returned a malformed signature")
	}
	out := make([]byte, 2*size)
	if !putScalar(out[:size], r) || !putScalar(out[size:], s) {
		return nil, errors.New("the signer returned an out-of-range signature")
	}
	return out, nil
}

// putScalar writes the big-endian positive integer v, without its leading
// zeros, right-aligned in dst; it reports false when v is zero or too long.
func putScalar(dst, v []byte) bool {
	for len(v) > 0 && v[0] == 0 {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > len(dst) {
		return false
	}
	copy(dst[len(dst)-len(v):], v)
	return true
}
