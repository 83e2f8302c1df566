package sdjwt

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/sceau/sceau/internal/jsonstr"
)

// Claim is one top-level claim of an SD-JWT issued by IssueClaims.
type Claim struct {
	// Name is the claim's name.
	Name string
	// Value is the claim's value as JSON.
	Value []byte
	// Disclosable makes the claim its own disclosure instead of a member of
	// the issuer-signed payload.
	Disclosable bool
}

// IssueClaims is Issue for claims that all sit at the top level and come
// already encoded as JSON, as a credential's flattened subject does. It
// makes the same SD-JWT as Issue would with the same claims and
// Disclosable paths (the payload's members sorted by name, one disclosure
// per disclosable claim in name order, then from 0 to opts.Decoys decoy
// digests, salts and decoys drawn from opts.Rand in the same order) without
// decoding and re-encoding every claim: for a Pix certification's 25
// claims, about three times faster. Values are compacted; a value holding an object or an
// array is checked for the names SD-JWT reserves. opts.Disclosable must be
// empty: each Claim says whether it is disclosable.
func IssueClaims(claims []Claim, opts IssueOptions) (string, error) {
	s, _, err := IssueClaimsDigest(claims, opts)
	return s, err
}

// IssueClaimsDigest is IssueClaims that also returns the SHA-256 of the
// issuer-signed JWT, the SD-JWT's first part: for ES256 the hash of the
// JWT's signing input, which its signature needs, carried on over the
// signature instead of hashed again.
func IssueClaimsDigest(claims []Claim, opts IssueOptions) (string, [sha256.Size]byte, error) {
	var jwtDigest [sha256.Size]byte
	if err := opts.check(); err != nil {
		return "", jwtDigest, err
	}
	if len(opts.Disclosable) > 0 {
		return "", jwtDigest, errors.New("IssueOptions.Disclosable must be empty: each Claim says whether it is disclosable")
	}
	typ := cmp.Or(opts.Type, TypeVC)
	sorted, err := checkFlatClaims(claims, typ, opts.HolderKey != nil)
	if err != nil {
		return "", jwtDigest, err
	}
	random := opts.Rand
	if random == nil {
		random = rand.Reader
	}

	disclosable := 0
	for _, c := range sorted {
		if c.Disclosable {
			disclosable++
		}
	}
	// Every salt at once: the same bytes, in the same order, as one read
	// per disclosure.
	var saltBuf [32 * saltSize]byte
	var salts []byte
	if disclosable <= len(saltBuf)/saltSize {
		salts = saltBuf[:disclosable*saltSize]
	} else {
		salts = make([]byte, disclosable*saltSize)
	}
	if _, err := io.ReadFull(random, salts); err != nil {
		return "", jwtDigest, fmt.Errorf("salt: %w", err)
	}
	// The disclosures, each followed by "~", are written one after the
	// other into tail, which ends the SD-JWT; each one's digest is taken
	// as it is written.
	var (
		members = make([]member, 0, len(sorted)-disclosable+3)
		digests = make([]digest, 0, disclosable+opts.Decoys)
		tail    = make([]byte, 0, 128*disclosable)
		scratch = make([]byte, 0, 256)
	)
	for _, c := range sorted {
		if !c.Disclosable {
			members = append(members, member{c.Name, c.Value})
			continue
		}
		salt := salts[:saltSize]
		salts = salts[saltSize:]
		// ["<salt>","<name>",<value>]; the salt is base64url, which JSON
		// needs not escape.
		scratch = append(scratch[:0], `["`...)
		scratch = base64.RawURLEncoding.AppendEncode(scratch, salt)
		scratch = append(scratch, `",`...)
		scratch = jsonstr.Append(scratch, c.Name, false)
		scratch = append(scratch, ',')
		scratch = append(scratch, c.Value...)
		scratch = append(scratch, ']')
		start := len(tail)
		tail = base64.RawURLEncoding.AppendEncode(tail, scratch)
		digests = append(digests, digestOfBytes(tail[start:]))
		tail = append(tail, '~')
	}
	var list []byte
	if len(digests) > 0 {
		n := 0
		if opts.Decoys > 0 {
			if n, err = uniform(random, opts.Decoys+1); err != nil {
				return "", jwtDigest, fmt.Errorf("decoys: %w", err)
			}
		}
		for range n {
			var salt [saltSize]byte
			if _, err := io.ReadFull(random, salt[:]); err != nil {
				return "", jwtDigest, fmt.Errorf("decoys: %w", err)
			}
			var encoded [saltEncodedSize]byte
			base64.RawURLEncoding.Encode(encoded[:], salt[:])
			digests = append(digests, digestOfBytes(encoded[:]))
		}
		// Sorted, the digests tell nothing of the claims' order.
		slices.SortFunc(digests, func(a, b digest) int { return bytes.Compare(a[:], b[:]) })
		list = make([]byte, 0, 2+len(digests)*(len(digest{})+3))
		list = append(list, '[')
		for i, d := range digests {
			if i > 0 {
				list = append(list, ',')
			}
			list = append(list, '"')
			list = append(list, d[:]...)
			list = append(list, '"')
		}
		members = append(members, member{sdKey, append(list, ']')})
	}
	members = append(members, member{sdAlgKey, []byte(`"` + HashAlgorithm + `"`)})
	if opts.HolderKey != nil {
		jwk, err := publicJWK(opts.HolderKey)
		if err != nil {
			return "", jwtDigest, fmt.Errorf("HolderKey: %w", err)
		}
		raw, err := encodeJSON(map[string]any{"jwk": jwk})
		if err != nil {
			return "", jwtDigest, fmt.Errorf("HolderKey: %w", err)
		}
		members = append(members, member{"cnf", raw})
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })

	size := 2
	for _, m := range members {
		size += len(m.name) + len(m.value) + 4
	}
	payload := make([]byte, 0, size)
	payload = append(payload, '{')
	for i, m := range members {
		if i > 0 {
			payload = append(payload, ',')
		}
		payload = jsonstr.Append(payload, m.name, false)
		payload = append(payload, ':')
		payload = append(payload, m.value...)
	}
	payload = append(payload, '}')
	// Room for the header and the signature (under 256 bytes encoded), the
	// payload and the disclosures: one allocation.
	out := make([]byte, 0, 256+base64.RawURLEncoding.EncodedLen(len(payload))+1+len(tail))
	out, jwtDigest, err = appendJWTDigest(out, opts.Signer, opts.KeyID, typ, payload)
	if err != nil {
		return "", jwtDigest, err
	}
	out = append(out, '~')
	out = append(out, tail...)
	// out is never written again: the string may share its bytes.
	return unsafe.String(unsafe.SliceData(out), len(out)), jwtDigest, nil
}

// digest is the base64url SHA-256 of a disclosure (digestOf), as bytes.
type digest [43]byte

// saltEncodedSize is the length of a base64url salt.
const saltEncodedSize = (saltSize*8 + 5) / 6

// digestOfBytes returns the base64url SHA-256 of an encoded disclosure.
func digestOfBytes(encoded []byte) digest {
	sum := sha256.Sum256(encoded)
	var d digest
	base64.RawURLEncoding.Encode(d[:], sum[:])
	return d
}

// member is one member of the issuer-signed payload, its value as JSON.
type member struct {
	name  string
	value []byte
}

// checkFlatClaims checks the claims of IssueClaims and returns them sorted
// by name with their values compacted.
func checkFlatClaims(claims []Claim, typ string, holderBound bool) ([]Claim, error) {
	sorted := slices.Clone(claims)
	byName := func(a, b Claim) int { return strings.Compare(a.Name, b.Name) }
	if !slices.IsSortedFunc(sorted, byName) {
		slices.SortFunc(sorted, byName)
	}
	for i := range sorted {
		c := &sorted[i]
		switch {
		case c.Name == sdKey || c.Name == arrayDigestKey || c.Name == sdAlgKey:
			return nil, fmt.Errorf("claim %q is reserved by SD-JWT", c.Name)
		case c.Name == "cnf" && holderBound:
			return nil, errors.New("claim \"cnf\" is set both in the claims and by IssueOptions.HolderKey")
		case i > 0 && sorted[i-1].Name == c.Name:
			return nil, fmt.Errorf("claim %q is listed twice", c.Name)
		case typ == TypeVC && c.Disclosable && slices.Contains(vcFixedClaims, c.Name):
			return nil, fmt.Errorf("claim %q of an SD-JWT VC cannot be selectively disclosable", c.Name)
		}
		value, err := compactValue(c.Value)
		if err != nil {
			return nil, fmt.Errorf("claim %q: %w", c.Name, err)
		}
		c.Value = value
	}
	if typ == TypeVC {
		i, found := slices.BinarySearchFunc(sorted, "vct", func(c Claim, name string) int { return strings.Compare(c.Name, name) })
		if !found || sorted[i].Disclosable || !isNonEmptyJSONString(sorted[i].Value) {
			return nil, errors.New("an SD-JWT VC needs a non-empty string claim \"vct\"")
		}
	}
	return sorted, nil
}

// compactValue checks that value is one JSON value and returns it without
// insignificant whitespace; objects and arrays must not use the names
// SD-JWT reserves.
func compactValue(value []byte) ([]byte, error) {
	if len(value) == 0 {
		return nil, errors.New("no value")
	}
	if value[0] == '{' || value[0] == '[' {
		if isCanonicalJSON(value) {
			return value, nil // what the round trip below would return
		}
		v, err := decodeJSON(value)
		if err != nil {
			return nil, err
		}
		if err := checkReservedNames(v, Path{}); err != nil {
			return nil, err
		}
		return encodeJSON(v)
	}
	if isCompactScalar(value) {
		return value, nil
	}
	if !json.Valid(value) {
		return nil, errors.New("invalid JSON")
	}
	if !bytes.ContainsAny(value, " \t\r\n") {
		return value, nil // nothing to compact
	}
	var b bytes.Buffer
	if err := json.Compact(&b, value); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// isNonEmptyJSONString reports whether value is a JSON string other than "".
func isNonEmptyJSONString(value []byte) bool {
	var s string
	return json.Unmarshal(value, &s) == nil && s != ""
}

// isCompactScalar reports whether value is, as a whole, a JSON string
// without escapes or control characters, of valid UTF-8, or an integer
// without leading zeros: the values of a credential's claims, which it
// checks without json.Valid's state machine. Anything else (false) goes
// through json.Valid.
func isCompactScalar(value []byte) bool {
	switch n := len(value); {
	case n >= 2 && value[0] == '"' && value[n-1] == '"':
		inner := value[1 : n-1]
		for _, c := range inner {
			if c < 0x20 || c == '"' || c == '\\' {
				return false
			}
		}
		return utf8.Valid(inner)
	case n >= 1:
		digits := value
		if digits[0] == '-' {
			digits = digits[1:]
		}
		if len(digits) == 0 || len(digits) > 1 && digits[0] == '0' {
			return false
		}
		for _, c := range digits {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	return false
}
