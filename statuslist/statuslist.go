// Package statuslist holds the status lists anyone can fetch to learn
// whether a credential is revoked or suspended without asking a ledger
// about that credential (herd privacy: every verifier fetches the same
// whole list). Each issuer publishes, built from the ledger's state:
//
//   - an IETF Token Status List (draft-ietf-oauth-status-list), a JWT of
//     type "statuslist+jwt" holding 2 bits per credential (0 valid,
//     1 invalid: revoked, 2 suspended), DEFLATE (zlib) compressed, the
//     first status in the least significant bits of the first byte; SD-JWT
//     VCs point to it with status.status_list{idx, uri};
//   - two W3C Bitstring Status Lists (Bitstring Status List v1.0), one per
//     purpose, "revocation" and "suspension", 1 bit per credential, GZIP
//     compressed, index 0 the most significant bit of the first byte,
//     multibase base64url; each secured as a vc+jwt
//     BitstringStatusListCredential; vc+jwt credentials point to both with
//     BitstringStatusListEntry members of credentialStatus.
//
// A credential holds one index, the same in every list of its issuer,
// drawn at random among at least MinEntries, so that neighbouring indices
// say nothing about who was issued when.
//
// The package encodes, signs, parses and verifies the lists; it knows
// neither the ledger nor HTTP. Imports: credential (keys, issuer URIs),
// internal/jws.
package statuslist

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// MinEntries is the least number of entries of a list: W3C Bitstring
// Status List's minimum (16 KiB of bits), which gives herd privacy.
const MinEntries = 131072

// MaxEntries bounds the lists a reader accepts (and an issuer builds):
// 2^24 credentials per issuer.
const MaxEntries = 1 << 24

// MaxCompressed bounds a compressed list a reader accepts.
const MaxCompressed = 4 << 20

// Status values of the IETF list (2 bits each).
const (
	Valid     byte = 0
	Invalid   byte = 1
	Suspended byte = 2
)

// Purposes of the W3C lists (statusPurpose).
const (
	PurposeRevocation = "revocation"
	PurposeSuspension = "suspension"
)

// Statuses is the status of every index of an issuer's lists.
type Statuses struct {
	values []byte
}

// NewStatuses returns n statuses, all Valid; n is rounded up to a multiple
// of 8 and at least MinEntries.
func NewStatuses(n int) (*Statuses, error) {
	n = max(n, MinEntries)
	n = (n + 7) / 8 * 8
	if n > MaxEntries {
		return nil, fmt.Errorf("status list of %d entries: at most %d", n, MaxEntries)
	}
	return &Statuses{values: make([]byte, n)}, nil
}

// Len returns the number of entries.
func (s *Statuses) Len() int { return len(s.values) }

// Set sets the status of index i.
func (s *Statuses) Set(i int, v byte) error {
	if i < 0 || i >= len(s.values) {
		return fmt.Errorf("status index %d: the list has %d entries", i, len(s.values))
	}
	if v > Suspended {
		return fmt.Errorf("status value %d: want 0, 1 or 2", v)
	}
	s.values[i] = v
	return nil
}

// Get returns the status of index i.
func (s *Statuses) Get(i int) (byte, error) {
	if i < 0 || i >= len(s.values) {
		return 0, fmt.Errorf("status index %d is outside the list (%d entries)", i, len(s.values))
	}
	return s.values[i], nil
}

// ietfBytes packs the statuses 2 bits each, the first in the least
// significant bits of the first byte.
func (s *Statuses) ietfBytes() []byte {
	out := make([]byte, (len(s.values)*2+7)/8)
	for i, v := range s.values {
		out[i/4] |= (v & 3) << (2 * (i % 4))
	}
	return out
}

// bitstring returns the W3C bitstring of one value: bit i set when the
// status of index i is v, index 0 the most significant bit of byte 0.
func (s *Statuses) bitstring(v byte) []byte {
	out := make([]byte, len(s.values)/8)
	for i, x := range s.values {
		if x == v {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}

// EncodeIETF returns the "lst" member of an IETF status list: the 2-bit
// statuses, zlib compressed, base64url without padding.
func (s *Statuses) EncodeIETF() (string, error) {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := w.Write(s.ietfBytes()); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// EncodeBitstring returns the "encodedList" of the W3C list of purpose:
// the bitstring, GZIP compressed, multibase base64url ("u" and base64url
// without padding).
func (s *Statuses) EncodeBitstring(purpose string) (string, error) {
	v, err := purposeValue(purpose)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := w.Write(s.bitstring(v)); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// purposeValue is the IETF status a W3C purpose's bit stands for.
func purposeValue(purpose string) (byte, error) {
	switch purpose {
	case PurposeRevocation:
		return Invalid, nil
	case PurposeSuspension:
		return Suspended, nil
	}
	return 0, fmt.Errorf("status purpose %q: want %q or %q", purpose, PurposeRevocation, PurposeSuspension)
}

// DecodeIETF reads the "lst" of an IETF list of bits bits per status.
func DecodeIETF(lst string, bits int) (*Statuses, error) {
	if bits != 1 && bits != 2 && bits != 4 && bits != 8 {
		return nil, fmt.Errorf("status list bits %d: want 1, 2, 4 or 8", bits)
	}
	raw, err := decodeB64(lst)
	if err != nil {
		return nil, fmt.Errorf("status list lst: %w", err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("status list lst: not zlib: %w", err)
	}
	packed, err := readLimited(zr, MaxEntries*bits/8)
	if err != nil {
		return nil, fmt.Errorf("status list lst: %w", err)
	}
	n := len(packed) * 8 / bits
	s := &Statuses{values: make([]byte, n)}
	per := 8 / bits
	mask := byte(1<<bits - 1)
	for i := range n {
		v := (packed[i/per] >> (bits * (i % per))) & mask
		if v > Suspended {
			v = Invalid // a status Sceau does not define is not valid
		}
		s.values[i] = v
	}
	return s, nil
}

// DecodeBitstring reads a W3C encodedList and returns whether each index's
// bit is set.
func DecodeBitstring(encoded string) ([]bool, error) {
	rest, ok := bytes.CutPrefix([]byte(encoded), []byte("u"))
	if !ok {
		return nil, errors.New("encodedList: want multibase base64url (starting with \"u\")")
	}
	raw, err := decodeB64(string(rest))
	if err != nil {
		return nil, fmt.Errorf("encodedList: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("encodedList: not GZIP: %w", err)
	}
	bits, err := readLimited(zr, MaxEntries/8)
	if err != nil {
		return nil, fmt.Errorf("encodedList: %w", err)
	}
	if len(bits)*8 < MinEntries {
		return nil, fmt.Errorf("encodedList: %d entries, fewer than the %d a list must have", len(bits)*8, MinEntries)
	}
	out := make([]bool, len(bits)*8)
	for i := range out {
		out[i] = bits[i/8]&(0x80>>(i%8)) != 0
	}
	return out, nil
}

func decodeB64(s string) ([]byte, error) {
	if len(s) > MaxCompressed*4/3+4 {
		return nil, fmt.Errorf("%d characters is more than a list may have", len(s))
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64url without padding: %w", err)
	}
	return raw, nil
}

// readLimited reads r to its end, failing past limit bytes (a compression
// bomb).
func readLimited(r io.Reader, limit int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("decompressing: %w", err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("decompresses to more than %d bytes", limit)
	}
	return data, nil
}
