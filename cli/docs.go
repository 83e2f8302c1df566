package cli

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// This file holds what documents the command tree to the people who run it:
// the version, `sceau help CMD`, shell completion and the man page, all
// made from the tree itself so that they never drift from it.

// buildVersion describes the binary from the module's build info: its
// version ("(devel)" for a build from a work tree), the commit, whether
// the tree had uncommitted changes, and the commit's date.
func buildVersion(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "unknown (built without module information)"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var revision, when string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var b strings.Builder
	b.WriteString(version)
	if revision != "" {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		fmt.Fprintf(&b, ", commit %s", revision)
		if modified {
			b.WriteString(" with uncommitted changes")
		}
	} else {
		b.WriteString(", commit unknown (built outside a git checkout, or with -buildvcs=false)")
	}
	if when != "" {
		if t, err := time.Parse(time.RFC3339, when); err == nil {
			when = t.UTC().Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(&b, ", built from a commit of %s", when)
	}
	fmt.Fprintf(&b, ", %s", info.GoVersion)
	return b.String()
}

// versionString is buildVersion of this binary.
func versionString() string { return buildVersion(debug.ReadBuildInfo()) }

// helpCommand is `sceau help [CMD [SUBCMD…]]`: the help of any command of
// the tree, exactly as `sceau CMD SUBCMD --help` prints it.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "show the help of a command: sceau help CMD [SUBCMD]",
		ArgsUsage: "[CMD [SUBCMD]]",
		Action: func(c *cli.Context) error {
			path := c.Args().Slice()
			if len(path) == 0 {
				return cli.ShowAppHelp(c)
			}
			cmds := c.App.Commands
			for i, name := range path {
				cmd := findCommand(cmds, name)
				if cmd == nil {
					if i == 0 {
						return usageErr("no command %q (see sceau --help)", name)
					}
					return usageErr("%s has no subcommand %q (see sceau help %s)", strings.Join(path[:i], " "), name, strings.Join(path[:i], " "))
				}
				cmds = cmd.Subcommands
			}
			// A fresh tree prints the help: the one running is in the
			// middle of its own command.
			app := newApp(c.App.Reader, c.App.Writer, c.App.ErrWriter)
			app.Metadata[getenvKey] = c.App.Metadata[getenvKey]
			return app.RunContext(c.Context, append(append([]string{"sceau"}, path...), "--help"))
		},
	}
}

// findCommand returns the command of cmds called name (or aliased so).
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// completionCommand is `sceau completion bash|zsh|fish`. Bash and zsh ask
// the binary itself for the next words (urfave/cli's
// --generate-bash-completion), so the candidates follow the tree of the
// sceau being run; fish gets complete(1) lines made from the tree.
func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: "bash:  source <(sceau completion bash)   (or save it in /etc/bash_completion.d/sceau)\n" +
			"zsh:   source <(sceau completion zsh)    (or save it as _sceau in a folder of $fpath)\n" +
			"fish:  sceau completion fish > ~/.config/fish/completions/sceau.fish",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageErr("completion: expected one shell, bash, zsh or fish (got %d argument(s))", c.NArg())
			}
			switch shell := c.Args().First(); shell {
			case "bash":
				_, err := io.WriteString(c.App.Writer, bashCompletion)
				return err
			case "zsh":
				_, err := io.WriteString(c.App.Writer, zshCompletion)
				return err
			case "fish":
				script, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				_, err = io.WriteString(c.App.Writer, script)
				return err
			default:
				return usageErr("completion: no completion for shell %q: bash, zsh or fish", shell)
			}
		},
	}
}

// bashCompletion asks sceau for the words that may follow those typed.
const bashCompletion = `# bash completion for sceau: source <(sceau completion bash)
_sceau_complete() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    local -a typed=("${COMP_WORDS[@]:0:COMP_CWORD}")
    local IFS=$'\n'
    local words
    if [[ "$cur" == -* ]]; then
        words=$("${typed[@]}" "$cur" --generate-bash-completion 2>/dev/null)
    else
        words=$("${typed[@]}" --generate-bash-completion 2>/dev/null)
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o bashdefault -o default -F _sceau_complete sceau
`

// zshCompletion is the same for zsh; sceau words its candidates
// "name:description" when $0 ends in zsh.
const zshCompletion = `#compdef sceau
# zsh completion for sceau: source <(sceau completion zsh)
_sceau() {
    local -a candidates typed
    local cur=${words[CURRENT]}
    typed=(${words[1,CURRENT-1]})
    if [[ "$cur" == -* ]]; then
        candidates=(${(f)"$(${typed[@]} $cur --generate-bash-completion 2>/dev/null)"})
    else
        candidates=(${(f)"$(${typed[@]} --generate-bash-completion 2>/dev/null)"})
    fi
    if [[ ${#candidates} -gt 0 && "${candidates[1]}" != "" ]]; then
        _describe 'sceau' candidates
    else
        _files
    fi
}
compdef _sceau sceau
`

// manCommand is `sceau man`: the manual page, section 1, made from the tree.
func manCommand() *cli.Command {
	return &cli.Command{
		Name:  "man",
		Usage: "print the manual page (roff, section 1): sceau man > sceau.1; man ./sceau.1",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "markdown", Usage: "print it as Markdown instead of roff"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 0 {
				return usageErr("man takes no argument")
			}
			var page string
			var err error
			if c.Bool("markdown") {
				page, err = c.App.ToMarkdown()
			} else {
				page, err = c.App.ToManWithSection(1)
			}
			if err != nil {
				return fmt.Errorf("man page: %w", err)
			}
			_, err = io.WriteString(c.App.Writer, page)
			return err
		},
	}
}

// placeholders names the value of each flag whose usage does not name it
// (urfave/cli shows the first `word` in backticks of a usage as the
// value's name, else "value"): --input FILE, --chunk N. Names are per flag
// name, else per kind of flag.
var placeholders = map[string]string{
	"addr": "HOST:PORT", "alg": "ALG", "attribution": "TEXT", "audience": "URL", "author-key": "AUTHOR",
	"batch": "BATCH", "chunk": "N", "count": "N", "cpuprofile": "FILE", "credential": "ID",
	"derived-from": "RESOURCE", "dir": "DIR", "disclose": "CLAIMS", "encoding": "ENCODING", "home": "DIR",
	"id": "ID", "images": "N", "issuer": "ISSUER", "key": "FILE", "kid": "KID", "label": "TEXT",
	"lang": "LANG", "ledger": "BACKEND", "ledger-config": "FILE", "license": "LICENCE", "log-level": "LEVEL",
	"log-format": "FORMAT", "config": "FILE", "name": "NAME", "nonce": "NONCE", "out": "PATH",
	"previous": "ID", "reason": "CODE", "role": "ROLE", "scrypt-work-factor": "N", "since": "DATE",
	"student": "STUDENT", "title": "TITLE", "token-id": "ID", "type": "TYPE", "types": "TYPES",
	"until": "DATE", "wallet": "DIR", "input": "FILE", "verifier": "URL", "public-url": "URL",
}

// namePlaceholders gives every flag of flags and of the commands' flags a
// value name where its usage has none.
func namePlaceholders(flags []cli.Flag, cmds []*cli.Command) {
	for _, f := range flags {
		namePlaceholder(f)
	}
	for _, c := range cmds {
		namePlaceholders(c.Flags, c.Subcommands)
	}
}

func namePlaceholder(f cli.Flag) {
	name := f.Names()[0]
	placeholder := placeholders[name]
	var usage *string
	switch f := f.(type) {
	case *cli.StringFlag:
		usage = &f.Usage
	case *cli.StringSliceFlag:
		usage = &f.Usage
	case *cli.PathFlag:
		usage = &f.Usage
	case *cli.IntFlag:
		usage, placeholder = &f.Usage, or(placeholder, "N")
	case *cli.Int64Flag:
		usage, placeholder = &f.Usage, or(placeholder, "N")
	case *cli.UintFlag:
		usage, placeholder = &f.Usage, or(placeholder, "N")
	case *cli.Float64Flag:
		usage, placeholder = &f.Usage, or(placeholder, "NUMBER")
	case *cli.DurationFlag:
		usage, placeholder = &f.Usage, or(placeholder, "DURATION")
	default:
		return // booleans take no value
	}
	if strings.Contains(*usage, "`") {
		return
	}
	*usage = strings.TrimSpace(*usage + " (`" + or(placeholder, strings.ToUpper(name)) + "`)")
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
