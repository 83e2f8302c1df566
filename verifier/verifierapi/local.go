package verifierapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/sceau/sceau/verifier"
)

// The local route lets the command line of the same home verify through a
// running server that holds the embedded ledger (sceau verify while sceau
// serve runs), and only through that server. Both sides hold a secret the
// server drew at start and wrote in a file only the home's owner reads
// (serve.json, 0600). The client proves it holds it (a MAC over a fresh
// nonce and the input), so nobody else uses the route; the server proves
// it holds it (a MAC over the same nonce and its whole answer), so an
// impostor listening on the address of a server that died — or a stale
// serve.json — is not believed; and the answer names the SHA-256 of the
// input it judged, which the client compares with what it sent.

// LocalVerifyPath is the local route: POST the input as the body.
const LocalVerifyPath = "/v1/local/verify"

// Headers of the local route.
const (
	// LocalNonceHeader carries the client's fresh nonce (base64url, 32
	// bytes).
	LocalNonceHeader = "Sceau-Local-Nonce"
	// LocalMACHeader carries the request's MAC (from the client) and the
	// answer's (from the server), hex HMAC-SHA256.
	LocalMACHeader = "Sceau-Local-MAC"
)

// LocalAnswer is the local route's answer.
type LocalAnswer struct {
	// InputDigest is the hex SHA-256 of the input the server judged.
	InputDigest string           `json:"inputDigest"`
	Result      *verifier.Result `json:"result"`
}

// localMAC is the MAC of one side of an exchange: role ("request" or
// "answer"), the nonce and the SHA-256 of the body.
func localMAC(secret []byte, role, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "sceau-local-%s\n%s\n%x", role, nonce, sum)
	return hex.EncodeToString(m.Sum(nil))
}

// localVerify is POST /v1/local/verify, mounted when Config.LocalSecret is
// set: 401 unless the request's MAC is right; otherwise the verdict, in
// the request's Accept-Language, with the answer's MAC.
func (a *API) localVerify(w http.ResponseWriter, r *http.Request) {
	release, err := a.admitBody(r, verifier.MaxInputSize)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	defer release()
	input, err := io.ReadAll(http.MaxBytesReader(w, r.Body, verifier.MaxInputSize))
	if err != nil {
		a.writeError(w, r, formError(err))
		return
	}
	nonce := r.Header.Get(LocalNonceHeader)
	want := localMAC(a.localSecret, "request", nonce, input)
	if len(nonce) < 16 || !hmac.Equal([]byte(want), []byte(r.Header.Get(LocalMACHeader))) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "this route answers only the command line of the server's home"})
		return
	}
	res, err := a.verify(r.Context(), LocalVerifyPath, input, nil)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	sum := sha256.Sum256(input)
	data, err := json.Marshal(LocalAnswer{InputDigest: hex.EncodeToString(sum[:]), Result: res.In(apiLanguage(w, r))})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set(LocalMACHeader, localMAC(a.localSecret, "answer", nonce, data))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// ErrNotTheServer is wrapped by LocalVerify's error when what answered at
// the server's address did not prove it holds the secret, or answered
// about another input.
var ErrNotTheServer = errors.New("the answer is not from the server of this home")

// LocalVerify has the server at baseURL, which holds secret, verify input
// through its local route, and returns its verdict once the answer proves
// to come from that server and to be about input.
func LocalVerify(ctx context.Context, client *http.Client, baseURL string, secret, input []byte, lang verifier.Language) (*verifier.Result, error) {
	if len(secret) == 0 {
		return nil, fmt.Errorf("%w: no secret to authenticate it with", ErrNotTheServer)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	nonce := base64.RawURLEncoding.EncodeToString(raw[:])
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+LocalVerifyPath, bytes.NewReader(input))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Accept-Language", string(lang))
	req.Header.Set(LocalNonceHeader, nonce)
	req.Header.Set(LocalMACHeader, localMAC(secret, "request", nonce, input))
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the server at %s: %w", baseURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxJSONBody))
	if err != nil {
		return nil, fmt.Errorf("asking the server at %s: %w", baseURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("the server at %s answered %s: %s", baseURL, resp.Status, e.Error)
		}
		return nil, fmt.Errorf("the server at %s answered %s", baseURL, resp.Status)
	}
	if !hmac.Equal([]byte(localMAC(secret, "answer", nonce, data)), []byte(resp.Header.Get(LocalMACHeader))) {
		return nil, fmt.Errorf("%w: what answers at %s does not hold the secret of serve.json", ErrNotTheServer, baseURL)
	}
	var answer LocalAnswer
	if err := json.Unmarshal(data, &answer); err != nil || answer.Result == nil {
		return nil, fmt.Errorf("the server at %s: its answer is not a verdict: %v", baseURL, err)
	}
	sum := sha256.Sum256(input)
	if answer.InputDigest != hex.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("%w: the server at %s judged another input (SHA-256 %s, sent %x)", ErrNotTheServer, baseURL, answer.InputDigest, sum)
	}
	return answer.Result, nil
}
