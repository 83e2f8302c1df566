package record

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestValidateStatusLists(t *testing.T) {
	d := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		lists []StatusListDigest
		want  string // "" when valid
	}{
		{[]StatusListDigest{{"ietf", d}, {"revocation", d}, {"suspension", d}}, ""},
		{[]StatusListDigest{{"revocation", d}}, ""},
		{nil, "1 to 3"},
		{[]StatusListDigest{{"ietf", d}, {"ietf", d}}, "twice"},
		{[]StatusListDigest{{"crl", d}}, "kind"},
		{[]StatusListDigest{{"ietf", "AB" + d[2:]}}, "ietf"},
		{[]StatusListDigest{{"ietf", d}, {"revocation", d}, {"suspension", d}, {"other", d}}, "1 to 3"},
	} {
		err := ValidateStatusLists(tc.lists)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("ValidateStatusLists(%v) = %v, want %q", tc.lists, err, tc.want)
		}
	}
}

// FuzzValidateStatusLists: whatever a transaction sends, the rule answers
// without panicking, and what it accepts is one to three lists of distinct
// known kinds with hex SHA-256 digests.
func FuzzValidateStatusLists(f *testing.F) {
	f.Add(`[{"kind":"ietf","digest":"` + strings.Repeat("0", 64) + `"}]`)
	f.Add(`[{"kind":"revocation","digest":"x"},{"kind":"revocation"}]`)
	f.Fuzz(func(t *testing.T, data string) {
		var lists []StatusListDigest
		if json.Unmarshal([]byte(data), &lists) != nil {
			return
		}
		if ValidateStatusLists(lists) != nil {
			return
		}
		seen := map[string]bool{}
		for _, l := range lists {
			if seen[l.Kind] || ValidateDigest(l.Digest) != nil {
				t.Fatalf("accepted %v", lists)
			}
			seen[l.Kind] = true
		}
	})
}
