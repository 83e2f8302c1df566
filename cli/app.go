// Package cli is the sceau command tree (urfave/cli v2). Flags always come
// before positional arguments, and global flags before the command.
//
// Imports: cli is the edge of the module and may import any of its packages;
// nothing imports cli but main.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/network/embedded"
)

// Exit codes shared by every command.
const (
	ExitOK            = 0
	ExitInvalid       = 1 // a credential is invalid, or a command failed
	ExitUsage         = 2 // bad usage, or a file that cannot be read
	ExitIndeterminate = 3 // a check could not run (ledger unreachable)
)

// exitError carries an exit code through urfave/cli.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErr reports bad usage or an unreadable input (exit 2).
func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// Main runs the command line and returns the process exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, os.Stdin, os.Stdout, os.Stderr)
}

// Run runs the command line with the given streams and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return RunEnv(ctx, args, stdin, stdout, stderr, os.Getenv)
}

// RunEnv is Run with getenv in place of the process environment for what
// commands read themselves (passphrases, data folders); flags' EnvVars still
// come from the process environment.
func RunEnv(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	app := newApp(stdin, stdout, stderr)
	app.Metadata[getenvKey] = getenv
	err := app.RunContext(ctx, args)
	if err == nil {
		return ExitOK
	}
	lang := localeLanguage(getenv)
	prefix := say(lang, msgErrorPrefix)
	if errors.Is(err, embedded.ErrCorrupt) {
		// One line naming the file, as for an unreadable ledger.
		fmt.Fprint(stderr, prefix, err, "\n")
		return ExitIndeterminate
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprint(stderr, prefix, usageMessage(lang, ee.err.Error()), "\n")
		}
		return ee.code
	}
	fmt.Fprint(stderr, prefix, usageMessage(lang, err.Error()), "\n")
	if strings.HasPrefix(err.Error(), "Required flag") {
		return ExitUsage // urfave/cli checks required flags outside OnUsageError
	}
	return ExitInvalid
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	// Log lines and progress lines reach standard error from different
	// stages of an issuance at once. An *os.File takes concurrent writes
	// (each a system call of its own); any other writer, such as a test's
	// buffer, is given them one at a time.
	if _, ok := stderr.(*os.File); !ok {
		stderr = &serialWriter{w: stderr}
	}
	cmds := append(commands(), helpCommand(), completionCommand(), manCommand())
	markUsageErrors(cmds)
	app := &cli.App{
		Name:  "sceau",
		Usage: "issue, anchor and verify education credentials",
		Description: "Sceau issues diplomas and Pix certifications as signed verifiable credentials, anchors their\n" +
			"digests on a permissioned ledger (embedded by default, or Hyperledger Fabric) and verifies them.\n" +
			"Flags come before positional arguments; global flags come before the command.",
		Version:   versionString(),
		Metadata:  map[string]any{},
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "configuration `FILE` (TOML), whose values apply where no flag or environment variable is set", EnvVars: []string{"SCEAU_CONFIG"}, DefaultText: "<home>/" + configFileName},
			&cli.StringFlag{Name: "home", Usage: "Sceau's data folder, `DIR`", EnvVars: []string{"SCEAU_HOME"}, DefaultText: "<user data dir>/sceau"},
			&cli.StringFlag{Name: "ledger", Usage: "ledger `BACKEND`: embedded or fabric", Value: "embedded", EnvVars: []string{"SCEAU_LEDGER"}},
			&cli.StringFlag{Name: "wallet", Usage: "the student wallet's folder, `DIR`, apart from issuer data", EnvVars: []string{walletEnv}, DefaultText: "<user data dir>/sceau-wallet"},
			&cli.StringFlag{Name: "ledger-config", Usage: "ledger config `FILE` (fabric backend)", EnvVars: []string{"SCEAU_LEDGER_CONFIG"}},
			&cli.StringFlag{Name: "log-format", Usage: "`FORMAT` of the log lines: text (key=value) or json (one object a line)", Value: "text", EnvVars: []string{"SCEAU_LOG_FORMAT"}},
			&cli.StringFlag{Name: "log-level", Usage: "`LEVEL` of the log lines shown: debug, info, warn or error", Value: "warn", EnvVars: []string{"SCEAU_LOG_LEVEL"}},
			&cli.StringFlag{Name: "public-url", Usage: "the public base `URL` at which this deployment's server is reached (https://…): every URL a credential carries and everything serve publishes is built on it", EnvVars: []string{"SCEAU_PUBLIC_URL"}, DefaultText: "http://<addr> of serve"},
		},
		Commands:             cmds,
		HideHelpCommand:      true, // helpCommand instead, which takes subcommands too
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {},
		Before:               loadConfig,
		OnUsageError:         func(c *cli.Context, err error, _ bool) error { return usageErr("%v", err) },
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("%s", say(localeLanguage(getenvOf(c)), msgNoCommand, c.Args().First()))
			}
			return cli.ShowAppHelp(c)
		},
		UseShortOptionHandling: false,
	}
	// urfave/cli adds --help only when it adds its own help command.
	app.Flags = append(app.Flags, cli.HelpFlag)
	namePlaceholders(app.Flags, app.Commands)
	configure(app.Commands, nil)
	return app
}

// markUsageErrors makes bad flags of every command exit with ExitUsage.
func markUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return usageErr("%v", err) }
		if len(c.Subcommands) > 0 && c.Action == nil {
			c.Action = func(cc *cli.Context) error {
				if cc.NArg() > 0 {
					return usageErr("%s has no subcommand %q (see sceau %s --help)", cc.Command.FullName(), cc.Args().First(), cc.Command.FullName())
				}
				return cli.ShowSubcommandHelp(cc)
			}
		}
		markUsageErrors(c.Subcommands)
	}
}

// getenvKey holds, in the app's Metadata, the environment lookup of RunEnv.
const getenvKey = "getenv"

// getenvOf returns the environment lookup the command line runs with.
func getenvOf(c *cli.Context) func(string) string {
	if f, ok := c.App.Metadata[getenvKey].(func(string) string); ok {
		return f
	}
	return os.Getenv
}

// env is what every command gets from the global flags.
type env struct {
	home string
	// trustState opens the embedded ledger without checking its state
	// (withLedgerToWrite).
	trustState bool
	// publicURL is --public-url without its trailing slash, or "" when not
	// given (serve then uses http://<addr>).
	publicURL string
	getenv    func(string) string
	logger    *slog.Logger
	stdout    io.Writer
	stderr    io.Writer
	stdin     io.Reader
}

// userDataDir is where Sceau keeps its folders by default: $XDG_DATA_HOME,
// else ~/.local/share (on Linux), or the platform's configuration folder.
func userDataDir(getenv func(string) string) (string, error) {
	if xdg := getenv("XDG_DATA_HOME"); xdg != "" {
		return xdg, nil
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return os.UserConfigDir()
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(h, ".local", "share"), nil
}

// homeDir returns the --home folder, or <user data dir>/sceau.
func homeDir(c *cli.Context) (string, error) {
	if home := c.String("home"); home != "" {
		return home, nil
	}
	dir, err := userDataDir(getenvOf(c))
	if err != nil {
		return "", usageErr("no --home given and no user data folder: %v", err)
	}
	return filepath.Join(dir, "sceau"), nil
}

func newEnv(c *cli.Context) (*env, error) {
	getenv := getenvOf(c)
	home, err := homeDir(c)
	if err != nil {
		return nil, err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return nil, usageErr("--log-level: %v", err)
	}
	publicURL, err := parsePublicURL(c.String("public-url"))
	if err != nil {
		return nil, usageErr("--public-url: %v", err)
	}
	logger, err := newLogger(c.App.ErrWriter, c.String("log-format"), level)
	if err != nil {
		return nil, err
	}
	return &env{
		home:      home,
		publicURL: publicURL,
		getenv:    getenv,
		logger:    logger,
		stdout:    c.App.Writer,
		stderr:    c.App.ErrWriter,
		stdin:     c.App.Reader,
	}, nil
}

// newLogger writes log lines of level and above to w, as text (slog's
// key=value lines) or JSON (one object a line, for log collectors).
//
// No log line of Sceau holds a personal datum — a name, a birth date, a
// student's INE, an e-mail address — at any level: log lines name
// credentials, batches, issuers and routes, never people (TestLogsHoldNoPersonalData).
func newLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErr("--log-format %q: want text or json", format)
}

// parsePublicURL checks a public base URL: absolute, http or https, a host,
// no query, fragment or user information. It returns it without a trailing
// slash so that paths can be appended ("" stays "").
func parsePublicURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("%q: the scheme must be https (or http for a test), not %q", raw, u.Scheme)
	case u.Host == "":
		return "", fmt.Errorf("%q has no host", raw)
	case u.User != nil:
		return "", fmt.Errorf("%q carries user information; a public URL must not", raw)
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "?") || strings.HasSuffix(raw, "#"):
		return "", fmt.Errorf("%q has a query or fragment; give the base URL only", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// needArgs checks the number of positional arguments.
func needArgs(c *cli.Context, n int, what string) error {
	if c.NArg() != n {
		return usageErr("%s: expected %s (flags go before it), got %d argument(s)", c.Command.FullName(), what, c.NArg())
	}
	return nil
}

// serialWriter passes each Write to w, one at a time.
type serialWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *serialWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
