package verifier

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sceau/sceau/network"
)

// versionedCountingLedger is a countingLedger that passes its ledger's
// state version on.
type versionedCountingLedger struct {
	*countingLedger
	versions network.StateVersioner
}

func (l versionedCountingLedger) StateVersion(ctx context.Context) (uint64, error) {
	return l.versions.StateVersion(ctx)
}

// verifiers returns, over e's ledger, a verifier reading it through the
// contract, one keeping issuer records by state version, and one reading
// it through a Registry, as `sceau verify` and the HTTP service do.
func (e *env) verifiers() map[string]*Verifier {
	opts := Options{Now: func() time.Time { return e.now }}
	registry := NewRegistry(e.contract, RegistryOptions{TTL: time.Hour})
	return map[string]*Verifier{
		"contract":      New(e.contract, e.verifier.validator, opts),
		"issuer cache":  New(onlineLedger(e.contract), e.verifier.validator, opts),
		"over registry": New(registry.Ledger(), e.verifier.validator, opts),
	}
}

func TestIssuerRecordIsReusedWhileNothingIsCommitted(t *testing.T) {
	for name, over := range map[string]func(*network.Contract) Ledger{
		"issuer cache": onlineLedger,
		"over registry": func(c *network.Contract) Ledger {
			return NewRegistry(c, RegistryOptions{TTL: time.Hour}).Ledger()
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			is := e.issue(diploma())[0]
			counting := versionedCountingLedger{&countingLedger{Ledger: e.ledger, calls: map[string]int{}}, e.ledger}
			v := New(over(network.NewContract(counting)), e.verifier.validator, Options{Now: func() time.Time { return e.now }})
			for _, input := range []string{is.qr, is.jwt, is.qr, is.jwt} {
				if r := v.Verify(e.ctx, []byte(input)); r.Verdict != Valid {
					t.Fatalf("verdict %s:\n%s", r.Verdict, describe(r))
				}
			}
			if n := counting.count("GetIssuer"); n != 1 {
				t.Errorf("4 verifications with nothing committed read the issuer %d times, want once", n)
			}
			if n := counting.count("GetStatus"); n != 4 {
				t.Errorf("4 verifications read %d statuses, want one each: statuses are always read", n)
			}
			e.issue(diploma()) // a commit, of another batch
			if r := v.Verify(e.ctx, []byte(is.qr)); r.Verdict != Valid {
				t.Fatalf("verdict %s:\n%s", r.Verdict, describe(r))
			}
			if n := counting.count("GetIssuer"); n != 2 {
				t.Errorf("after a commit the issuer was read %d times in all, want 2", n)
			}
		})
	}
}

// Every change of the ledger counts for the very next verification, even
// when the verifier has just read the issuer.
func TestIssuerCacheNeverServesAStaleRecord(t *testing.T) {
	tests := []struct {
		name string
		// change changes the ledger after a valid verification of is, and
		// returns the input to verify next.
		change func(t *testing.T, e *env, is *issued) []byte
		check  string
		reason string
	}{
		{"key compromised", func(t *testing.T, e *env, is *issued) []byte {
			since := e.issuedAt.Add(-time.Minute).Format(time.RFC3339)
			if err := e.contract.CompromiseIssuerKey(e.ctx, issuerOrg, issuerID, e.key.KID(), since); err != nil {
				t.Fatal(err)
			}
			return []byte(is.jwt)
		}, CheckAnchor, "compromised"},
		{"issuer suspended", func(t *testing.T, e *env, is *issued) []byte {
			if err := e.contract.SuspendIssuer(e.ctx, governance, issuerID, "fraud"); err != nil {
				t.Fatal(err)
			}
			return []byte(is.qr)
		}, CheckIssuer, "suspended (reason fraud)"},
		{"issuer withdrawn", func(t *testing.T, e *env, is *issued) []byte {
			if err := e.contract.WithdrawIssuer(e.ctx, governance, issuerID, "fraud"); err != nil {
				t.Fatal(err)
			}
			return []byte(is.qr)
		}, CheckIssuer, "withdrawn (reason fraud)"},
		{"credential revoked", func(t *testing.T, e *env, is *issued) []byte {
			if err := e.contract.Revoke(e.ctx, issuerOrg, is.jwtDigest, "fraud"); err != nil {
				t.Fatal(err)
			}
			return []byte(is.jwt)
		}, CheckStatus, "revoked (reason fraud"},
		{"credential suspended", func(t *testing.T, e *env, is *issued) []byte {
			if err := e.contract.Suspend(e.ctx, issuerOrg, is.jwtDigest, "error"); err != nil {
				t.Fatal(err)
			}
			return []byte(is.qr)
		}, CheckStatus, "suspended (reason error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			is := e.issue(diploma())[0]
			verifiers := e.verifiers()
			for name, v := range verifiers {
				if r := v.Verify(e.ctx, []byte(is.jwt)); r.Verdict != Valid {
					t.Fatalf("%s, before the change: verdict %s:\n%s", name, r.Verdict, describe(r))
				}
			}
			input := tt.change(t, e, is)
			for name, v := range verifiers {
				r := v.Verify(e.ctx, input)
				if f := failing(r); r.Verdict != Invalid || f.Name != tt.check || !strings.Contains(f.Reason, tt.reason) {
					t.Errorf("%s, right after the change: verdict %s, first failing check %+v; want %s mentioning %q", name, r.Verdict, f, tt.check, tt.reason)
				}
			}
		})
	}
}

func TestIssuerCacheSeesARotatedKeyAtOnce(t *testing.T) {
	e := newEnv(t)
	old := e.issue(diploma())[0]
	verifiers := e.verifiers()
	for name, v := range verifiers {
		if r := v.Verify(e.ctx, []byte(old.qr)); r.Verdict != Valid {
			t.Fatalf("%s: verdict %s:\n%s", name, r.Verdict, describe(r))
		}
	}
	e.key = e.generateKey()
	jwk, _ := e.key.PublicJWK()
	if err := e.contract.RotateIssuerKey(e.ctx, issuerOrg, issuerID, string(jwk)); err != nil {
		t.Fatal(err)
	}
	signedWithNewKey := e.issue(diploma())[0]
	for name, v := range verifiers {
		for _, input := range []string{signedWithNewKey.qr, signedWithNewKey.jwt, old.qr} {
			if r := v.Verify(e.ctx, []byte(input)); r.Verdict != Valid {
				t.Errorf("%s, right after the rotation: verdict %s:\n%s", name, r.Verdict, describe(r))
			}
		}
	}
}

// Verifications running while the key is reported compromised: every one
// that starts once the report is committed refuses the credential.
func TestIssuerCacheUnderConcurrentCommits(t *testing.T) {
	e := newEnv(t)
	is := e.issue(diploma())[0]
	var committed atomic.Bool
	var valid, refused atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, v := range e.verifiers() {
		for range 2 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					after := committed.Load()
					r := v.Verify(e.ctx, []byte(is.jwt))
					switch {
					case r.Verdict == Valid && after:
						t.Errorf("a verification started after the compromise was committed found the credential valid:\n%s", describe(r))
						return
					case r.Verdict == Valid:
						valid.Add(1)
					case r.Verdict == Invalid && strings.Contains(failing(r).Reason, "compromised"):
						refused.Add(1)
					default:
						t.Errorf("verdict %s:\n%s", r.Verdict, describe(r))
						return
					}
				}
			})
		}
	}
	for valid.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	since := e.issuedAt.Add(-time.Minute).Format(time.RFC3339)
	if err := e.contract.CompromiseIssuerKey(e.ctx, issuerOrg, issuerID, e.key.KID(), since); err != nil {
		t.Fatal(err)
	}
	committed.Store(true)
	for refused.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
}
