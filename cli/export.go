package cli

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "take credentials out of the batch files `sceau issue` wrote: a bundle each, with its QR image or PDF if asked",
		ArgsUsage: "BATCHFILE|DIR…",
		Description: "Reads batch files (<batch>.jsonl, one bundle a line), or every batch file of a folder such as the\n" +
			"--out of `sceau issue`, and writes the credentials chosen by --id, --student or --all into --out:\n" +
			"<uuid>.json (what `sceau verify` and `sceau wallet import` take), and <uuid>.png, <uuid>.pdf with\n" +
			"--png, --pdf. `--out -` prints the chosen bundles instead, one a line. Exit 1, after exporting the\n" +
			"others, when an id or student asked for is in none of the files.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "id", Usage: "a credential id (urn:uuid:… or the bare UUID); repeat for more"},
			&cli.StringSliceFlag{Name: "student", Usage: "every credential of a student id; repeat for more"},
			&cli.BoolFlag{Name: "all", Usage: "every credential of the files"},
			&cli.StringFlag{Name: "out", Usage: "folder for the files, or - to print the bundles", Required: true},
			&cli.BoolFlag{Name: "png", Usage: "also write each credential's QR image"},
			&cli.BoolFlag{Name: "pdf", Usage: "also write each credential's printable PDF certificate"},
		},
		Action: action(func(c *cli.Context, e *env) error {
			if c.NArg() == 0 {
				return usageErr("%s", e.say(msgExportNoInput))
			}
			chosen := len(c.StringSlice("id")) + len(c.StringSlice("student"))
			if c.Bool("all") == (chosen > 0) {
				return usageErr("%s", e.say(msgExportChoose))
			}
			opts := issuer.ExportOptions{
				Sources: c.Args().Slice(), IDs: c.StringSlice("id"), Students: c.StringSlice("student"), All: c.Bool("all"),
				OutDir: c.String("out"), PNG: c.Bool("png"), PDF: c.Bool("pdf"), PublicURL: e.publicURL,
			}
			if opts.OutDir == "-" {
				if opts.PNG || opts.PDF {
					return usageErr("export: --png and --pdf write files: give a folder to --out")
				}
				opts.Lines = e.stdout
			}
			var ledger network.Ledger
			defer func() {
				if ledger != nil {
					ledger.Close()
				}
			}()
			// The name certificates print: the issuer's profile in the home,
			// else its record on the ledger.
			opts.IssuerName = func(id string) (string, error) {
				p, err := org.Home(e.home).LoadProfile(id)
				if err == nil {
					return p.Name, nil
				}
				if !errors.Is(err, org.ErrUnknown) {
					return "", err
				}
				if ledger == nil {
					if ledger, err = e.openLedger(c.Context, c); err != nil {
						return "", fmt.Errorf("the name of issuer %s, for its certificates: %w", id, err)
					}
				}
				is, err := network.NewContract(ledger).GetIssuer(c.Context, id)
				if err != nil {
					return "", fmt.Errorf("the name of issuer %s, for its certificates: %w", id, err)
				}
				return is.Name, nil
			}
			sum, err := issuer.Export(c.Context, opts)
			var missing *issuer.MissingError
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return &exitError{code: ExitUsage, err: err}
			case err != nil && !errors.As(err, &missing):
				return err
			}
			if opts.Lines == nil {
				fmt.Fprintln(e.stdout, e.say(msgExported, sum.Exported, opts.OutDir))
			}
			if missing != nil {
				return &exitError{code: ExitInvalid, err: missing}
			}
			return nil
		}),
	}
}
