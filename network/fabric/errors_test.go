package fabric

import (
	"strings"
	"testing"
)

func TestParseChaincodeResponse(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantOK  bool
		comment string
	}{
		{"chaincode response 500, not found: issuer x", "not found: issuer x", true, "contract error"},
		{"chaincode response 400, bad request, with commas", "bad request, with commas", true, "message keeps its commas"},
		{"chaincode response 500, ", "", true, "empty message"},
		{"chaincode response five, oops", "", false, "status not a number"},
		{"chaincode response 500 oops", "", false, "no separator"},
		{"could not launch chaincode sceau_1: connection refused", "", false, "a peer's own failure"},
	}
	for _, tt := range tests {
		got, ok := parseChaincodeResponse(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: parseChaincodeResponse(%q) = %q, %v; want %q, %v", tt.comment, tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func FuzzParseChaincodeResponse(f *testing.F) {
	f.Add("chaincode response 500, not found: issuer x")
	f.Add("chaincode response 500, ")
	f.Add("chaincode response , x")
	f.Add("failed to endorse transaction")
	f.Fuzz(func(t *testing.T, s string) {
		msg, ok := parseChaincodeResponse(s)
		if !ok {
			if msg != "" {
				t.Errorf("rejected %q but returned message %q", s, msg)
			}
			return
		}
		if !strings.HasPrefix(s, chaincodeResponsePrefix) || !strings.HasSuffix(s, msg) {
			t.Errorf("parseChaincodeResponse(%q) = %q: not the tail of a chaincode response", s, msg)
		}
	})
}
