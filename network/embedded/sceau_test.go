package embedded

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/merkle"
	"github.com/sceau/sceau/network"
)

// These tests run the real Sceau chaincode (the default) through the typed
// client, as the rest of Sceau uses the embedded ledger.

func newSceauLedger(t testing.TB) (*Ledger, string) {
	t.Helper()
	dir := t.TempDir()
	l, err := Init(context.Background(), dir, InitOptions{})
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l, dir
}

func publicJWK(t testing.TB) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: "ES256", Use: "sig"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// anchorRequest builds a batch of n single-form credentials and its root.
func anchorRequest(batchID, issuerID string, n int) record.AnchorRequest {
	req := record.AnchorRequest{BatchID: batchID, IssuerID: issuerID, Type: "Diploma"}
	leaves := make([][]byte, n)
	for i := range n {
		d := sha256.Sum256(fmt.Appendf(nil, "%s/credential/%d", batchID, i))
		req.Credentials = append(req.Credentials, []string{hex.EncodeToString(d[:])})
		leaves[i] = merkle.LeafHash(merkle.LeafData([][]byte{d[:]}))
	}
	req.Root = hex.EncodeToString(merkle.Root(leaves))
	return req
}

// accreditedIssuer provisions examoffice and registers and accredits issuer
// "bac-lyon" for it.
func accreditedIssuer(t testing.TB, l *Ledger, c *network.Contract) {
	t.Helper()
	ctx := context.Background()
	if _, err := l.ProvisionOrg(ctx, "examoffice"); err != nil {
		t.Fatal(err)
	}
	if err := c.RegisterIssuer(ctx, "examoffice", "bac-lyon", "Académie de Lyon", publicJWK(t)); err != nil {
		t.Fatalf("RegisterIssuer: %v", err)
	}
	if err := c.AccreditIssuer(ctx, "ministry", "bac-lyon", []record.CredentialType{record.TypeDiploma}, ""); err != nil {
		t.Fatalf("AccreditIssuer: %v", err)
	}
}

func TestSceauChaincodeLifecycle(t *testing.T) {
	l, dir := newSceauLedger(t)
	c := network.NewContract(l)
	ctx := context.Background()
	accreditedIssuer(t, l, c)

	issuer, err := c.GetIssuer(ctx, "bac-lyon")
	if err != nil || issuer.Status != record.IssuerActive || issuer.MSPID != "ExamofficeMSP" {
		t.Fatalf("GetIssuer = %+v, %v; want an active issuer bound to ExamofficeMSP", issuer, err)
	}
	// Governance is decided by the MSP the ledger verified, not by a label.
	var ce *network.ContractError
	if err := c.AccreditIssuer(ctx, "examoffice", "bac-lyon", []record.CredentialType{record.TypePixCertification}, ""); !errors.As(err, &ce) {
		t.Errorf("AccreditIssuer by examoffice: %v, want the contract to refuse", err)
	}
	if _, err := c.GetIssuer(ctx, "nobody"); !errors.Is(err, network.ErrNotFound) {
		t.Errorf("GetIssuer of an unknown issuer: %v, want ErrNotFound", err)
	}

	req := anchorRequest("bac-2026-lyon-1", "bac-lyon", 300)
	batch, err := c.AnchorBatch(ctx, "examoffice", req)
	if err != nil {
		t.Fatalf("AnchorBatch: %v", err)
	}
	if batch.Size != 300 || batch.Root != req.Root || batch.TxID == "" {
		t.Errorf("anchored batch %+v", batch)
	}
	digest := req.Credentials[42][0]
	st, err := c.GetStatus(ctx, digest)
	if err != nil || st.Status != record.StatusActive || st.BatchID != req.BatchID || st.Index != 42 || st.TxID != batch.TxID {
		t.Fatalf("GetStatus = %+v, %v", st, err)
	}
	if _, err := c.AnchorBatch(ctx, "examoffice", req); !errors.As(err, &ce) {
		t.Errorf("anchoring the same batch twice: %v, want a refusal", err)
	}

	if err := c.Suspend(ctx, "examoffice", digest, "error"); err != nil {
		t.Fatalf("Suspend: %v", err)
	}
	if err := c.Revoke(ctx, "examoffice", digest, "fraud"); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	history, err := c.GetStatusHistory(ctx, digest)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, h := range history {
		statuses = append(statuses, string(h.Status))
	}
	if fmt.Sprint(statuses) != "[active suspended revoked]" {
		t.Errorf("status history %v, want [active suspended revoked] oldest first", statuses)
	}
	if err := c.RevokeBatch(ctx, "examoffice", req.BatchID, "annulled"); err != nil {
		t.Fatalf("RevokeBatch: %v", err)
	}
	if st, err := c.GetStatus(ctx, req.Credentials[0][0]); err != nil || st.Status != record.StatusRevoked {
		t.Errorf("after RevokeBatch: %+v, %v", st, err)
	}

	// ListIssuers pages with the stub's partial-composite-key pagination.
	if _, err := l.ProvisionOrg(ctx, "pix"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"pix-a", "pix-b", "pix-c"} {
		if err := c.RegisterIssuer(ctx, "pix", id, "Pix "+id, publicJWK(t)); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	bookmark := ""
	for range 10 {
		page, err := c.ListIssuers(ctx, 2, bookmark)
		if err != nil {
			t.Fatalf("ListIssuers: %v", err)
		}
		for _, is := range page.Issuers {
			ids = append(ids, is.ID)
		}
		if bookmark = page.Bookmark; bookmark == "" {
			break
		}
	}
	if fmt.Sprint(ids) != "[bac-lyon pix-a pix-b pix-c]" {
		t.Errorf("ListIssuers by pages of 2 = %v", ids)
	}
	mustVerifyClean(t, l)

	// Everything survives a restart.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = Open(ctx, dir, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c = network.NewContract(l)
	if st, err := c.GetStatus(ctx, digest); err != nil || st.Status != record.StatusRevoked {
		t.Errorf("after a restart: %+v, %v", st, err)
	}
}

func TestSceauTransactionTimeIsTheProposalTime(t *testing.T) {
	at := time.Date(2027, 7, 4, 10, 0, 0, 0, time.UTC)
	l, err := Init(context.Background(), t.TempDir(), InitOptions{OpenOptions: OpenOptions{Clock: func() time.Time { return at }}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := network.NewContract(l)
	accreditedIssuer(t, l, c)
	issuer, err := c.GetIssuer(context.Background(), "bac-lyon")
	if err != nil {
		t.Fatal(err)
	}
	if issuer.RegisteredAt != "2027-07-04T10:00:00Z" {
		t.Errorf("RegisteredAt = %s, want the proposal timestamp 2027-07-04T10:00:00Z", issuer.RegisteredAt)
	}
}

// BenchmarkAnchorBatch anchors full batches (record.MaxBatchDigests
// digests) with the real chaincode: 50 000 digests take 7 of them.
func BenchmarkAnchorBatch(b *testing.B) {
	l, _ := newSceauLedger(b)
	c := network.NewContract(l)
	accreditedIssuer(b, l, c)
	ctx := context.Background()
	// Requests are built 16 at a time, outside the timer.
	const prepared = 16
	var reqs []record.AnchorRequest
	i := 0
	for b.Loop() {
		b.StopTimer()
		if len(reqs) == 0 {
			for range prepared {
				reqs = append(reqs, anchorRequest(fmt.Sprintf("batch-%d", i), "bac-lyon", record.MaxBatchDigests))
				i++
			}
		}
		req := reqs[0]
		reqs = reqs[1:]
		b.StartTimer()
		if _, err := c.AnchorBatch(ctx, "examoffice", req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(record.MaxBatchDigests)*float64(b.N)/b.Elapsed().Seconds(), "digests/s")
}

// BenchmarkAnchorBatchPix anchors batches as `sceau issue` does for Pix
// certificates: 500 credentials of three digests (1 500 digests) a batch,
// on a ledger that grows as the benchmark runs.
func BenchmarkAnchorBatchPix(b *testing.B) {
	const credentials, forms = 500, 3
	l, _ := newSceauLedger(b)
	c := network.NewContract(l)
	accreditedIssuer(b, l, c)
	ctx := context.Background()
	const prepared = 16
	var reqs []record.AnchorRequest
	var cpu time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		if len(reqs) == 0 {
			for range prepared {
				reqs = append(reqs, anchorRequestForms(fmt.Sprintf("batch-%d", i), "bac-lyon", credentials, forms))
				i++
			}
		}
		req := reqs[0]
		reqs = reqs[1:]
		b.StartTimer()
		before := processCPU(b)
		if _, err := c.AnchorBatch(ctx, "examoffice", req); err != nil {
			b.Fatal(err)
		}
		cpu += processCPU(b) - before
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(credentials*b.N), "µs/credential")
	// The process's CPU time (every goroutine, the garbage collector's
	// included) tells more than the elapsed time on a shared machine,
	// where the fsync of each commit waits on the disk.
	b.ReportMetric(float64(cpu.Microseconds())/float64(credentials*b.N), "cpu-µs/credential")
	b.ReportMetric(float64(credentials*forms)*float64(b.N)/b.Elapsed().Seconds(), "digests/s")
}

func TestSceauVerifiersReadWhileIssuersAnchor(t *testing.T) {
	l, _ := newSceauLedger(t)
	c := network.NewContract(l)
	accreditedIssuer(t, l, c)
	ctx := context.Background()
	first := anchorRequest("batch-0", "bac-lyon", 50)
	if _, err := c.AnchorBatch(ctx, "examoffice", first); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	errs := make(chan error, 64)
	go func() {
		defer close(done)
		for i := 1; i <= 4; i++ {
			if _, err := c.AnchorBatch(ctx, "examoffice", anchorRequest(fmt.Sprintf("batch-%d", i), "bac-lyon", 200)); err != nil {
				errs <- err
			}
		}
	}()
	reads := 0
	for running := true; running; reads++ {
		select {
		case <-done:
			running = false
		default:
		}
		st, err := c.GetStatus(ctx, first.Credentials[reads%50][0])
		if err != nil || st.Status != record.StatusActive {
			t.Fatalf("GetStatus during anchoring: %+v, %v", st, err)
		}
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st, err := c.GetStatus(ctx, anchorRequest("batch-4", "bac-lyon", 200).Credentials[199][0]); err != nil || st.BatchID != "batch-4" {
		t.Errorf("the last batch: %+v, %v", st, err)
	}
	t.Logf("%d status reads ran while 4 batches were anchored", reads)
}
