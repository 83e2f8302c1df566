package verifier

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
)

// countingLedger counts the calls of each function.
type countingLedger struct {
	network.Ledger
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingLedger) Evaluate(ctx context.Context, org, function string, args ...string) ([]byte, error) {
	c.mu.Lock()
	c.calls[function]++
	c.mu.Unlock()
	return c.Ledger.Evaluate(ctx, org, function, args...)
}

func (c *countingLedger) count(function string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[function]
}

func TestRegistryTTL(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	counting := &countingLedger{Ledger: e.ledger, calls: map[string]int{}}
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	registry := NewRegistry(network.NewContract(counting), RegistryOptions{TTL: time.Minute, Now: now})
	v := New(registry.Ledger(), e.verifier.validator, Options{Now: func() time.Time { return e.now }})

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if r := v.Verify(e.ctx, []byte(is.qr)); r.Verdict != Valid {
				t.Errorf("verdict %s:\n%s", r.Verdict, describe(r))
			}
		})
	}
	wg.Wait()
	if n := counting.count("ListIssuers"); n != 1 {
		t.Errorf("8 concurrent verifications listed the registry %d times, want once", n)
	}
	if n := counting.count("GetIssuer"); n != 8 {
		t.Errorf("GetIssuer called %d times, want once per verification (a key compromise or suspension counts at once)", n)
	}
	if n := counting.count("GetStatus"); n != 8 {
		t.Errorf("GetStatus called %d times, want once per verification (statuses are never cached online)", n)
	}
	clock.Add(int64(2 * time.Minute))
	v.Verify(e.ctx, []byte(is.qr))
	if n := counting.count("ListIssuers"); n != 2 {
		t.Errorf("after the TTL the registry was listed %d times in all, want 2", n)
	}

	// A suspension shows at once, within the TTL too.
	if err := e.contract.SuspendIssuer(e.ctx, governance, issuerID, "fraud"); err != nil {
		t.Fatal(err)
	}
	if r := v.Verify(e.ctx, []byte(is.qr)); r.Verdict != Invalid || failing(r).Name != CheckIssuer {
		t.Errorf("right after the suspension: verdict %s, want invalid at the issuer check:\n%s", r.Verdict, describe(r))
	}
}

func TestRegistryFindsIssuersRegisteredSince(t *testing.T) {
	e := newEnv(t)
	registry := NewRegistry(e.contract, RegistryOptions{TTL: time.Hour})
	if _, err := registry.Snapshot(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ledger.ProvisionOrg(e.ctx, "newoffice"); err != nil {
		t.Fatal(err)
	}
	jwk, _ := e.generateKey().PublicJWK()
	if err := e.contract.RegisterIssuer(e.ctx, "newoffice", "new-office", "Nouvel office", string(jwk)); err != nil {
		t.Fatal(err)
	}
	is, err := registry.Ledger().GetIssuer(e.ctx, "new-office")
	if err != nil || is.Name != "Nouvel office" {
		t.Fatalf("GetIssuer of an issuer registered after the snapshot: %v, %v", is, err)
	}
	if _, err := registry.Ledger().GetIssuer(e.ctx, "nobody"); !errors.Is(err, network.ErrNotFound) {
		t.Errorf("unknown issuer: %v, want ErrNotFound", err)
	}
}

// verifyOnline verifies input as `sceau verify` does online: through the
// registry, recording what it reads in cache.
func verifyOnline(e *env, cache *Cache, input string) *Result {
	e.t.Helper()
	registry := NewRegistry(e.contract, RegistryOptions{Cache: cache, Now: func() time.Time { return e.now }})
	rec := cache.Recorder(registry.Ledger(), func() time.Time { return e.now })
	r := New(rec, e.verifier.validator, Options{Now: func() time.Time { return e.now }}).Verify(e.ctx, []byte(input))
	if err := rec.Flush(); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// verifyOffline verifies input against cache only, maxAge allowed, at
// e.now.
func verifyOffline(e *env, cache *Cache, maxAge time.Duration, input string) (*Result, *OfflineLedger) {
	e.t.Helper()
	offline, err := cache.Offline(OfflineOptions{MaxAge: maxAge, Now: func() time.Time { return e.now }})
	if err != nil {
		e.t.Fatal(err)
	}
	r := New(offline, e.verifier.validator, Options{Now: func() time.Time { return e.now }}).Verify(e.ctx, []byte(input))
	offline.Annotate(r)
	return r, offline
}

func TestOffline(t *testing.T) {
	e := newEnv(t)
	creds := e.issue(diploma(), diploma())
	cache := NewCache(filepath.Join(t.TempDir(), "cache"))

	// Nothing cached yet: indeterminate, saying how to fill the cache.
	r, _ := verifyOffline(e, cache, 0, creds[0].qr)
	if r.Verdict != Indeterminate || !strings.Contains(r.Check(CheckIssuer).Reason, "verify once online") {
		t.Fatalf("empty cache: verdict %s, want indeterminate saying to verify online:\n%s", r.Verdict, describe(r))
	}

	for _, input := range []string{creds[0].qr, string(creds[1].bundleJSON(t))} {
		if r := verifyOnline(e, cache, input); r.Verdict != Valid {
			t.Fatalf("online: %s\n%s", r.Verdict, describe(r))
		}
	}
	e.ledger.Close() // offline means offline
	e.now = e.now.Add(3 * time.Hour)

	r, offline := verifyOffline(e, cache, 0, creds[0].qr)
	if r.Verdict != Valid {
		t.Fatalf("offline, cached 3 h ago: verdict %s, want valid:\n%s", r.Verdict, describe(r))
	}
	for _, c := range []struct{ check, want string }{
		{CheckIssuer, "issuer registry cached 3 hours ago"},
		{CheckAccreditation, "issuer registry cached 3 hours ago"},
		{CheckStatus, "status cached 3 hours ago"},
	} {
		if reason := r.Check(c.check).Reason; !strings.Contains(reason, c.want) {
			t.Errorf("%s reason %q does not say %q", c.check, reason, c.want)
		}
	}
	if got := offline.Summary(English); got != "issuer registry cached 3 hours ago; status cached 3 hours ago" {
		t.Errorf("summary %q", got)
	}
	if r, _ := verifyOffline(e, cache, 0, string(creds[1].bundleJSON(t))); r.Verdict != Valid {
		t.Errorf("offline bundle (status and batch cached): verdict %s:\n%s", r.Verdict, describe(r))
	}

	// Never verified online: its status is unknown.
	if r, _ := verifyOffline(e, cache, 0, creds[1].jwt); r.Verdict != Valid {
		t.Errorf("the vc+jwt of a bundle verified online: %s", r.Verdict)
	}
	if r, _ := verifyOffline(e, cache, 0, creds[0].jwt); r.Verdict != Indeterminate || !r.Check(CheckStatus).Skipped {
		t.Errorf("a form never read online: verdict %s, want indeterminate:\n%s", r.Verdict, describe(r))
	}

	// Too old: indeterminate, never valid.
	e.now = e.now.Add(8 * 24 * time.Hour)
	r, _ = verifyOffline(e, cache, 0, creds[0].qr)
	if r.Verdict != Indeterminate || !strings.Contains(r.Check(CheckIssuer).Reason, "more than the 7 days allowed") {
		t.Fatalf("cached 8 days ago: verdict %s, want indeterminate saying it is too old:\n%s", r.Verdict, describe(r))
	}
	if r, _ := verifyOffline(e, cache, 30*24*time.Hour, creds[0].qr); r.Verdict != Valid {
		t.Errorf("with a 30-day maximum age: verdict %s", r.Verdict)
	}

	// A tampered input is still invalid offline.
	if r, _ := verifyOffline(e, cache, 30*24*time.Hour, tamper(creds[0].qr)); r.Verdict != Invalid {
		t.Errorf("tampered offline: verdict %s", r.Verdict)
	}
}

func TestOfflineSeesRevocationOnlyOnceCached(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	cache := NewCache(t.TempDir())
	verifyOnline(e, cache, is.qr)
	if err := e.contract.Revoke(e.ctx, issuerOrg, is.jwtDigest, "fraud"); err != nil {
		t.Fatal(err)
	}
	r, _ := verifyOffline(e, cache, 0, is.qr)
	if r.Verdict != Valid || !strings.Contains(r.Check(CheckStatus).Reason, "status cached") {
		t.Fatalf("the cache predates the revocation, and says how old it is: %s\n%s", r.Verdict, describe(r))
	}
	if r := verifyOnline(e, cache, is.qr); r.Verdict != Invalid {
		t.Fatalf("online after revocation: %s", r.Verdict)
	}
	if r, _ := verifyOffline(e, cache, 0, is.qr); r.Verdict != Invalid || !strings.Contains(r.Check(CheckStatus).Reason, "revoked") {
		t.Fatalf("offline after an online read of the revocation: %s\n%s", r.Verdict, describe(r))
	}
}

func TestCacheDamagedAndBounded(t *testing.T) {
	dir := t.TempDir()
	cache := NewCache(dir)
	if err := os.WriteFile(filepath.Join(dir, registryFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Offline(OfflineOptions{}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged registry cache: %v, want an error saying so", err)
	}
	os.Remove(filepath.Join(dir, registryFile))

	start := time.Now()
	statuses := make([]record.DigestStatus, MaxCachedRecords+5)
	for i := range statuses {
		statuses[i] = record.DigestStatus{Digest: strings.Repeat("0", 8) + string(rune('a'+i%26)) + time.Duration(i).String()}
	}
	if err := cache.SaveRecords(start, statuses[:5], nil); err != nil {
		t.Fatal(err)
	}
	if err := cache.SaveRecords(start.Add(time.Hour), statuses[5:], nil); err != nil {
		t.Fatal(err)
	}
	cache.mu.Lock()
	recs, err := cache.records()
	cache.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Statuses) != MaxCachedRecords {
		t.Fatalf("%d statuses kept, want %d", len(recs.Statuses), MaxCachedRecords)
	}
	if _, ok := recs.Statuses[statuses[0].Digest]; ok {
		t.Error("the oldest status was kept over newer ones")
	}
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Second: "less than a minute", time.Minute: "1 minute", 59 * time.Minute: "59 minutes",
		time.Hour: "1 hour", 47 * time.Hour: "47 hours", 48 * time.Hour: "2 days",
	} {
		if got := Age(English, d); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
}
