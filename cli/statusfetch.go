package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer/publicapi"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/statuslist"
	"github.com/sceau/sceau/verifier"
)

// listFetchTimeout bounds the fetch of one status list: a verification
// never waits long for a server that does not answer.
const listFetchTimeout = 3 * time.Second

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
	// The list's server may well not be running where the verification
	// runs: not worth a warning, the verdict was given.
	if err := fetchStatusList(ctx, cache, uri, env.IssuerID, contract); err != nil {
		e.logger.Debug("status list not cached for offline use", "uri", uri, "err", err)
	}
}

// fetchStatusList fetches the list at uri and keeps it in cache. A list
// already cached is revalidated with its ETag: a 304 only renews it.
func fetchStatusList(ctx context.Context, cache *verifier.Cache, uri, issuerID string, contract *network.Contract) error {
	cached, _ := cache.CachedStatusList(uri)
	ctx, cancel := context.WithTimeout(ctx, listFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/statuslist+jwt")
	if cached != nil && cached.ETag != "" {
		req.Header.Set("If-None-Match", cached.ETag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && cached != nil {
		cached.FetchedAt = time.Now().UTC()
		return cache.SaveStatusList(*cached)
	}
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
	l := verifier.CachedList{URI: uri, Compact: string(body), FetchedAt: time.Now().UTC(), ETag: resp.Header.Get("ETag")}
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

// fetchingLists reads statuses from lists fetched at once from their URLs
// (kept in the cache as well), for verifiers with no ledger of their own to
// ask: the wallet. A list that cannot be fetched is read from the cache, if
// an earlier fetch kept it.
type fetchingLists struct {
	e     *env
	cache *verifier.Cache
	lists *verifier.CachedLists
}

func (f fetchingLists) ListStatus(ctx context.Context, issuer *record.Issuer, ref *credential.StatusReference) (*verifier.ListStatus, error) {
	uri := ref.Lists[statuslist.KindIETF]
	if err := fetchStatusList(ctx, f.cache, uri, issuer.ID, nil); err != nil {
		f.e.logger.Debug("status list not fetched", "uri", uri, "err", err)
	}
	return f.lists.ListStatus(ctx, issuer, ref)
}
