// Package ledgerapi lets the command line use a ledger that `sceau serve`
// holds: the embedded ledger is one bbolt file that one process opens, so
// while the server runs, `sceau issue`, `sceau revoke` and the other
// commands that submit transactions send them through it instead of
// failing. Routes mounts POST /v1/local/ledger on the server; Client is a
// network.Ledger (and network.OrgProvisioner) that calls it.
//
// Only the holder of the home can use it: every request and every answer
// is authenticated with the random secret `sceau serve` writes into
// serve.json (0600, in the home), both ways. A request carries a fresh
// nonce, the time and an HMAC-SHA256 over them, the method, the path and
// the body's digest; the server refuses a bad MAC, a time more than a
// minute off, and a nonce it has seen. The answer carries an HMAC over the
// request's nonce, its status and its body's digest, which the client
// checks before believing it: a process that took the port after the
// server died learns nothing and is not believed. The secret itself never
// goes over the wire.
//
// Imports: network (and chaincode/record through it), nothing else of Sceau.
package ledgerapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Headers of the authentication.
const (
	headerNonce = "Sceau-Local-Nonce"
	headerTime  = "Sceau-Local-Time"
	headerMAC   = "Sceau-Local-Auth"
)

// maxSkew is how far a request's time may be from the server's.
const maxSkew = time.Minute

// NewSecret returns a random secret for serve.json: 32 bytes, base64url.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// key decodes a secret.
func key(secret string) ([]byte, error) {
	k, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(k) < 32 {
		return nil, errors.New("the local secret is not 32 bytes of base64url")
	}
	return k, nil
}

// requestMAC authenticates a request.
func requestMAC(k []byte, method, path, nonce, unix string, body []byte) string {
	return mac(k, "sceau local request", method, path, nonce, unix, digest(body))
}

// responseMAC authenticates the answer to the request of nonce.
func responseMAC(k []byte, nonce string, status int, body []byte) string {
	return mac(k, "sceau local response", nonce, strconv.Itoa(status), digest(body))
}

func mac(k []byte, parts ...string) string {
	m := hmac.New(sha256.New, k)
	for _, p := range parts {
		fmt.Fprintf(m, "%d:%s\n", len(p), p)
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func digest(body []byte) string {
	d := sha256.Sum256(body)
	return base64.RawURLEncoding.EncodeToString(d[:])
}

// equalMAC compares two MACs in constant time.
func equalMAC(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// nonces remembers the nonces of the last 2×maxSkew, to refuse a replay.
type nonces struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// fresh records nonce and reports whether it was new.
func (n *nonces) fresh(nonce string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[string]time.Time{}
	}
	for k, t := range n.seen {
		if now.Sub(t) > 2*maxSkew {
			delete(n.seen, k)
		}
	}
	if _, ok := n.seen[nonce]; ok {
		return false
	}
	n.seen[nonce] = now
	return true
}
