// Package jws signs compact JSON Web Signatures (RFC 7515) with ES256 or
// EdDSA, the two algorithms Sceau issues with.
//
// It exists for speed: an exam office signs two JWS per credential, and
// building a go-jose Signer for each one, with its header map and the
// DER-to-(R||S) conversion through math/big, cost more than the signature
// itself; a verifier checks thousands a second, and go-jose parsed again
// the header the vc+jwt parser had already read and checked strictly. The
// tests check both directions against go-jose.
//
// Imports: nothing of Sceau.
package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"unsafe"

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
	out, err := AppendSign(nil, signer, alg, header, payload)
	if err != nil {
		return "", err
	}
	// out is never written again: the string may share its bytes.
	return unsafe.String(unsafe.SliceData(out), len(out)), nil
}

// AppendSign is Sign appending the compact JWS to dst, for callers that
// build a larger text around it (an SD-JWT and its disclosures).
func AppendSign(dst []byte, signer crypto.Signer, alg string, header, payload []byte) ([]byte, error) {
	dst, start := appendSigningInput(dst, header, payload)
	var buf [64]byte
	sig, err := SignRaw(buf[:0], signer, alg, dst[start:])
	if err != nil {
		return nil, err
	}
	dst = append(dst, '.')
	return base64.RawURLEncoding.AppendEncode(dst, sig), nil
}

// appendSigningInput appends a JWS signing input, BASE64URL(header) "."
// BASE64URL(payload), to dst with room after it for "." and a 64-byte
// signature, and returns it and where the signing input starts.
func appendSigningInput(dst, header, payload []byte) ([]byte, int) {
	enc := base64.RawURLEncoding
	hl, pl := enc.EncodedLen(len(header)), enc.EncodedLen(len(payload))
	dst = slices.Grow(dst, hl+1+pl+1+enc.EncodedLen(64))
	start := len(dst)
	dst = dst[:start+hl+1+pl]
	enc.Encode(dst[start:], header)
	dst[start+hl] = '.'
	enc.Encode(dst[start+hl+1:], payload)
	return dst, start
}

// AppendSignDigest is AppendSign that also returns the SHA-256 of the
// compact JWS it appends, the digest a ledger anchors for the form. For
// ES256 the hash of the signing input, which the signature needs anyway,
// is carried on over "." and the signature instead of hashing the whole
// text again: a vc+jwt is about 3 KB.
func AppendSignDigest(dst []byte, signer crypto.Signer, alg string, header, payload []byte) ([]byte, [sha256.Size]byte, error) {
	var digest [sha256.Size]byte
	if alg != ES256 {
		start := len(dst)
		out, err := AppendSign(dst, signer, alg, header, payload)
		if err == nil {
			digest = sha256.Sum256(out[start:])
		}
		return out, digest, err
	}
	dst, start := appendSigningInput(dst, header, payload)
	h := sha256.New()
	h.Write(dst[start:])
	var signed [sha256.Size]byte
	// Sum leaves h as it was: it goes on hashing the rest of the text.
	h.Sum(signed[:0])
	var buf [64]byte
	sig, err := signES256Digest(buf[:0], signer, signed[:])
	if err != nil {
		return nil, digest, err
	}
	tail := len(dst)
	dst = append(dst, '.')
	dst = base64.RawURLEncoding.AppendEncode(dst, sig)
	h.Write(dst[tail:])
	h.Sum(digest[:0])
	return dst, digest, nil
}

// SignDigest is Sign that also returns the SHA-256 of the compact JWS (see
// AppendSignDigest).
func SignDigest(signer crypto.Signer, alg string, header, payload []byte) (string, [sha256.Size]byte, error) {
	out, digest, err := AppendSignDigest(nil, signer, alg, header, payload)
	if err != nil {
		return "", digest, err
	}
	// out is never written again: the string may share its bytes.
	return unsafe.String(unsafe.SliceData(out), len(out)), digest, nil
}

// signES256Digest appends to dst the ES256 signature (R || S) of the
// SHA-256 digest of a message.
func signES256Digest(dst []byte, signer crypto.Signer, digest []byte) ([]byte, error) {
	der, err := signer.Sign(rand.Reader, digest, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("ES256: %w", err)
	}
	if dst, err = appendFixedSize(dst, der, 32); err != nil {
		return nil, fmt.Errorf("ES256: %w", err)
	}
	return dst, nil
}

// SignRaw appends to dst the signature of message by signer as JWS and
// COSE carry it: for ES256 the ECDSA signature of its SHA-256 digest as
// R || S (64 bytes), for EdDSA the Ed25519 signature of message itself.
func SignRaw(dst []byte, signer crypto.Signer, alg string, message []byte) ([]byte, error) {
	switch alg {
	case ES256:
		digest := sha256.Sum256(message)
		return signES256Digest(dst, signer, digest[:])
	case EdDSA:
		sig, err := signer.Sign(rand.Reader, message, crypto.Hash(0))
		if err != nil {
			return nil, fmt.Errorf("EdDSA: %w", err)
		}
		if len(sig) != 64 {
			return nil, fmt.Errorf("EdDSA: the signer returned %d bytes, want 64", len(sig))
		}
		return append(dst, sig...), nil
	}
	return nil, fmt.Errorf("algorithm %q: want %s or %s", alg, ES256, EdDSA)
}

// appendFixedSize appends an ASN.1 DER ECDSA signature as R || S, each
// left-padded to size bytes.
func appendFixedSize(dst, der []byte, size int) ([]byte, error) {
	var r, s []byte
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) || !seq.Empty() {
		return nil, errors.New("the signer returned a malformed signature")
	}
	n := len(dst)
	dst = append(dst, make([]byte, 2*size)...)
	out := dst[n:]
	if !putScalar(out[:size], r) || !putScalar(out[size:], s) {
		return nil, errors.New("the signer returned an out-of-range signature")
	}
	return dst, nil
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

// Verify checks signature, the decoded third part of a compact JWS, over
// signingInput, its first two parts ("header.payload"), with key: ES256
// with an *ecdsa.PublicKey on P-256 (R || S, 64 bytes), EdDSA with an
// ed25519.PublicKey. alg is the header's algorithm, which the caller has
// read and checked; a key of another kind is refused.
func Verify(key crypto.PublicKey, alg string, signingInput, signature []byte) error {
	switch CanonicalAlgorithm(alg) {
	case ES256:
		pub, ok := key.(*ecdsa.PublicKey)
		if !ok || pub.Curve != elliptic.P256() {
			return fmt.Errorf("ES256 needs a P-256 key, not a %T", key)
		}
		if len(signature) != 64 {
			return fmt.Errorf("ES256 signature of %d bytes, want 64", len(signature))
		}
		digest := sha256.Sum256(signingInput)
		r, s := new(big.Int).SetBytes(signature[:32]), new(big.Int).SetBytes(signature[32:])
		if !ecdsa.Verify(pub, digest[:], r, s) {
			return errors.New("ES256 signature does not verify")
		}
		return nil
	case EdDSA:
		pub, ok := key.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("EdDSA needs an Ed25519 key, not a %T", key)
		}
		if !ed25519.Verify(pub, signingInput, signature) {
			return errors.New("EdDSA signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("algorithm %q: want %s or %s", alg, ES256, EdDSA)
}

// Ed25519 is the fully specified name of EdDSA over Ed25519 (RFC 9864),
// which deprecates the polymorphic "EdDSA". Verifiers accept both;
// Sceau signs with "EdDSA", which every JOSE library reads.
const Ed25519 = "Ed25519"

// CanonicalAlgorithm returns the algorithm a header's "alg" names, as Sign
// and Verify spell it: "Ed25519" is "EdDSA". Any other name is returned as
// is, for the caller to refuse.
func CanonicalAlgorithm(alg string) string {
	if alg == Ed25519 {
		return EdDSA
	}
	return alg
}

// keyMembers are the header parameters that carry or point to a key or a
// certificate. Sceau takes keys from the ledger's registry only, so a
// header naming one is refused rather than ignored: it says the signer
// meant the key to come from the token.
var keyMembers = map[string]bool{"jwk": true, "jku": true, "x5u": true, "x5c": true, "x5t": true, "x5t#S256": true}

// CheckMembers applies the header rules every verifier of Sceau shares to
// the member names of a protected header (sorted, so that the first one
// refused is always the same): "crit" is refused, since no extension is
// understood (RFC 7515 section 4.1.11: a recipient must refuse a critical
// extension it does not understand); a member that carries or points to a
// key is refused; any other member is ignored, as RFC 7515 and
// VC-JOSE-COSE ask of members a recipient does not use.
func CheckMembers(names []string) error {
	for _, name := range names {
		if name == "crit" {
			return errors.New("\"crit\" lists extensions; none is supported")
		}
	}
	for _, name := range names {
		if keyMembers[name] {
			return fmt.Errorf("%q is not allowed: the verification key comes from the ledger registry, never from the token", name)
		}
	}
	return nil
}
