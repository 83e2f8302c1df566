package embedded

import (
	"context"
	"strconv"
	"sync"
	"testing"
)

func TestConcurrentSubmittersAreSerialised(t *testing.T) {
	l, _ := newTestLedger(t)
	ctx := context.Background()
	if _, err := l.ProvisionOrg(ctx, "examoffice"); err != nil {
		t.Fatal(err)
	}
	const writers, perWriter, readers = 6, 15, 4
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter+readers*perWriter)
	for w := range writers {
		org := []string{"ministry", "examoffice"}[w%2]
		wg.Go(func() {
			for range perWriter {
				// Read-modify-write of one counter: with writes serialised,
				// each increment sees the previous one.
				if _, err := l.Submit(ctx, org, "incr", "counter"); err != nil {
					errs <- err
				}
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for range perWriter {
				if _, err := l.Evaluate(ctx, "", "range", "", ""); err != nil {
					errs <- err
				}
				if _, err := l.Info(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := string(mustEvaluate(t, l, "get", "counter")); got != strconv.Itoa(writers*perWriter) {
		t.Errorf("counter = %s after %d concurrent increments: an update was lost", got, writers*perWriter)
	}
	r := mustVerifyClean(t, l)
	if r.Transactions != writers*perWriter+1 {
		t.Errorf("Verify counted %d transactions, want %d", r.Transactions, writers*perWriter+1)
	}
}

func TestProvisionOrgConcurrently(t *testing.T) {
	l, _ := newTestLedger(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if msp, err := l.ProvisionOrg(context.Background(), "pix"); err != nil || msp != "PixMSP" {
				t.Errorf("ProvisionOrg(pix) = %q, %v", msp, err)
			}
		})
	}
	wg.Wait()
	if h := mustInfo(t, l).Height; h != 2 {
		t.Errorf("4 concurrent ProvisionOrg of one org made %d config blocks, want 1", h-1)
	}
}
