package issuerapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
)

// FuzzVCAPICredential feeds parseVCAPICredential arbitrary credentials: it
// must refuse with a *badRequest, or return a Sceau type and an object
// subject.
func FuzzVCAPICredential(f *testing.F) {
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential","Diploma"],"issuer":"urn:sceau:issuer:examoffice","credentialSubject":{"student_id":"070123456AB"}}`))
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"Diploma","issuer":{"id":"x"},"credentialSubject":{}}`))
	f.Add([]byte(`{"@context":[],"type":[],"credentialSubject":[]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential","Diploma","Diploma"],"credentialSubject":{},"proof":{}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		typ, _, subject, err := parseVCAPICredential(raw)
		if err != nil {
			var bad *badRequest
			if !errors.As(err, &bad) {
				t.Fatalf("refused with %T %v, want a *badRequest", err, err)
			}
			return
		}
		if !record.IsCredentialType(typ) || !bytes.HasPrefix(bytes.TrimSpace(subject), []byte("{")) {
			t.Fatalf("accepted type %q, subject %s", typ, subject)
		}
	})
}

// FuzzHolderKey feeds holderKeyOf arbitrary holder_jwk members.
func FuzzHolderKey(f *testing.F) {
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`"{}"`))
	f.Add([]byte(`{"kty":"RSA","n":"AQAB","e":"AQAB"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		jwk, err := holderKeyOf(raw)
		if err != nil {
			var bad *badRequest
			var unproc *unprocessable
			if !errors.As(err, &bad) && !errors.As(err, &unproc) {
				t.Fatalf("refused with %T %v", err, err)
			}
			return
		}
		if jwk != "" && !bytes.HasPrefix([]byte(jwk), []byte("{")) {
			t.Fatalf("accepted %q", jwk)
		}
	})
}

// FuzzBatchUpload feeds the upload reader arbitrary multipart bodies: it
// must refuse with a client error, or store a file.
func FuzzBatchUpload(f *testing.F) {
	ct, body := multipartCSV(f, []byte("student_id;given_name\r\n"), map[string]string{"type": "Diploma", "chunk": "10", "skip_invalid": "true"})
	boundary := ct[len("multipart/form-data; boundary="):]
	f.Add(boundary, body)
	f.Add(boundary, []byte("--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nx\r\n--"+boundary+"\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ny\r\n--"+boundary+"--\r\n"))
	f.Add("b", []byte("--b\r\nContent-Disposition: form-data; name=\"chunk\"\r\n\r\n-1\r\n--b--\r\n"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/v1/batches", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		path := filepath.Join(t.TempDir(), "input.csv")
		up, err := receiveUpload(httptest.NewRecorder(), r, path, 1<<16)
		if err != nil {
			var bad *badRequest
			var tooLarge *http.MaxBytesError
			if !errors.As(err, &bad) && !errors.As(err, &tooLarge) {
				t.Fatalf("refused with %T %v", err, err)
			}
			return
		}
		if !up.file || up.chunk < 0 {
			t.Fatalf("accepted %+v", up)
		}
	})
}
