package credential

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unsafe"

	base45 "github.com/adrianrudnik/base45-go"
	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/sceau/sceau/internal/jws"
)

// The SC1 format, version 1 of Sceau's compact credential, is what the QR
// code of a credential holds. It is a public format, modelled on the EU
// Digital COVID Certificate:
//
//	text  = "SC1:" base45(body)       ; RFC 9285 base45, QR alphanumeric mode
//	body  = sign1 / zlib(sign1)       ; RFC 1950 zlib, only when it is shorter
//	sign1 = COSE_Sign1_Tagged         ; RFC 9052, CBOR tag 18
//
// The first byte of body tells the two apart: 0xD2 (tag 18) starts a
// tagged COSE_Sign1; 0x78 starts a zlib stream (deflate, 32 KiB window)
// whose content is the tagged COSE_Sign1. Any other first byte is rejected.
//
// The COSE_Sign1 has:
//
//	protected   = { 1 (alg): -7 (ES256) / -8 (EdDSA),
//	                4 (kid): bstr, 8 bytes }   ; exactly these two
//	unprotected = {}                            ; empty
//	payload     = the CWT claims below, CBOR
//	signature   = 64 bytes (ES256: r || s; EdDSA: Ed25519)
//
// kid is the first 8 bytes of the RFC 7638 SHA-256 JWK thumbprint of the
// issuer's key (ShortKID); verifiers match it against the keys the ledger
// registry holds for the issuer.
//
// The payload is a CWT claims set (RFC 8392): a CBOR map with integer
// keys, core deterministic encoding (RFC 8949 §4.2.1), no tags:
//
//	1      iss  tstr  the issuer id (not its URI)
//	4      exp  int   validUntil, seconds since the epoch; absent if none
//	6      iat  int   validFrom (the issuance time), seconds since the epoch
//	7      cti  bstr  the 16 bytes of the credential's UUID (id "urn:uuid:…")
//	-65537      map   the credential subject (private-use claim key)
//
// The subject map has integer keys; dates are ints counting days since
// 1970-01-01 (the RFC 8943 full-date number, without its tag):
//
//	0  type code: 1 Diploma, 2 PixCertification
//	1  student_id   tstr
//	2  given_name   tstr
//	3  family_name  tstr
//	4  birth_date   date
//
// then for a Diploma:
//
//	5  diploma      tstr
//	6  eqf_level    int
//	7  awarded_on   date
//	8  mention      int, absent if none: 0 passable, 1 assez_bien, 2 bien,
//	                3 tres_bien, 4 tres_bien_felicitations
//	9  specialities [+ tstr], absent if none
//	10 rncp         tstr, absent if none
//	11 session      tstr, absent if none
//
// and for a PixCertification:
//
//	5  certification_center tstr
//	6  certified_on         date
//	7  pix_score            int
//	8  levels               [16 int]: the levels of the 16 CRCN competences,
//	                        in framework order 1.1 … 5.2; their ids and
//	                        names are implied by the framework
//	9  verification_code    tstr, absent if none
//
// Decoders reject unknown claim or subject keys, duplicate map keys,
// indefinite lengths, tags inside the payload and nesting deeper than 4
// levels, and bound the text (MaxQRTextSize) and the decompressed
// COSE_Sign1 (MaxCOSESize). Decoding rebuilds the same Credential as the
// vc+jwt form of the same credential carries.

// QRPrefix starts every SC1 text.
const QRPrefix = "SC1:"

// Decoding limits for SC1 text from outside.
const (
	// MaxQRTextSize is the largest SC1 text accepted: the capacity of the
	// largest QR code (version 40-L) in alphanumeric mode.
	MaxQRTextSize = 4296
	// MaxCOSESize bounds the COSE_Sign1, after zlib decompression.
	MaxCOSESize = 8 << 10
)

// Body markers: the first byte of a decoded SC1 body.
const (
	markerCOSE = 0xD2 // CBOR tag 18, COSE_Sign1_Tagged
	markerZlib = 0x78 // zlib CMF: deflate with a 32 KiB window
)

// cborEncMode encodes CWT claims deterministically.
func cborEncMode() (cbor.EncMode, error) {
	return cbor.CoreDetEncOptions().EncMode()
}

// cborDecMode decodes outside CBOR with tight limits: it is never more
// than a few hundred bytes of small maps and arrays.
func cborDecMode(tags bool) (cbor.DecMode, error) {
	opts := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		MaxNestedLevels:  4,
		MaxArrayElements: 32,
		MaxMapPairs:      16,
		TagsMd:           cbor.TagsForbidden,
		IntDec:           cbor.IntDecConvertSignedOrFail,
	}
	if tags {
		opts.TagsMd = cbor.TagsAllowed
	}
	return opts.DecMode()
}

// SignQR secures the credential in the SC1 format, signed with key, and
// returns the SC1 text for a QR code, with the DigestCOSE of its
// COSE_Sign1.
func SignQR(c *Credential, key *Key) (Signed, error) {
	sign1, err := signCOSE(c, key)
	if err != nil {
		return Signed{}, err
	}
	body, err := compressIfShorter(sign1)
	if err != nil {
		return Signed{}, err
	}
	text := make([]byte, 0, len(QRPrefix)+(len(body)+1)/2*3)
	text = appendBase45(append(text, QRPrefix...), body)
	// text is never written again: the string may share its bytes.
	return Signed{Text: unsafe.String(unsafe.SliceData(text), len(text)), Digest: DigestCOSE(sign1)}, nil
}

// appendBase45 appends src in base45 (RFC 9285): each two bytes as three
// characters, least significant first, a last odd byte as two.
func appendBase45(dst, src []byte) []byte {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	for len(src) >= 2 {
		n := int(src[0])<<8 | int(src[1])
		dst = append(dst, alphabet[n%45], alphabet[n/45%45], alphabet[n/2025])
		src = src[2:]
	}
	if len(src) == 1 {
		n := int(src[0])
		dst = append(dst, alphabet[n%45], alphabet[n/45])
	}
	return dst
}

// signCOSE returns the credential as a tagged COSE_Sign1 over its CWT
// (RFC 9052): [protected, {}, payload, signature], the signature over the
// Sig_structure ["Signature1", protected, h”, payload]. It writes the
// bytes go-cose writes (a test checks it), without its reflective CBOR.
func signCOSE(c *Credential, key *Key) ([]byte, error) {
	var claimsBuf [768]byte
	claims, err := appendClaims(claimsBuf[:0], c)
	if err != nil {
		return nil, err
	}
	var tbsBuf [1024]byte
	tbs := append(tbsBuf[:0], 0x84, 0x6a)
	tbs = append(tbs, "Signature1"...)
	tbs = append(tbs, key.coseProtected...)
	tbs = append(tbs, 0x40)
	tbs = cborByteString(tbs, claims)
	var sigBuf [64]byte
	sig, err := jws.SignRaw(sigBuf[:0], key.signer, string(key.Algorithm()), tbs)
	if err != nil {
		return nil, fmt.Errorf("signing the COSE_Sign1: %w", err)
	}
	out := make([]byte, 0, 2+len(key.coseProtected)+1+3+len(claims)+2+len(sig))
	out = append(out, 0xd2, 0x84)
	out = append(out, key.coseProtected...)
	out = append(out, 0xa0)
	out = cborByteString(out, claims)
	return cborByteString(out, sig), nil
}

// coseProtectedHeader returns the protected header of the COSE_Sign1s pub
// signs, {1 (alg): -7 or -8, 4 (kid): its short kid}, as the bstr that
// carries it.
func coseProtectedHeader(pub *PublicKey) ([]byte, error) {
	alg, err := coseAlgorithm(pub.alg)
	if err != nil {
		return nil, err
	}
	m := cborHead(nil, cborMap, 2)
	m = cborInt(m, 1)
	m = cborInt(m, int64(alg))
	m = cborInt(m, 4)
	m = cborByteString(m, pub.ShortKID())
	return cborByteString(nil, m), nil
}

func coseAlgorithm(alg Algorithm) (cose.Algorithm, error) {
	switch alg {
	case ES256:
		return cose.AlgorithmES256, nil
	case EdDSA:
		return cose.AlgorithmEdDSA, nil
	}
	return 0, fmt.Errorf("signature algorithm %q: want %s or %s", alg, ES256, EdDSA)
}

// minCompressSize is the size of a COSE_Sign1 under which SC1 carries it
// without trying zlib. Every credential of 4 000 synthetic Pix and diploma
// rows (216 to 283 bytes) came out longer from zlib, and trying cost batch
// issuance 30 µs a credential: deflate builds its Huffman tables whatever
// the input's size. Larger ones, with long repeated texts, may shrink.
const minCompressSize = 320

// compressIfShorter returns zlib(sign1) if it is shorter than sign1, else
// sign1; a COSE_Sign1 of minCompressSize bytes or fewer is returned as is.
func compressIfShorter(sign1 []byte) ([]byte, error) {
	if len(sign1) <= minCompressSize {
		return sign1, nil
	}
	var buf bytes.Buffer
	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(sign1); err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	if buf.Len() < len(sign1) {
		return buf.Bytes(), nil
	}
	return sign1, nil
}

// zlibWriters reuses compressors: a new one allocates about a megabyte of
// state, which cost a fifth of batch issuance when made per credential.
// The pool holds no data between uses (Reset), only allocations.
//
// The level is BestSpeed: on a COSE_Sign1 of a few hundred bytes it
// compresses as well as BestCompression, whose Reset clears 640 KB of hash
// chains, which cost batch issuance 50 µs a credential.
var zlibWriters = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // a valid level: no error
	return zw
}}

// SignedQR is an SC1 credential read by ParseQR. Until Verify succeeds,
// nothing in it is authenticated: use KID and Credential.IssuerID only to
// find the key.
type SignedQR struct {
	// Text is the SC1 text as read.
	Text string
	// COSE is the tagged COSE_Sign1, after base45 and zlib decoding.
	COSE []byte
	// KID is the short key id of the protected header (ShortKIDSize bytes).
	KID []byte
	// Algorithm is the protected header's algorithm.
	Algorithm Algorithm
	// Credential is the credential the CWT claims rebuild.
	Credential *Credential

	msg *cose.Sign1Message
	// digest is DigestCOSE(COSE).
	digest string
}

// ParseQR reads an SC1 text without verifying its signature (see the SC1
// format above). It bounds every stage: text length, decompressed size,
// CBOR nesting, array and map sizes; it rejects duplicate map keys.
func ParseQR(text string) (*SignedQR, error) {
	body, err := decodeQRText(text)
	if err != nil {
		return nil, err
	}
	sign1, err := decodeBody(body)
	if err != nil {
		return nil, err
	}
	q, err := ParseCOSE(sign1)
	if err != nil {
		return nil, err
	}
	q.Text = text
	return q, nil
}

// decodeQRText checks the prefix and decodes the base45 body.
func decodeQRText(text string) ([]byte, error) {
	if len(text) > MaxQRTextSize {
		return nil, fmt.Errorf("SC1 text: %d characters is more than the %d a QR code holds", len(text), MaxQRTextSize)
	}
	encoded, ok := strings.CutPrefix(text, QRPrefix)
	if !ok {
		return nil, fmt.Errorf("SC1 text: want the prefix %q", QRPrefix)
	}
	if i := strings.IndexFunc(encoded, func(r rune) bool { return !bytes.ContainsRune(base45.Alphabet, r) }); i >= 0 {
		r := []rune(encoded[i:])[0]
		return nil, fmt.Errorf("SC1 text: base45: character %q at position %d is not in the base45 alphabet", r, len(QRPrefix)+i)
	}
	body, err := base45.Decode([]byte(encoded))
	switch {
	case errors.Is(err, base45.ErrEmptyInput):
		return nil, errors.New("SC1 text: nothing after the prefix")
	case errors.Is(err, base45.ErrInvalidLength):
		return nil, fmt.Errorf("SC1 text: base45: %d characters is not a valid length (a multiple of 3, or one less)", len(encoded))
	case errors.Is(err, base45.ErrInvalidEncodedDataOverflow):
		return nil, errors.New("SC1 text: base45: a character group encodes a value larger than its bytes can hold")
	case err != nil:
		return nil, fmt.Errorf("SC1 text: base45: %w", err)
	}
	return body, nil
}

// decodeBody returns the COSE_Sign1 a decoded SC1 body holds, inflating it
// when it is a zlib stream.
func decodeBody(body []byte) ([]byte, error) {
	switch body[0] {
	case markerCOSE:
		return body, nil
	case markerZlib:
		return inflate(body)
	}
	return nil, fmt.Errorf("SC1 body: first byte 0x%02X: want 0x%02X (COSE_Sign1) or 0x%02X (zlib)", body[0], markerCOSE, markerZlib)
}

// inflate decompresses a zlib stream of at most MaxCOSESize bytes that
// holds a COSE_Sign1 and nothing after it.
func inflate(body []byte) ([]byte, error) {
	src := bytes.NewReader(body)
	zr, err := zlib.NewReader(src)
	if err != nil {
		return nil, fmt.Errorf("SC1 body: zlib: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxCOSESize+1))
	if err != nil {
		return nil, fmt.Errorf("SC1 body: zlib: %w", err)
	}
	if len(out) > MaxCOSESize {
		return nil, fmt.Errorf("SC1 body: zlib: decompresses to more than %d bytes; refusing it", MaxCOSESize)
	}
	if src.Len() != 0 {
		return nil, fmt.Errorf("SC1 body: %d bytes after the end of the zlib stream", src.Len())
	}
	if len(out) == 0 || out[0] != markerCOSE {
		return nil, errors.New("SC1 body: the zlib stream does not hold a tagged COSE_Sign1")
	}
	return out, nil
}

// ParseCOSE reads a tagged COSE_Sign1 of the SC1 format, without verifying
// its signature (SignedQR.Text is left empty).
func ParseCOSE(sign1 []byte) (*SignedQR, error) {
	if len(sign1) > MaxCOSESize {
		return nil, fmt.Errorf("COSE_Sign1: %d bytes is more than the %d allowed", len(sign1), MaxCOSESize)
	}
	dm, err := cborDecMode(true)
	if err != nil {
		return nil, err
	}
	if err := dm.Wellformed(sign1); err != nil {
		return nil, fmt.Errorf("COSE_Sign1: %w", err)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(sign1); err != nil {
		return nil, fmt.Errorf("COSE_Sign1: %w", err)
	}
	alg, kid, err := checkCOSEHeaders(&msg.Headers)
	if err != nil {
		return nil, fmt.Errorf("COSE_Sign1: %w", err)
	}
	if msg.Payload == nil {
		return nil, errors.New("COSE_Sign1: the payload is missing (detached payloads are not supported)")
	}
	cred, err := decodeClaims(msg.Payload)
	if err != nil {
		return nil, fmt.Errorf("CWT: %w", err)
	}
	return &SignedQR{COSE: sign1, KID: kid, Algorithm: alg, Credential: cred, msg: &msg, digest: DigestCOSE(sign1)}, nil
}

// checkCOSEHeaders checks that the protected header holds exactly alg
// (ES256 or EdDSA) and a short kid, and that the unprotected one is empty.
func checkCOSEHeaders(h *cose.Headers) (Algorithm, []byte, error) {
	for label := range h.Unprotected {
		switch label {
		case cose.HeaderLabelAlgorithm:
			return "", nil, errors.New("alg is in the unprotected header; it must be protected")
		case cose.HeaderLabelKeyID:
			return "", nil, errors.New("kid is in the unprotected header; it must be protected")
		}
		return "", nil, fmt.Errorf("the unprotected header must be empty, has label %v", label)
	}
	if _, ok := h.Protected[cose.HeaderLabelCritical]; ok {
		return "", nil, errors.New("the protected header lists critical parameters (label 2 crit); none is supported")
	}
	var extra []string
	for label := range h.Protected {
		if label != cose.HeaderLabelAlgorithm && label != cose.HeaderLabelKeyID {
			extra = append(extra, fmt.Sprint(label))
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return "", nil, fmt.Errorf("protected header labels %s are not allowed (want only 1 alg and 4 kid)", strings.Join(extra, ", "))
	}
	coseAlg, err := h.Protected.Algorithm()
	if err != nil {
		return "", nil, fmt.Errorf("protected header alg: %w", err)
	}
	var alg Algorithm
	switch coseAlg {
	case cose.AlgorithmES256:
		alg = ES256
	case cose.AlgorithmEdDSA:
		alg = EdDSA
	default:
		return "", nil, fmt.Errorf("alg %v is not accepted; want ES256 (-7) or EdDSA (-8)", coseAlg)
	}
	kid, ok := h.Protected[cose.HeaderLabelKeyID].([]byte)
	if !ok {
		return "", nil, errors.New("the protected header has no kid (a byte string)")
	}
	if len(kid) != ShortKIDSize {
		return "", nil, fmt.Errorf("kid has %d bytes, want %d", len(kid), ShortKIDSize)
	}
	return alg, kid, nil
}

// Verify checks the COSE signature with pub, whose short key id must be the
// protected kid and whose algorithm must be the protected alg.
func (q *SignedQR) Verify(pub *PublicKey) error {
	if !bytes.Equal(pub.ShortKID(), q.KID) {
		return fmt.Errorf("COSE: kid %x does not name key %s", q.KID, pub.KID())
	}
	if pub.Algorithm() != q.Algorithm {
		return fmt.Errorf("COSE: alg %s does not match key %s, a %s key", q.Algorithm, pub.KID(), pub.Algorithm())
	}
	alg, err := coseAlgorithm(pub.Algorithm())
	if err != nil {
		return err
	}
	verifier, err := cose.NewVerifier(alg, pub.key)
	if err != nil {
		return fmt.Errorf("COSE verifier: %w", err)
	}
	if err := q.msg.Verify(nil, verifier); err != nil {
		return fmt.Errorf("COSE: %w with key %s", ErrBadSignature, pub.KID())
	}
	return nil
}

// Name is how verdicts name the form: "SC1".
func (q *SignedQR) Name() string { return "SC1" }

// Digest returns the digest the ledger anchors for this form (DigestCOSE).
func (q *SignedQR) Digest() string { return q.digest }

// KeyID returns the protected header's short kid, in hex.
func (q *SignedQR) KeyID() string { return hex.EncodeToString(q.KID) }

// NamesKey reports whether the protected header's short kid is the
// prefix of thumbprint kid (ShortKIDOf).
func (q *SignedQR) NamesKey(kid string) bool {
	short, err := ShortKIDOf(kid)
	return err == nil && bytes.Equal(short, q.KID)
}

// SignatureAlgorithm returns the protected header's alg.
func (q *SignedQR) SignatureAlgorithm() Algorithm { return q.Algorithm }

// Envelope returns the credential, subject included.
func (q *SignedQR) Envelope() *Credential { return q.Credential }
