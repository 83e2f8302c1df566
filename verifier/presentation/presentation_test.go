package presentation

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/oid4vp"
	"github.com/sceau/sceau/verifier"
)

// countingVerifier stands in for the verifier: it counts the answers it is
// asked to judge and finds them invalid (they are not credentials).
type countingVerifier struct{ calls atomic.Int32 }

func (v *countingVerifier) VerifyDecoded(ctx context.Context, d *credential.Decoded, err error, req verifier.PresentationRequest) *verifier.Result {
	v.calls.Add(1)
	time.Sleep(10 * time.Millisecond) // long enough for answers to overlap
	return &verifier.Result{Verdict: verifier.Invalid, Reason: verifier.ReasonUnreadable, Summary: "unreadable"}
}

func newTestStore(t *testing.T, now *time.Time, max int) (*Store, *countingVerifier) {
	t.Helper()
	v := &countingVerifier{}
	s, err := NewStore(Config{BaseURL: "https://verifier.example/", Verifier: v, Max: max, Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestCreate(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	s, _ := newTestStore(t, &now, 0)
	st, err := s.Create("Diploma", []string{"diploma", "speciality", "mention", "mention"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(st.Claims, ",") != "diploma,specialities,mention" {
		t.Errorf("claims %v: want the alias resolved and the repeat dropped", st.Claims)
	}
	if st.ClientID != "redirect_uri:https://verifier.example/v1/presentation-requests/"+st.ID+"/response" || st.ExpiresAt != "2026-12-07T09:05:00Z" {
		t.Errorf("status %+v", st)
	}
	jwt, err := s.RequestObject(st.ID)
	if err != nil {
		t.Fatal(err)
	}
	req, err := oid4vp.ParseRequestObject(jwt)
	if err != nil {
		t.Fatal(err)
	}
	if req.ExpiresAt != now.Add(DefaultTTL).Unix() || len(req.DCQLQuery.Credentials[0].Claims) != 3 {
		t.Errorf("request object %+v", req)
	}
	// The diplomas of this deployment (its public URL) and those issued
	// without one.
	if got := req.DCQLQuery.Credentials[0].Meta.VCTValues; !slices.Equal(got, []string{"https://verifier.example/vct/diploma", credential.VCTDiploma}) {
		t.Errorf("vct_values %q", got)
	}
	for _, bad := range []struct {
		typ    string
		claims []string
	}{{"Licence", nil}, {"Diploma", []string{"salary"}}, {"PixCertification", []string{"mention"}}} {
		var input *InputError
		if _, err := s.Create(bad.typ, bad.claims); !errors.As(err, &input) {
			t.Errorf("Create(%q, %v) = %v, want an *InputError", bad.typ, bad.claims, err)
		}
	}
}

// TestAnswerIsJudgedOnce: of answers sent at once, one is judged and
// decides the request; the others are refused as replays.
func TestAnswerIsJudgedOnce(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	s, v := newTestStore(t, &now, 0)
	st, _ := s.Create("Diploma", []string{"mention"})
	jwt, _ := s.RequestObject(st.ID)
	req, _ := oid4vp.ParseRequestObject(jwt)
	var wg sync.WaitGroup
	var replays atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Answer(context.Background(), st.ID, `{"diploma":["not-a-credential"]}`, req.State)
			if r, ok := IsRefusal(err); ok && r.Code == codeAlreadyAnswered {
				replays.Add(1)
			}
		}()
	}
	wg.Wait()
	if v.calls.Load() != 1 || replays.Load() != 7 {
		t.Errorf("%d answers judged, %d refused as replays; want 1 and 7", v.calls.Load(), replays.Load())
	}
	got, _ := s.Status(st.ID)
	if got.State != Refused || got.Refusal == nil {
		t.Errorf("state %s, refusal %+v", got.State, got.Refusal)
	}
	if fr := got.In(verifier.French); !strings.Contains(fr.Refusal.Message, "ne contient pas") && !strings.Contains(fr.Refusal.Message, "pas valide") {
		t.Errorf("French refusal: %q", fr.Refusal.Message)
	}
}

func TestExpiryAndForgetting(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	s, v := newTestStore(t, &now, 2)
	a, _ := s.Create("Diploma", nil)
	if _, err := s.Create("Diploma", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("Diploma", nil); !errors.Is(err, ErrTooMany) {
		t.Errorf("a third request in a store of 2: %v, want ErrTooMany", err)
	}
	now = now.Add(DefaultTTL)
	if st, _ := s.Status(a.ID); st.State != Expired {
		t.Errorf("state at expiry: %s", st.State)
	}
	if _, err := s.Answer(context.Background(), a.ID, `{"diploma":["x"]}`, ""); err == nil {
		t.Error("an expired request accepted an answer")
	}
	if _, err := s.RequestObject(a.ID); err == nil {
		t.Error("an expired request's object is still served")
	}
	// Full of requests that have ended: the new one takes the place of
	// those, however recent.
	if _, err := s.Create("Diploma", nil); err != nil {
		t.Errorf("a store full of expired requests: %v", err)
	}
	now = now.Add(DefaultKeep + time.Second)
	if _, err := s.Status(a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a forgotten request: %v", err)
	}
	if v.calls.Load() != 0 {
		t.Error("an expired request's answer was judged")
	}
}
