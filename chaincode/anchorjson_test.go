package chaincode

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
)

// decodeWithEncodingJSON decodes raw as parseAnchorRequest did before its
// compact path: what that path must return whenever it accepts raw.
func decodeWithEncodingJSON(raw string) (*record.AnchorRequest, error) {
	var req record.AnchorRequest
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the object")
	}
	return &req, nil
}

// TestCompactAnchorRequestIsWhatTheClientSends checks that the requests
// Sceau's client marshals take the compact path (else anchoring silently
// pays encoding/json again), decoded as encoding/json decodes them, and
// that other spellings are left to encoding/json.
func TestCompactAnchorRequestIsWhatTheClientSends(t *testing.T) {
	digest := strings.Repeat("0a", 32)
	cases := []struct {
		name    string
		raw     string
		compact bool
	}{
		{"a Pix batch", anchorRequest(t, "2026-pix:0001", "pix", "PixCertification", newCredentials(t, 500, 3)), true},
		{"a diploma batch", anchorRequest(t, "bac-2026-lyon-1", "bac-lyon", "Diploma", newCredentials(t, 50, 1)), true},
		{"no credentials", `{"batchId":"b","issuerId":"ab","type":"Diploma","credentials":[],"root":""}`, true},
		{"an empty credential", `{"batchId":"b","issuerId":"ab","type":"Diploma","credentials":[[]],"root":""}`, true},
		{"a space", `{"batchId": "b","issuerId":"ab","type":"Diploma","credentials":[["` + digest + `"]],"root":""}`, false},
		{"trailing new line", `{"batchId":"b","issuerId":"ab","type":"Diploma","credentials":[["` + digest + `"]],"root":""}` + "\n", false},
		{"another field order", `{"issuerId":"ab","batchId":"b","type":"Diploma","credentials":[["` + digest + `"]],"root":""}`, false},
		{"an escape", `{"batchId":"b\u0041","issuerId":"ab","type":"Diploma","credentials":[["` + digest + `"]],"root":""}`, false},
		{"null credentials", `{"batchId":"b","issuerId":"ab","type":"Diploma","credentials":null,"root":""}`, false},
		{"a field in other case", `{"BatchID":"b","issuerId":"ab","type":"Diploma","credentials":[["` + digest + `"]],"root":""}`, false},
		{"a field twice", `{"batchId":"b","issuerId":"ab","type":"Diploma","credentials":[["` + digest + `"]],"root":"","root":""}`, false},
		{"non-ASCII", `{"batchId":"é","issuerId":"ab","type":"Diploma","credentials":[["` + digest + `"]],"root":""}`, false},
		{"a number", `{"batchId":"b","issuerId":"ab","type":"Diploma","credentials":[[1]],"root":""}`, false},
		{"truncated", `{"batchId":"b","issuerId":"ab","type":"Diploma","credentials":[["` + digest + `"]],"root":""`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := decodeCompactAnchorRequest(c.raw)
			if ok != c.compact {
				t.Fatalf("compact path taken: %v, want %v", ok, c.compact)
			}
			if !ok {
				return
			}
			want, err := decodeWithEncodingJSON(c.raw)
			if err != nil {
				t.Fatalf("the compact path accepted what encoding/json refuses: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("compact path decoded %+v, encoding/json %+v", got, want)
			}
		})
	}
}

// TestCompactAnchorRequestListsDoNotOverlap checks that appending to one
// decoded credential's list leaves the next one alone (they share one
// backing array).
func TestCompactAnchorRequestListsDoNotOverlap(t *testing.T) {
	creds := newCredentials(t, 3, 2)
	req, ok := decodeCompactAnchorRequest(anchorRequest(t, "b1", "ab", "Diploma", creds))
	if !ok {
		t.Fatal("compact path not taken")
	}
	_ = append(req.Credentials[0], "x")
	if !reflect.DeepEqual(req.Credentials, creds) {
		t.Fatalf("credentials %v after appending to the first, want %v", req.Credentials, creds)
	}
}

// FuzzCompactAnchorRequest checks the compact path against encoding/json:
// whatever it accepts, encoding/json accepts and decodes to the same
// request.
func FuzzCompactAnchorRequest(f *testing.F) {
	digest := strings.Repeat("0a", 32)
	f.Add(anchorRequest(f, "b1", "exam-office", "Diploma", [][]string{{digest, strings.Repeat("1b", 32)}, {strings.Repeat("2c", 32)}}))
	f.Add(`{"batchId":"b","issuerId":"ab","type":"Diploma","credentials":[[],[""]],"root":""}`)
	f.Add(`{"batchId":"<&>","issuerId":"","type":"","credentials":[],"root":"x"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := decodeCompactAnchorRequest(raw)
		if !ok {
			return
		}
		want, err := decodeWithEncodingJSON(raw)
		if err != nil {
			t.Fatalf("the compact path accepted %q, which encoding/json refuses: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("compact path decoded %q as %+v, encoding/json as %+v", raw, got, want)
		}
	})
}
