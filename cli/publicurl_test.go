package cli

import "testing"

func TestParsePublicURL(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "", want: ""},
		{in: "https://verifier.education.example", want: "https://verifier.education.example"},
		{in: "https://verifier.education.example/", want: "https://verifier.education.example"},
		{in: "https://example.org/sceau/", want: "https://example.org/sceau"},
		{in: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{in: "ftp://example.org", bad: true},
		{in: "example.org", bad: true},
		{in: "https://", bad: true},
		{in: "https://user:pw@example.org", bad: true},
		{in: "https://example.org/?x=1", bad: true},
		{in: "https://example.org/#top", bad: true},
	} {
		got, err := parsePublicURL(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parsePublicURL(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parsePublicURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestPublicURLFlagRefusesABadURL(t *testing.T) {
	code, _, stderr := sceau(t, t.TempDir(), "--public-url", "ftp://x", "ledger", "init")
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d; stderr: %s", code, ExitUsage, stderr)
	}
}
