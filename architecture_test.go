package main

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/sceau/sceau/"

// allowedImports is the map of Sceau's packages: for each, the packages of
// the module it may import (its tests aside). Imports point inward: the
// ledger's vocabulary (chaincode/record) at the centre, then the secured
// forms of a credential, then the ledger client, then the domain
// (issuer, verifier, wallet, provenance), their HTTP layers, and cli at the
// edge. A package missing here fails the test: place it on the map.
var allowedImports = map[string][]string{
	"":                         {"cli"},
	"chaincode/record":         {},
	"internal/attest":          {},
	"internal/fsutil":          {},
	"internal/issuertest":      {"chaincode/record", "issuer", "network/embedded", "org"},
	"internal/jsonstr":         {},
	"internal/jws":             {},
	"internal/license":         {},
	"internal/merkle":          {},
	"internal/ratelimit":       {},
	"internal/secret":          {},
	"internal/testcert":        {},
	"qrcode":                   {},
	"sdjwt":                    {"internal/jsonstr", "internal/jws"},
	"schemas":                  {"chaincode/record"},
	"credential":               {"chaincode/record", "internal/jsonstr", "internal/jws", "qrcode", "schemas", "sdjwt"},
	"certificate":              {"credential", "qrcode", "schemas"},
	"oid4vp":                   {"internal/jws"},
	"statuslist":               {"credential", "internal/jws"},
	"chaincode":                {"chaincode/record", "internal/attest", "internal/license", "internal/merkle"},
	"network":                  {"chaincode/record"},
	"network/embedded":         {"chaincode", "chaincode/record", "internal/fsutil", "network"},
	"network/fabric":           {"chaincode/record", "network"},
	"network/fabric/ccaas":     {},
	"network/ledgerapi":        {"chaincode/record", "network"},
	"network/ledgertest":       {"chaincode/record", "internal/merkle", "network"},
	"org":                      {"chaincode/record", "credential", "internal/fsutil", "internal/secret"},
	"issuer/register":          {"schemas"},
	"issuer":                   {"certificate", "chaincode/record", "credential", "internal/fsutil", "internal/merkle", "issuer/register", "network", "org", "qrcode", "schemas", "sdjwt", "statuslist"},
	"verifier":                 {"chaincode/record", "credential", "internal/fsutil", "internal/merkle", "network", "qrcode", "schemas", "sdjwt", "statuslist"},
	"verifier/presentation":    {"credential", "oid4vp", "verifier"},
	"verifier/verifierapi":     {"chaincode/record", "credential", "internal/ratelimit", "network", "oid4vp", "qrcode", "schemas", "verifier", "verifier/presentation"},
	"server":                   {},
	"wallet":                   {"chaincode/record", "credential", "internal/fsutil", "internal/secret", "oid4vp", "schemas", "verifier"},
	"wallet/oid4vciclient":     {},
	"provenance":               {"chaincode/record", "credential", "internal/attest", "internal/fsutil", "internal/license", "internal/secret", "network", "org"},
	"issuer/publicapi":         {"chaincode/record", "credential", "issuer", "network", "statuslist"},
	"issuer/issuerapi":         {"chaincode/record", "credential", "internal/ratelimit", "issuer", "issuer/oid4vci", "network", "org", "schemas"},
	"issuer/oid4vci":           {"chaincode/record", "credential", "internal/jws", "issuer", "issuer/register", "schemas"},
	"issuer/oid4vciapi":        {"issuer/oid4vci"},
	"provenance/provenanceapi": {"chaincode/record", "internal/license", "network", "org", "provenance"},
	"hardening":                {},
	"interop":                  {},  // tests only: drives the sceau binary with npm libraries
	"cli":                      nil, // the edge: it may import any package
}

// clientsOfTheLedger must not link the contract nor Fabric's chaincode
// libraries, directly or through another package: they read the ledger's
// records (chaincode/record) through network.
var clientsOfTheLedger = []string{"network", "verifier", "wallet", "issuer", "issuer/oid4vci", "provenance", "org"}

// domain packages hold no HTTP code: their HTTP layers (issuer/issuerapi,
// verifier/verifierapi, provenance/provenanceapi) call them.
var domain = []string{"issuer", "issuer/oid4vci", "verifier", "verifier/presentation", "oid4vp", "wallet", "provenance", "org", "credential", "network", "schemas"}

// TestImportsPointInward holds every package to its place on the map.
func TestImportsPointInward(t *testing.T) {
	pkgs := loadPackages(t)
	for rel, imports := range pkgs {
		allowed, known := allowedImports[rel]
		if !known {
			t.Errorf("package %q is not on the map of allowed imports (architecture_test.go): place it", rel)
			continue
		}
		if allowed == nil {
			continue
		}
		for _, imp := range imports {
			if inModule, ok := strings.CutPrefix(imp, module); ok && !slices.Contains(allowed, inModule) {
				t.Errorf("package %q imports %q, which its place on the map does not allow", rel, inModule)
			}
		}
	}
	for _, rel := range domain {
		if slices.Contains(pkgs[rel], "net/http") {
			t.Errorf("package %q imports net/http: HTTP handlers sit apart from the domain logic they call", rel)
		}
	}
	for _, rel := range clientsOfTheLedger {
		for _, dep := range closure(pkgs, rel) {
			if dep == module+"chaincode" || strings.HasPrefix(dep, "github.com/hyperledger/fabric-contract-api-go") || strings.HasPrefix(dep, "github.com/hyperledger/fabric-chaincode-go") {
				t.Errorf("package %q links %s: clients of the ledger use chaincode/record, never the contract", rel, dep)
			}
		}
	}
}

// loadPackages returns, for every package of the module (by its path in
// the module), the packages its non-test files import.
func loadPackages(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(".", func(dir string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); dir != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(dir, 0)
		if _, none := err.(*build.NoGoError); none {
			return nil
		}
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(dir)
		if rel == "." {
			rel = ""
		}
		pkgs[rel] = p.Imports
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// closure returns every package rel imports, directly or through the
// module's other packages.
func closure(pkgs map[string][]string, rel string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(rel string) {
		for _, imp := range pkgs[rel] {
			if seen[imp] {
				continue
			}
			seen[imp] = true
			if inModule, ok := strings.CutPrefix(imp, module); ok {
				walk(inModule)
			}
		}
	}
	walk(rel)
	deps := make([]string, 0, len(seen))
	for dep := range seen {
		deps = append(deps, dep)
	}
	slices.Sort(deps)
	return deps
}
