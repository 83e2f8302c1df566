package issuer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/statuslist"
	"github.com/sceau/sceau/verifier"
)

// issuedBundles issues the test diplomas, with their bundles, under a
// public base URL, and returns the environment and the bundles' paths.
func issuedBundles(t *testing.T) (*testEnv, []string) {
	t.Helper()
	env := newTestEnv(t, "Diploma")
	env.svc.Base = "https://verify.example"
	out := filepath.Join(t.TempDir(), "out")
	if _, err := env.svc.Issue(context.Background(), IssueOptions{IssuerID: "examoffice", Type: "Diploma", Input: env.writeInput(t, testDiplomas), OutDir: out, Bundles: true}); err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(out, "*.json"))
	return env, paths
}

// TestStatusListsFromTheLedger: credentials issued in a row get random,
// distinct indices recorded in the status-index file; after a revocation
// and a suspension the published lists say so at those indices and
// nowhere else, signed by the issuer's key, their digests checkpointed on
// the ledger.
func TestStatusListsFromTheLedger(t *testing.T) {
	env, paths := issuedBundles(t)
	ctx := context.Background()
	type cred struct {
		index  int
		digest string
		jwt    *credential.SignedJWT
	}
	var creds []cred
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := credential.ParseBundle(data)
		if err != nil {
			t.Fatal(err)
		}
		j, err := credential.ParseJWT(b.VCJWT)
		if err != nil {
			t.Fatal(err)
		}
		if j.Credential.StatusIndex == nil {
			t.Fatalf("%s carries no status index", p)
		}
		sd, err := credential.ParseSDJWT(b.SDJWT)
		if err != nil {
			t.Fatal(err)
		}
		if si := sd.Envelope().StatusIndex; si == nil || *si != *j.Credential.StatusIndex {
			t.Fatalf("the SD-JWT's status index %v differs from the vc+jwt's %d", si, *j.Credential.StatusIndex)
		}
		if got := j.Credential.StatusReference().Lists["revocation"]; got != "https://verify.example/status/examoffice/revocation" {
			t.Fatalf("revocation list %q", got)
		}
		creds = append(creds, cred{*j.Credential.StatusIndex, j.Digest(), j})
	}
	if len(creds) != 3 {
		t.Fatalf("%d credentials, want 3", len(creds))
	}
	dir, _ := env.svc.Home.Org("examoffice")
	recs, err := ReadStatusIndex(dir.StatusIndexFile())
	if err != nil {
		t.Fatal(err)
	}
	var indices []int
	for _, r := range recs {
		indices = append(indices, r.Index)
	}
	slices.Sort(indices)
	if len(indices) != 3 || indices[0] == indices[1] || indices[1] == indices[2] {
		t.Fatalf("recorded indices %v: want 3 distinct", indices)
	}
	if indices[1] == indices[0]+1 && indices[2] == indices[1]+1 {
		t.Fatalf("indices %v are consecutive", indices)
	}
	for _, c := range creds {
		if !slices.ContainsFunc(recs, func(r IndexedDigest) bool { return r.Index == c.index && r.Digest == c.digest }) {
			t.Errorf("index %d of %s is not on record", c.index, c.digest)
		}
	}

	if _, err := env.svc.ChangeStatus(ctx, "examoffice", OpRevoke, []string{creds[0].digest}, record.ReasonFraud); err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.ChangeStatus(ctx, "examoffice", OpSuspend, []string{creds[1].digest}, record.ReasonError); err != nil {
		t.Fatal(err)
	}
	pub, err := env.svc.PublishStatusListsOf(ctx, "examoffice")
	if err != nil {
		t.Fatal(err)
	}
	if pub.Issued != 3 || pub.Revoked != 1 || pub.Suspended != 1 || pub.Entries != statuslist.MinEntries || pub.Block == 0 {
		t.Fatalf("publication %+v", pub)
	}
	cp, err := env.svc.Contract.GetStatusCheckpoint(ctx, "examoffice")
	if err != nil {
		t.Fatal(err)
	}
	profile, _ := env.svc.Home.LoadProfile("examoffice")
	key, err := env.svc.Keys.Open(profile, profile.CurrentKID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][3]byte{
		"ietf":       {statuslist.Invalid, statuslist.Suspended, statuslist.Valid},
		"revocation": {statuslist.Invalid, statuslist.Valid, statuslist.Valid},
		"suspension": {statuslist.Valid, statuslist.Suspended, statuslist.Valid},
	}
	for _, kind := range statuslist.Kinds() {
		data, _, err := env.svc.PublishedStatusList("examoffice", kind)
		if err != nil {
			t.Fatal(err)
		}
		l, err := statuslist.Parse(string(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Verify(key.Public()); err != nil {
			t.Fatal(err)
		}
		if cp.DigestOf(kind) != credential.DigestJWS(string(data)) {
			t.Errorf("%s: the ledger's checkpoint holds another digest", kind)
		}
		for i, c := range creds {
			if got, _ := l.Statuses.Get(c.index); got != want[kind][i] {
				t.Errorf("%s list, credential %d (index %d): %d, want %d", kind, i, c.index, got, want[kind][i])
			}
		}
	}
	again, err := env.svc.PublishIfChanged(ctx, profile, key)
	if err != nil || again != nil {
		t.Fatalf("PublishIfChanged with nothing changed = %+v, %v; want nothing published", again, err)
	}
	if _, err := env.svc.ChangeStatus(ctx, "examoffice", OpReinstate, []string{creds[1].digest}, ""); err != nil {
		t.Fatal(err)
	}
	if again, err = env.svc.PublishIfChanged(ctx, profile, key); err != nil || again == nil || again.Suspended != 0 {
		t.Fatalf("PublishIfChanged after a reinstatement = %+v, %v", again, err)
	}
}

// TestListAndLedgerVerdictsAgree: a verifier reading statuses from the
// published lists and one reading the ledger give every credential the
// same verdict and reason, whatever its status; a list older than the
// maximum age makes the verdict indeterminate, never valid.
func TestListAndLedgerVerdictsAgree(t *testing.T) {
	env, paths := issuedBundles(t)
	ctx := context.Background()
	var inputs [][]byte
	var digests []string
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		b, err := credential.ParseBundle(data)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, data, []byte(b.VCJWT), []byte(b.SDJWT))
		digests = append(digests, credential.DigestJWS(b.VCJWT))
	}
	if _, err := env.svc.ChangeStatus(ctx, "examoffice", OpRevoke, digests[:1], record.ReasonFraud); err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.ChangeStatus(ctx, "examoffice", OpSuspend, digests[1:2], record.ReasonError); err != nil {
		t.Fatal(err)
	}
	pub, err := env.svc.PublishStatusListsOf(ctx, "examoffice")
	if err != nil {
		t.Fatal(err)
	}
	cache := verifier.NewCache(t.TempDir())
	data, _, err := env.svc.PublishedStatusList("examoffice", statuslist.KindIETF)
	if err != nil {
		t.Fatal(err)
	}
	if err := cache.SaveStatusList(verifier.CachedList{URI: pub.Lists["ietf"].URI, Compact: string(data), FetchedAt: time.Now(), Block: pub.Block}); err != nil {
		t.Fatal(err)
	}
	validator, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	online := verifier.New(env.svc.Contract, validator, verifier.Options{})
	fromLists := verifier.New(env.svc.Contract, validator, verifier.Options{StatusLists: cache.StatusLists(verifier.ListOptions{})})
	reasons := map[verifier.Reason]int{}
	for _, in := range inputs {
		a, b := online.Verify(ctx, in), fromLists.Verify(ctx, in)
		if a.Verdict != b.Verdict || a.Reason != b.Reason {
			t.Errorf("ledger says %s (%s), lists say %s (%s)", a.Verdict, a.Reason, b.Verdict, b.Reason)
		}
		reasons[b.Reason]++
		var status string
		for _, c := range b.Checks {
			if c.Name == verifier.CheckStatus {
				status = c.Reason
			}
		}
		if !strings.Contains(status, "status list") || !strings.Contains(status, fmt.Sprintf("block %d", pub.Block)) {
			t.Errorf("the status check of the lists' verifier says %q", status)
		}
	}
	if reasons[verifier.ReasonRevoked] != 3 || reasons[verifier.ReasonSuspended] != 3 || reasons[""] != 3 {
		t.Errorf("reasons %v: want 3 revoked, 3 suspended, 3 valid", reasons)
	}
	stale := verifier.New(env.svc.Contract, validator, verifier.Options{
		StatusLists: cache.StatusLists(verifier.ListOptions{MaxAge: time.Hour, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}),
	})
	for _, in := range inputs {
		if r := stale.Verify(ctx, in); r.Verdict != verifier.Indeterminate {
			t.Errorf("a verdict with a stale list: %s (%s), want indeterminate", r.Verdict, r.Reason)
		}
	}
}

// TestDeskKeepsListsPublished: a server's desk publishes an issuer's lists
// as it starts, and again, within its interval, once a status changed on
// the ledger; a credential issued through the desk gets an index too.
func TestDeskKeepsListsPublished(t *testing.T) {
	env := newTestEnv(t, "Diploma")
	env.svc.Base = "https://verify.example"
	desk, err := NewDesk(DeskConfig{Service: env.svc})
	if err != nil {
		t.Fatal(err)
	}
	defer desk.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &schemas.Diploma{Student: schemas.Student{StudentID: "070123456AB", GivenName: "Hélène", FamilyName: "Lefèvre", BirthDate: "2007-03-14"},
		Diploma: "Baccalauréat général", EQFLevel: 4, AwardedOn: "2025-07-04"}
	b, err := desk.IssueOne(ctx, "examoffice", rec, "", false)
	if err != nil {
		t.Fatal(err)
	}
	j, err := credential.ParseJWT(b.VCJWT)
	if err != nil || j.Credential.StatusIndex == nil {
		t.Fatalf("a credential issued through the desk carries no status index: %v", err)
	}
	idx := *j.Credential.StatusIndex
	done := make(chan struct{})
	go func() { defer close(done); desk.KeepStatusListsPublished(ctx, 50*time.Millisecond) }()
	status := func() byte {
		data, _, err := env.svc.PublishedStatusList("examoffice", statuslist.KindIETF)
		if err != nil {
			return 255
		}
		l, err := statuslist.Parse(string(data))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := l.Statuses.Get(idx)
		return v
	}
	waitFor := func(want byte) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); status() != want; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the published list still reads %d at index %d, want %d", status(), idx, want)
			}
		}
	}
	waitFor(statuslist.Valid)
	if _, err := env.svc.ChangeStatus(ctx, "examoffice", OpSuspend, []string{j.Digest()}, record.ReasonOther); err != nil {
		t.Fatal(err)
	}
	waitFor(statuslist.Suspended)
	cancel()
	<-done
}
