package sdjwt

import (
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"
)

// KeyBindingOptions says how Present signs the key-binding JWT.
type KeyBindingOptions struct {
	// Signer is the holder's key, the one the SD-JWT's cnf.jwk names.
	Signer crypto.Signer
	// Nonce is the verifier's nonce for this presentation. Required.
	Nonce string
	// Audience is the verifier's identifier (aud). Required.
	Audience string
	// IssuedAt is the key-binding JWT's iat; zero means now.
	IssuedAt time.Time
}

// Present makes a presentation of the SD-JWT s (as Issue returned it): it
// keeps the disclosure of each claim for which disclose returns true, with
// the disclosures of the claims that contain it, and drops the others (all
// of them when disclose is nil). Select builds disclose from paths. With
// kb it appends a key-binding JWT whose sd_hash covers the presentation;
// with nil kb the presentation ends with "~". The result is compact.
func Present(s string, disclose func(Path) bool, kb *KeyBindingOptions) (string, error) {
	t, err := Parse(s)
	if err != nil {
		return "", err
	}
	if t.kbJWT != "" {
		return "", errors.New("the SD-JWT already has a key-binding JWT: present from the SD-JWT as issued")
	}
	keep := make([]bool, len(t.disclosures))
	for i, d := range t.disclosures {
		if disclose == nil || !disclose(d.Path) {
			continue
		}
		for j := i; j >= 0 && !keep[j]; j = t.disclosures[j].parent {
			keep[j] = true
		}
	}
	var b strings.Builder
	b.WriteString(t.issuerJWT + "~")
	for i, d := range t.disclosures {
		if keep[i] {
			b.WriteString(d.Encoded + "~")
		}
	}
	presentation := b.String()
	if kb == nil {
		return presentation, nil
	}
	kbJWT, err := signKeyBinding(t, presentation, kb)
	if err != nil {
		return "", err
	}
	return presentation + kbJWT, nil
}

// Select returns a disclose function for Present that discloses the claims
// at paths, each whole: a claim's disclosure and every disclosure nested in
// it. A nil path element matches every position of an array.
func Select(paths ...Path) func(Path) bool {
	return func(p Path) bool {
		for _, pattern := range paths {
			if len(pattern) > 0 && p.hasPrefix(pattern) {
				return true
			}
		}
		return false
	}
}

// signKeyBinding signs the key-binding JWT of presentation, after checking
// that kb's signer is the holder key of t's cnf.jwk.
func signKeyBinding(t *SDJWT, presentation string, kb *KeyBindingOptions) (string, error) {
	if kb.Signer == nil {
		return "", errors.New("KeyBindingOptions.Signer is nil")
	}
	if kb.Nonce == "" || kb.Audience == "" {
		return "", errors.New("KeyBindingOptions needs a Nonce and an Audience")
	}
	cnf, _ := t.payload["cnf"].(map[string]any)
	if cnf == nil {
		return "", errors.New("the SD-JWT has no cnf.jwk: it is not bound to a holder key")
	}
	holderKey, err := parsePublicJWK(cnf["jwk"])
	if err != nil {
		return "", fmt.Errorf("the SD-JWT's cnf.jwk: %w", err)
	}
	if !samePublicKey(holderKey, kb.Signer.Public()) {
		return "", errors.New("KeyBindingOptions.Signer is not the holder key the SD-JWT's cnf.jwk names")
	}
	iat := kb.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	payload, err := encodeJSON(map[string]any{
		"nonce":   kb.Nonce,
		"aud":     kb.Audience,
		"iat":     iat.Unix(),
		"sd_hash": digestOf(presentation),
	})
	if err != nil {
		return "", fmt.Errorf("encoding the key-binding JWT: %w", err)
	}
	jwt, err := signJWT(kb.Signer, "", TypeKeyBinding, payload)
	if err != nil {
		return "", fmt.Errorf("key-binding JWT: %w", err)
	}
	return jwt, nil
}

// samePublicKey reports whether two public keys are equal.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
