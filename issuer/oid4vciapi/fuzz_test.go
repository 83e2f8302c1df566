package oid4vciapi

import (
	"testing"

	"github.com/sceau/sceau/issuer/oid4vci"
)

// FuzzParseCredentialRequest: any body gives a request or an
// invalid_credential_request, never a panic, and nothing over the limit.
func FuzzParseCredentialRequest(f *testing.F) {
	f.Add([]byte(`{"credential_configuration_id":"Diploma_dc+sd-jwt","proofs":{"jwt":["a.b.c"]}}`))
	f.Add([]byte(`{"proofs":{"attestation":["x"],"jwt":[]}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"proof":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseCredentialRequest(body)
		if err != nil {
			e, ok := err.(*oid4vci.Error)
			if !ok || e.Code != oid4vci.ErrInvalidCredentialRequest {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(body) > MaxCredentialRequest {
			t.Fatalf("a request of %d bytes was read", len(body))
		}
		if req == nil {
			t.Fatal("no request and no error")
		}
	})
}
