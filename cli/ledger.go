package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
)

// action wraps a command body that needs the environment.
func action(fn func(c *cli.Context, e *env) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		e, err := newEnv(c)
		if err != nil {
			return err
		}
		return fn(c, e)
	}
}

// withLedger wraps a command body that needs the ledger; it is closed after.
func withLedger(fn func(c *cli.Context, e *env, l network.Ledger) error) cli.ActionFunc {
	return action(func(c *cli.Context, e *env) error {
		l, err := e.openLedgerOrServer(c.Context, c)
		if err != nil {
			return err
		}
		defer l.Close()
		return fn(c, e, l)
	})
}

// withLedgerToWrite is withLedger for a command that writes to the ledger
// and gives no verdict (issuing, status changes, issuer and resource
// registrations): the embedded ledger opens without reading its whole state
// to check it against the tip block (embedded.OpenOptions.TrustState),
// which on a national ledger would cost seconds at every start, resuming an
// issuance included. What such a command commits still records digests a
// later verifier's or server's open checks.
func withLedgerToWrite(fn func(c *cli.Context, e *env, l network.Ledger) error) cli.ActionFunc {
	return action(func(c *cli.Context, e *env) error {
		e.trustState = true
		l, err := e.openLedgerOrServer(c.Context, c)
		if err != nil {
			return err
		}
		defer l.Close()
		return fn(c, e, l)
	})
}

// withEmbedded wraps an audit command of the embedded ledger.
func withEmbedded(fn func(c *cli.Context, e *env, l *embedded.Ledger) error) cli.ActionFunc {
	return action(func(c *cli.Context, e *env) error {
		l, err := e.openLedger(c.Context, c) // audits read the file itself, never through a server
		if err != nil {
			return err
		}
		defer l.Close()
		el, ok := l.(*embedded.Ledger)
		if !ok {
			return usageErr("%s works on the embedded ledger only (on Fabric, use the peer's own tools)", c.Command.FullName())
		}
		return fn(c, e, el)
	})
}

func ledgerCommand() *cli.Command {
	return &cli.Command{
		Name:  "ledger",
		Usage: "create and audit the embedded ledger",
		Subcommands: []*cli.Command{
			{
				Name:  "init",
				Usage: "create a new embedded ledger, its dev CA and the governance org (ministry, MinistryMSP)",
				Action: action(func(c *cli.Context, e *env) error {
					if err := os.MkdirAll(e.home, 0o700); err != nil {
						return fmt.Errorf("creating %s: %w", e.home, err)
					}
					l, err := embedded.Init(c.Context, org.Home(e.home).LedgerDir(), embedded.InitOptions{})
					if err != nil {
						return err
					}
					defer l.Close()
					info, err := l.Info(c.Context)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "ledger created in %s: governance org %s (%s), channel %s, height %d\n",
						org.Home(e.home).LedgerDir(), info.Genesis.GovernanceOrg, info.Genesis.GovernanceMSP, info.Genesis.ChannelID, info.Height)
					return nil
				}),
			},
			{
				Name:  "info",
				Usage: "height, tip hash and counts of the embedded ledger",
				Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
				Action: withEmbedded(func(c *cli.Context, e *env, l *embedded.Ledger) error {
					info, err := l.Info(c.Context)
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return writeJSON(e.stdout, info)
					}
					printInfo(e.stdout, info)
					return nil
				}),
			},
			{
				Name:  "verify",
				Usage: "recompute the hash chain and the state from the blocks; exit 1 naming any change",
				Action: withEmbedded(func(c *cli.Context, e *env, l *embedded.Ledger) error {
					report, err := l.Verify(c.Context)
					if err != nil {
						return err
					}
					printReport(e.stdout, report)
					if !report.OK() {
						return &exitError{code: ExitInvalid, err: fmt.Errorf("the ledger in %s does not verify", org.Home(e.home).LedgerDir())}
					}
					return nil
				}),
			},
			{
				Name:      "export",
				Usage:     "write every block as JSON lines, for audit",
				ArgsUsage: " ",
				Flags:     []cli.Flag{&cli.StringFlag{Name: "out", Usage: "output file", Required: true}},
				Action: withEmbedded(func(c *cli.Context, e *env, l *embedded.Ledger) error {
					out := c.String("out")
					f, err := os.CreateTemp(dirOf(out), ".export-*")
					if err != nil {
						return fmt.Errorf("writing %s: %w", out, err)
					}
					defer os.Remove(f.Name())
					if err := l.Export(c.Context, f); err != nil {
						f.Close()
						return err
					}
					if err := f.Sync(); err != nil {
						return err
					}
					if err := f.Close(); err != nil {
						return err
					}
					if err := os.Rename(f.Name(), out); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "blocks written to %s\n", out)
					return fsutil.SyncDir(dirOf(out))
				}),
			},
		},
	}
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func printInfo(w io.Writer, info embedded.Info) {
	fmt.Fprintf(w, "ledger        %s\n", info.Dir)
	fmt.Fprintf(w, "channel       %s (chaincode %s), governance %s (%s)\n", info.Genesis.ChannelID, info.Genesis.ChaincodeName, info.Genesis.GovernanceOrg, info.Genesis.GovernanceMSP)
	fmt.Fprintf(w, "height        %d blocks, %d transactions\n", info.Height, info.Transactions)
	fmt.Fprintf(w, "tip hash      %s\n", info.TipHash)
	fmt.Fprintf(w, "state         %d keys, %d history entries, store %d bytes\n", info.StateKeys, info.HistoryEntries, info.StoreBytes)
	for _, o := range info.Orgs {
		fmt.Fprintf(w, "org           %s (%s), CA %s sha256:%s\n", o.Org, o.MSPID, o.CASubject, o.CAFingerprint)
	}
}

func printReport(w io.Writer, r *embedded.VerifyReport) {
	if r.OK() {
		fmt.Fprintf(w, "ledger verified: %d blocks, %d transactions, %d state keys, %d history entries; tip %s\n",
			r.Blocks, r.Transactions, r.StateKeys, r.HistoryEntries, r.TipHash)
		return
	}
	fmt.Fprintf(w, "LEDGER DOES NOT VERIFY: %d problem(s)\n", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	if r.Truncated {
		fmt.Fprintln(w, "  … (more problems not listed)")
	}
}
