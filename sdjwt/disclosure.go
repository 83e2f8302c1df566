package sdjwt

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
)

// Names that SD-JWT reserves in the issuer-signed payload.
const (
	// sdKey holds an object's digests of selectively disclosable members.
	sdKey = "_sd"
	// sdAlgKey names the digest algorithm, at the top level only.
	sdAlgKey = "_sd_alg"
	// arrayDigestKey is the only member of an array element that stands for
	// a selectively disclosable element: {"...": "<digest>"}.
	arrayDigestKey = "..."
)

// HashAlgorithm is the only _sd_alg this package issues and accepts.
const HashAlgorithm = "sha-256"

// saltSize is the number of random bytes in a salt (128 bits, as RFC 9901
// recommends).
const saltSize = 16

// Disclosure is one selectively disclosable claim as the issuer encoded it.
type Disclosure struct {
	// Encoded is the disclosure as it appears in the SD-JWT: base64url of
	// the JSON array [salt, name, value] or [salt, value].
	Encoded string
	// Digest is the base64url SHA-256 of Encoded, the value the issuer
	// signed in an _sd array or an {"...": digest} array element.
	Digest string
	// Salt is the disclosure's random salt.
	Salt string
	// Name is the claim name of an object member; empty for an array
	// element.
	Name string
	// ArrayElement is true for an array element's disclosure ([salt, value]).
	ArrayElement bool
	// Value is the claim value as disclosed. An object or array value may
	// itself hold digests of nested disclosures.
	Value any
	// Path is where the claim sits among the claims (set by Parse).
	Path Path

	// parent is the index, among the SD-JWT's disclosures, of the disclosure
	// whose value references this one; -1 when the issuer-signed payload
	// references it directly.
	parent int
}

// digestOf returns the base64url SHA-256 of an encoded disclosure.
func digestOf(encoded string) string {
	sum := sha256.Sum256([]byte(encoded))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newDisclosure encodes a disclosure for a member name (or, if
// arrayElement, an array element) with a fresh salt read from random.
func newDisclosure(random io.Reader, name string, arrayElement bool, value any) (Disclosure, error) {
	salt, err := randomString(random, saltSize)
	if err != nil {
		return Disclosure{}, fmt.Errorf("salt: %w", err)
	}
	parts := []any{salt, name, value}
	if arrayElement {
		parts = []any{salt, value}
	}
	raw, err := encodeJSON(parts)
	if err != nil {
		return Disclosure{}, fmt.Errorf("encoding the disclosure of %q: %w", name, err)
	}
	encoded := base64.RawURLEncoding.EncodeToString(raw)
	return Disclosure{
		Encoded:      encoded,
		Digest:       digestOf(encoded),
		Salt:         salt,
		Name:         name,
		ArrayElement: arrayElement,
		Value:        value,
		parent:       -1,
	}, nil
}

// randomString returns n bytes read from random, base64url-encoded.
func randomString(random io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// parseDisclosure decodes one encoded disclosure.
func parseDisclosure(encoded string) (Disclosure, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(encoded)
	if err != nil {
		return Disclosure{}, fmt.Errorf("not base64url without padding: %w", err)
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return Disclosure{}, err
	}
	parts, ok := v.([]any)
	if !ok || (len(parts) != 2 && len(parts) != 3) {
		return Disclosure{}, fmt.Errorf("want a JSON array [salt, name, value] or [salt, value], got %s", describe(v))
	}
	salt, ok := parts[0].(string)
	if !ok {
		return Disclosure{}, fmt.Errorf("salt is %s, want a string", jsonKind(parts[0]))
	}
	d := Disclosure{Encoded: encoded, Digest: digestOf(encoded), Salt: salt, parent: -1}
	if len(parts) == 2 {
		d.ArrayElement, d.Value = true, parts[1]
		return d, nil
	}
	name, ok := parts[1].(string)
	if !ok {
		return Disclosure{}, fmt.Errorf("claim name is %s, want a string", jsonKind(parts[1]))
	}
	if name == sdKey || name == arrayDigestKey {
		return Disclosure{}, fmt.Errorf("claim name %q is reserved", name)
	}
	d.Name, d.Value = name, parts[2]
	return d, nil
}

// describe names a decoded JSON value's type, with the length of arrays.
func describe(v any) string {
	if arr, ok := v.([]any); ok {
		return fmt.Sprintf("an array of %d elements", len(arr))
	}
	return jsonKind(v)
}

// resolver rebuilds the claims from an issuer-signed payload and its
// disclosures, as RFC 9901 section 7.1 says, and records where each
// disclosure sits.
type resolver struct {
	disclosures []Disclosure
	byDigest    map[string]int
	used        []bool
	seen        map[string]bool
}

// resolve returns the claims of payload with every disclosure substituted,
// _sd, _sd_alg and hidden array elements removed. It sets each disclosure's
// Path and parent, and rejects a disclosure referenced nowhere, a digest met
// twice, a disclosure of the wrong kind for where it is referenced, a
// disclosed name that collides with another claim, and claims nested deeper
// than MaxDepth.
func resolve(payload map[string]any, disclosures []Disclosure) (map[string]any, error) {
	r := &resolver{
		disclosures: disclosures,
		byDigest:    make(map[string]int, len(disclosures)),
		used:        make([]bool, len(disclosures)),
		seen:        map[string]bool{},
	}
	for i, d := range disclosures {
		if j, dup := r.byDigest[d.Digest]; dup {
			return nil, fmt.Errorf("disclosures %d and %d are the same disclosure", j+1, i+1)
		}
		r.byDigest[d.Digest] = i
	}
	claims, err := r.object(payload, Path{}, -1, 1)
	if err != nil {
		return nil, err
	}
	delete(claims, sdAlgKey)
	for i, d := range disclosures {
		if !r.used[i] {
			return nil, fmt.Errorf("disclosure %d (digest %s) is not referenced by the issuer-signed JWT nor by another disclosure", i+1, d.Digest)
		}
	}
	return claims, nil
}

// value resolves any JSON value found at path.
func (r *resolver) value(v any, path Path, parent, depth int) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		return r.object(v, path, parent, depth)
	case []any:
		return r.array(v, path, parent, depth)
	default:
		return v, nil
	}
}

func (r *resolver) object(obj map[string]any, path Path, parent, depth int) (map[string]any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("claim %s: claims nested more than %d levels deep", path, MaxDepth)
	}
	out := make(map[string]any, len(obj))
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		switch name {
		case sdKey:
			continue
		case arrayDigestKey:
			return nil, fmt.Errorf("claim %s: member %q is only allowed alone in an array element", path.child(name), name)
		}
		v, err := r.value(obj[name], path.child(name), parent, depth+1)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	raw, ok := obj[sdKey]
	if !ok {
		return out, nil
	}
	digests, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("claim %s: _sd is %s, want an array of digests", path.child(sdKey), jsonKind(raw))
	}
	for _, raw := range digests {
		i, found, err := r.lookup(raw, path.child(sdKey))
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		d := &r.disclosures[i]
		if d.ArrayElement {
			return nil, fmt.Errorf("disclosure %d is an array element's but its digest is in the _sd of %s", i+1, describePath(path))
		}
		if _, taken := out[d.Name]; taken {
			return nil, fmt.Errorf("disclosure %d discloses %s, which the object already has", i+1, path.child(d.Name))
		}
		v, err := r.place(i, path.child(d.Name), parent, depth+1)
		if err != nil {
			return nil, err
		}
		out[d.Name] = v
	}
	return out, nil
}

func (r *resolver) array(arr []any, path Path, parent, depth int) ([]any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("claim %s: claims nested more than %d levels deep", path, MaxDepth)
	}
	out := make([]any, 0, len(arr))
	for pos, el := range arr {
		if obj, ok := el.(map[string]any); ok && len(obj) == 1 {
			if raw, ok := obj[arrayDigestKey]; ok {
				i, found, err := r.lookup(raw, path.child(pos))
				if err != nil {
					return nil, err
				}
				if !found {
					continue
				}
				if !r.disclosures[i].ArrayElement {
					return nil, fmt.Errorf("disclosure %d is an object member's (%q) but its digest stands for array element %s", i+1, r.disclosures[i].Name, path.child(pos))
				}
				v, err := r.place(i, path.child(pos), parent, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
				continue
			}
		}
		v, err := r.value(el, path.child(pos), parent, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// lookup records a digest met at path and returns the index of its
// disclosure, if any (a decoy or a hidden claim has none).
func (r *resolver) lookup(raw any, path Path) (int, bool, error) {
	digest, ok := raw.(string)
	if !ok {
		return 0, false, fmt.Errorf("claim %s: a digest is %s, want a string", path, jsonKind(raw))
	}
	if r.seen[digest] {
		return 0, false, fmt.Errorf("claim %s: digest %s appears more than once", path, digest)
	}
	r.seen[digest] = true
	i, ok := r.byDigest[digest]
	return i, ok, nil
}

// place resolves disclosure i's value at path and records where it sits.
func (r *resolver) place(i int, path Path, parent, depth int) (any, error) {
	r.used[i] = true
	d := &r.disclosures[i]
	d.Path, d.parent = path, parent
	return r.value(d.Value, path, i, depth)
}

// describePath names an object's path, "the top level" for the root.
func describePath(p Path) string {
	if len(p) == 0 {
		return "the top level"
	}
	return p.String()
}
