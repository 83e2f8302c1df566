package hardening

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/verifier"
)

// TestHTTPVerifierSeesAKeyCompromiseAtOnce warms the verifier HTTP
// service's issuer registry, then the exam office reports its key
// compromised and an attacker holding that key and the office's ledger
// identity anchors a credential signed with it: POST /v1/verify must
// reject it at once, as `sceau verify` does, and not accept it until the
// registry's snapshot (5 minutes by default) is read again. Likewise once
// governance suspends the issuer.
func TestHTTPVerifierSeesAKeyCompromiseAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	genuine := w.issue("Diploma", "genuine", sampleDiplomaCSV(nil))[0]
	l := w.openLedger()
	ctx := context.Background()
	viaHTTP := verifyService(t, l)
	direct := newVerifier(t, l, verifier.Options{})
	if r := viaHTTP(t, genuine.raw); r.Verdict != verifier.Valid {
		t.Fatalf("the genuine bundle is not valid over HTTP:\n%s", describe(r))
	}

	// The office rotates its key (the ledger refuses batches from an
	// issuer without a key in service) and reports the old one compromised.
	kid := w.currentKID(examOffice)
	svc := issuer.NewService(w.home, l, nil)
	if _, err := svc.RotateKey(ctx, examOffice, "", true); err != nil {
		t.Fatal(err)
	}
	if err := svc.RevokeKey(ctx, examOffice, kid, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	forged := signAndAnchor(t, l, w.issuerKey(examOffice, kid), "after-compromise")
	for name, r := range map[string]*verifier.Result{
		"Verify":          direct.Verify(ctx, []byte(forged.jwt)),
		"POST /v1/verify": viaHTTP(t, []byte(forged.jwt)),
	} {
		if f := firstFailure(r); r.Verdict != verifier.Invalid || f == nil || !strings.Contains(f.Reason, "compromised") {
			t.Errorf("%s, a credential signed with a key compromised since an hour: verdict %s, want invalid naming the compromise:\n%s", name, r.Verdict, describe(r))
		}
	}

	if err := network.NewContract(l).SuspendIssuer(ctx, "ministry", examOffice, "fraud"); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*verifier.Result{
		"Verify":          direct.Verify(ctx, genuine.raw),
		"POST /v1/verify": viaHTTP(t, genuine.raw),
	} {
		if f := firstFailure(r); r.Verdict != verifier.Invalid || f == nil || f.Name != verifier.CheckIssuer {
			t.Errorf("%s, a credential of a suspended issuer: verdict %s, want invalid at the issuer check:\n%s", name, r.Verdict, describe(r))
		}
	}
}
