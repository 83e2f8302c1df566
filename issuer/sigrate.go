package issuer

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// SignatureRate measures how many bare signatures per second issuer id's
// current key makes on workers goroutines (GOMAXPROCS when 0) during d:
// the raw ECDSA or Ed25519 operation over a SHA-256 digest, without any
// credential encoding. It is the ceiling issuance is compared with.
func (s *Service) SignatureRate(ctx context.Context, id string, d time.Duration, workers int) (float64, error) {
	p, err := s.Home.LoadProfile(id)
	if err != nil {
		return 0, err
	}
	key, err := s.Keys.Open(p, p.CurrentKID)
	if err != nil {
		return 0, err
	}
	priv, err := key.MarshalPrivateJWK()
	if err != nil {
		return 0, err
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(priv); err != nil {
		return 0, fmt.Errorf("issuer %s's key: %w", id, err)
	}
	signer, ok := jwk.Key.(crypto.Signer)
	if !ok {
		return 0, fmt.Errorf("issuer %s's key %s is a %T, not a signing key", id, p.CurrentKID, jwk.Key)
	}
	// ECDSA signs a digest; Ed25519 signs the message itself (opts 0).
	var opts crypto.SignerOpts = crypto.SHA256
	if key.Algorithm() == "EdDSA" {
		opts = crypto.Hash(0)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		count atomic.Int64
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			digest := sha256.Sum256([]byte{byte(w)})
			for ctx.Err() == nil {
				if _, err := signer.Sign(rand.Reader, digest[:], opts); err != nil {
					errMu.Lock()
					first = err
					errMu.Unlock()
					cancel()
					return
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		return 0, fmt.Errorf("signing with issuer %s's key: %w", id, first)
	}
	if err := parent.Err(); err != nil {
		return 0, err
	}
	return float64(count.Load()) / elapsed.Seconds(), nil
}
