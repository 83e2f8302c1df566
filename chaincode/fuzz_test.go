package chaincode

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
)

// FuzzParseAnchorRequest feeds arbitrary AnchorBatch arguments to the
// request decoder: it must never panic, and whatever it accepts must be a
// batch the ledger can hold: valid ids and type, 1 to 4 well-formed digests
// per credential, no digest twice, within the cap, and a root that matches.
func FuzzParseAnchorRequest(f *testing.F) {
	creds := [][]string{
		{strings.Repeat("0a", 32), strings.Repeat("1b", 32)},
		{strings.Repeat("2c", 32)},
	}
	f.Add(anchorRequest(f, "b1", "exam-office", "Diploma", creds))
	f.Add(anchorRequest(f, "b1", "exam-office", "Diploma", creds[:1]))
	f.Add(`{"batchId":"b","issuerId":"ab","type":"Diploma","credentials":[[]],"root":""}`)
	f.Add(`{"batchId":"b","issuerId":"ab","type":"Diploma","credentials":[["` + strings.Repeat("0a", 32) + `","` + strings.Repeat("0a", 32) + `"]],"root":""}`)
	f.Add(`{"credentials":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := parseAnchorRequest(raw)
		if err != nil {
			return
		}
		if record.ValidateBatchID(req.BatchID) != nil || record.ValidateIssuerID(req.IssuerID) != nil || record.ValidateCredentialType(req.Type) != nil {
			t.Fatalf("accepted invalid ids or type: %+v", req)
		}
		if len(req.Credentials) == 0 {
			t.Fatal("accepted an empty batch")
		}
		seen := map[string]bool{}
		for _, group := range req.Credentials {
			if len(group) == 0 || len(group) > record.MaxDigestsPerCredential {
				t.Fatalf("accepted a credential of %d digests", len(group))
			}
			for _, d := range group {
				if record.ValidateDigest(d) != nil || seen[d] {
					t.Fatalf("accepted digest %q (seen before: %v)", d, seen[d])
				}
				seen[d] = true
			}
		}
		if len(seen) > record.MaxBatchDigests {
			t.Fatalf("accepted %d digests", len(seen))
		}
		if root := rootOf(t, req.Credentials); root != req.Root {
			t.Fatalf("accepted root %s, the credentials' root is %s", req.Root, root)
		}
	})
}

// FuzzDecodeDigest checks decodeDigest against record.ValidateDigest and
// encoding/hex: it accepts exactly the digests ValidateDigest accepts, and
// decodes them as hex does.
func FuzzDecodeDigest(f *testing.F) {
	f.Add(strings.Repeat("0a", 32))
	f.Add(strings.Repeat("f9", 32))
	f.Add(strings.Repeat("0A", 32))
	f.Add(strings.Repeat("0g", 32))
	f.Add(strings.Repeat("0a", 31))
	f.Add(strings.Repeat("/:", 32))
	f.Fuzz(func(t *testing.T, d string) {
		var got [32]byte
		ok := decodeDigest(d, &got)
		if valid := record.ValidateDigest(d) == nil; ok != valid {
			t.Fatalf("decodeDigest(%q) = %v, ValidateDigest says %v", d, ok, valid)
		}
		if !ok {
			return
		}
		want, err := hex.DecodeString(d)
		if err != nil || !bytes.Equal(got[:], want) {
			t.Fatalf("decodeDigest(%q) = %x, hex decodes %x (%v)", d, got, want, err)
		}
	})
}
