package register

import (
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/sceau/sceau/schemas"
)

// Award is what a credential certifies, as far as telling two of them
// apart goes: the type, the student and the fields that identify the award
// among the student's awards of that type (see the package documentation).
type Award struct {
	Type      string `cbor:"1,keyasint"`
	StudentID string `cbor:"2,keyasint"`
	// Fields are the identifying fields, normalised, e.g. the diploma's
	// title and "session juin 2025".
	Fields []string `cbor:"3,keyasint"`
}

// AwardOf returns the award rec certifies.
func AwardOf(rec schemas.Record) Award {
	a := Award{Type: rec.CredentialType(), StudentID: rec.Holder().StudentID}
	switch r := rec.(type) {
	case *schemas.Diploma:
		when := "awarded " + r.AwardedOn
		if s := fold(r.Session); s != "" {
			when = "session " + s
		}
		a.Fields = []string{fold(r.Diploma), when}
	case *schemas.PixCertification:
		a.Fields = []string{"certified " + r.CertifiedOn}
	}
	return a
}

// fold normalises free text for comparison: Unicode NFC, lower case, runs
// of spaces as one, no leading or trailing space.
func fold(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(s))), " ")
}

// String describes the award without the student, for messages, e.g.
// "Diploma, baccalauréat général, session juin 2025".
func (a Award) String() string {
	return strings.Join(append([]string{a.Type}, a.Fields...), ", ")
}
