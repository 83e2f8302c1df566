package issuer

import (
	"context"
	"time"

	"github.com/sceau/sceau/network"
)

// DefaultRepublishEvery is how often a server looks for status changes to
// publish: a list is published again within this time (and the lists'
// TTL) of a change.
const DefaultRepublishEvery = 10 * time.Second

// PublishStatusLists publishes issuer id's status lists at once, with the
// key the desk holds.
func (d *Desk) PublishStatusLists(ctx context.Context, id string) (*Publication, error) {
	profile, key, err := d.keys.current(id)
	if err != nil {
		return nil, err
	}
	return d.svc.PublishStatusLists(ctx, profile, key)
}

// KeepStatusListsPublished publishes the lists of every issuer of the home
// whose key the desk holds when it starts, then, every every, those whose
// statuses changed on the ledger (or whose lists are half way to their
// expiry), until ctx is done. A ledger that numbers its state versions, or
// tells its height (Fabric), is not read again while nothing was
// committed: building a list reads one status per credential issued.
func (d *Desk) KeepStatusListsPublished(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultRepublishEvery
	}
	versioner, _ := d.svc.Ledger.(network.StateVersioner)
	if h, ok := d.svc.Ledger.(network.HeightReader); ok && versioner == nil {
		versioner = heightVersion{h}
	}
	var lastVersion uint64
	var lastFull time.Time
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		version, verr := uint64(0), error(nil)
		if versioner != nil {
			version, verr = versioner.StateVersion(ctx)
		}
		if versioner == nil || verr != nil || version != lastVersion || time.Since(lastFull) > DefaultListValidity/4 {
			if d.republishAll(ctx) {
				lastVersion, lastFull = version, time.Now()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// republishAll publishes what changed, issuer by issuer, and reports
// whether every issuer was brought up to date.
func (d *Desk) republishAll(ctx context.Context) bool {
	ids, err := d.svc.Home.OrgIDs()
	if err != nil {
		d.logger.Warn("status lists: listing issuers", "err", err)
		return false
	}
	ok := true
	for _, id := range ids {
		profile, key, err := d.keys.current(id)
		if err != nil {
			continue // a platform, or a key still locked: nothing to sign with
		}
		dir, err := d.svc.Home.Org(id)
		if err != nil {
			continue
		}
		if !HasStatusIndex(dir.StatusIndexFile()) {
			continue // nothing issued with a status index
		}
		if _, err := d.svc.PublishIfChanged(ctx, profile, key); err != nil {
			if ctx.Err() == nil {
				d.logger.Warn("status lists: publishing", "issuer", id, "err", err)
			}
			ok = false
		}
	}
	return ok
}

// heightVersion numbers a ledger's state by its height: a commit adds a
// block.
type heightVersion struct{ network.HeightReader }

func (h heightVersion) StateVersion(ctx context.Context) (uint64, error) { return h.Height(ctx) }
