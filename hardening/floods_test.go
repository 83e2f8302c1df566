package hardening

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sceau/sceau/credential"
)

// TestFloodsFromOneAddressDoNotStopOthers floods a `sceau serve` from one
// address: thousands of GET /v1/challenge (each nonce held, never used),
// and bad issuer API tokens. The flooding address soon gets 429; another
// address still gets a challenge, and its holder's presentation is valid;
// the issuer API still serves a good token from another address; the
// server's log names the refused client but never the tokens tried.
func TestFloodsFromOneAddressDoNotStopOthers(t *testing.T) {
	t.Parallel()
	bin := buildSceau(t)
	w := newWorld(t)
	holder, holderJWK := holderKey(t)
	diploma := bundleOf(t, w.issue("Diploma", "diplomas", sampleDiplomaCSV(holderJWK)), sampleStudents[0].studentID)
	token := strings.TrimSpace(w.mustSceau("issuer", "token", "create", "--id", examOffice))
	token = strings.Fields(token)[0]
	s := serve(t, bin, w.home)

	flooder, other := clientFrom("127.0.0.1"), clientFrom("127.0.0.2")
	var ok, limited, failed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				resp, err := flooder.Get(s.url + "/v1/challenge")
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusTooManyRequests:
					limited.Add(1)
				default:
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("challenge flood from one address: %d issued, %d refused with 429, %d other", ok.Load(), limited.Load(), failed.Load())
	if ok.Load() > 200 || limited.Load() == 0 {
		t.Errorf("one address got %d challenges out of 4000 (%d refused): it is not limited", ok.Load(), limited.Load())
	}

	// Another address is not hindered.
	resp, err := other.Get(s.url + "/v1/challenge")
	if err != nil {
		t.Fatal(err)
	}
	var challenge struct{ Nonce, Audience string }
	err = json.NewDecoder(resp.Body).Decode(&challenge)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || challenge.Nonce == "" {
		t.Fatalf("another address after the flood: status %d, %v", resp.StatusCode, err)
	}
	presentation, err := credential.PresentSDJWT(diploma.bundle.SDJWT, holder, credential.Presentation{Disclose: []string{"diploma"}, Nonce: challenge.Nonce, Audience: challenge.Audience})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"credential": presentation})
	resp, err = other.Post(s.url+"/v1/verify", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	verdict, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(verdict), `"verdict": "valid"`) {
		t.Errorf("another address's presentation after the flood: %d\n%.800s", resp.StatusCode, verdict)
	}

	// Bad tokens from one address.
	tokenID := strings.Split(token, "_")[2]
	var tried []string
	statuses := map[int]int{}
	for i := range 40 {
		bad := token[:len(token)-4] + strings.Repeat(string(rune('a'+i%26)), 4)
		tried = append(tried, bad)
		req, _ := http.NewRequest(http.MethodGet, s.url+"/v1/credentials/urn:uuid:00000000-0000-4000-8000-000000000000", nil)
		req.Header.Set("Authorization", "Bearer "+bad)
		resp, err := flooder.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		statuses[resp.StatusCode]++
	}
	if statuses[http.StatusTooManyRequests] < 25 {
		t.Errorf("40 bad tokens from one address: statuses %v, want most refused with 429", statuses)
	}
	req, _ := http.NewRequest(http.MethodGet, s.url+"/v1/credentials/urn:uuid:00000000-0000-4000-8000-000000000000", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = other.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusTooManyRequests {
		t.Errorf("a good token from another address after the flood: %d", resp.StatusCode)
	}
	logs := s.logs()
	if !strings.Contains(logs, "authentication refused") || !strings.Contains(logs, "127.0.0.1") {
		t.Errorf("the server's log does not report the refused authentications with their client:\n%.2000s", logs)
	}
	for _, secret := range append(tried, token, token[len("sceau_"+examOffice+"_"+tokenID+"_"):]) {
		if strings.Contains(logs, secret) {
			t.Fatalf("the server's log holds a token tried")
		}
	}
}
