package attest

import (
	"fmt"
	"slices"
)

// Registration is what an author signs to register a resource: the exact
// record the ledger will hold about it. The chaincode refuses a
// registration whose statements do not all say the same as the request.
type Registration struct {
	// Resource is the hex SHA-256 digest of the resource.
	Resource string `json:"resource"`
	Title    string `json:"title"`
	// License is the SPDX id, spelled canonically.
	License string `json:"license"`
	// DerivedFrom lists the digests of the resources it derives from.
	DerivedFrom []string `json:"derivedFrom,omitempty"`
	// Previous is the digest of the version it replaces, if any.
	Previous string `json:"previous,omitempty"`
	// Attribution is the hex SHA-256 of the attribution statement kept off
	// the ledger, if any.
	Attribution string `json:"attribution,omitempty"`
	// IssuedAt is when it was signed, in Unix seconds.
	IssuedAt int64 `json:"iat"`
}

// Mismatch reports the first field, IssuedAt aside, in which r does not say
// what want says.
func (r *Registration) Mismatch(want *Registration) error {
	fields := []struct{ name, got, want string }{
		{"resource", r.Resource, want.Resource},
		{"title", r.Title, want.Title},
		{"license", r.License, want.License},
		{"previous", r.Previous, want.Previous},
		{"attribution", r.Attribution, want.Attribution},
	}
	for _, f := range fields {
		if f.got != f.want {
			return fmt.Errorf("its %s is %q, the request's is %q", f.name, f.got, f.want)
		}
	}
	if !slices.Equal(r.DerivedFrom, want.DerivedFrom) {
		return fmt.Errorf("its derivedFrom is %q, the request's is %q", r.DerivedFrom, want.DerivedFrom)
	}
	return nil
}

// Endorsement is what a reviewer signs to endorse a resource in a role.
type Endorsement struct {
	// Resource is the hex SHA-256 digest of the resource.
	Resource string `json:"resource"`
	// Role is the reviewer's role, one of the ledger's role slugs.
	Role string `json:"role"`
	// IssuedAt is when it was signed, in Unix seconds.
	IssuedAt int64 `json:"iat"`
}
