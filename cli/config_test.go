package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigFile(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	sceauOK(t, home, "ledger", "init")
	writeFile(t, filepath.Join(home, configFileName), `# a deployment's settings
log-format = "json"
log-level = "debug"

[commands.template]
lang = "en"
example = true
`)
	issuerInit := []string{"issuer", "init", "--no-passphrase", "--id", "examoffice", "--name", "Office des examens"}
	// The home's file applies where nothing else is set.
	_, _, stderr := sceau(t, home, issuerInit...)
	if len(logLines(t, stderr)) == 0 {
		t.Errorf("log-format = json from the file: no JSON log line in %q", stderr)
	}
	out := sceauOK(t, home, "template", "--type", "Diploma")
	if !strings.HasPrefix(out, "student_id,") || strings.Count(out, "\n") != 2 {
		t.Errorf("[commands.template] lang = en, example = true: got %q", out)
	}
	// Flag > environment > file > default.
	for i, tc := range []struct {
		name      string
		env, args []string
		json      bool
	}{
		{"file", nil, nil, true},
		{"environment over file", []string{"SCEAU_LOG_FORMAT", "text"}, nil, false},
		{"flag over environment", []string{"SCEAU_LOG_FORMAT", "text"}, []string{"--log-format", "json"}, true},
		{"flag over file", nil, []string{"--log-format", "text"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != nil {
				t.Setenv(tc.env[0], tc.env[1])
			}
			args := append(append([]string{}, tc.args...), "issuer", "init", "--no-passphrase", "--id", fmt.Sprintf("lycee%d", i), "--name", "Lycée")
			_, _, stderr := sceau(t, home, args...)
			if got := len(logLines(t, stderr)) > 0; got != tc.json {
				t.Errorf("JSON logs: %v, want %v\n%s", got, tc.json, stderr)
			}
		})
	}
	if out := sceauOK(t, home, "template", "--type", "Diploma", "--lang", "fr"); !strings.HasPrefix(out, "ine;") && !strings.Contains(strings.SplitN(out, "\n", 2)[0], ";") {
		t.Errorf("--lang fr over the file's lang = en: got %q", out)
	}

	// --config names another file; SCEAU_CONFIG too.
	other := writeFile(t, filepath.Join(t.TempDir(), "other.toml"), "[commands.template]\nlang = \"fr\"\n")
	if out := sceauOK(t, home, "--config", other, "template", "--type", "Diploma"); !strings.Contains(strings.SplitN(out, "\n", 2)[0], ";") {
		t.Errorf("--config other.toml (lang = fr): got %q", out)
	}
	t.Setenv("SCEAU_CONFIG", other)
	if out := sceauOK(t, home, "template", "--type", "Diploma"); !strings.Contains(strings.SplitN(out, "\n", 2)[0], ";") {
		t.Errorf("SCEAU_CONFIG=other.toml (lang = fr): got %q", out)
	}
	os.Unsetenv("SCEAU_CONFIG")
}

func TestConfigFileErrors(t *testing.T) {
	for _, tc := range []struct{ name, file, want string }{
		{"unknown global key", "colour = \"blue\"\n", `"colour" (top level) is not a flag of sceau`},
		{"unknown command key", "[commands.template]\nlanguage = \"fr\"\n", `"language" ([commands.template]) is not a flag of sceau template`},
		{"wrong kind", "[commands.issue]\nchunk = \"many\"\n", `chunk = "many"`},
		{"not TOML", "ledger = \n", "configuration file"},
		{"table for a value", "[commands]\ntemplate = 3\n", "commands.template must be a table"},
		{"config in config", "config = \"x.toml\"\n", "cannot be set in a configuration file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			writeFile(t, filepath.Join(home, configFileName), tc.file)
			code, _, stderr := sceau(t, home, "template", "--type", "Diploma")
			if tc.name == "wrong kind" {
				code, _, stderr = sceau(t, home, "issue", "--issuer", "x", "--type", "Diploma", "--input", "x.csv", "--dry-run")
			}
			if code != ExitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, configFileName) {
				t.Errorf("exit %d, %q; want exit 2 naming the file and %q", code, stderr, tc.want)
			}
		})
	}
	if code, _, stderr := sceau(t, t.TempDir(), "--config", filepath.Join(t.TempDir(), "missing.toml"), "template", "--type", "Diploma"); code != ExitUsage || !strings.Contains(stderr, "missing.toml") {
		t.Errorf("--config of a missing file: exit %d %q", code, stderr)
	}
}

func TestConfigFileSizeLimit(t *testing.T) {
	home := t.TempDir()
	big := "# " + strings.Repeat("x", maxConfigFile) + "\n"
	writeFile(t, filepath.Join(home, configFileName), big)
	if code, _, stderr := sceau(t, home, "template", "--type", "Diploma"); code != ExitUsage || !strings.Contains(stderr, "larger than") {
		t.Errorf("a configuration file over %d bytes: exit %d %q", maxConfigFile, code, stderr)
	}
}

// FuzzParseConfig: whatever the file holds, reading it and applying its
// values to the command tree fails cleanly or succeeds, never panics.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("ledger = \"fabric\"\nlog-format = \"json\"\n[commands.serve]\naddr = \"0.0.0.0:8080\"\n"))
	f.Add([]byte("[commands.issue]\nchunk = 12\nskip-invalid = true\n[commands.wallet.list]\njson = true\n"))
	f.Add([]byte("commands = 3\n"))
	f.Add([]byte("[commands]\nserve = [1, 2]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parseConfig("sceau.toml", data)
		if err != nil {
			return
		}
		for _, path := range [][]string{{"serve"}, {"issue"}, {"wallet", "list"}} {
			table, err := cfg.table(path)
			if err != nil {
				continue
			}
			for _, v := range table {
				configValues(v)
			}
		}
		for _, v := range cfg.global {
			configValues(v)
		}
	})
}
