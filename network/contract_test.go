package network

import (
	"encoding/json"
	"reflect"
	"testing"
)

// answerTypes are the types the contract's answers are decoded into.
var answerTypes = []func() any{
	func() any { return new(DigestStatus) },
	func() any { return new(Issuer) },
	func() any { return new(Batch) },
	func() any { return new(IssuerPage) },
	func() any { return new([]StatusChange) },
}

// FuzzDecodeResult checks that decodeResult reads every answer the
// chaincode can give, encoding/json's output, exactly as encoding/json
// reads it back, and that nothing else makes it panic.
func FuzzDecodeResult(f *testing.F) {
	for _, v := range []any{
		DigestStatus{Digest: "ab01", IssuerID: "ac-lyon", Type: "Diploma", BatchID: "b1", Index: 3, Group: []string{"ab01", "cd02"},
			AnchoredAt: "2026-06-01T09:00:00Z", Status: StatusRevoked, Reason: "fraud", UpdatedAt: "2026-06-02T09:00:00Z", TxID: "ee"},
		Issuer{ID: "ac-lyon", Name: "Académie de Lyon <&>", MSPID: "LyonMSP", Status: IssuerActive, Accreditations: []Accreditation{{Type: "Diploma", ValidFrom: "2026-01-01T00:00:00Z"}},
			Keys: []IssuerKey{{KID: "k1", JWK: `{"kty":"EC","crv":"P-256","x":"AA","y":"BB"}`, ValidFrom: "2026-01-01T00:00:00Z", CompromisedSince: "2026-03-01T00:00:00Z"}}},
		Batch{BatchID: "b1", IssuerID: "ac-lyon", Type: "Diploma", Root: "ff", Size: 2},
		IssuerPage{Issuers: []Issuer{{ID: "a"}, {ID: "b", Keys: []IssuerKey{}}}, Bookmark: "\x00issuer\x00c\x00"},
		[]StatusChange{{Status: StatusActive, At: "t0", TxID: "x"}, {Status: StatusSuspended, Reason: "error", At: "t1", TxID: "y"}},
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
