package provenance

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/attest"
	"github.com/sceau/sceau/internal/issuertest"
	"github.com/sceau/sceau/internal/license"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
)

// platformID is the platform of the tests, an issuer accredited for OpenResource.
const platformID = "edu"

// platform is a Sceau home with an embedded ledger and an accredited platform.
type platform struct {
	home   string
	ledger *embedded.Ledger
	svc    *Service
}

func newPlatform(t *testing.T) *platform {
	t.Helper()
	h := issuertest.New(t, platformID, "Plateforme de ressources", record.TypeOpenResource)
	return &platform{home: h.Dir, ledger: h.Ledger, svc: NewService(h.Dir, h.Ledger, nil)}
}

func newKey(t testing.TB) *Key {
	t.Helper()
	k, err := credential.GenerateKey(credential.ES256)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := k.MarshalPrivateJWK()
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParseKey(jwk)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// register registers the file or folder at path under lic, by authors.
func (p *platform) register(t *testing.T, path, lic string, derivedFrom []string, authors ...*Key) *record.Resource {
	t.Helper()
	res, err := p.svc.Register(context.Background(), RegisterOptions{
		PlatformID: platformID, Path: path, Title: "Ressource " + filepath.Base(path), License: lic, Authors: authors, DerivedFrom: derivedFrom,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// fileResource writes a one-file resource with content and returns its path.
func fileResource(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ressource.md")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRegisterVerifyThenChangeOneByte(t *testing.T) {
	p := newPlatform(t)
	ctx := context.Background()
	author, inspector := newKey(t), newKey(t)
	dir := filepath.Join(t.TempDir(), "fractions")
	writeTree(t, dir, map[string]string{
		"cours.md":            "# Les fractions\n",
		"exercices/serie1.md": "1. Simplifier 4/8\n",
		"exercices/serie2.md": "1. Comparer 2/3 et 3/4\n",
	})
	res := p.register(t, dir, "cc-by-sa-4.0", nil, author)
	content, err := Hash(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != content.Digest || res.License != "CC-BY-SA-4.0" || !slices.Equal(res.Authors, []string{author.ID()}) || res.PlatformID != platformID {
		t.Fatalf("registered %+v", res)
	}
	if _, err := p.svc.Endorse(ctx, EndorseOptions{PlatformID: platformID, Digest: res.Digest, Role: "inspector", Reviewer: inspector}); err != nil {
		t.Fatal(err)
	}

	v, err := p.svc.Verify(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Registered || v.Resource.Digest != res.Digest || len(v.Resource.Endorsements) != 1 || v.Resource.Endorsements[0].ReviewerID != inspector.ID() {
		t.Fatalf("verification of the registered folder: %+v", v)
	}

	writeTree(t, dir, map[string]string{"exercices/serie2.md": "1. Comparer 2/3 et 3/5\n"})
	v, err = p.svc.Verify(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if v.Registered {
		t.Fatal("the changed folder verifies as registered")
	}
	if v.Closest == nil || v.Closest.Resource.Digest != res.Digest {
		t.Fatalf("closest registered version: %+v, want %s", v.Closest, res.Digest)
	}
	if c := v.Closest.Changes; !slices.Equal(c.Modified, []string{"exercices/serie2.md"}) || len(c.Added)+len(c.Removed) != 0 {
		t.Errorf("changes %+v, want exercices/serie2.md modified only", c)
	}

	// A folder sharing nothing with any registered one has no closest version.
	other := filepath.Join(t.TempDir(), "autre")
	writeTree(t, other, map[string]string{"rien.md": "x"})
	if v, err := p.svc.Verify(ctx, other); err != nil || v.Registered || v.Closest != nil {
		t.Errorf("unrelated folder: %+v, %v", v, err)
	}
}

func TestDerivativeOfShareAlikeIsRefusedNamingTheParent(t *testing.T) {
	p := newPlatform(t)
	ctx := context.Background()
	alice, bob := newKey(t), newKey(t)
	parent := p.register(t, fileResource(t, "cours original"), "CC-BY-SA-4.0", nil, alice)
	derived := fileResource(t, "cours adapté")

	_, err := p.svc.Register(ctx, RegisterOptions{PlatformID: platformID, Path: derived, Title: "Adaptation", License: "CC-BY-4.0", Authors: []*Key{bob}, DerivedFrom: []string{parent.Digest}})
	var v *license.Violation
	if !errors.As(err, &v) || v.Rule != license.RuleShareAlike || v.Parent != parent.Digest || !strings.Contains(err.Error(), parent.Digest) {
		t.Fatalf("err = %v, want a share-alike violation naming %s", err, parent.Digest)
	}

	// A platform that skips the client-side check is refused by the chaincode.
	digest, _ := FileDigest(derived)
	req := record.ResourceRequest{PlatformID: platformID, Digest: digest, Title: "Adaptation", License: "CC-BY-4.0", DerivedFrom: []string{parent.Digest}}
	st, err := attest.Sign(bob.Signer(), attest.TypeRegistration, attest.Registration{Resource: digest, Title: req.Title, License: req.License, DerivedFrom: req.DerivedFrom, IssuedAt: time.Now().Unix()})
	if err != nil {
		t.Fatal(err)
	}
	req.AuthorStatements = []string{st}
	_, err = p.svc.Contract.RegisterResource(ctx, platformID, req)
	var ce *network.ContractError
	if !errors.As(err, &ce) || !strings.Contains(ce.Message, parent.Digest) || !strings.Contains(ce.Message, license.RuleShareAlike) {
		t.Fatalf("chaincode: err = %v, want a refusal naming %s and the rule", err, parent.Digest)
	}
	p.register(t, derived, "CC-BY-SA-4.0", []string{parent.Digest}, bob)
}

func TestLineageOfThreeGenerations(t *testing.T) {
	p := newPlatform(t)
	ctx := context.Background()
	alice, bob, carol := newKey(t), newKey(t), newKey(t)
	first := p.register(t, fileResource(t, "génération 1"), "CC-BY-4.0", nil, alice)
	second := p.register(t, fileResource(t, "génération 2"), "CC-BY-4.0", []string{first.Digest}, bob)
	third := p.register(t, fileResource(t, "génération 3"), "CC-BY-NC-4.0", []string{second.Digest}, carol)

	res, lineage, err := p.svc.History(ctx, third.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != third.Digest {
		t.Errorf("history of %s shows %s", third.Digest, res.Digest)
	}
	var ancestors []string
	for _, a := range lineage.Ancestors {
		ancestors = append(ancestors, a.Digest)
	}
	if !slices.Equal(ancestors, []string{second.Digest, first.Digest}) {
		t.Errorf("ancestors %v, want %s then %s", ancestors, second.Digest, first.Digest)
	}
	_, lineage, err = p.svc.History(ctx, first.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if len(lineage.Descendants) != 2 || lineage.Descendants[1].Digest != third.Digest || lineage.Descendants[1].Generation != 2 {
		t.Errorf("descendants of the first generation: %+v", lineage.Descendants)
	}
}

func TestNewVersionKeepsItsSources(t *testing.T) {
	p := newPlatform(t)
	ctx := context.Background()
	alice, bob := newKey(t), newKey(t)
	source := p.register(t, fileResource(t, "source"), "CC-BY-SA-4.0", nil, alice)
	v1 := p.register(t, fileResource(t, "v1"), "CC-BY-SA-4.0", []string{source.Digest}, bob)
	v2, err := p.svc.Register(ctx, RegisterOptions{PlatformID: platformID, Path: fileResource(t, "v2"), Title: "v2", License: "CC-BY-SA-4.0", Authors: []*Key{bob}, Previous: v1.Digest})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Previous != v1.Digest || !slices.Equal(v2.DerivedFrom, []string{source.Digest}) {
		t.Errorf("v2 %+v: want previous %s and the source %s kept", v2, v1.Digest, source.Digest)
	}
	_, err = p.svc.Register(ctx, RegisterOptions{PlatformID: platformID, Path: fileResource(t, "v2 bis"), Title: "v2 bis", License: "CC-BY-SA-4.0", Authors: []*Key{bob}, Previous: v1.Digest})
	if err == nil || !strings.Contains(err.Error(), "already replaced by "+v2.Digest) {
		t.Errorf("second new version of v1: err = %v", err)
	}
	_, err = p.svc.Register(ctx, RegisterOptions{PlatformID: platformID, Path: fileResource(t, "v3"), Title: "v3", License: "CC-BY-SA-4.0", Authors: []*Key{alice}, Previous: v2.Digest})
	if err == nil || !strings.Contains(err.Error(), "at least one of its authors") {
		t.Errorf("new version by a non-author: err = %v", err)
	}
}

func TestEraseAttributionLeavesNothingPersonal(t *testing.T) {
	p := newPlatform(t)
	ctx := context.Background()
	author := newKey(t)
	const name, email, school = "Jeanne Martin-Delacroix", "jeanne.martin-delacroix@ac-lyon.fr", "College Jean Moulin de Villeurbanne"
	attribution := filepath.Join(t.TempDir(), "attribution.json")
	if err := os.WriteFile(attribution, []byte(`{"names":["`+name+`"],"school":"`+school+`","email":"`+email+`","statement":"Merci aux eleves de 6e B."}`), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := p.svc.Register(ctx, RegisterOptions{PlatformID: platformID, Path: fileResource(t, "cours"), Title: "Cours de fractions", License: "CC-BY-4.0", Authors: []*Key{author}, AttributionFile: attribution})
	if err != nil {
		t.Fatal(err)
	}
	view, err := p.svc.View(ctx, res.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if view.AttributionStatus != "available" || attest.Digest(view.Attribution) != res.AttributionDigest {
		t.Fatalf("before erasure: status %q, attribution digest %s, ledger %s", view.AttributionStatus, attest.Digest(view.Attribution), res.AttributionDigest)
	}
	a, signer, err := VerifyAttribution(view.Attribution)
	if err != nil || signer != author.ID() || a.Names[0] != name || a.Email != email {
		t.Fatalf("served attribution %+v by %s: %v", a, signer, err)
	}
	payload := strings.Split(view.Attribution, ".")[1]

	if err := p.svc.EraseAttribution(res.Digest); err != nil {
		t.Fatal(err)
	}
	view, err = p.svc.View(ctx, res.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if view.AttributionStatus != "erased" || view.Attribution != "" || view.AttributionErasedAt == "" {
		t.Errorf("after erasure: %+v", view)
	}
	if err := p.svc.EraseAttribution(res.Digest); !errors.Is(err, ErrNotStored) {
		t.Errorf("erasing twice: err = %v", err)
	}

	var dump bytes.Buffer
	if err := p.ledger.Export(ctx, &dump); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dump.String(), res.Digest) || !strings.Contains(dump.String(), res.AttributionDigest) {
		t.Fatal("the ledger dump does not hold the registration: the test would prove nothing")
	}
	for _, secret := range []string{name, "Jeanne", "Delacroix", email, school, "6e B", payload} {
		if strings.Contains(dump.String(), secret) {
			t.Errorf("the ledger dump contains %q", secret)
		}
	}
	var store bytes.Buffer
	_ = filepath.Walk(p.svc.Store.Dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			data, _ := os.ReadFile(path)
			store.Write(data)
		}
		return nil
	})
	if strings.Contains(store.String(), payload) {
		t.Error("the platform's store still holds the attribution")
	}
}

func TestSubmitRefuses(t *testing.T) {
	p := newPlatform(t)
	ctx := context.Background()
	author, stranger := newKey(t), newKey(t)
	registered := p.register(t, fileResource(t, "déjà là"), "CC-BY-4.0", nil, author)
	digest := sha("nouvelle ressource")
	statement := func(k *Key, r attest.Registration) string {
		if r.IssuedAt == 0 {
			r.IssuedAt = time.Now().Unix()
		}
		st, err := attest.Sign(k.Signer(), attest.TypeRegistration, r)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	base := attest.Registration{Resource: digest, Title: "Cours", License: "CC0-1.0"}
	sub := func(r attest.Registration, statements ...string) Submission {
		return Submission{Digest: digest, Title: "Cours", License: "CC0-1.0", DerivedFrom: r.DerivedFrom, Previous: r.Previous, AuthorStatements: statements}
	}
	attribution, err := SignAttribution(stranger, digest, AttributionInput{Names: []string{"X"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	withAttribution := base
	withAttribution.Attribution = attest.Digest(attribution)
	bad := sub(withAttribution, statement(author, withAttribution))
	bad.Attribution = attribution
	manifest := ManifestHeader + sha("x") + "  a.md\n"
	mismatched := sub(base, statement(author, base))
	mismatched.Manifest = manifest

	// A folder with an attribution that only the ledger refuses (it alone
	// checks titles): the store must be left as it was.
	folderManifest := ManifestHeader + sha("y") + "  b.md\n"
	folderDigest := sha(folderManifest)
	authorAttribution, err := SignAttribution(author, folderDigest, AttributionInput{Names: []string{"Jeanne Martin"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	badTitle := attest.Registration{Resource: folderDigest, Title: "Cours\tde maths", License: "CC0-1.0", Attribution: attest.Digest(authorAttribution)}
	refusedByLedger := Submission{Digest: folderDigest, Manifest: folderManifest, Title: badTitle.Title, License: "CC0-1.0", AuthorStatements: []string{statement(author, badTitle)}, Attribution: authorAttribution}

	tests := []struct {
		name, want string
		sub        Submission
	}{
		{"title the ledger refuses", "non-printable", refusedByLedger},
		{"no statement", "author statements", sub(base)},
		{"statement of another title", "title", sub(base, statement(author, attest.Registration{Resource: digest, Title: "Autre", License: "CC0-1.0"}))},
		{"stale statement", "sign a new one", sub(base, statement(author, attest.Registration{Resource: digest, Title: "Cours", License: "CC0-1.0", IssuedAt: time.Now().Add(-attest.MaxAge - time.Hour).Unix()}))},
		{"non-canonical licence", "must be spelled", Submission{Digest: digest, Title: "Cours", License: "cc0-1.0"}},
		{"unregistered parent", "not registered", sub(attest.Registration{DerivedFrom: []string{sha("nowhere")}}, statement(author, attest.Registration{Resource: digest, Title: "Cours", License: "CC0-1.0", DerivedFrom: []string{sha("nowhere")}}))},
		{"attribution by a non-author", "not an author", bad},
		{"digest that is not the manifest's", "not the digest of the manifest", mismatched},
		{"already registered", "already registered", func() Submission {
			r := attest.Registration{Resource: registered.Digest, Title: "Cours", License: "CC0-1.0"}
			s := sub(r, statement(author, r))
			s.Digest = registered.Digest
			return s
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := p.svc.Store.ManifestDigests()
			_, err := p.svc.Submit(ctx, platformID, tc.sub)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if after, _ := p.svc.Store.ManifestDigests(); len(after) != len(before) {
				t.Error("a refused submission left a manifest in the store")
			}
			if _, err := p.svc.Store.Attribution(tc.sub.Digest); !errors.Is(err, ErrNotStored) && tc.sub.Digest != registered.Digest {
				t.Error("a refused submission left an attribution in the store")
			}
		})
	}
}

func TestUnaccreditedPlatformIsRefused(t *testing.T) {
	p := newPlatform(t)
	ctx := context.Background()
	if _, err := issuer.NewService(p.home, p.ledger, nil).Init(ctx, issuer.InitOptions{ID: "exam-office", Name: "Office", NoPassphrase: true}); err != nil {
		t.Fatal(err)
	}
	_, err := p.svc.Register(ctx, RegisterOptions{PlatformID: "exam-office", Path: fileResource(t, "x"), Title: "X", License: "CC0-1.0", Authors: []*Key{newKey(t)}})
	if !errors.Is(err, ErrNotAccredited) || !strings.Contains(err.Error(), "exam-office") {
		t.Fatalf("err = %v, want ErrNotAccredited naming the platform", err)
	}
	// The one accredited platform of the home is the default.
	if id, err := p.svc.DefaultPlatform(ctx); err != nil || id != platformID {
		t.Errorf("DefaultPlatform = %q, %v", id, err)
	}
	if err := network.NewContract(p.ledger).AccreditIssuer(ctx, embedded.DefaultGovernanceOrg, "exam-office", []record.CredentialType{record.TypeOpenResource}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := p.svc.DefaultPlatform(ctx); err == nil || !strings.Contains(err.Error(), "--issuer") {
		t.Errorf("two platforms: err = %v, want to be asked for --issuer", err)
	}
}

func TestEndorseRefusesUnknownRole(t *testing.T) {
	p := newPlatform(t)
	ctx := context.Background()
	res := p.register(t, fileResource(t, "x"), "CC0-1.0", nil, newKey(t))
	_, err := p.svc.Endorse(ctx, EndorseOptions{PlatformID: platformID, Digest: res.Digest, Role: "recteur", Reviewer: newKey(t)})
	var bad *InvalidError
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), "peer-teacher") {
		t.Errorf("err = %v, want the roles listed", err)
	}
}
