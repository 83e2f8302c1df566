package network

import (
	"encoding/json"
	"fmt"
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

// TestMarshalAnchorRequestIsEncodingJSON checks the AnchorBatch argument
// byte for byte against encoding/json, for plain requests (written
// directly) and for those it leaves to encoding/json.
func TestMarshalAnchorRequestIsEncodingJSON(t *testing.T) {
	digest := func(i int) string { return fmt.Sprintf("%064x", i) }
	pix := record.AnchorRequest{BatchID: "2026-pix:0001", IssuerID: "pix", Type: record.TypePixCertification, Root: digest(99)}
	for i := range 500 {
		pix.Credentials = append(pix.Credentials, []string{digest(3 * i), digest(3*i + 1), digest(3*i + 2)})
	}
	cases := []struct {
		name string
		req  record.AnchorRequest
	}{
		{"a Pix batch", pix},
		{"one credential", record.AnchorRequest{BatchID: "b", IssuerID: "i", Type: "Diploma", Credentials: [][]string{{digest(1)}}, Root: digest(2)}},
		{"no credentials", record.AnchorRequest{BatchID: "b", Credentials: [][]string{}}},
		{"nil credentials", record.AnchorRequest{BatchID: "b"}},
		{"a nil credential", record.AnchorRequest{BatchID: "b", Credentials: [][]string{{digest(1)}, nil}}},
		{"an empty credential", record.AnchorRequest{BatchID: "b", Credentials: [][]string{{}}}},
		{"HTML characters", record.AnchorRequest{BatchID: "<b>&", Credentials: [][]string{{"a<"}}}},
		{"a quote and a backslash", record.AnchorRequest{BatchID: `b"\`, Credentials: [][]string{{digest(1)}}}},
		{"non-ASCII and control characters", record.AnchorRequest{BatchID: "académie\n", IssuerID: "\u2028", Type: "\x7f", Credentials: [][]string{{"\xff"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := json.Marshal(c.req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := marshalAnchorRequest(&c.req)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("marshalled\n%.300s\nencoding/json writes\n%.300s", got, want)
			}
		})
	}
}

// FuzzMarshalAnchorRequest checks marshalAnchorRequest against encoding/json
// on arbitrary strings.
func FuzzMarshalAnchorRequest(f *testing.F) {
	f.Add("b1", "pix", "PixCertification", "ab", "cd", "ef", true)
	f.Add("<", "\u2028", "\xff", `"`, `\`, "", false)
	f.Fuzz(func(t *testing.T, batchID, issuerID, typ, root, d1, d2 string, two bool) {
		req := record.AnchorRequest{BatchID: batchID, IssuerID: issuerID, Type: record.CredentialType(typ), Root: root, Credentials: [][]string{{d1}}}
		if two {
			req.Credentials = append(req.Credentials, []string{d1, d2})
		}
		want, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := marshalAnchorRequest(&req); err != nil || got != string(want) {
			t.Fatalf("marshalled %q (%v), encoding/json writes %q", got, err, want)
		}
	})
}
