package license

import (
	"os"
	"strings"
	"testing"
)

// derivativeTable renders, for every accepted licence, the licences a
// derivative of it may carry, as provenance's documentation shows it.
func derivativeTable() string {
	var b strings.Builder
	b.WriteString("//\tparent licence      a derivative may carry\n")
	for _, parent := range known {
		var allowed []string
		for _, child := range known {
			if CheckDerivative("x", parent, child) == nil {
				allowed = append(allowed, child.ID)
			}
		}
		text := strings.Join(allowed, ", ")
		switch {
		case len(allowed) == 0:
			text = "nothing (no derivatives)"
		case len(allowed) == len(known):
			text = "any accepted licence"
		}
		b.WriteString("//\t" + parent.ID + strings.Repeat(" ", max(1, 20-len(parent.ID))) + text + "\n")
	}
	return b.String()
}

// TestProvenanceDocsShowTheRules: the table in package provenance's
// documentation is what CheckDerivative decides, pair by pair.
func TestProvenanceDocsShowTheRules(t *testing.T) {
	doc, err := os.ReadFile("../../provenance/doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if table := derivativeTable(); !strings.Contains(string(doc), table) {
		t.Errorf("provenance/doc.go does not hold the licence table; it should read:\n%s", table)
	}
}
