package license

import (
	"errors"
	"strings"
	"testing"
)

func mustLookup(t *testing.T, id string) License {
	t.Helper()
	l, err := Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLookupIsCaseInsensitiveAndCanonical(t *testing.T) {
	for _, in := range []string{"CC-BY-SA-4.0", "cc-by-sa-4.0", "Cc-By-Sa-4.0"} {
		if l := mustLookup(t, in); l.ID != "CC-BY-SA-4.0" || !l.ShareAlike {
			t.Errorf("Lookup(%q) = %+v", in, l)
		}
	}
	if l := mustLookup(t, "Etalab-2.0"); l.ID != "etalab-2.0" {
		t.Errorf("Etalab-2.0 canonical id %q, want the SPDX spelling etalab-2.0", l.ID)
	}
	_, err := Lookup("CC-BY-4.0-FR")
	if err == nil || !strings.Contains(err.Error(), "CC-BY-4.0-FR") || !strings.Contains(err.Error(), "CC0-1.0") {
		t.Errorf("unknown licence: err = %v, want it to name the input and the accepted ids", err)
	}
}

func TestCanonicalRefusesOtherSpellings(t *testing.T) {
	if _, err := Canonical("CC-BY-4.0"); err != nil {
		t.Errorf("Canonical(CC-BY-4.0): %v", err)
	}
	if _, err := Canonical("cc-by-4.0"); err == nil || !strings.Contains(err.Error(), `"CC-BY-4.0"`) {
		t.Errorf("Canonical(cc-by-4.0): err = %v, want the canonical spelling named", err)
	}
}

func TestIDsAreUniqueAndLookupable(t *testing.T) {
	seen := map[string]bool{}
	for _, id := range IDs() {
		if seen[strings.ToLower(id)] {
			t.Errorf("%s listed twice", id)
		}
		seen[strings.ToLower(id)] = true
		if _, err := Canonical(id); err != nil {
			t.Error(err)
		}
	}
	for _, id := range []string{"CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0", "etalab-2.0"} {
		if !seen[strings.ToLower(id)] {
			t.Errorf("%s is not accepted", id)
		}
	}
}

func TestCheckDerivative(t *testing.T) {
	const parent = "aa"
	tests := []struct {
		parent, child, rule string
	}{
		{"CC-BY-4.0", "CC-BY-4.0", ""},
		{"CC-BY-4.0", "CC-BY-NC-ND-4.0", ""},
		{"CC0-1.0", "MIT", ""},
		{"etalab-2.0", "CC-BY-SA-4.0", ""},
		{"CC-BY-SA-4.0", "CC-BY-SA-4.0", ""},
		{"CC-BY-SA-4.0", "CC-BY-4.0", RuleShareAlike},
		{"CC-BY-SA-4.0", "CC-BY-NC-SA-4.0", RuleShareAlike},
		// BY-SA 3.0 §4(b): "a later version of this License with the same
		// License Elements"; never the reverse.
		{"CC-BY-SA-3.0", "CC-BY-SA-4.0", ""},
		{"CC-BY-SA-4.0", "CC-BY-SA-3.0", RuleShareAlike},
		{"CC-BY-SA-3.0", "CC-BY-SA-3.0", ""},
		{"CC-BY-SA-3.0", "CC-BY-3.0", RuleShareAlike},
		{"CC-BY-SA-3.0", "GPL-3.0-or-later", RuleShareAlike},
		// BY-SA 4.0 §3(b)(1): a BY-SA Compatible License (GPLv3), one way.
		{"CC-BY-SA-4.0", "GPL-3.0-or-later", ""},
		{"GPL-3.0-or-later", "CC-BY-SA-4.0", RuleShareAlike},
		{"GPL-3.0-or-later", "GPL-3.0-or-later", ""},
		{"CC-BY-NC-4.0", "CC-BY-NC-4.0", ""},
		{"CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", ""},
		{"CC-BY-NC-4.0", "CC-BY-4.0", RuleNonCommercial},
		{"CC-BY-NC-4.0", "CC0-1.0", RuleNonCommercial},
		{"CC-BY-NC-SA-4.0", "CC-BY-NC-SA-4.0", ""},
		{"CC-BY-NC-SA-4.0", "CC-BY-NC-4.0", RuleShareAlike},
		{"CC-BY-ND-4.0", "CC-BY-ND-4.0", RuleNoDerivatives},
		{"CC-BY-NC-ND-4.0", "CC-BY-NC-ND-4.0", RuleNoDerivatives},
		{"GPL-3.0-or-later", "MIT", RuleShareAlike},
	}
	for _, tc := range tests {
		t.Run(tc.parent+"->"+tc.child, func(t *testing.T) {
			err := CheckDerivative(parent, mustLookup(t, tc.parent), mustLookup(t, tc.child))
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var v *Violation
			if !errors.As(err, &v) || v.Rule != tc.rule {
				t.Fatalf("err = %v, want a %s violation", err, tc.rule)
			}
			msg := err.Error()
			for _, want := range []string{tc.rule, parent, tc.parent} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not name %q", msg, want)
				}
			}
		})
	}
}
