package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/sceau/sceau/network"
)

func decodeJSON[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

func TestRangeQueries(t *testing.T) {
	l, _ := newTestLedger(t)
	for _, k := range []string{"a", "b", "c", "d"} {
		mustSubmit(t, l, "ministry", "put", k, "v"+k)
	}
	mustSubmit(t, l, "ministry", "putcomposite", "digest", "x", "1")

	for _, c := range []struct {
		start, end string
		want       []string
	}{
		{"b", "d", []string{"b=vb", "c=vc"}},
		{"", "c", []string{"a=va", "b=vb"}},
		{"c", "", []string{"c=vc", "d=vd"}},
		{"", "", []string{"a=va", "b=vb", "c=vc", "d=vd"}}, // composite keys stay out
		{"e", "", nil},
	} {
		got := decodeJSON[[]string](t, mustEvaluate(t, l, "range", c.start, c.end))
		if !slices.Equal(got, c.want) {
			t.Errorf("GetStateByRange(%q, %q) = %v, want %v", c.start, c.end, got, c.want)
		}
	}
	if _, err := l.Evaluate(context.Background(), "", "range", "\x00digest", ""); err == nil || !strings.Contains(err.Error(), "null character") {
		t.Errorf("a range starting in the composite-key namespace: %v, want the shim's refusal", err)
	}
}

func TestRangeQueryReadsPastOneBatch(t *testing.T) {
	l, _ := newTestLedger(t)
	mustSubmit(t, l, "ministry", "putmany", "k", "250", "3")
	got := decodeJSON[[]string](t, mustEvaluate(t, l, "range", "", ""))
	if len(got) != 250 || got[0] != "k00000000=vvv" || got[249] != "k00000249=vvv" {
		t.Errorf("a 250-key range returned %d keys (%v … %v)", len(got), got[:1], got[len(got)-1:])
	}
}

func TestCompositeKeysAsTheShimBuildsThem(t *testing.T) {
	l, _ := newTestLedger(t)
	for _, attrs := range [][]string{{"b1", "d1"}, {"b1", "d2"}, {"b2", "d3"}, {"b10", "d4"}} {
		mustSubmit(t, l, "ministry", "putcomposite", append([]string{"digest"}, attrs...)...)
	}
	mustSubmit(t, l, "ministry", "putcomposite", "issuer", "b1")

	want, _ := shim.CreateCompositeKey("digest", []string{"b1", "d1"})
	got := decodeJSON[[]string](t, mustEvaluate(t, l, "range", "", ""))
	if len(got) != 0 {
		t.Errorf("simple-key range sees composite keys: %v", got)
	}
	if v := mustEvaluate(t, l, "get", want); string(v) != "c" {
		t.Errorf("composite key %q not stored under the shim's encoding", want)
	}
	for _, c := range []struct {
		attrs []string
		want  []string
	}{
		{nil, []string{"digest:b1,d1", "digest:b1,d2", "digest:b10,d4", "digest:b2,d3"}},
		{[]string{"b1"}, []string{"digest:b1,d1", "digest:b1,d2"}},
		{[]string{"b3"}, nil},
	} {
		got := decodeJSON[[]string](t, mustEvaluate(t, l, "partial", append([]string{"digest"}, c.attrs...)...))
		if !slices.Equal(got, c.want) {
			t.Errorf("GetStateByPartialCompositeKey(digest, %v) = %v, want %v", c.attrs, got, c.want)
		}
	}
	typ, attrs, err := splitCompositeKey(want)
	if err != nil || typ != "digest" || !slices.Equal(attrs, []string{"b1", "d1"}) {
		t.Errorf("SplitCompositeKey(%q) = %q, %v, %v", want, typ, attrs, err)
	}
	if _, _, err := splitCompositeKey("plain"); err == nil {
		t.Error("SplitCompositeKey of a simple key did not fail")
	}
}

func TestPaginationAsOnFabric(t *testing.T) {
	l, _ := newTestLedger(t)
	mustSubmit(t, l, "ministry", "putmany", "k", "7", "1")

	var pages [][]string
	bookmark := ""
	for range 10 {
		page := decodeJSON[pageResult](t, mustEvaluate(t, l, "page", "", "", "3", bookmark))
		if int(page.Count) != len(page.Keys) {
			t.Errorf("FetchedRecordsCount %d for %d records", page.Count, len(page.Keys))
		}
		pages = append(pages, page.Keys)
		if page.Bookmark == "" {
			break
		}
		if want := fmt.Sprintf("k%08d", 3*len(pages)); page.Bookmark != want {
			t.Errorf("bookmark after page %d = %q, want the next key to read %q", len(pages), page.Bookmark, want)
		}
		bookmark = page.Bookmark
	}
	if len(pages) != 3 || len(pages[0]) != 3 || len(pages[1]) != 3 || len(pages[2]) != 1 || pages[2][0] != "k00000006" {
		t.Errorf("pages of 3 over 7 keys: %v", pages)
	}
	// A last page that ends exactly at the last key has an empty bookmark.
	page := decodeJSON[pageResult](t, mustEvaluate(t, l, "page", "k00000004", "", "3", ""))
	if page.Bookmark != "" || len(page.Keys) != 3 {
		t.Errorf("a page ending at the last key: %+v, want 3 keys and no bookmark", page)
	}
	// Neither a page size nor a bookmark: not paginated, empty metadata.
	page = decodeJSON[pageResult](t, mustEvaluate(t, l, "page", "", "", "0", ""))
	if len(page.Keys) != 7 || page.Count != 0 || page.Bookmark != "" {
		t.Errorf("pageSize 0 without bookmark: %+v, want every key and empty metadata", page)
	}

	for i := range 4 {
		mustSubmit(t, l, "ministry", "putcomposite", "digest", fmt.Sprint(i), "x")
	}
	cp := decodeJSON[pageResult](t, mustEvaluate(t, l, "pagecomposite", "digest", "2", ""))
	if len(cp.Keys) != 2 || cp.Bookmark == "" || cp.Bookmark[0] != 0 {
		t.Errorf("first composite page: %+v, want 2 keys and a composite bookmark", cp)
	}
	cp = decodeJSON[pageResult](t, mustEvaluate(t, l, "pagecomposite", "digest", "2", cp.Bookmark))
	if len(cp.Keys) != 2 || cp.Bookmark != "" {
		t.Errorf("second composite page: %+v, want the 2 last keys and no bookmark", cp)
	}
}

func TestPaginatedQueriesAndWritesExcludeEachOther(t *testing.T) {
	l, _ := newTestLedger(t)
	ctx := context.Background()
	for _, fn := range []string{"pagethenput", "putthenpage"} {
		_, err := l.Submit(ctx, "ministry", fn)
		var ce *network.ContractError
		if !errors.As(err, &ce) || !strings.Contains(ce.Message, "paginated") {
			t.Errorf("%s: %v, want the chaincode to see Fabric's refusal", fn, err)
		}
	}
}

type historyItem struct {
	TxID   string `json:"txid"`
	Value  string `json:"value"`
	Delete bool   `json:"delete"`
	TS     string `json:"ts"`
}

func TestHistoryForKeyNewestFirst(t *testing.T) {
	l, _ := newTestLedger(t)
	ctx := context.Background()
	var props []*Proposal
	for _, step := range [][]string{
		{"put", "k", "one"}, {"put", "k", "two"}, {"del", "k"}, {"put", "k", "three"}, {"put", "k2", "other"}, {"put", "k\x00", "prefix twin"},
		{"del", "gone"}, {"put", "gone", "back"}, {"del", "gone"},
	} {
		id, _ := l.Identity("ministry")
		p, err := l.NewProposal(id, step[0], step[1:]...)
		if err != nil {
			t.Fatal(err)
		}
		sp, _ := id.Sign(p)
		if _, err := l.SubmitProposal(ctx, sp); err != nil {
			t.Fatal(err)
		}
		props = append(props, p)
	}
	change := func(i int, value string) historyItem {
		return historyItem{TxID: props[i].TxID, Value: value, Delete: value == "", TS: props[i].Timestamp.UTC().Format(time.RFC3339Nano)}
	}
	for _, tc := range []struct {
		key  string
		want []historyItem
	}{
		{"k", []historyItem{change(3, "three"), change(2, ""), change(1, "two"), change(0, "one")}},
		{"gone", []historyItem{change(8, ""), change(7, "back"), change(6, "")}},
		// The last key of the bucket (seek past the end).
		{"k\x00", []historyItem{change(5, "prefix twin")}},
		{"never", nil},
	} {
		h := decodeJSON[[]historyItem](t, mustEvaluate(t, l, "history", tc.key))
		if !slices.Equal(h, tc.want) {
			t.Errorf("history of %q:\n got  %+v\n want %+v (newest first)", tc.key, h, tc.want)
		}
	}
	mustVerifyClean(t, l)
}

// A key the chaincode read as absent and then wrote has no version to move
// to the history; once present, its next write moves it there.
func TestHistoryOfKeysReadBeforeTheyAreWritten(t *testing.T) {
	l, _ := newTestLedger(t)
	for range 3 {
		mustSubmit(t, l, "ministry", "incr", "counter")
	}
	var values []string
	for _, h := range decodeJSON[[]historyItem](t, mustEvaluate(t, l, "history", "counter")) {
		values = append(values, h.Value)
	}
	if !slices.Equal(values, []string{"3", "2", "1"}) {
		t.Errorf("history of a counter incremented 3 times: %v, want [3 2 1]", values)
	}
	mustVerifyClean(t, l)
}

func TestOneEventPerTransaction(t *testing.T) {
	l, _ := newTestLedger(t)
	mustSubmit(t, l, "ministry", "event", "First", "1", "Second", "2")
	var sb strings.Builder
	if err := l.Export(context.Background(), &sb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(sb.String()), "\n")
	last := decodeJSON[BlockRecord](t, []byte(lines[len(lines)-1]))
	if last.Event == nil || string(last.Event.Name) != "Second" || string(last.Event.Payload) != "2" {
		t.Errorf("the block's event is %+v, want the second SetEvent to replace the first", last.Event)
	}
}

func TestUnsupportedFeaturesSaySo(t *testing.T) {
	l, _ := newTestLedger(t)
	msgs := decodeJSON[[]string](t, mustEvaluate(t, l, "unsupported"))
	if len(msgs) != 4 {
		t.Fatalf("unsupported calls returned %v, want 4 errors", msgs)
	}
	for _, m := range msgs {
		if !strings.Contains(m, "not supported by the embedded ledger") {
			t.Errorf("error %q does not say the embedded ledger does not support it", m)
		}
	}
}

func TestStubUnusableAfterTheInvocation(t *testing.T) {
	dir := t.TempDir()
	cc := &testChaincode{}
	l, err := Init(context.Background(), dir, InitOptions{OpenOptions: OpenOptions{Chaincode: func(Genesis) (shim.Chaincode, error) { return cc, nil }}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	mustSubmit(t, l, "ministry", "put", "a", "1")
	mustEvaluate(t, l, "leakiter")
	cc.mu.Lock()
	it := cc.leaked
	cc.mu.Unlock()
	if !it.HasNext() {
		t.Fatal("the leaked iterator hides its error")
	}
	if _, err := it.Next(); !errors.Is(err, errInvocationOver) {
		t.Errorf("an iterator used after its invocation: %v, want errInvocationOver", err)
	}
}

// Values larger than a page live in buckets of their own in the store;
// every read sees them as any value, through every change of form.
func TestLargeValuesReadAsAnyValue(t *testing.T) {
	l, _ := newTestLedger(t)
	large := strings.Repeat("L", 2*largeValueSize)
	larger := strings.Repeat("M", 3*largeValueSize)
	mustSubmit(t, l, "ministry", "put", "a", "small")
	mustSubmit(t, l, "ministry", "put", "b", large)
	mustSubmit(t, l, "ministry", "put", "c", "small")
	mustSubmit(t, l, "ministry", "put", "a", larger) // small → large
	mustSubmit(t, l, "ministry", "put", "b", "tiny") // large → small
	mustSubmit(t, l, "ministry", "put", "c", large)
	mustSubmit(t, l, "ministry", "del", "c") // a large value deleted
	mustSubmit(t, l, "ministry", "put", "d", large)
	mustSubmit(t, l, "ministry", "put", "d", larger) // large → large

	for key, want := range map[string]string{"a": larger, "b": "tiny", "d": larger} {
		if got := string(mustEvaluate(t, l, "get", key)); got != want {
			t.Errorf("get %s: %d bytes, want %d", key, len(got), len(want))
		}
	}
	want := []string{"a=" + larger, "b=tiny", "d=" + larger}
	if got := decodeJSON[[]string](t, mustEvaluate(t, l, "range", "", "")); !slices.Equal(got, want) {
		t.Errorf("range over every key: %d entries %.40q…, want a, b and d", len(got), got)
	}
	for key, want := range map[string][]string{
		"a": {larger, "small"},
		"b": {"tiny", large},
		"c": {"", large, "small"},
		"d": {larger, large},
	} {
		var got []string
		for _, h := range decodeJSON[[]historyItem](t, mustEvaluate(t, l, "history", key)) {
			got = append(got, h.Value)
		}
		if !slices.Equal(got, want) {
			t.Errorf("history of %s: %.40q…, want %d changes newest first", key, got, len(want))
		}
	}
	info := mustInfo(t, l)
	if info.StateKeys != 3 || info.HistoryEntries != 9 {
		t.Errorf("Info: %d state keys, %d history entries; want 3 and 9", info.StateKeys, info.HistoryEntries)
	}
	if r := mustVerifyClean(t, l); r.StateKeys != 3 || r.HistoryEntries != 9 {
		t.Errorf("Verify counted %d state keys, %d history entries; want 3 and 9", r.StateKeys, r.HistoryEntries)
	}
}
