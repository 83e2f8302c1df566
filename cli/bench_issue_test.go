package cli

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestBenchIssuePrintsOneJSONObject(t *testing.T) {
	home := filepath.Join(t.TempDir(), "unused-home")
	stdout := sceauOK(t, home, "bench", "issue", "--type", "PixCertification", "--count", "250", "--chunk", "100", "--signature-time", "300ms", "--dir", t.TempDir())
	dec := json.NewDecoder(strings.NewReader(stdout))
	var res map[string]any
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value:\n%s", stdout)
	}
	for _, key := range []string{"type", "count", "credentials_per_second", "bare_signatures_per_second", "signatures_per_credential",
		"bare_credential_rate", "ratio", "peak_rss_bytes", "peak_heap_bytes", "duration_seconds"} {
		if _, ok := res[key]; !ok {
			t.Errorf("no %q in %s", key, stdout)
		}
	}
	num := func(k string) float64 { f, _ := res[k].(float64); return f }
	if res["type"] != "PixCertification" || num("count") != 250 || num("signatures_per_credential") != 3 {
		t.Errorf("type %v, count %v, signatures per credential %v", res["type"], res["count"], res["signatures_per_credential"])
	}
	for _, k := range []string{"credentials_per_second", "bare_signatures_per_second", "peak_rss_bytes", "peak_heap_bytes", "duration_seconds"} {
		if num(k) <= 0 {
			t.Errorf("%s = %v, want > 0", k, res[k])
		}
	}
	if want := num("bare_signatures_per_second") / 3; math.Abs(num("bare_credential_rate")-want) > 1e-6*want {
		t.Errorf("bare_credential_rate %v, want bare signatures / 3 = %v", num("bare_credential_rate"), want)
	}
	if want := num("credentials_per_second") / num("bare_credential_rate"); math.Abs(num("ratio")-want) > 1e-6*want {
		t.Errorf("ratio %v, want %v", num("ratio"), want)
	}
	if got := num("count") / num("duration_seconds"); math.Abs(num("credentials_per_second")-got) > 1e-6*got {
		t.Errorf("credentials_per_second %v is not count / duration = %v", num("credentials_per_second"), got)
	}
	if runtime.GOOS == "linux" {
		// CPU time is known here: the ratio by CPU, with what it is made of.
		for _, k := range []string{"cpu_ratio", "cpu_us_per_credential", "cpu_utilization"} {
			if num(k) <= 0 {
				t.Errorf("%s = %v, want > 0", k, res[k])
			}
		}
		if r := num("cpu_ratio"); r > 3 {
			t.Errorf("cpu_ratio %v, far above 1: the signatures cannot take more CPU than the credential they are part of", r)
		}
	}
	if home := filepath.Dir(home); len(mustGlob(t, filepath.Join(home, "*"))) != 0 {
		t.Errorf("bench touched --home: %v", mustGlob(t, filepath.Join(home, "*")))
	}
}

func TestBenchIssueRefusesBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "issue", "--type", "Licence"},
		{"bench", "issue", "--type", "Diploma", "--count", "0"},
		{"bench", "issue", "--type", "Diploma", "extra"},
	} {
		if code, _, _ := sceau(t, t.TempDir(), args...); code != ExitUsage {
			t.Errorf("sceau %s: exit %d, want %d", strings.Join(args, " "), code, ExitUsage)
		}
	}
}

func TestParseVmHWM(t *testing.T) {
	status := "Name:\tsceau\nVmPeak:\t 2000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 1000 kB\n"
	if got := parseVmHWM(strings.NewReader(status)); got != 123456<<10 {
		t.Errorf("parseVmHWM = %d, want %d", got, 123456<<10)
	}
	if got := parseVmHWM(bytes.NewReader(nil)); got != 0 {
		t.Errorf("parseVmHWM of nothing = %d", got)
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
