package cli

import (
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestBuildVersion(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-30T10:20:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	got := buildVersion(info, true)
	for _, want := range []string{"v1.4.0", "commit 0123456789ab with uncommitted changes", "2026-11-30 10:20 UTC", "go1.26.0"} {
		if !strings.Contains(got, want) {
			t.Errorf("buildVersion = %q, want it to hold %q", got, want)
		}
	}
	if got := buildVersion(nil, false); !strings.Contains(got, "unknown") {
		t.Errorf("buildVersion without build info = %q", got)
	}
	home := t.TempDir()
	out := sceauOK(t, home, "--version")
	if !strings.HasPrefix(out, "sceau version ") || !strings.Contains(out, "go1.") {
		t.Errorf("sceau --version printed %q", out)
	}
}

// commandPaths lists every command of the tree as its words from the root.
func commandPaths(prefix []string, cmds []*cli.Command) [][]string {
	var paths [][]string
	for _, c := range cmds {
		if c.Hidden || c.Name == "help" {
			continue
		}
		p := append(append([]string{}, prefix...), c.Name)
		paths = append(paths, p)
		paths = append(paths, commandPaths(p, c.Subcommands)...)
	}
	return paths
}

func TestHelpOfEveryCommand(t *testing.T) {
	home := t.TempDir()
	app := newApp(strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
	paths := commandPaths(nil, app.Commands)
	if len(paths) < 40 {
		t.Fatalf("only %d commands found in the tree", len(paths))
	}
	for _, p := range paths {
		name := strings.Join(p, " ")
		out := sceauOK(t, home, append([]string{"help"}, p...)...)
		if !strings.Contains(out, "sceau "+name+" - ") {
			t.Errorf("sceau help %s does not name the command:\n%s", name, out)
		}
		if viaFlag := sceauOK(t, home, append(p, "--help")...); viaFlag != out {
			t.Errorf("sceau help %s differs from sceau %s --help", name, name)
		}
		// Every value a flag takes is named, and no usage text is eaten
		// by urfave/cli's backtick placeholders (`--input ,`).
		_, options, _ := strings.Cut(out, "OPTIONS:")
		for _, line := range strings.Split(options, "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "--") {
				continue
			}
			flag, _, _ := strings.Cut(line, "  ")
			if strings.Contains(flag, " value") || strings.Contains(flag, " ,") || strings.Contains(flag, "sceau ") {
				t.Errorf("sceau %s --help: flag shown as %q", name, flag)
			}
		}
	}
	if out := sceauOK(t, home, "help", "issue"); !strings.Contains(out, "--input FILE ") {
		t.Errorf("sceau help issue does not show --input FILE:\n%s", out)
	}
	for _, bad := range [][]string{{"help", "nope"}, {"help", "wallet", "nope"}} {
		if code, _, stderr := sceau(t, home, bad...); code != ExitUsage || !strings.Contains(stderr, "nope") {
			t.Errorf("sceau %s: exit %d, %q; want exit 2 naming the command", strings.Join(bad, " "), code, stderr)
		}
	}
}

func TestCompletion(t *testing.T) {
	home := t.TempDir()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		script := sceauOK(t, home, "completion", shell)
		if !strings.Contains(script, "sceau") {
			t.Errorf("completion %s: %q", shell, script)
		}
		// The script must at least parse in its shell, where there is one.
		if path, err := exec.LookPath(shell); err == nil && shell != "fish" {
			cmd := exec.Command(path, "-n")
			cmd.Stdin = strings.NewReader(script)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s -n refuses the completion script: %v\n%s", shell, err, out)
			}
		}
	}
	if fish := sceauOK(t, home, "completion", "fish"); !strings.Contains(fish, "wallet") || !strings.Contains(fish, "-l input") {
		t.Errorf("fish completion lacks commands or flags:\n%.400s", fish)
	}
	if code, _, _ := sceau(t, home, "completion", "tcsh"); code != ExitUsage {
		t.Errorf("completion tcsh: exit %d, want 2", code)
	}
	// What the bash and zsh scripts ask the binary for (urfave/cli reads
	// the words typed from os.Args: a process of its own).
	complete := func(args ...string) string {
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
		cmd.Env = append(os.Environ(), helperProcessEnv+"=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("sceau %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	if out := complete("wallet", "--generate-bash-completion"); !strings.Contains(out, "list\n") || !strings.Contains(out, "import\n") {
		t.Errorf("completion of `sceau wallet`: %q", out)
	}
	if out := complete("issue", "--in", "--generate-bash-completion"); !strings.Contains(out, "--input") {
		t.Errorf("completion of `sceau issue --in`: %q", out)
	}
}

func TestManPage(t *testing.T) {
	home := t.TempDir()
	page := sceauOK(t, home, "man")
	if !strings.Contains(page, ".TH sceau 1") {
		t.Fatalf("sceau man is not a section-1 roff page:\n%.300s", page)
	}
	app := newApp(strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
	for _, c := range app.Commands {
		if !strings.Contains(page, c.Name) {
			t.Errorf("the man page does not document %s", c.Name)
		}
	}
	if !strings.Contains(page, "input") || !strings.Contains(sceauOK(t, home, "man", "--markdown"), "# NAME") {
		t.Errorf("the man page lacks flags or the Markdown form")
	}
}
