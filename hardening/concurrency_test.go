package hardening

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/verifier"
)

// TestConcurrentSubmittersNeverCorruptTheLedger has, on one open embedded
// ledger and all at once: three exam offices issue batches; a fourth
// issuer is created and accredited; credentials issued earlier are
// suspended, reinstated and revoked over and over; verifiers read them
// meanwhile; and a second sceau process tries to open the ledger. The
// second process gets the clear "in use" error and writes nothing; every
// verdict read meanwhile is valid, or invalid for the credential's status
// only; afterwards the ledger verifies, every credential issued verifies,
// and each status is the last one set.
func TestConcurrentSubmittersNeverCorruptTheLedger(t *testing.T) {
	t.Parallel()
	const rows, chunk, statusRounds = 60, 10, 4
	bin := buildSceau(t)
	w := newWorld(t)
	offices := []string{examOffice, "ac-lyon", "ac-lille"}
	for _, id := range offices[1:] {
		w.addIssuer(id, "Académie "+id)
	}
	// Another diploma than the concurrent run's, for the same students: the
	// register would leave the same award out as already issued.
	earlier := w.issue("Diploma", "earlier", strings.ReplaceAll(syntheticDiplomaCSV(10, 1), "Baccalauréat général", "Baccalauréat technologique"))
	const revoked = 3 // the first earlier credentials end revoked

	l := w.openLedger()
	ctx := context.Background()
	v := newVerifier(t, l, verifier.Options{})
	svc := issuer.NewService(w.home, l, nil)

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		problems []string
	)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	done := make(chan struct{})
	var writers sync.WaitGroup

	for i, id := range offices {
		input := w.write(id+".csv", []byte(syntheticDiplomaCSV(rows, uint64(100+i))))
		writers.Go(func() {
			_, err := svc.Issue(ctx, issuer.IssueOptions{IssuerID: id, Type: "Diploma", Input: input, OutDir: filepath.Join(w.dir, "out-"+id), Chunk: chunk})
			if err != nil {
				report("issuer %s: %v", id, err)
			}
		})
	}
	writers.Go(func() {
		if _, err := svc.Init(ctx, issuer.InitOptions{ID: "ac-nancy", Name: "Académie de Nancy-Metz", NoPassphrase: true}); err != nil {
			report("creating issuer ac-nancy: %v", err)
			return
		}
		if err := network.NewContract(l).AccreditIssuer(ctx, "ministry", "ac-nancy", []record.CredentialType{record.TypeDiploma}, ""); err != nil {
			report("accrediting ac-nancy: %v", err)
		}
	})
	writers.Go(func() {
		for range statusRounds {
			for _, b := range earlier {
				digests, err := issuer.Digests(ctx, b.raw)
				if err != nil {
					report("digests of %s: %v", b.path, err)
					return
				}
				for _, op := range []issuer.StatusOp{issuer.OpSuspend, issuer.OpReinstate} {
					reason := record.ReasonOther
					if op == issuer.OpReinstate {
						reason = ""
					}
					if _, err := svc.ChangeStatus(ctx, examOffice, op, digests[:1], reason); err != nil {
						report("%s %s: %v", op, filepath.Base(b.path), err)
					}
				}
			}
		}
		for _, b := range earlier[:revoked] {
			digests, _ := issuer.Digests(ctx, b.raw)
			if _, err := svc.ChangeStatus(ctx, examOffice, issuer.OpRevoke, digests[:1], "fraud"); err != nil {
				report("revoke %s: %v", filepath.Base(b.path), err)
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for {
				for _, b := range earlier {
					select {
					case <-done:
						return
					default:
					}
					r := v.Verify(ctx, b.raw)
					if r.Verdict == verifier.Valid {
						continue
					}
					if f := firstFailure(r); r.Verdict != verifier.Invalid || f.Name != verifier.CheckStatus {
						report("while the ledger is written, %s: verdict %s:\n%s", filepath.Base(b.path), r.Verdict, describe(r))
					}
				}
			}
		})
	}
	wg.Go(func() {
		out := filepath.Join(w.dir, "out-second-process")
		for _, args := range [][]string{
			{"ledger", "info"},
			{"issue", "--issuer", examOffice, "--type", "Diploma", "--input", earlier[0].path, "--out", out},
		} {
			code, text := runSceau(t, bin, append([]string{"--home", w.home}, args...)...)
			if code == 0 || !strings.Contains(text, "in use by another process") || !strings.Contains(text, w.ledgerDir()) {
				report("a second process running sceau %s while the ledger is open: exit %d, want an error naming the ledger in use:\n%s", args[0], code, text)
			}
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			report("the second process's refused issue created %s", out)
		}
	})
	writers.Wait()
	close(done)
	wg.Wait()
	for _, p := range problems {
		t.Error(p)
	}
	if t.Failed() {
		t.FailNow()
	}

	verified, err := l.Verify(ctx)
	if err != nil || !verified.OK() {
		t.Fatalf("the ledger does not verify after the concurrent writes: %v %+v", err, verified)
	}
	for i, b := range earlier {
		r := v.Verify(ctx, b.raw)
		wantRevoked := i < revoked
		switch {
		case wantRevoked && (r.Verdict != verifier.Invalid || !strings.Contains(firstFailure(r).Reason, "revoked")):
			t.Errorf("%s was revoked last: verdict %s\n%s", filepath.Base(b.path), r.Verdict, describe(r))
		case !wantRevoked && r.Verdict != verifier.Valid:
			t.Errorf("%s was reinstated last: verdict %s\n%s", filepath.Base(b.path), r.Verdict, describe(r))
		}
	}
	for _, id := range offices {
		bundles := readBatchBundles(t, filepath.Join(w.dir, "out-"+id))
		if len(bundles) != rows {
			t.Errorf("issuer %s: %d bundles, want %d", id, len(bundles), rows)
		}
		for i := 0; i < len(bundles); i += 7 {
			if r := v.Verify(ctx, bundles[i].raw); r.Verdict != verifier.Valid {
				t.Errorf("issuer %s, %s: verdict %s\n%s", id, filepath.Base(bundles[i].path), r.Verdict, describe(r))
			}
		}
	}
	t.Logf("ledger after the concurrent writes: %d blocks, %d transactions, %d state keys: verified", verified.Blocks, verified.Transactions, verified.StateKeys)
}
