package credential

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/jsonstr"
)

// Bundle is what an issuer hands out for one credential (`<id>.json`): every
// secured form of the credential and the proof that it was anchored.
type Bundle struct {
	// ID is the credential id, "urn:uuid:…".
	ID string `json:"id"`
	// Type is the credential type, e.g. "Diploma".
	Type string `json:"type"`
	// Issuer is the issuer's URI, IssuerURI(issuerID).
	Issuer string `json:"issuer"`
	// VCJWT is the credential secured as a compact JWS (`vc+jwt`).
	VCJWT string `json:"vc_jwt"`
	// SDJWT is the credential as an SD-JWT VC (`dc+sd-jwt`) with every
	// disclosure, "~"-joined with the trailing "~".
	SDJWT string `json:"sd_jwt,omitempty"`
	// QR is the compact form "SC1:" + base45(zlib?(COSE_Sign1(CWT))).
	QR string `json:"qr"`
	// Anchor proves the credential's digests are in an anchored batch.
	Anchor Anchor `json:"anchor"`
}

// Anchor is an RFC 9162 inclusion proof of a credential's leaf in the Merkle
// tree whose root the ledger holds for the batch.
type Anchor struct {
	Batch string `json:"batch"`
	// Root is the hex Merkle tree hash of the batch.
	Root string `json:"root"`
	// Index is the credential's leaf index.
	Index int `json:"index"`
	// Proof is the audit path, hex hashes from the leaf up.
	Proof []string `json:"proof"`
}

// MaxBundleSize bounds a bundle document a verifier accepts.
const MaxBundleSize = 256 << 10

// ParseBundle reads a bundle strictly: no unknown members, no duplicate
// names, case-sensitive names, at most MaxBundleSize bytes. It checks that
// the members a verifier needs are present and well formed; it does not
// parse or verify the secured forms.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("bundle: %d bytes is more than the %d allowed", len(data), MaxBundleSize)
	}
	var b Bundle
	if err := unmarshalStrict(data, &b); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if _, err := parseID(b.ID); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if !record.IsCredentialType(b.Type) {
		return nil, fmt.Errorf("bundle: type %q: want one of %q", b.Type, record.CredentialTypes())
	}
	if _, err := ParseIssuerURI(b.Issuer); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if b.VCJWT == "" {
		return nil, errors.New("bundle: vc_jwt is missing")
	}
	if b.QR == "" {
		return nil, errors.New("bundle: qr is missing")
	}
	if err := b.Anchor.check(); err != nil {
		return nil, fmt.Errorf("bundle: anchor: %w", err)
	}
	return &b, nil
}

// maxProofLen bounds an inclusion proof: a tree of 2^64 leaves needs 64 hashes.
const maxProofLen = 64

func (a *Anchor) check() error {
	if a.Batch == "" {
		return errors.New("batch is missing")
	}
	if err := checkHash(a.Root); err != nil {
		return fmt.Errorf("root: %w", err)
	}
	if a.Index < 0 {
		return fmt.Errorf("index %d is negative", a.Index)
	}
	if len(a.Proof) > maxProofLen {
		return fmt.Errorf("proof has %d hashes, more than the %d of any tree", len(a.Proof), maxProofLen)
	}
	for i, h := range a.Proof {
		if err := checkHash(h); err != nil {
			return fmt.Errorf("proof[%d]: %w", i, err)
		}
	}
	return nil
}

// checkHash reports whether h is a lower-case hex SHA-256.
func checkHash(h string) error {
	raw, err := hex.DecodeString(h)
	if err != nil || len(raw) != sha256.Size || hex.EncodeToString(raw) != h {
		return fmt.Errorf("%q is not a lower-case hex SHA-256", h)
	}
	return nil
}

// MarshalIndented returns the bundle as the file `<id>.json` holds it: the
// same bytes as json.MarshalIndent(b, "", "  "), made without reflection
// (an exam office writes hundreds of thousands of them in a session).
func (b *Bundle) MarshalIndented() []byte {
	return b.appendJSON(make([]byte, 0, b.sizeHint()), true)
}

// AppendCompact appends the bundle as one line of a batch file holds it,
// without its line break: the same bytes as json.Marshal(b).
func (b *Bundle) AppendCompact(dst []byte) []byte {
	return b.appendJSON(dst, false)
}

// sizeHint is about the length of the bundle's JSON.
func (b *Bundle) sizeHint() int {
	return 256 + len(b.ID) + len(b.Type) + len(b.Issuer) + len(b.VCJWT) + len(b.SDJWT) + len(b.QR) + len(b.Anchor.Batch) + len(b.Anchor.Root) + 70*len(b.Anchor.Proof)
}

// appendJSON appends the bundle as encoding/json writes it: indented by
// two spaces as MarshalIndent(b, "", "  ") does, or compact as Marshal.
func (b *Bundle) appendJSON(out []byte, indented bool) []byte {
	// newline starts a line at depth (indented) or does nothing (compact).
	newline := func(depth int) {
		if indented {
			out = append(out, '\n')
			for range depth {
				out = append(out, "  "...)
			}
		}
	}
	member := func(depth int, name string) {
		newline(depth)
		out = append(out, '"')
		out = append(out, name...)
		out = append(out, `":`...)
		if indented {
			out = append(out, ' ')
		}
	}
	str := func(depth int, name, value string) {
		member(depth, name)
		out = jsonstr.Append(out, value, true)
		out = append(out, ',')
	}
	out = append(out, '{')
	str(1, "id", b.ID)
	str(1, "type", b.Type)
	str(1, "issuer", b.Issuer)
	str(1, "vc_jwt", b.VCJWT)
	if b.SDJWT != "" {
		str(1, "sd_jwt", b.SDJWT)
	}
	member(1, "qr")
	out = jsonstr.Append(out, b.QR, true)
	out = append(out, ',')
	member(1, "anchor")
	out = append(out, '{')
	str(2, "batch", b.Anchor.Batch)
	str(2, "root", b.Anchor.Root)
	member(2, "index")
	out = strconv.AppendInt(out, int64(b.Anchor.Index), 10)
	out = append(out, ',')
	member(2, "proof")
	switch {
	case b.Anchor.Proof == nil:
		out = append(out, "null"...)
	case len(b.Anchor.Proof) == 0:
		out = append(out, "[]"...)
	default:
		out = append(out, '[')
		for i, h := range b.Anchor.Proof {
			if i > 0 {
				out = append(out, ',')
			}
			newline(3)
			out = jsonstr.Append(out, h, true)
		}
		newline(2)
		out = append(out, ']')
	}
	newline(1)
	out = append(out, '}')
	newline(0)
	out = append(out, '}')
	return out
}
