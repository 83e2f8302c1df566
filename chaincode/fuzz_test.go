package chaincode

import (
	"encoding/json"
	"strings"
	"testing"
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
		if validateBatchID(req.BatchID) != nil || validateIssuerID(req.IssuerID) != nil || validateCredentialType(req.Type) != nil {
			t.Fatalf("accepted invalid ids or type: %+v", req)
		}
		if len(req.Credentials) == 0 {
			t.Fatal("accepted an empty batch")
		}
		seen := map[string]bool{}
		for _, group := range req.Credentials {
			if len(group) == 0 || len(group) > MaxDigestsPerCredential {
				t.Fatalf("accepted a credential of %d digests", len(group))
			}
			for _, d := range group {
				if validateDigest(d) != nil || seen[d] {
					t.Fatalf("accepted digest %q (seen before: %v)", d, seen[d])
				}
				seen[d] = true
			}
		}
		if len(seen) > MaxBatchDigests {
			t.Fatalf("accepted %d digests", len(seen))
		}
		if root := rootOf(t, req.Credentials); root != req.Root {
			t.Fatalf("accepted root %s, the credentials' root is %s", req.Root, root)
		}
	})
}

// FuzzParsePublicJWK feeds arbitrary JWKs to the key parser: it must never
// panic, and a key it accepts is stored public only, with the kid the
// parser reports, and reads back to the same kid.
func FuzzParsePublicJWK(f *testing.F) {
	f.Add(newP256Key(f).public)
	f.Add(newEd25519Key(f).public)
	f.Add(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`)
	f.Add(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}`)
	f.Add(`{"kty":"EC","crv":"P-256","x":"","y":""}`)
	f.Add(`{"kty":"oct","k":"AAAA"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		key, err := parsePublicJWK(raw)
		if err != nil {
			return
		}
		var members map[string]any
		if err := json.Unmarshal([]byte(key.jwk), &members); err != nil {
			t.Fatalf("stored JWK %q is not JSON: %v", key.jwk, err)
		}
		for _, m := range privateJWKMembers {
			if _, ok := members[m]; ok {
				t.Fatalf("stored JWK %q has private member %q", key.jwk, m)
			}
		}
		if members["kid"] != key.kid {
			t.Fatalf("stored JWK kid %v, parser reported %s", members["kid"], key.kid)
		}
		again, err := parsePublicJWK(key.jwk)
		if err != nil || again != key {
			t.Fatalf("stored JWK does not read back: %+v, %v", again, err)
		}
	})
}
