package sdjwt

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// Limits on what Parse accepts from outside.
const (
	// MaxSize is the largest serialized SD-JWT, in bytes.
	MaxSize = 128 << 10
	// MaxDisclosures is the most disclosures an SD-JWT may carry.
	MaxDisclosures = 512
	// MaxDepth is the deepest nesting of JSON objects and arrays, in any
	// decoded part and in the claims once disclosures are substituted.
	MaxDepth = 32
)

// SDJWT is an SD-JWT or an SD-JWT presentation as Parse read it. Nothing in
// it is authenticated: Verify checks it.
type SDJWT struct {
	issuerJWT   string
	header      map[string]any
	payload     map[string]any
	disclosures []Disclosure
	claims      map[string]any
	kbJWT       string
	// hashed is what a key-binding JWT's sd_hash covers: the compact
	// serialization up to and including the "~" before the key-binding JWT.
	hashed string
}

// IssuerJWT returns the issuer-signed JWT alone, in compact form
// (header.payload.signature): the part that stays the same in every
// presentation of the credential.
func (t *SDJWT) IssuerJWT() string { return t.issuerJWT }

// Disclosures returns the disclosures in the order they appear, each with
// the Path of the claim it discloses.
func (t *SDJWT) Disclosures() []Disclosure { return slices.Clone(t.disclosures) }

// KeyBindingJWT returns the compact key-binding JWT, or "" if there is none.
func (t *SDJWT) KeyBindingJWT() string { return t.kbJWT }

// Parse reads an SD-JWT or an SD-JWT presentation, in compact form
// (<issuer-signed JWT>~<disclosure>~…~[<key-binding JWT>]) or in flattened
// JSON serialization. It checks the structure: sizes, encodings, that every
// disclosure is referenced exactly once by the issuer-signed payload or by
// another disclosure, and that no disclosed name collides with another
// claim. It verifies no signature. Errors are *Error with CheckFormat or
// CheckDisclosure.
func Parse(s string) (*SDJWT, error) {
	if len(s) > MaxSize {
		return nil, fail(CheckFormat, "%d bytes is more than the %d allowed", len(s), MaxSize)
	}
	if strings.HasPrefix(strings.TrimSpace(s), "{") {
		compact, err := compactFromJSON(s)
		if err != nil {
			return nil, err
		}
		s = compact
	}
	parts := strings.Split(s, "~")
	if len(parts) < 2 {
		return nil, fail(CheckFormat, "no \"~\": want <issuer-signed JWT>~<disclosure>~…~ with an optional key-binding JWT at the end")
	}
	last := len(parts) - 1
	if last-1 > MaxDisclosures {
		return nil, fail(CheckFormat, "%d disclosures is more than the %d allowed", last-1, MaxDisclosures)
	}
	t := &SDJWT{issuerJWT: parts[0], kbJWT: parts[last], hashed: s[:strings.LastIndex(s, "~")+1]}
	var err error
	t.header, t.payload, err = decodeCompactJWT(t.issuerJWT)
	if err != nil {
		return nil, fail(CheckFormat, "issuer-signed JWT: %w", err)
	}
	if alg, ok := t.payload[sdAlgKey]; ok && alg != HashAlgorithm {
		return nil, fail(CheckDisclosure, "_sd_alg %v is not supported; want %q", alg, HashAlgorithm)
	}
	for i, encoded := range parts[1:last] {
		if encoded == "" {
			return nil, fail(CheckFormat, "disclosure %d is empty (two \"~\" in a row)", i+1)
		}
		d, err := parseDisclosure(encoded)
		if err != nil {
			return nil, fail(CheckDisclosure, "disclosure %d: %w", i+1, err)
		}
		t.disclosures = append(t.disclosures, d)
	}
	if t.kbJWT != "" {
		if strings.Count(t.kbJWT, ".") != 2 {
			return nil, fail(CheckFormat, "the part after the last \"~\" is not a key-binding JWT (want header.payload.signature); an SD-JWT without key binding ends with \"~\"")
		}
	}
	t.claims, err = resolve(t.payload, t.disclosures)
	if err != nil {
		return nil, fail(CheckDisclosure, "%w", err)
	}
	return t, nil
}

// decodeCompactJWT decodes the header and payload of a compact JWS, which
// must both be JSON objects. It verifies nothing.
func decodeCompactJWT(compact string) (header, payload map[string]any, err error) {
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("want 3 dot-separated parts (header.payload.signature), got %d", len(parts))
	}
	names := [...]string{"header", "payload", "signature"}
	decoded := make([][]byte, 3)
	for i, part := range parts {
		decoded[i], err = base64.RawURLEncoding.Strict().DecodeString(part)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: not base64url without padding: %w", names[i], err)
		}
	}
	if header, err = decodeJSONObject(decoded[0]); err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	if payload, err = decodeJSONObject(decoded[1]); err != nil {
		return nil, nil, fmt.Errorf("payload: %w", err)
	}
	return header, payload, nil
}

// compactFromJSON turns an SD-JWT in flattened JSON serialization (RFC 9901
// section 8: protected, payload, signature and an unprotected header holding
// disclosures and kb_jwt) into the equivalent compact form, over which
// sd_hash is computed.
func compactFromJSON(s string) (string, error) {
	obj, err := decodeJSONObject([]byte(s))
	if err != nil {
		return "", fail(CheckFormat, "JSON serialization: %w", err)
	}
	if _, ok := obj["signatures"]; ok {
		return "", fail(CheckFormat, "JSON serialization: the general form (\"signatures\") is not supported; use the flattened form")
	}
	var jws [3]string
	for i, name := range []string{"protected", "payload", "signature"} {
		v, ok := obj[name].(string)
		if !ok {
			return "", fail(CheckFormat, "JSON serialization: %q is %s, want a string", name, jsonKind(obj[name]))
		}
		if strings.ContainsAny(v, ".~") {
			return "", fail(CheckFormat, "JSON serialization: %q is not base64url", name)
		}
		jws[i] = v
	}
	for name := range obj {
		switch name {
		case "protected", "payload", "signature", "header":
		default:
			return "", fail(CheckFormat, "JSON serialization: member %q is not allowed", name)
		}
	}
	var disclosures []any
	var kb string
	if raw, ok := obj["header"]; ok {
		header, ok := raw.(map[string]any)
		if !ok {
			return "", fail(CheckFormat, "JSON serialization: \"header\" is %s, want an object", jsonKind(raw))
		}
		for name, v := range header {
			switch name {
			case "disclosures":
				if disclosures, ok = v.([]any); !ok {
					return "", fail(CheckFormat, "JSON serialization: header.disclosures is %s, want an array", jsonKind(v))
				}
			case "kb_jwt":
				if kb, ok = v.(string); !ok || strings.Contains(kb, "~") {
					return "", fail(CheckFormat, "JSON serialization: header.kb_jwt is not a compact JWT")
				}
			default:
				return "", fail(CheckFormat, "JSON serialization: unprotected header member %q is not allowed", name)
			}
		}
	}
	var b strings.Builder
	b.WriteString(strings.Join(jws[:], ".") + "~")
	for i, d := range disclosures {
		encoded, ok := d.(string)
		if !ok || encoded == "" || strings.Contains(encoded, "~") {
			return "", fail(CheckFormat, "JSON serialization: header.disclosures[%d] is not an encoded disclosure", i)
		}
		b.WriteString(encoded + "~")
	}
	b.WriteString(kb)
	return b.String(), nil
}
