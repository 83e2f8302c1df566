package sdjwt

import (
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// TypeVC is the typ header of an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc).
const TypeVC = "dc+sd-jwt"

// MaxDecoys bounds IssueOptions.Decoys.
const MaxDecoys = 16

// vcFixedClaims are the top-level claims an SD-JWT VC must not make
// selectively disclosable (draft-ietf-oauth-sd-jwt-vc, section 3.2.2).
var vcFixedClaims = []string{"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"}

// IssueOptions says how Issue signs and what it makes selectively
// disclosable.
type IssueOptions struct {
	// Signer is the issuer's key: a P-256 key signs ES256, an Ed25519 key
	// EdDSA.
	Signer crypto.Signer
	// KeyID, if not empty, is the header's kid.
	KeyID string
	// Type is the header's typ; empty means TypeVC. With TypeVC the claims
	// must hold a string "vct", and iss, nbf, exp, cnf, vct, vct#integrity
	// and status cannot be made selectively disclosable.
	Type string
	// Disclosable lists the claims to make selectively disclosable. A nil
	// element matches every position of an array: {"competences", nil}
	// hides each element of competences on its own. Listing a claim and a
	// claim inside it nests their disclosures. Every path must match at
	// least one claim.
	Disclosable []Path
	// HolderKey, if not nil, is the holder's P-256 or Ed25519 public key,
	// written as cnf.jwk so that presentations must be signed with it.
	HolderKey crypto.PublicKey
	// Decoys is the most decoy digests added to each object that has
	// selectively disclosable members (each gets a random number from 0 to
	// Decoys), so that the number of hidden claims does not show. At most
	// MaxDecoys.
	Decoys int
	// Rand is the source of salts and decoys; nil means crypto/rand. Only
	// tests should set it.
	Rand io.Reader
}

// Issue signs claims as an SD-JWT, hiding the claims opts.Disclosable names,
// and returns "<issuer-signed JWT>~<disclosure>~…~". Claims may hold any
// values that encoding/json marshals; they must not use the names _sd, ...
// or _sd_alg, nor cnf when opts.HolderKey is set. Issue adds _sd_alg
// ("sha-256") and cnf; the caller provides iss, iat, exp, vct and the rest.
func Issue(claims map[string]any, opts IssueOptions) (string, error) {
	if err := opts.check(); err != nil {
		return "", err
	}
	typ := opts.Type
	if typ == "" {
		typ = TypeVC
	}
	tree, err := normalizeClaims(claims)
	if err != nil {
		return "", err
	}
	if typ == TypeVC {
		if err := checkVCClaims(tree, opts.Disclosable); err != nil {
			return "", err
		}
	}
	random := opts.Rand
	if random == nil {
		random = rand.Reader
	}
	e := &encoder{random: random, patterns: opts.Disclosable, used: make([]bool, len(opts.Disclosable)), decoys: opts.Decoys}
	payload, err := e.object(tree, Path{})
	if err != nil {
		return "", err
	}
	for i, used := range e.used {
		if !used {
			return "", fmt.Errorf("disclosable path %s matches no claim", opts.Disclosable[i])
		}
	}
	payload[sdAlgKey] = HashAlgorithm
	if opts.HolderKey != nil {
		if _, ok := tree["cnf"]; ok {
			return "", errors.New("claim \"cnf\" is set both in the claims and by IssueOptions.HolderKey")
		}
		jwk, err := publicJWK(opts.HolderKey)
		if err != nil {
			return "", fmt.Errorf("HolderKey: %w", err)
		}
		payload["cnf"] = map[string]any{"jwk": jwk}
	}
	raw, err := encodeJSON(payload)
	if err != nil {
		return "", fmt.Errorf("encoding the payload: %w", err)
	}
	jwt, err := signJWT(opts.Signer, opts.KeyID, typ, raw)
	if err != nil {
		return "", err
	}
	return jwt + "~" + strings.Join(append(e.disclosures, ""), "~"), nil
}

// check validates the options that do not depend on the claims.
func (opts IssueOptions) check() error {
	if opts.Signer == nil {
		return errors.New("IssueOptions.Signer is nil")
	}
	if opts.Decoys < 0 || opts.Decoys > MaxDecoys {
		return fmt.Errorf("IssueOptions.Decoys is %d, want 0 to %d", opts.Decoys, MaxDecoys)
	}
	for _, p := range opts.Disclosable {
		if err := validatePattern(p, true); err != nil {
			return fmt.Errorf("IssueOptions.Disclosable: %w", err)
		}
	}
	return nil
}

// normalizeClaims turns the caller's claims into decoded JSON (as Parse
// would see them) and rejects the names SD-JWT reserves.
func normalizeClaims(claims map[string]any) (map[string]any, error) {
	if claims == nil {
		return nil, errors.New("claims are nil")
	}
	raw, err := encodeJSON(claims)
	if err != nil {
		return nil, fmt.Errorf("encoding the claims: %w", err)
	}
	tree, err := decodeJSONObject(raw)
	if err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	if _, ok := tree[sdAlgKey]; ok {
		return nil, fmt.Errorf("claim %q is reserved: Issue sets it", sdAlgKey)
	}
	if err := checkReservedNames(tree, Path{}); err != nil {
		return nil, err
	}
	return tree, nil
}

// checkReservedNames rejects _sd and ... members anywhere in v.
func checkReservedNames(v any, path Path) error {
	switch v := v.(type) {
	case map[string]any:
		for name, child := range v {
			if name == sdKey || name == arrayDigestKey {
				return fmt.Errorf("claim %s: the name %q is reserved by SD-JWT", path.child(name), name)
			}
			if err := checkReservedNames(child, path.child(name)); err != nil {
				return err
			}
		}
	case []any:
		for i, child := range v {
			if err := checkReservedNames(child, path.child(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkVCClaims applies the SD-JWT VC rules: a string vct, and the fixed
// claims never selectively disclosable.
func checkVCClaims(claims map[string]any, disclosable []Path) error {
	if vct, ok := claims["vct"].(string); !ok || vct == "" {
		return errors.New("an SD-JWT VC needs a non-empty string claim \"vct\"")
	}
	for _, p := range disclosable {
		if name, ok := p[0].(string); ok && len(p) == 1 && slices.Contains(vcFixedClaims, name) {
			return fmt.Errorf("disclosable path %s: claim %q of an SD-JWT VC cannot be selectively disclosable", p, name)
		}
	}
	return nil
}

// encoder builds the issuer-signed payload and its disclosures.
type encoder struct {
	random      io.Reader
	patterns    []Path
	used        []bool
	decoys      int
	disclosures []string
}

// disclosable reports whether the claim at path is to be hidden, marking
// every pattern that matches it.
func (e *encoder) disclosable(path Path) bool {
	hide := false
	for i, pattern := range e.patterns {
		if path.matches(pattern) {
			e.used[i], hide = true, true
		}
	}
	return hide
}

func (e *encoder) value(v any, path Path) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		return e.object(v, path)
	case []any:
		return e.array(v, path)
	default:
		return v, nil
	}
}

func (e *encoder) object(obj map[string]any, path Path) (map[string]any, error) {
	out := make(map[string]any, len(obj))
	var digests []string
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		child := path.child(name)
		v, err := e.value(obj[name], child)
		if err != nil {
			return nil, err
		}
		if !e.disclosable(child) {
			out[name] = v
			continue
		}
		digest, err := e.disclose(name, false, v)
		if err != nil {
			return nil, err
		}
		digests = append(digests, digest)
	}
	if len(digests) == 0 {
		return out, nil
	}
	decoys, err := e.decoyDigests()
	if err != nil {
		return nil, err
	}
	digests = append(digests, decoys...)
	// Sorted, the digests tell nothing of the claims' order.
	slices.Sort(digests)
	out[sdKey] = digests
	return out, nil
}

func (e *encoder) array(arr []any, path Path) ([]any, error) {
	out := make([]any, len(arr))
	for i, el := range arr {
		child := path.child(i)
		v, err := e.value(el, child)
		if err != nil {
			return nil, err
		}
		if !e.disclosable(child) {
			out[i] = v
			continue
		}
		digest, err := e.disclose("", true, v)
		if err != nil {
			return nil, err
		}
		out[i] = map[string]any{arrayDigestKey: digest}
	}
	return out, nil
}

// disclose makes a disclosure and returns its digest.
func (e *encoder) disclose(name string, arrayElement bool, v any) (string, error) {
	d, err := newDisclosure(e.random, name, arrayElement, v)
	if err != nil {
		return "", err
	}
	e.disclosures = append(e.disclosures, d.Encoded)
	return d.Digest, nil
}

// decoyDigests returns from 0 to e.decoys digests of random data.
func (e *encoder) decoyDigests() ([]string, error) {
	if e.decoys == 0 {
		return nil, nil
	}
	n, err := uniform(e.random, e.decoys+1)
	if err != nil {
		return nil, fmt.Errorf("decoys: %w", err)
	}
	digests := make([]string, n)
	for i := range digests {
		s, err := randomString(e.random, saltSize)
		if err != nil {
			return nil, fmt.Errorf("decoys: %w", err)
		}
		digests[i] = digestOf(s)
	}
	return digests, nil
}

// uniform returns a uniformly random int in [0, n), for 0 < n ≤ 256.
func uniform(random io.Reader, n int) (int, error) {
	limit := 256 - 256%n
	var b [1]byte
	for range 64 {
		if _, err := io.ReadFull(random, b[:]); err != nil {
			return 0, err
		}
		if int(b[0]) < limit {
			return int(b[0]) % n, nil
		}
	}
	return 0, errors.New("the random source keeps returning out-of-range bytes")
}
