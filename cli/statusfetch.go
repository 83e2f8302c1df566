package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer/publicapi"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/statuslist"
	"github.com/sceau/sceau/verifier"
)

// listFetchTimeout bounds the fetch of one status list: a verification
// never waits long for a server that does not answer.
const listFetchTimeout = 3 * time.Second

// listRefetchAfter is how long a cached list is kept before an online
// verification fetches it again (the lists' TTL).
const listRefetchAfter = 30 * time.Second

// cacheStatusLists fetches the IETF status list that the credential in
// data points to, if any, and keeps it in cache for offline verifications.
// With contract (the ledger, when this process can read it), the list is
// kept only if its digest is the one the ledger's checkpoint of its issuer
// holds. What cannot be fetched is logged, never fatal: the verdict was
// given already.
func (e *env) cacheStatusLists(ctx context.Context, cache *verifier.Cache, data []byte, contract *network.Contract) {
	d, err := credential.Decode(ctx, data)
	if err != nil || len(d.Forms) == 0 {
		return
	}
	env := d.Forms[0].Envelope()
	var ref *credential.StatusReference
	for _, f := range d.Forms {
		if ref = f.Envelope().StatusReference(); ref != nil {
			env = f.Envelope()
			break
		}
	}
	if ref == nil {
		return
	}
	uri := ref.Lists[statuslist.KindIETF]
	if cached, err := cache.CachedStatusList(uri); err == nil && cached != nil && time.Since(cached.FetchedAt) < listRefetchAfter {
		return
	}
	// The list's server may well not be running where the verification
	// runs: not worth a warning, the verdict was given.
	if err := fetchStatusList(ctx, cache, uri, env.IssuerID, contract); err != nil {
		e.logger.Debug("status list not cached for offline use", "uri", uri, "err", err)
	}
}

// fetchStatusList fetches the list at uri and keeps it in cache.
func fetchStatusList(ctx context.Context, cache *verifier.Cache, uri, issuerID string, contract *network.Contract) error {
	ctx, cancel := context.WithTimeout(ctx, listFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/statuslist+jwt")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", uri, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, statuslist.MaxDocument+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", uri, err)
	}
	if len(body) > statuslist.MaxDocument {
		return fmt.Errorf("GET %s: more than %d bytes", uri, statuslist.MaxDocument)
	}
	l := verifier.CachedList{URI: uri, Compact: string(body), FetchedAt: time.Now().UTC()}
	l.Block, _ = strconv.ParseUint(resp.Header.Get(publicapi.HeaderBlock), 10, 64)
	if contract != nil {
		cp, err := contract.GetStatusCheckpoint(ctx, issuerID)
		switch {
		case errors.Is(err, network.ErrNotFound):
			return fmt.Errorf("the ledger holds no checkpoint of %s's status lists", issuerID)
		case err != nil:
			return err
		case cp.DigestOf(statuslist.KindIETF) != credential.DigestJWS(l.Compact):
			return fmt.Errorf("the list served at %s is not the one the ledger's checkpoint of %s holds (transaction %s)", uri, issuerID, cp.TxID)
		}
		l.Checkpointed = true
	}
	return cache.SaveStatusList(l)
}
