package org

import (
	"fmt"
	"regexp"
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// ValidateID checks an organisation's id, its issuer id on the ledger: 2 to
// 63 characters, lower-case letters, digits and dashes, not starting with a
// dash. Such an id is one safe path component, and holds no "_" (an API
// token uses "_" to separate it from the rest).
//
// It is the one place the project checks an issuer id outside the
// chaincode; every path built from an id goes through it (Home.Org).
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("issuer id %q: use 2 to 63 lower-case letters, digits and dashes, starting with a letter or digit", id)
	}
	return nil
}
