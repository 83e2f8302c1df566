package org

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestHomeLayoutIsTheOneExistingHomesHave pins every path of the layout:
// a home made by an earlier version must keep working.
func TestHomeLayoutIsTheOneExistingHomesHave(t *testing.T) {
	home := Home(filepath.FromSlash("/data/sceau"))
	office, err := home.Org("examoffice")
	if err != nil {
		t.Fatal(err)
	}
	for got, want := range map[string]string{
		home.LedgerDir():           "/data/sceau/ledger",
		home.CacheDir():            "/data/sceau/cache",
		home.ResourcesDir():        "/data/sceau/resources",
		home.ServeInfoFile():       "/data/sceau/serve.json",
		office.Path():              "/data/sceau/issuers/examoffice",
		office.ProfileFile():       "/data/sceau/issuers/examoffice/issuer.json",
		office.KeysDir():           "/data/sceau/issuers/examoffice/keys",
		office.TokensFile():        "/data/sceau/issuers/examoffice/tokens.json",
		office.JobsDir():           "/data/sceau/issuers/examoffice/jobs",
		office.APICredentialsDir(): "/data/sceau/issuers/examoffice/api/credentials",
		office.APIBatchesDir():     "/data/sceau/issuers/examoffice/api/batches",
	} {
		if got != filepath.FromSlash(want) {
			t.Errorf("got %s, want %s", got, filepath.FromSlash(want))
		}
	}
}

// TestNoPathIsBuiltFromABadID checks that an id that could leave the
// home, or name something else than an organisation, gives no folder.
func TestNoPathIsBuiltFromABadID(t *testing.T) {
	home := Home(t.TempDir())
	for _, id := range []string{"", "a", "..", "../etc", "a/b", `a\b`, "Office", "-office", "office_1", ".office.new-1", string(make([]byte, 64))} {
		if dir, err := home.Org(id); err == nil {
			t.Errorf("Org(%q) = %s, want an error", id, dir.Path())
		}
		if _, err := home.LoadProfile(id); err == nil {
			t.Errorf("LoadProfile(%q) succeeded", id)
		}
	}
	if _, err := home.Org("lycee-victor-hugo-2"); err != nil {
		t.Errorf("a valid id: %v", err)
	}
}

func TestOrgIDsListsOnlyOrganisations(t *testing.T) {
	home := Home(t.TempDir())
	if ids, err := home.OrgIDs(); err != nil || ids != nil {
		t.Fatalf("a new home: %v, %v; want none", ids, err)
	}
	for _, name := range []string{"platform", "examoffice", ".examoffice.new-123", "Not-An-Id"} {
		if err := os.MkdirAll(filepath.Join(string(home), "issuers", name), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(string(home), "issuers", "stray-file"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ids, err := home.OrgIDs()
	if err != nil || !slices.Equal(ids, []string{"examoffice", "platform"}) {
		t.Errorf("OrgIDs = %v, %v; want [examoffice platform]", ids, err)
	}
}
