package sdjwt

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The reference vectors (outputs of the OpenWallet Foundation's sd-jwt-python)
// live beside the repository, in shared/testvectors/sd-jwt; they are never
// copied into it.

// rejectedVectors are the cases Verify must reject, with the check and a
// word of the message. header_mod signs a header with "kid": 42, and RFC
// 7515 section 4.1.4 says a kid is a string.
var rejectedVectors = map[string]struct {
	check Check
	word  string
}{
	"testcases/header_mod": {CheckHeader, "kid"},
}

// vectorsDir returns the vectors folder, or skips the test if it is absent.
func vectorsDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	vectors := filepath.Join(dir, "..", "shared", "testvectors", "sd-jwt")
	if _, err := os.Stat(vectors); err != nil {
		t.Skipf("SD-JWT reference vectors not found at <repo>/../shared/testvectors/sd-jwt: %v", err)
	}
	return vectors
}

// vectorSettings are the values of a set's settings.yml the tests use.
type vectorSettings struct {
	issuerKey crypto.PublicKey
	holderKey crypto.Signer
	nonce     string
	verifier  string
	iat       time.Time
}

func TestVectors(t *testing.T) {
	root := vectorsDir(t)
	for _, set := range []string{"draft-examples", "examples", "testcases"} {
		settings := readSettings(t, filepath.Join(root, set, "settings.yml"))
		entries, err := os.ReadDir(filepath.Join(root, set))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			name := set + "/" + e.Name()
			t.Run(name, func(t *testing.T) {
				testVector(t, filepath.Join(root, set, e.Name()), name, settings)
			})
		}
	}
}

func testVector(t *testing.T, dir, name string, s vectorSettings) {
	presentation, ok := readVectorSDJWT(t, dir, "sd_jwt_presentation")
	if !ok {
		t.Skip("the reference generator produced no files for this case")
	}
	issuance, _ := readVectorSDJWT(t, dir, "sd_jwt_issuance")
	kbPayload, withKB := readVectorJSON(t, dir, "kb_jwt_payload.json")
	now := s.iat
	opts := VerifyOptions{
		IssuerKey: func(r KeyRequest) (crypto.PublicKey, error) {
			if r.Algorithm != ES256 {
				return nil, fmt.Errorf("the vectors' issuer key is ES256, not %s", r.Algorithm)
			}
			return s.issuerKey, nil
		},
		KeyBinding: KeyBindingOptional,
		Nonce:      s.nonce,
		Audience:   s.verifier,
		Now:        func() time.Time { return now },
	}
	if withKB {
		iat, err := numericDate(kbPayload.(map[string]any)["iat"])
		if err != nil {
			t.Fatalf("kb_jwt_payload.json: iat: %v", err)
		}
		now = iat.Add(10 * time.Second)
		opts.KeyBinding = KeyBindingRequired
	}

	v, err := Verify(presentation, opts)
	if want, ok := rejectedVectors[name]; ok {
		if CheckOf(err) != want.check || !strings.Contains(err.Error(), want.word) {
			t.Fatalf("Verify: got %v, want a %s error naming %q", err, want.check, want.word)
		}
		return
	}
	if err != nil {
		t.Fatalf("Verify(presentation): %v", err)
	}
	expected, _ := readVectorJSON(t, dir, "verified_contents.json")
	assertSameJSON(t, "verified claims", v.Claims, expected)
	if withKB != (v.KeyBinding != nil) {
		t.Errorf("key binding checked: %v, want %v", v.KeyBinding != nil, withKB)
	}

	// The issued SD-JWT, every disclosure applied, holds every user claim.
	all, err := Verify(issuance, VerifyOptions{IssuerKey: opts.IssuerKey, KeyBinding: KeyBindingOptional, Now: opts.Now})
	if err != nil {
		t.Fatalf("Verify(issuance): %v", err)
	}
	userClaims, _ := readVectorJSON(t, dir, "user_claims.json")
	for claim, want := range userClaims.(map[string]any) {
		assertSameJSON(t, "issued claim "+claim, all.Claims[claim], want)
	}

	// Presenting the reference issuance with the same disclosures, signed by
	// the holder key, verifies to the same claims.
	disclosed := map[string]bool{}
	for _, p := range v.Disclosed {
		disclosed[p.String()] = true
	}
	var kb *KeyBindingOptions
	if withKB {
		kb = &KeyBindingOptions{Signer: s.holderKey, Nonce: s.nonce, Audience: s.verifier, IssuedAt: now}
	}
	ours, err := Present(issuance, func(p Path) bool { return disclosed[p.String()] }, kb)
	if err != nil {
		t.Fatalf("Present: %v", err)
	}
	again, err := Verify(ours, opts)
	if err != nil {
		t.Fatalf("Verify(our presentation): %v", err)
	}
	assertSameJSON(t, "claims of our presentation", again.Claims, expected)
}

// readVectorSDJWT reads <base>.txt or, for JSON serialization, <base>.json.
// The draft-examples set is folded into lines for the specification's text:
// an SD-JWT holds no white space, so every line break and the indentation
// after it are dropped. The other sets write the JSON document as a JSON
// string holding it.
func readVectorSDJWT(t *testing.T, dir, base string) (string, bool) {
	t.Helper()
	unfold := func(data []byte) string {
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		for i := range lines {
			lines[i] = strings.TrimLeft(lines[i], " ")
		}
		return strings.Join(lines, "")
	}
	if data, err := os.ReadFile(filepath.Join(dir, base+".txt")); err == nil {
		return unfold(data), true
	}
	data, err := os.ReadFile(filepath.Join(dir, base+".json"))
	if errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	doc := unfold(data)
	if strings.HasPrefix(doc, `"`) {
		if err := json.Unmarshal([]byte(doc), &doc); err != nil {
			t.Fatalf("%s.json: %v", base, err)
		}
	}
	return doc, true
}

// readVectorJSON decodes a JSON file of the case, if it exists.
func readVectorJSON(t *testing.T, dir, file string) (any, bool) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	v, err := decodeJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return v, true
}

func assertSameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

// readSettings reads the values the tests need from a set's settings.yml.
// It understands only the shape of those files: mappings nested by
// indentation, lists of mappings ("- key: value"), plain or double-quoted
// scalars and "#" comments. It flattens them to dotted keys such as
// "key_settings.issuer_keys.0.x".
func readSettings(t *testing.T, file string) vectorSettings {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	type level struct {
		indent int
		key    string
	}
	var stack []level
	values := map[string]string{}
	items := map[string]int{}
	for n, line := range strings.Split(string(data), "\n") {
		if i := strings.Index(line, "#"); i >= 0 && (i == 0 || line[i-1] == ' ') {
			line = line[:i]
		}
		content := strings.TrimSpace(line)
		if content == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		prefix := func() string {
			keys := make([]string, len(stack))
			for i, l := range stack {
				keys[i] = l.key
			}
			return strings.Join(keys, ".")
		}
		if rest, ok := strings.CutPrefix(content, "- "); ok {
			list := prefix()
			stack = append(stack, level{indent, strconv.Itoa(items[list])})
			items[list]++
			content, indent = rest, indent+2
		}
		key, value, ok := strings.Cut(content, ":")
		if !ok {
			t.Fatalf("%s:%d: want \"key: value\", got %q", file, n+1, content)
		}
		value = strings.TrimSpace(value)
		if value == "" {
			stack = append(stack, level{indent, key})
			continue
		}
		if unquoted, err := strconv.Unquote(value); err == nil {
			value = unquoted
		}
		values[strings.TrimPrefix(prefix()+"."+key, ".")] = value
	}
	get := func(key string) string {
		v, ok := values[key]
		if !ok {
			t.Fatalf("%s: no %s", file, key)
		}
		return v
	}
	jwk := func(prefix string, private bool) jose.JSONWebKey {
		members := map[string]string{"kty": get(prefix + ".kty"), "crv": get(prefix + ".crv"), "x": get(prefix + ".x"), "y": get(prefix + ".y")}
		if private {
			members["d"] = get(prefix + ".d")
		}
		raw, _ := json.Marshal(members)
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			t.Fatalf("%s: %s: %v", file, prefix, err)
		}
		return k
	}
	iat, err := strconv.ParseInt(get("iat"), 10, 64)
	if err != nil {
		t.Fatalf("%s: iat: %v", file, err)
	}
	return vectorSettings{
		issuerKey: jwk("key_settings.issuer_keys.0", false).Key,
		holderKey: jwk("key_settings.holder_key", true).Key.(*ecdsa.PrivateKey),
		nonce:     get("key_binding_nonce"),
		verifier:  get("identifiers.verifier"),
		iat:       time.Unix(iat, 0),
	}
}
