package hardening

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/verifier"
)

// mutation is one altered copy of a credential.
type mutation struct {
	// what says how it was altered, for failure messages.
	what  string
	input []byte
}

// mutatedForm is one form of a sample credential under mutation.
type mutatedForm struct {
	name  string
	input []byte
	// verify verifies an input of this form.
	verify func(ctx context.Context, input []byte) *verifier.Result
	// signed is the whole credential subject, as its issuer signed it.
	signed json.RawMessage
	// partial is set for forms that may show only some of the signed
	// claims (an SD-JWT shows the claims it discloses).
	partial bool
	// unsigned reports whether an altered input differs from the original
	// only in what no signature covers and the ledger does not anchor
	// (insignificant JSON whitespace, disclosures left out): then, and only
	// then, the verdict may stay valid.
	unsigned func(orig, altered []byte) bool
}

// TestEveryMutationIsRejectedOrShowsOnlySignedClaims alters sample
// credentials in every form, byte by byte (each byte replaced by another
// of its alphabet; in long mode also with its case and top bit flipped),
// truncated at every length and with bytes appended, and verifies each
// altered copy against the ledger. It fails if an altered credential is
// valid when the change touches signed or anchored content, if an altered
// credential shows a claim that its issuer did not sign, or if it shows
// another id, type or issuer.
//
// By default every byte of both ends (headers, signatures, the end of
// every form) is altered and one byte in six elsewhere; SCEAU_LONG_TESTS=1
// alters every byte.
func TestEveryMutationIsRejectedOrShowsOnlySignedClaims(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	holder, holderJWK := holderKey(t)
	diplomas := w.issue("Diploma", "diplomas", sampleDiplomaCSV(holderJWK))
	pix := w.issue("PixCertification", "pix", samplePixCSV())
	diploma := bundleOf(t, diplomas, sampleStudents[0].studentID)
	pixBundle := bundleOf(t, pix, sampleStudents[0].studentID)
	png, err := os.ReadFile(strings.TrimSuffix(diploma.path, ".json") + ".png")
	if err != nil {
		t.Fatal(err)
	}

	const nonce, audience = "n-0f3a9c7d2b", "https://recrutement.example"
	presentation, err := credential.PresentSDJWT(diploma.bundle.SDJWT, holder, credential.Presentation{
		Disclose: []string{"given_name", "family_name", "mention"}, Nonce: nonce, Audience: audience,
	})
	if err != nil {
		t.Fatal(err)
	}

	l := w.openLedger()
	plain := newVerifier(t, l, verifier.Options{})
	expecting := newVerifier(t, l, verifier.Options{Nonce: nonce, Audience: audience})
	key := w.issuerKey(examOffice, "")
	diplomaSubject := signedSubject(t, diploma.bundle.VCJWT, key)
	pixSubject := signedSubject(t, pixBundle.bundle.VCJWT, key)

	forms := []mutatedForm{
		{name: "diploma bundle", input: diploma.raw, verify: plain.Verify, signed: diplomaSubject, unsigned: sameJSON},
		{name: "diploma vc+jwt", input: []byte(diploma.bundle.VCJWT), verify: plain.Verify, signed: diplomaSubject, unsigned: sameText},
		{name: "diploma SC1 text", input: []byte(diploma.bundle.QR), verify: plain.Verify, signed: diplomaSubject, unsigned: sameText},
		// The diploma's SD-JWT is bound to the holder's key: without a
		// key-binding JWT it is never valid (TestHolderBindingCannotBeStripped),
		// so its alterations are swept through the presentation.
		{name: "diploma SD-JWT presentation with key binding", input: []byte(presentation), verify: expecting.Verify, signed: diplomaSubject, partial: true, unsigned: sameText},
		{name: "diploma QR image", input: png, verify: plain.Verify, signed: diplomaSubject, unsigned: sameQRText},
		{name: "Pix bundle", input: pixBundle.raw, verify: plain.Verify, signed: pixSubject, unsigned: sameJSON},
		{name: "Pix vc+jwt", input: []byte(pixBundle.bundle.VCJWT), verify: plain.Verify, signed: pixSubject, unsigned: sameText},
		{name: "Pix SC1 text", input: []byte(pixBundle.bundle.QR), verify: plain.Verify, signed: pixSubject, unsigned: sameText},
		{name: "Pix SD-JWT without key binding", input: []byte(pixBundle.bundle.SDJWT), verify: plain.Verify, signed: pixSubject, partial: true, unsigned: fewerDisclosures},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			ctx := context.Background()
			original := f.verify(ctx, f.input)
			if original.Verdict != verifier.Valid {
				t.Fatalf("the unaltered %s is not valid:\n%s", f.name, describe(original))
			}
			if !claimsSigned(original.Claims, f.signed, f.partial) {
				t.Fatalf("the unaltered %s shows %s; its issuer signed %s", f.name, original.Claims, f.signed)
			}
			ms := mutations(f.input, long())
			start := time.Now()
			var stayedValid atomic.Int64
			problems := forEachMutation(ms, func(m mutation) string {
				r := f.verify(ctx, m.input)
				if problem := checkMutation(f, original, m, r); problem != "" {
					return problem
				}
				if r.Verdict == verifier.Valid {
					stayedValid.Add(1)
				}
				return ""
			})
			for i, p := range problems {
				if i == 20 {
					t.Errorf("… and %d more", len(problems)-i)
					break
				}
				t.Error(p)
			}
			t.Logf("%d alterations of %d bytes verified in %s; %d stayed valid, each changing nothing signed",
				len(ms), len(f.input), time.Since(start).Round(time.Millisecond), stayedValid.Load())
		})
	}
}

// TestMutationCheckCatchesForgeries shows that checkMutation, the
// judge of TestEveryMutationIsRejectedOrShowsOnlySignedClaims, fails a
// verifier that accepts altered content or shows unsigned claims.
func TestMutationCheckCatchesForgeries(t *testing.T) {
	signed := json.RawMessage(`{"student_id":"0Q7Z3X9K2WA","given_name":"Zéphyrine","competences":[{"id":"1.1","level":7}]}`)
	original := &verifier.Result{Verdict: verifier.Valid, ID: "urn:uuid:1", Type: "Diploma", Issuer: "urn:sceau:issuer:examoffice", Claims: signed}
	altered := mutation{what: "byte 3 changed", input: []byte("{ \"x\": 1}")}
	full := mutatedForm{input: []byte(`{"x": 1}`), signed: signed, unsigned: sameJSON}
	partial := mutatedForm{input: []byte("jwt~d1~d2~"), signed: signed, partial: true, unsigned: fewerDisclosures}
	withVerdict := func(v verifier.Verdict, claims string) *verifier.Result {
		r := *original
		r.Verdict, r.Claims = v, json.RawMessage(claims)
		return &r
	}
	for _, tc := range []struct {
		name   string
		f      mutatedForm
		m      mutation
		r      *verifier.Result
		caught bool
	}{
		{"valid after a signed byte changed", full, mutation{what: "x", input: []byte(`{"x": 2}`)}, withVerdict(verifier.Valid, string(signed)), true},
		{"invalid, showing a claim not signed", full, altered, withVerdict(verifier.Invalid, `{"student_id":"0Q7Z3X9K2WA","given_name":"Mallory","competences":[{"id":"1.1","level":7}]}`), true},
		{"invalid, showing fewer claims of a whole form", full, altered, withVerdict(verifier.Invalid, `{"student_id":"0Q7Z3X9K2WA"}`), true},
		{"partial form showing a changed competence", partial, mutation{what: "x", input: []byte("jwt~d1~")}, withVerdict(verifier.Valid, `{"competences":[{"id":"1.1","level":8}]}`), true},
		{"valid with another id", full, altered, func() *verifier.Result {
			r := withVerdict(verifier.Valid, string(signed))
			r.ID = "urn:uuid:2"
			return r
		}(), true},
		{"indeterminate", full, altered, withVerdict(verifier.Indeterminate, ""), true},
		{"valid after white space changed", full, altered, withVerdict(verifier.Valid, string(signed)), false},
		{"partial form with a disclosure left out", partial, mutation{what: "x", input: []byte("jwt~d2~")}, withVerdict(verifier.Valid, `{"given_name":"Zéphyrine","competences":[{"id":"1.1","level":7}]}`), false},
		{"invalid, showing nothing", full, mutation{what: "x", input: []byte(`{"x": 2}`)}, withVerdict(verifier.Invalid, ""), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problem := checkMutation(tc.f, original, tc.m, tc.r)
			if caught := problem != ""; caught != tc.caught {
				t.Errorf("caught = %v (%q), want %v", caught, problem, tc.caught)
			}
		})
	}
}

// checkMutation returns what is wrong with r, the verdict on altered
// input m of form f, or "".
func checkMutation(f mutatedForm, original *verifier.Result, m mutation, r *verifier.Result) string {
	switch {
	case r.Verdict == verifier.Indeterminate:
		return fmt.Sprintf("%s: indeterminate on a ledger that is available:\n%s", m.what, describe(r))
	case len(r.Claims) > 0 && !claimsSigned(r.Claims, f.signed, f.partial):
		return fmt.Sprintf("%s: verdict %s shows claims its issuer did not sign: %s\nsigned: %s", m.what, r.Verdict, r.Claims, f.signed)
	case r.Verdict != verifier.Valid:
		return ""
	case !f.unsigned(f.input, m.input):
		return fmt.Sprintf("%s: still valid although signed or anchored content changed:\n%s", m.what, describe(r))
	case r.ID != original.ID || r.Type != original.Type || r.Issuer != original.Issuer:
		return fmt.Sprintf("%s: valid as credential %s (%s, %s), not %s (%s, %s)", m.what, r.ID, r.Type, r.Issuer, original.ID, original.Type, original.Issuer)
	}
	return ""
}

// forEachMutation runs check on every mutation on all cores and returns
// the problems it reported, in mutation order.
func forEachMutation(ms []mutation, check func(mutation) string) []string {
	problems := make([]string, len(ms))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				problems[i] = check(ms[i])
			}
		})
	}
	for i := range ms {
		next <- i
	}
	close(next)
	wg.Wait()
	return slices.DeleteFunc(problems, func(p string) bool { return p == "" })
}

// mutations returns altered copies of input: each chosen byte replaced,
// truncations, and appended bytes. all chooses every byte and length;
// otherwise the first and last 64 bytes and one in six elsewhere (one in
// twenty-four under the race detector).
func mutations(input []byte, all bool) []mutation {
	var ms []mutation
	stride := 6
	if raceDetector {
		stride = 24
	}
	chosen := func(i int) bool { return all || i < 64 || i >= len(input)-64 || i%stride == 1 }
	for i, b := range input {
		if !chosen(i) {
			continue
		}
		for _, r := range replacements(b, all) {
			altered := bytes.Clone(input)
			altered[i] = r
			ms = append(ms, mutation{what: fmt.Sprintf("byte %d %q replaced by %q", i, b, r), input: altered})
		}
	}
	for n := range len(input) {
		if chosen(n) {
			ms = append(ms, mutation{what: fmt.Sprintf("truncated to %d bytes", n), input: bytes.Clone(input[:n])})
		}
	}
	for _, suffix := range []string{"\n", " ", "A", "0", ".", "~", "=", "}", "\x00", ".e30", "~WyJzYWx0IiwiZ2l2ZW5fbmFtZSIsIk1hbGxvcnkiXQ~"} {
		ms = append(ms, mutation{what: fmt.Sprintf("%q appended", suffix), input: append(bytes.Clone(input), suffix...)})
	}
	return ms
}

// Alphabets whose characters replacements keeps within: a replaced
// character still decodes at the first stage (base64url, base45, hex,
// digits), so that what rejects the alteration is a later check.
const (
	base64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	base45Alphabet    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
)

// replacements returns the bytes that replace b: the next character of
// its alphabet; with all, also b with its case bit and its top bit flipped.
func replacements(b byte, all bool) []byte {
	var next byte
	switch {
	case b == ' ':
		next = '\t'
	case b == '\n', b == '\t', b == '\r':
		next = ' '
	case strings.IndexByte(base64urlAlphabet, b) >= 0:
		next = base64urlAlphabet[(strings.IndexByte(base64urlAlphabet, b)+1)%len(base64urlAlphabet)]
	case strings.IndexByte(base45Alphabet, b) >= 0:
		next = base45Alphabet[(strings.IndexByte(base45Alphabet, b)+1)%len(base45Alphabet)]
	default:
		next = b ^ 0x01
	}
	out := []byte{next}
	if all {
		for _, r := range []byte{b ^ 0x20, b ^ 0x80} {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// sameText reports whether two texts are the same once surrounding white
// space is trimmed (verifiers trim it: it is not part of any form).
func sameText(orig, altered []byte) bool {
	return bytes.Equal(bytes.TrimSpace(orig), bytes.TrimSpace(altered))
}

// sameJSON reports whether two JSON documents are the same but for
// insignificant white space.
func sameJSON(orig, altered []byte) bool {
	var a, b bytes.Buffer
	if json.Compact(&a, orig) != nil || json.Compact(&b, altered) != nil {
		return false
	}
	return bytes.Equal(a.Bytes(), b.Bytes())
}

// fewerDisclosures reports whether altered is the SD-JWT orig with some of
// its disclosures left out (what any holder may do), and nothing else
// changed.
func fewerDisclosures(orig, altered []byte) bool {
	if sameText(orig, altered) {
		return true
	}
	o := strings.Split(string(bytes.TrimSpace(orig)), "~")
	a := strings.Split(string(bytes.TrimSpace(altered)), "~")
	if len(a) < 2 || a[0] != o[0] || a[len(a)-1] != "" || o[len(o)-1] != "" {
		return false
	}
	for _, d := range a[1 : len(a)-1] {
		if !slices.Contains(o[1:len(o)-1], d) {
			return false
		}
	}
	return true
}

// sameQRText reports whether two images decode to the same text: what a
// QR code's error correction may repair is not signed content.
func sameQRText(orig, altered []byte) bool {
	a, errA := qrcode.DecodeBytes(orig)
	b, errB := qrcode.DecodeBytes(altered)
	return errA == nil && errB == nil && a == b
}

// signedSubject returns the credential subject of a vc+jwt, once its
// signature verified with the issuer's key: what the issuer signed.
func signedSubject(t *testing.T, vcJWT string, key *credential.Key) json.RawMessage {
	t.Helper()
	j, err := credential.ParseJWT(vcJWT)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(key.Public()); err != nil {
		t.Fatal(err)
	}
	subject, err := j.Credential.SubjectJSON()
	if err != nil {
		t.Fatal(err)
	}
	return subject
}

// claimsSigned reports whether shown, a credential subject a verdict
// shows, holds only what signed holds: the same members with the same
// values, or with partial some of them (and some of its competences).
func claimsSigned(shown, signed json.RawMessage, partial bool) bool {
	var s, full map[string]any
	if json.Unmarshal(shown, &s) != nil || json.Unmarshal(signed, &full) != nil {
		return false
	}
	if !partial {
		return canonical(s) == canonical(full)
	}
	for name, v := range s {
		want, ok := full[name]
		if !ok {
			return false
		}
		if name != "competences" {
			if canonical(v) != canonical(want) {
				return false
			}
			continue
		}
		got, _ := v.([]any)
		all, _ := want.([]any)
		for _, c := range got {
			if !slices.ContainsFunc(all, func(a any) bool { return canonical(a) == canonical(c) }) {
				return false
			}
		}
	}
	return true
}

// canonical encodes a decoded JSON value with sorted member names.
func canonical(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}
