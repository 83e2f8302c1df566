package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/schemas"
)

// overlappingLedger presents a ledger as one whose transactions overlap,
// as a Fabric network's do: it says depth are worth keeping in flight, and
// holds each AnchorBatch until depth of them are waiting (or a second has
// passed), as a Fabric transaction waits for its block. It records the
// most anchorings in flight at once, and fails the anchoring of the batch
// whose id ends with failSuffix, when set.
type overlappingLedger struct {
	network.Ledger
	depth      int
	failSuffix string

	mu       sync.Mutex
	inFlight int
	most     int
	batchID  string // of one batch asked for
}

func (l *overlappingLedger) ConcurrentSubmits() int { return l.depth }

func (l *overlappingLedger) Submit(ctx context.Context, org, function string, args ...string) ([]byte, error) {
	if function != "AnchorBatch" {
		return l.Ledger.Submit(ctx, org, function, args...)
	}
	var req record.AnchorRequest
	if err := json.Unmarshal([]byte(args[0]), &req); err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.inFlight++
	l.most = max(l.most, l.inFlight)
	l.batchID = req.BatchID
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.inFlight--
		l.mu.Unlock()
	}()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		l.mu.Lock()
		all := l.inFlight >= l.depth
		l.mu.Unlock()
		if all {
			break
		}
	}
	if l.failSuffix != "" && strings.HasSuffix(req.BatchID, l.failSuffix) {
		return nil, fmt.Errorf("%w: simulated loss of the network", network.ErrUnavailable)
	}
	return l.Ledger.Submit(ctx, org, function, args...)
}

// issueOver issues input over ledger with the home of svc, chunks of 20.
func issueOver(svc *Service, ledger network.Ledger, input, out string) (*IssueSummary, error) {
	s := NewService(string(svc.Home), ledger, nil)
	return s.Issue(context.Background(), IssueOptions{
		IssuerID: "examoffice", Type: schemas.TypePixCertification, Input: input, OutDir: out, Chunk: 20,
	})
}

// TestAnchorsOverlapWhereTheLedgerGains: on a ledger whose transactions
// overlap, several chunks are anchored at once, never more than it says,
// and the run's output is what it is one chunk at a time: every batch
// anchored, listed in chunk order, the manifest in input order.
func TestAnchorsOverlapWhereTheLedgerGains(t *testing.T) {
	svc := newAccreditedService(t, schemas.TypePixCertification)
	const rows = 200
	input := syntheticInput(t, schemas.TypePixCertification, rows, CSVDialect{Delimiter: ';'})
	out := filepath.Join(t.TempDir(), "out")
	l := &overlappingLedger{Ledger: svc.Ledger, depth: 3}

	sum, err := issueOver(svc, l, input, out)
	if err != nil {
		t.Fatal(err)
	}
	if l.most < 2 || l.most > l.depth {
		t.Errorf("at most %d anchoring(s) in flight at once, want 2 to %d", l.most, l.depth)
	}
	if sum.Issued != rows || len(sum.Batches) != rows/20 {
		t.Fatalf("summary %+v: want %d issued in %d batches", sum, rows, rows/20)
	}
	for i, id := range sum.Batches {
		if want := fmt.Sprintf("-%04d", i+1); !strings.HasSuffix(id, want) {
			t.Errorf("batch %d of the summary is %s, want chunk %s", i, id, want)
		}
		if b, err := svc.Contract.GetBatch(context.Background(), id); err != nil || b.Size != 20 {
			t.Errorf("batch %s: %+v, %v", id, b, err)
		}
	}
	manifest := manifestOf(t, out)
	if len(manifest) != rows {
		t.Fatalf("manifest lists %d credentials, want %d", len(manifest), rows)
	}
	chunkOf := func(line int) int {
		no, err := strconv.Atoi(manifest[line][3])
		if err != nil {
			t.Fatalf("manifest line %d: chunk %q: %v", line+2, manifest[line][3], err)
		}
		return no
	}
	for i := 1; i < len(manifest); i++ {
		if chunkOf(i) < chunkOf(i-1) {
			t.Fatalf("manifest line %d (chunk %s) comes after chunk %s: not in input order", i+1, manifest[i][3], manifest[i-1][3])
		}
	}
}

// TestAnchoringFailureWhileOthersAreInFlight: when one chunk's anchoring
// fails while later ones are in flight, the run fails naming it, and a
// re-run anchors what is missing and reuses what was anchored, whatever
// the order in which the first run's transactions committed.
func TestAnchoringFailureWhileOthersAreInFlight(t *testing.T) {
	svc := newAccreditedService(t, schemas.TypePixCertification)
	const rows = 200
	input := syntheticInput(t, schemas.TypePixCertification, rows, CSVDialect{Delimiter: ';'})
	out := filepath.Join(t.TempDir(), "out")
	l := &overlappingLedger{Ledger: svc.Ledger, depth: 3, failSuffix: "-0002"}

	_, err := issueOver(svc, l, input, out)
	if !errors.Is(err, network.ErrUnavailable) || !strings.Contains(err.Error(), "chunk 2") {
		t.Fatalf("run with chunk 2 failing: %v, want an unavailable ledger naming chunk 2", err)
	}
	anchoredBefore := 0
	for no := 1; no <= rows/20; no++ {
		if l.anchored(t, svc, no) {
			anchoredBefore++
		}
	}
	if l.anchored(t, svc, 2) {
		t.Fatal("chunk 2 was anchored despite its failure")
	}
	if anchoredBefore < 1 {
		t.Error("no chunk was anchored by the failed run: nothing overlapped chunk 2")
	}

	sum, err := issueOver(svc, svc.Ledger, input, out)
	if err != nil {
		t.Fatalf("re-run: %v", err)
	}
	if sum.Issued+sum.Reused != rows || len(sum.Batches) != rows/20 {
		t.Fatalf("re-run summary %+v: want %d credentials in %d batches", sum, rows, rows/20)
	}
	for no := 1; no <= rows/20; no++ {
		if !l.anchored(t, svc, no) {
			t.Errorf("chunk %d is not anchored after the re-run", no)
		}
	}
	if got := len(manifestOf(t, out)); got != rows {
		t.Errorf("manifest lists %d credentials, want %d", got, rows)
	}
}

// anchored tells whether chunk no of the run whose batch l saw is on the ledger.
func (l *overlappingLedger) anchored(t *testing.T, svc *Service, no int) bool {
	t.Helper()
	id := fmt.Sprintf("%s%04d", l.batchID[:len(l.batchID)-4], no)
	_, err := svc.Contract.GetBatch(context.Background(), id)
	if err != nil && !errors.Is(err, network.ErrNotFound) {
		t.Fatalf("reading batch %s: %v", id, err)
	}
	return err == nil
}
