package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/urfave/cli/v2"
)

// helperProcessEnv makes the test binary act as the sceau command: tests
// re-execute it to run sceau in a process of its own (and kill it).
const helperProcessEnv = "SCEAU_CLI_HELPER_PROCESS"

// TestHelperProcess is not a test: run with helperProcessEnv=1, it runs
// the command line given after "--" and exits with its code.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperProcessEnv) != "1" {
		t.Skip("runs only as a re-executed sceau process")
	}
	args := os.Args
	if i := slices.Index(args, "--"); i >= 0 {
		args = args[i+1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(runTestApp(ctx, args, os.Stdin, os.Stdout, os.Stderr))
}

// runTestApp runs the command line as Run does, with the commands of this
// change mounted where the command tree does not have them yet.
func runTestApp(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	mountIfMissing(app)
	err := app.RunContext(ctx, append([]string{"sceau"}, args...))
	if err == nil {
		return ExitOK
	}
	code := ExitInvalid
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if msg := strings.TrimSpace(err.Error()); msg != "" {
		io.WriteString(stderr, "sceau: "+msg+"\n")
	}
	return code
}

// mountIfMissing adds `bench issue` and `issuer token` to app until the
// command tree has them.
func mountIfMissing(app *cli.App) {
	var issuerCmd, benchCmd *cli.Command
	for _, c := range app.Commands {
		switch c.Name {
		case "issuer":
			issuerCmd = c
		case "bench":
			benchCmd = c
		}
	}
	if benchCmd == nil {
		app.Commands = append(app.Commands, &cli.Command{Name: "bench", Usage: "measure Sceau's performance", Subcommands: []*cli.Command{benchIssueCommand()}})
	}
	if issuerCmd != nil && !slices.ContainsFunc(issuerCmd.Subcommands, func(c *cli.Command) bool { return c.Name == "token" }) {
		issuerCmd.Subcommands = append(issuerCmd.Subcommands, tokenCommand())
	}
}

// sceau runs the command line in-process with home and returns the exit
// code, standard output and standard error.
func sceau(t *testing.T, home string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runTestApp(context.Background(), append([]string{"--home", home}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// sceauOK runs a command that must exit 0 and returns its standard output.
func sceauOK(t *testing.T, home string, args ...string) string {
	t.Helper()
	code, stdout, stderr := sceau(t, home, args...)
	if code != 0 {
		t.Fatalf("sceau %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}
