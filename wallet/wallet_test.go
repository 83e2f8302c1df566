package wallet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

const passphrase = "correct horse battery staple"

// fast keeps scrypt cheap in tests.
var fast = CreateOptions{ScryptWorkFactor: MinScryptWorkFactor}

// student is the holder of the test credentials.
var student = schemas.Student{StudentID: "070123456AB", GivenName: "Hélène", FamilyName: "Lefèvre", BirthDate: "2007-03-14"}

func openTestWallet(t *testing.T) (*Wallet, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "wallet")
	w, err := Create(dir, passphrase, fast)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return w, dir
}

// issuer signs test credentials.
type issuer struct {
	t   *testing.T
	key *credential.Key
	// base is the base URL of the credentials it issues (its
	// deployment's); "" for credential.DefaultBase.
	base string
}

func newIssuer(t *testing.T) *issuer {
	k, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return &issuer{t: t, key: k}
}

// issue returns a diploma for student, as a bundle and its SD-JWT bound to
// holder (a public JWK, or nil).
func (is *issuer) issue(holder []byte) (c *credential.Credential, bundle []byte, sd string) {
	is.t.Helper()
	c, err := credential.New(&schemas.Diploma{Student: student, Diploma: "Baccalauréat général", EQFLevel: 4, AwardedOn: "2025-07-04", Mention: "tres_bien"},
		"examoffice", time.Date(2025, 7, 4, 9, 0, 0, 0, time.UTC), rand.Reader)
	if err != nil {
		is.t.Fatal(err)
	}
	c.Base = is.base
	signedJWT, err := credential.SignJWT(c, is.key)
	if err != nil {
		is.t.Fatal(err)
	}
	jwt := signedJWT.Text
	signedQR, err := credential.SignQR(c, is.key)
	if err != nil {
		is.t.Fatal(err)
	}
	qr := signedQR.Text
	signedSD, err := credential.SignSDJWT(c, is.key, holder)
	if err != nil {
		is.t.Fatal(err)
	}
	sd = signedSD.Text
	b := credential.Bundle{ID: c.ID, Type: c.Type, Issuer: credential.IssuerURI(c.IssuerID), VCJWT: jwt, SDJWT: sd, QR: qr,
		Anchor: credential.Anchor{Batch: "b1", Root: strings.Repeat("ab", 32), Proof: []string{}}}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		is.t.Fatal(err)
	}
	return c, data, sd
}

// accept stands for a verifier that finds every credential valid.
func accept(_ context.Context, input []byte, _ verifier.PresentationRequest) *verifier.Result {
	e, _, err := parseEntry(context.Background(), input)
	if err != nil {
		return &verifier.Result{Verdict: verifier.Invalid, Checks: []verifier.Check{{Name: verifier.CheckFormat, Reason: err.Error()}}}
	}
	return &verifier.Result{Verdict: verifier.Valid, ID: e.ID}
}

// revoked stands for a verifier that finds every credential revoked.
func revoked(_ context.Context, input []byte, _ verifier.PresentationRequest) *verifier.Result {
	return &verifier.Result{Verdict: verifier.Invalid, Checks: []verifier.Check{
		{Name: verifier.CheckSignature, OK: true, Reason: "fine"},
		{Name: verifier.CheckStatus, Reason: "revoked (reason fraud, 2025-07-05)"},
	}}
}

func holderJWK(t *testing.T, w *Wallet) []byte {
	t.Helper()
	jwk, err := w.HolderJWK()
	if err != nil {
		t.Fatal(err)
	}
	return jwk
}

// grepFolder fails the test if any file under dir holds one of needles.
func grepFolder(t *testing.T, dir string, needles ...string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(data, []byte(n)) || strings.Contains(path, n) {
				t.Errorf("%s holds %q in clear", path, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCreateAndOpen(t *testing.T) {
	w, dir := openTestWallet(t)
	jwk := holderJWK(t, w)
	if bytes.Contains(jwk, []byte(`"d"`)) {
		t.Fatalf("the holder JWK holds the private key: %s", jwk)
	}
	again, err := Open(dir, passphrase)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if again.HolderKey().KID() != w.HolderKey().KID() {
		t.Errorf("the holder key changed between openings")
	}
	if _, err := Open(dir, "not the passphrase"); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("Open with a wrong passphrase: %v", err)
	}
	if _, err := Create(dir, passphrase, fast); !errors.Is(err, ErrExists) {
		t.Errorf("Create over a wallet: %v", err)
	}
	if _, err := Open(t.TempDir(), passphrase); !errors.Is(err, ErrNoWallet) {
		t.Errorf("Open of an empty folder: %v", err)
	}
	busy := t.TempDir()
	if err := os.WriteFile(filepath.Join(busy, "issuer.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(busy, passphrase, fast); err == nil || !strings.Contains(err.Error(), "folder of its own") {
		t.Errorf("Create in a folder with other files: %v", err)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "w"), passphrase, CreateOptions{ScryptWorkFactor: 4}); err == nil {
		t.Errorf("a work factor of 4 was accepted")
	}
	if _, err := Create(filepath.Join(t.TempDir(), "w"), "", fast); err == nil {
		t.Errorf("an empty passphrase was accepted")
	}
}

func TestImportListGetPresent(t *testing.T) {
	w, dir := openTestWallet(t)
	is := newIssuer(t)
	c, bundle, _ := is.issue(holderJWK(t, w))
	ctx := context.Background()
	e, err := w.Import(ctx, bundle, accept)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if e.ID != c.ID || e.Form != FormBundle || e.Type != "Diploma" || e.Issuer != "urn:sceau:issuer:examoffice" || !e.ValidFrom.Equal(c.ValidFrom) {
		t.Errorf("entry %+v", e)
	}
	list, err := w.List()
	if err != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("List = %v, %v", list, err)
	}
	for _, id := range []string{c.ID, strings.TrimPrefix(c.ID, "urn:uuid:"), strings.ToUpper(strings.TrimPrefix(c.ID, "urn:uuid:"))} {
		if got, err := w.Get(id); err != nil || got.ID != c.ID {
			t.Errorf("Get(%s) = %v, %v", id, got, err)
		}
	}
	var dup *DuplicateError
	if _, err := w.Import(ctx, bundle, accept); !errors.As(err, &dup) {
		t.Errorf("a second import: %v, want a *DuplicateError", err)
	}

	p, err := w.Present(c.ID, credential.Presentation{Disclose: []string{"mention"}, Nonce: "n", Audience: "https://employer.example"})
	if err != nil {
		t.Fatalf("Present: %v", err)
	}
	s, err := credential.ParseSDJWT(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(is.key.Public()); err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyKeyBinding(is.key.Public(), credential.KeyBindingRequest{Nonce: "n", Audience: "https://employer.example", Now: time.Now()}); err != nil {
		t.Fatalf("the presentation's key binding: %v", err)
	}
	if !slices.Equal(s.Credential.Disclosed, []string{"mention"}) {
		t.Errorf("disclosed %v, want [mention]", s.Credential.Disclosed)
	}
	var unknown *credential.UnknownClaimError
	if _, err := w.Present(c.ID, credential.Presentation{Disclose: []string{"shoe_size"}, Nonce: "n", Audience: "a"}); !errors.As(err, &unknown) {
		t.Errorf("an unknown claim: %v", err)
	}
	if _, err := w.Present(c.ID, credential.Presentation{Nonce: "", Audience: "a"}); err == nil {
		t.Errorf("a presentation without nonce was made")
	}
	grepFolder(t, dir, student.StudentID, student.GivenName, student.FamilyName, student.BirthDate, "Hélène", "tres_bien",
		strings.TrimPrefix(c.ID, "urn:uuid:"))
}

func TestImportRefusals(t *testing.T) {
	w, _ := openTestWallet(t)
	other, _ := openTestWallet(t)
	is := newIssuer(t)
	ctx := context.Background()

	_, bundle, sd := is.issue(holderJWK(t, w))
	_, err := w.Import(ctx, bundle, revoked)
	var nv *NotVerifiedError
	if !errors.As(err, &nv) || !strings.Contains(err.Error(), "revoked (reason fraud") || strings.Contains(err.Error(), "fine") {
		t.Errorf("a revoked credential: %v, want a *NotVerifiedError naming the failed check only", err)
	}
	if _, err := other.Import(ctx, bundle, accept); err == nil || !strings.Contains(err.Error(), "not this wallet's") {
		t.Errorf("a credential bound to another wallet: %v", err)
	}
	holderOfW := w.HolderKey()
	pres, err := credential.PresentSDJWT(sd, holderOfW, credential.Presentation{Nonce: "n", Audience: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Import(ctx, []byte(pres), accept); err == nil || !strings.Contains(err.Error(), "presentation") {
		t.Errorf("a presentation: %v", err)
	}
	if _, err := w.Import(ctx, []byte("hello"), accept); err == nil || !strings.Contains(err.Error(), "not a credential") {
		t.Errorf("garbage: %v", err)
	}
	if list, _ := w.List(); len(list) != 0 {
		t.Errorf("refused imports left %d credential(s)", len(list))
	}
}

func TestImportOfAQRImageKeepsItsText(t *testing.T) {
	w, _ := openTestWallet(t)
	is := newIssuer(t)
	c, _, _ := is.issue(nil)
	qr, err := credential.SignQR(c, is.key)
	if err != nil {
		t.Fatal(err)
	}
	image, err := qrcode.EncodePNG(qr.Text)
	if err != nil {
		t.Fatal(err)
	}
	var verified []byte
	verify := func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result {
		verified = input
		return accept(ctx, input, asked)
	}
	e, err := w.Import(context.Background(), image, verify)
	if err != nil {
		t.Fatalf("Import of the QR image: %v", err)
	}
	if e.Form != FormSC1 || e.Data != qr.Text || string(verified) != qr.Text || e.ID != c.ID {
		t.Errorf("kept %s %q (verified %q), want the SC1 text of credential %s", e.Form, e.Data, verified, c.ID)
	}
}

func TestPresentNeedsTheSDJWTForm(t *testing.T) {
	w, _ := openTestWallet(t)
	is := newIssuer(t)
	c, _, _ := is.issue(nil)
	signedJWT, err := credential.SignJWT(c, is.key)
	if err != nil {
		t.Fatal(err)
	}
	jwt := signedJWT.Text
	if _, err := w.Import(context.Background(), []byte(jwt), accept); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Present(c.ID, credential.Presentation{Nonce: "n", Audience: "a"}); !errors.Is(err, ErrNoSDJWT) {
		t.Errorf("presenting a vc+jwt: %v, want ErrNoSDJWT", err)
	}
	unbound, _, sd := is.issue(nil)
	if _, err := w.Import(context.Background(), []byte(sd), accept); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Present(unbound.ID, credential.Presentation{Nonce: "n", Audience: "a"}); err == nil || !strings.Contains(err.Error(), "without a holder key") {
		t.Errorf("presenting an unbound SD-JWT: %v", err)
	}
}

func TestTamperedAndSwappedFiles(t *testing.T) {
	w, dir := openTestWallet(t)
	is := newIssuer(t)
	ctx := context.Background()
	c1, b1, _ := is.issue(holderJWK(t, w))
	c2, b2, _ := is.issue(holderJWK(t, w))
	for _, b := range [][]byte{b1, b2} {
		if _, err := w.Import(ctx, b, accept); err != nil {
			t.Fatal(err)
		}
	}
	p1 := filepath.Join(dir, filepath.FromSlash(w.credentialRel(c1.ID)))
	p2 := filepath.Join(dir, filepath.FromSlash(w.credentialRel(c2.ID)))
	data1, _ := os.ReadFile(p1)
	data2, _ := os.ReadFile(p2)
	// A file moved under another credential's name does not open.
	if err := os.WriteFile(p2, data1, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Get(c2.ID); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a swapped file: %v", err)
	}
	// A flipped bit does not open.
	data2[len(data2)-1] ^= 1
	if err := os.WriteFile(p2, data2, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := w.List(); err == nil {
		t.Errorf("List read a tampered file")
	}
	// Leftovers of an interrupted write are not credentials.
	if err := os.Remove(p2); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, credentialsDir, ".x.cred.tmp-123"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if list, err := w.List(); err != nil || len(list) != 1 {
		t.Errorf("List with a temporary file = %v, %v", list, err)
	}
}

func TestExportDeleteRestore(t *testing.T) {
	w, dir := openTestWallet(t)
	is := newIssuer(t)
	ctx := context.Background()
	c, bundle, _ := is.issue(holderJWK(t, w))
	if _, err := w.Import(ctx, bundle, accept); err != nil {
		t.Fatal(err)
	}
	backup, err := w.Export(passphrase)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{student.StudentID, student.FamilyName, student.BirthDate, "Hélène"} {
		if bytes.Contains(backup, []byte(n)) {
			t.Errorf("the backup holds %q in clear", n)
		}
	}
	if _, err := w.Delete(c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Get(c.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Delete, Get: %v", err)
	}
	if _, err := w.Delete(c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a second Delete: %v", err)
	}

	before := snapshot(t, dir)
	if _, err := Restore(dir, backup, "wrong passphrase", fast); !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("Restore with a wrong passphrase: %v", err)
	}
	if _, err := Restore(dir, []byte("not a backup"), passphrase, fast); err == nil {
		t.Errorf("Restore of garbage succeeded")
	}
	if after := snapshot(t, dir); !maps(before, after) {
		t.Errorf("a failed Restore changed the wallet")
	}

	sum, err := Restore(dir, backup, passphrase, fast)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created || len(sum.Restored) != 1 || len(sum.Present) != 0 || sum.HolderKeys != 0 {
		t.Errorf("summary %+v", sum)
	}
	if _, err := w.Present(c.ID, credential.Presentation{Nonce: "n", Audience: "a"}); err != nil {
		t.Errorf("Present after Restore: %v", err)
	}
	again, err := Restore(dir, backup, passphrase, fast)
	if err != nil || len(again.Restored) != 0 || len(again.Present) != 1 {
		t.Errorf("a second Restore: %+v, %v; want the credential already present", again, err)
	}
	if list, _ := w.List(); len(list) != 1 {
		t.Errorf("%d credentials after two restores, want 1", len(list))
	}

	// Into a new folder: a wallet with the backup's holder key.
	fresh := filepath.Join(t.TempDir(), "new")
	sum, err = Restore(fresh, backup, passphrase, fast)
	if err != nil || !sum.Created || len(sum.Restored) != 1 {
		t.Fatalf("Restore into a new folder: %+v, %v", sum, err)
	}
	nw, err := Open(fresh, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	if nw.HolderKey().KID() != w.HolderKey().KID() {
		t.Errorf("the restored wallet has another holder key")
	}
	// Into a wallet with its own holder key: it gains the backup's.
	_, otherDir := openTestWallet(t)
	sum, err = Restore(otherDir, backup, passphrase, fast)
	if err != nil || sum.HolderKeys != 1 {
		t.Fatalf("Restore into another wallet: %+v, %v", sum, err)
	}
	other, err := Open(otherDir, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Present(c.ID, credential.Presentation{Nonce: "n", Audience: "a"}); err != nil {
		t.Errorf("presenting a restored credential bound to the backup's key: %v", err)
	}
}

// snapshot returns every file of dir and its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func FuzzParseEntry(f *testing.F) {
	key, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		f.Fatal(err)
	}
	c, err := credential.New(&schemas.Diploma{Student: student, Diploma: "Bac", EQFLevel: 4, AwardedOn: "2025-07-04"}, "examoffice", time.Now(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	signedJWT, _ := credential.SignJWT(c, key)
	jwt := signedJWT.Text
	signedQR, _ := credential.SignQR(c, key)
	qr := signedQR.Text
	signedSD, _ := credential.SignSDJWT(c, key, nil)
	sd := signedSD.Text
	f.Add(jwt)
	f.Add(qr)
	f.Add(sd)
	f.Add(`{"id":"x"}`)
	f.Fuzz(func(t *testing.T, text string) {
		e, _, err := parseEntry(context.Background(), []byte(text))
		if err != nil {
			return
		}
		if e.ID == "" || e.Type == "" || e.Issuer == "" || e.Data == "" {
			t.Fatalf("an entry without its identity: %+v", e)
		}
		again, _, err := parseEntry(context.Background(), []byte(e.Data))
		if err != nil || again.ID != e.ID || again.Form != e.Form {
			t.Fatalf("an entry's data does not parse back to it: %+v, %v", again, err)
		}
	})
}

func FuzzParseBackup(f *testing.F) {
	f.Add([]byte(`{"format":"sceau-wallet-backup","version":1,"holder_keys":[],"credentials":[]}`))
	f.Add([]byte(`{"format":"sceau-wallet-backup","version":1,"holder_keys":[{"kty":"EC"}],"credentials":[null]}`))
	f.Fuzz(func(t *testing.T, plain []byte) {
		b, holders, err := parseBackup(plain)
		if err != nil {
			return
		}
		if len(holders) == 0 || len(holders) != len(b.HolderKeys) {
			t.Fatalf("a backup without its holder keys was accepted")
		}
	})
}

// TestABoundSDJWTIsVerifiedThroughTheHoldersOwnPresentation imports a
// holder-bound SD-JWT as issued: the verifier is handed a presentation the
// wallet made to itself, with its key-binding JWT over a fresh nonce and
// the wallet's audience, and asked for both (holder binding is all or
// nothing); `wallet show` verifies the same way.
func TestABoundSDJWTIsVerifiedThroughTheHoldersOwnPresentation(t *testing.T) {
	w, _ := openTestWallet(t)
	is := newIssuer(t)
	c, _, sd := is.issue(holderJWK(t, w))
	var nonces []string
	verify := func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result {
		if !asked.Complete() || asked.Audience != selfAudience || strings.HasSuffix(string(input), "~") {
			t.Errorf("verified %.40s… asking %+v: want a presentation with its key binding, for a nonce and the wallet's audience", input, asked)
		}
		nonces = append(nonces, asked.Nonce)
		return &verifier.Result{Verdict: verifier.Valid, ID: c.ID}
	}
	e, err := w.Import(context.Background(), []byte(sd), verify)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != c.ID {
		t.Fatalf("imported %s, want %s", e.ID, c.ID)
	}
	if e.Title != "Baccalauréat général" {
		t.Errorf("the SD-JWT's entry is titled %q, want its diploma claim", e.Title)
	}
	if _, err := w.Verify(context.Background(), e, verify); err != nil {
		t.Fatal(err)
	}
	if len(nonces) != 2 || nonces[0] == nonces[1] {
		t.Errorf("nonces %q: want a fresh one each time", nonces)
	}
}
