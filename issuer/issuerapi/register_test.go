package issuerapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// TestAPIRefusesAnAwardIssuedAlreadyUnlessReissued: the issuer's register
// refuses the same student and award twice (409 naming the credential);
// reissue: true replaces it, the old one revoked as superseded.
func TestAPIRefusesAnAwardIssuedAlreadyUnlessReissued(t *testing.T) {
	e := newAPIEnv(t, 0)
	code, body := e.postJSON(t, "/v1/credentials", e.tokenA, map[string]any{"type": "Diploma", "record": apiDiploma})
	if code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, body)
	}
	first, err := credential.ParseBundle(body)
	if err != nil {
		t.Fatal(err)
	}
	corrected := map[string]any{}
	for k, v := range apiDiploma {
		corrected[k] = v
	}
	corrected["mention"] = "tres_bien_felicitations"
	code, body = e.postJSON(t, "/v1/credentials", e.tokenA, map[string]any{"type": "Diploma", "record": corrected})
	var conflict alreadyIssuedBody
	if code != http.StatusConflict || json.Unmarshal(body, &conflict) != nil || conflict.Credential != first.ID || !strings.Contains(conflict.Error, "already issued") {
		t.Fatalf("the same award again: %d %s, want 409 naming %s", code, body, first.ID)
	}
	// Another issuer's register is its own.
	if code, body := e.postJSON(t, "/v1/credentials", e.tokenB, map[string]any{"type": "Diploma", "record": apiDiploma}); code != http.StatusCreated {
		t.Errorf("issuer B issuing the same record: %d %s", code, body)
	}

	code, body = e.postJSON(t, "/v1/credentials", e.tokenA, map[string]any{"type": "Diploma", "record": corrected, "reissue": true})
	if code != http.StatusCreated {
		t.Fatalf("reissue: %d %s", code, body)
	}
	old, _ := json.Marshal(first)
	if res := e.verify(t, old); res.Verdict != verifier.Invalid || !strings.Contains(res.Check(verifier.CheckStatus).Reason, "revoked (reason superseded") {
		t.Errorf("the replaced credential: %s %+v", res.Verdict, res.Check(verifier.CheckStatus))
	}
	if res := e.verify(t, body); res.Verdict != verifier.Valid || !strings.Contains(string(res.Claims), "tres_bien_felicitations") {
		t.Errorf("the new credential: %s %+v", res.Verdict, res.Checks)
	}
}

// TestAPIRevokesAStudentsCredentialsIssuedAnyWay: POST
// /v1/students/{ine}/revoke revokes what the register holds of the
// student, issued one by one or in an uploaded batch, and only the token's
// issuer's; a credential of a batch is revoked by its id too.
func TestAPIRevokesAStudentsCredentialsIssuedAnyWay(t *testing.T) {
	e := newAPIEnv(t, 0)
	var input bytes.Buffer
	if err := issuer.WriteSyntheticCSV(&input, schemas.TypePixCertification, 3, issuer.CSVDialect{}, 3); err != nil {
		t.Fatal(err)
	}
	ct, body := multipartCSV(t, input.Bytes(), map[string]string{"type": "PixCertification"})
	code, resp := e.call(t, http.MethodPost, "/v1/batches", e.tokenA, ct, body)
	if code != http.StatusAccepted {
		t.Fatalf("upload: %d %s", code, resp)
	}
	var queued issuer.BatchStatus
	json.Unmarshal(resp, &queued)
	if st := e.waitBatch(t, queued.ID, e.tokenA); st.State != issuer.BatchSucceeded {
		t.Fatalf("batch %+v", st)
	}
	student := issuer.SyntheticStudentID(0)
	one := map[string]any{}
	for k, v := range apiDiploma {
		one[k] = v
	}
	one["student_id"] = student
	if code, body := e.postJSON(t, "/v1/credentials", e.tokenA, map[string]any{"type": "Diploma", "record": one}); code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, body)
	}

	if code, body := e.postJSON(t, "/v1/students/"+student+"/revoke", e.tokenB, map[string]string{"reason": "fraud"}); code != http.StatusNotFound {
		t.Errorf("B revoking A's student: %d %s, want 404 (not in B's register)", code, body)
	}
	if code, body := e.postJSON(t, "/v1/students/"+student+"/revoke", e.tokenA, map[string]string{}); code != http.StatusBadRequest {
		t.Errorf("no reason: %d %s", code, body)
	}
	code, body = e.postJSON(t, "/v1/students/"+student+"/revoke", e.tokenA, map[string]string{"reason": "fraud"})
	var changed studentStatusResponse
	if code != http.StatusOK || json.Unmarshal(body, &changed) != nil || changed.Status != record.StatusRevoked || len(changed.Credentials) != 2 {
		t.Fatalf("revoke the student: %d %s, want both credentials", code, body)
	}
	for _, c := range changed.Credentials {
		st, err := e.svc.Contract.GetStatus(context.Background(), c.Digests[0])
		if err != nil || st.Status != record.StatusRevoked || st.Reason != record.ReasonFraud {
			t.Errorf("%s (%s) on the ledger: %+v %v", c.ID, c.Type, st, err)
		}
	}
	code, body = e.postJSON(t, "/v1/students/"+student+"/revoke", e.tokenA, map[string]string{"reason": "fraud"})
	if code != http.StatusOK || json.Unmarshal(body, &changed) != nil || len(changed.Credentials) != 0 {
		t.Errorf("revoke the student again: %d %s, want nothing changed", code, body)
	}
	if code, body := e.postJSON(t, "/v1/students/999999999ZZ/revoke", e.tokenA, map[string]string{"reason": "fraud"}); code != http.StatusNotFound {
		t.Errorf("unknown student: %d %s", code, body)
	}

	// Another student of the batch, by its credential id.
	code, manifest := e.call(t, http.MethodGet, "/v1/batches/"+queued.ID+"/manifest", e.tokenA, "", nil)
	if code != http.StatusOK {
		t.Fatalf("manifest: %d %s", code, manifest)
	}
	lines := strings.Split(strings.TrimSpace(string(manifest)), "\n")
	other := strings.Split(lines[2], ",")[0]
	code, body = e.postJSON(t, "/v1/credentials/"+other+"/suspend", e.tokenA, map[string]string{"reason": "error"})
	var st statusResponse
	if code != http.StatusOK || json.Unmarshal(body, &st) != nil || st.Status != record.StatusSuspended || len(st.Digests) != 3 {
		t.Errorf("suspend a batch's credential by id: %d %s", code, body)
	}
}
