package network

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
)

// answerTypes are the types the contract's answers are decoded into.
var answerTypes = []func() any{
	func() any { return new(record.DigestStatus) },
	func() any { return new(record.Issuer) },
	func() any { return new(record.Batch) },
	func() any { return new(record.IssuerPage) },
	func() any { return new([]record.StatusChange) },
}

// FuzzDecodeResult checks that decodeResult reads every answer the
// chaincode can give, encoding/json's output, exactly as encoding/json
// reads it back, and that nothing else makes it panic.
func FuzzDecodeResult(f *testing.F) {
	for _, v := range []any{
		record.DigestStatus{Digest: "ab01", IssuerID: "ac-lyon", Type: "Diploma", BatchID: "b1", Index: 3, Group: []string{"ab01", "cd02"},
			AnchoredAt: "2026-06-01T09:00:00Z", Status: record.StatusRevoked, Reason: "fraud", UpdatedAt: "2026-06-02T09:00:00Z", TxID: "ee"},
		record.Issuer{ID: "ac-lyon", Name: "Académie de Lyon <&>", MSPID: "LyonMSP", Status: record.IssuerActive, Accreditations: []record.Accreditation{{Type: "Diploma", ValidFrom: "2026-01-01T00:00:00Z"}},
			Keys: []record.IssuerKey{{KID: "k1", JWK: `{"kty":"EC","crv":"P-256","x":"AA","y":"BB"}`, ValidFrom: "2026-01-01T00:00:00Z", CompromisedSince: "2026-03-01T00:00:00Z"}}},
		record.Batch{BatchID: "b1", IssuerID: "ac-lyon", Type: "Diploma", Root: "ff", Size: 2},
		record.IssuerPage{Issuers: []record.Issuer{{ID: "a"}, {ID: "b", Keys: []record.IssuerKey{}}}, Bookmark: "\x00issuer\x00c\x00"},
		[]record.StatusChange{{Status: record.StatusActive, At: "t0", TxID: "x"}, {Status: record.StatusSuspended, Reason: "error", At: "t1", TxID: "y"}},
	} {
		data, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"digest":"ab","DIGEST":"cd","index":1.5,"group":null}`))
	f.Add([]byte(`{"keys":[{"kid":"\ud800"}],"name":"\xff"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, newAnswer := range answerTypes {
			_ = decodeResult("Fuzz", data, nil, newAnswer())
			want := newAnswer()
			if json.Unmarshal(data, want) != nil {
				continue
			}
			canonical, err := json.Marshal(want)
			if err != nil {
				t.Fatalf("re-encoding %#v: %v", want, err)
			}
			got := newAnswer()
			if err := decodeResult("Fuzz", canonical, nil, got); err != nil {
				t.Fatalf("decoding %s: %v", canonical, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("decoding %s:\ngot  %#v\nwant %#v (encoding/json)", canonical, got, want)
			}
		}
	})
}
