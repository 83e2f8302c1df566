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
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
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
	app.Metadata = map[string]any{getenvKey: getenv}
	err := app.RunContext(ctx, args)
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, embedded.ErrCorrupt) {
		// One line naming the file, as for an unreadable ledger.
		fmt.Fprintln(stderr, "sceau:", err)
		return ExitIndeterminate
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "sceau:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "sceau:", err)
	return ExitInvalid
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	cmds := commands()
	markUsageErrors(cmds)
	return &cli.App{
		Name:  "sceau",
		Usage: "issue, anchor and verify education credentials",
		Description: "Sceau issues diplomas and Pix certifications as signed verifiable credentials, anchors their\n" +
			"digests on a permissioned ledger (embedded by default, or Hyperledger Fabric) and verifies them.\n" +
			"Flags come before positional arguments; global flags come before the command.",
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "home", Usage: "Sceau's data folder", EnvVars: []string{"SCEAU_HOME"}, DefaultText: "<user data dir>/sceau"},
			&cli.StringFlag{Name: "ledger", Usage: "ledger backend: embedded or fabric", Value: "embedded", EnvVars: []string{"SCEAU_LEDGER"}},
			&cli.StringFlag{Name: "wallet", Usage: "the student wallet's folder, apart from issuer data", EnvVars: []string{walletEnv}, DefaultText: "<user data dir>/sceau-wallet"},
			&cli.StringFlag{Name: "ledger-config", Usage: "ledger config file (fabric backend)", EnvVars: []string{"SCEAU_LEDGER_CONFIG"}},
			&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error", Value: "warn", EnvVars: []string{"SCEAU_LOG_LEVEL"}},
		},
		Commands:             cmds,
		HideHelpCommand:      true,
		EnableBashCompletion: false,
		ExitErrHandler:       func(*cli.Context, error) {},
		OnUsageError:         func(c *cli.Context, err error, _ bool) error { return usageErr("%v", err) },
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageErr("no command %q (see sceau --help)", c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
		UseShortOptionHandling: false,
	}
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
	home   string
	getenv func(string) string
	logger *slog.Logger
	stdout io.Writer
	stderr io.Writer
	stdin  io.Reader
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

func newEnv(c *cli.Context) (*env, error) {
	getenv := getenvOf(c)
	home := c.String("home")
	if home == "" {
		dir, err := userDataDir(getenv)
		if err != nil {
			return nil, usageErr("no --home given and no user data folder: %v", err)
		}
		home = filepath.Join(dir, "sceau")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return nil, usageErr("--log-level: %v", err)
	}
	return &env{
		home:   home,
		getenv: getenv,
		logger: slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{Level: level})),
		stdout: c.App.Writer,
		stderr: c.App.ErrWriter,
		stdin:  c.App.Reader,
	}, nil
}

// needArgs checks the number of positional arguments.
func needArgs(c *cli.Context, n int, what string) error {
	if c.NArg() != n {
		return usageErr("%s: expected %s (flags go before it), got %d argument(s)", c.Command.FullName(), what, c.NArg())
	}
	return nil
}
