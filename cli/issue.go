package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/schemas"
)

func issueCommand() *cli.Command {
	return &cli.Command{
		Name:  "issue",
		Usage: "issue one credential per CSV row, anchor them, write a batch file per anchored batch",
		Description: "Every row is validated before anything is signed: by default one bad row stops the run and\n" +
			"nothing is anchored or written. --out receives one batch file per anchored batch, <batch>.jsonl\n" +
			"(a bundle a line), and manifest.csv; `sceau export` takes credentials out of them, each as its\n" +
			"bundle, QR image or PDF. --bundles, --png and --pdf write those per credential during the run.\n" +
			"Re-running the same command on the same input resumes an interrupted run where it stopped:\n" +
			"nothing is issued twice, nothing is lost, nothing done is read again.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "issuer", Usage: "issuer id", Required: true},
			&cli.StringFlag{Name: "type", Usage: "Diploma or PixCertification", Required: true},
			&cli.StringFlag{Name: "input", Usage: "CSV file (`,` or `;`, UTF-8 or Windows-1252, detected)", Required: true},
			&cli.StringFlag{Name: "out", Usage: "folder for the batch files, manifest.csv and rejects.csv", Required: true},
			&cli.IntFlag{Name: "chunk", Usage: "credentials per anchored batch", Value: issuer.DefaultChunk},
			&cli.BoolFlag{Name: "skip-invalid", Usage: "issue the valid rows; write the invalid ones to <out>/rejects.csv"},
			&cli.StringFlag{Name: "encoding", Usage: "force the input encoding: utf-8 or windows-1252"},
			&cli.BoolFlag{Name: "bundles", Usage: "also write each credential's bundle, <uuid>.json"},
			&cli.BoolFlag{Name: "png", Usage: "also write each credential's bundle and QR image, <uuid>.png"},
			&cli.BoolFlag{Name: "pdf", Usage: "also write each credential's bundle and printable PDF certificate, <uuid>.pdf"},
		},
		Action: withLedger(func(c *cli.Context, e *env, l network.Ledger) error {
			if c.NArg() != 0 {
				return usageErr("issue takes no positional argument (flags only)")
			}
			typ := c.String("type")
			if typ != schemas.TypeDiploma && typ != schemas.TypePixCertification {
				return usageErr("--type %q: use Diploma or PixCertification", typ)
			}
			input := c.String("input")
			if st, err := os.Stat(input); err != nil || st.IsDir() {
				return usageErr("--input %s: not a readable file", input)
			}
			opts := issuer.IssueOptions{
				IssuerID: c.String("issuer"), Type: typ, Input: input, OutDir: c.String("out"),
				Chunk: c.Int("chunk"), SkipInvalid: c.Bool("skip-invalid"), Encoding: c.String("encoding"),
				Bundles: c.Bool("bundles"), PNG: c.Bool("png"), PDF: c.Bool("pdf"),
			}
			opts.Progress = progress(e.stderr)
			sum, err := e.issuerService(l).Issue(c.Context, opts)
			if err != nil {
				var rowErrs *issuer.RowErrors
				if errors.As(err, &rowErrs) {
					return &exitError{code: ExitInvalid, err: err}
				}
				return err
			}
			fmt.Fprintf(e.stdout, "%d %s credential(s) issued, %d reused from an earlier run, %d row(s) rejected, %d batch(es) anchored, in %s\n",
				sum.Issued, sum.Type, sum.Reused, sum.Rejected, len(sum.Batches), sum.Duration.Round(time.Millisecond))
			fmt.Fprintf(e.stdout, "%s and manifest.csv in %s\n", outputWritten(opts), sum.OutDir)
			if sum.Rejected > 0 {
				fmt.Fprintf(e.stdout, "rejected rows and their reasons in %s/rejects.csv\n", sum.OutDir)
			}
			return nil
		}),
	}
}

// outputWritten says what a run wrote into --out besides its manifest.
func outputWritten(opts issuer.IssueOptions) string {
	what := "batch files (a bundle a line: sceau export takes credentials out of them)"
	switch {
	case opts.PNG && opts.PDF:
		what += ", a bundle, QR image and PDF certificate per credential,"
	case opts.PNG:
		what += ", a bundle and QR image per credential,"
	case opts.PDF:
		what += ", a bundle and PDF certificate per credential,"
	case opts.Bundles:
		what += ", a bundle per credential,"
	}
	return what
}

// progress reports issuance progress: a bar on a terminal, plain lines otherwise.
func progress(w io.Writer) func(done, total int) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var bar *progressbar.ProgressBar
		return func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total,
					progressbar.OptionSetWriter(w),
					progressbar.OptionSetDescription("issuing"),
					progressbar.OptionShowCount(),
					progressbar.OptionShowIts(),
					progressbar.OptionSetItsString("credentials"),
					progressbar.OptionSetPredictTime(true),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
				)
			}
			bar.Set(done)
		}
	}
	start := time.Now()
	return func(done, total int) {
		rate := float64(done) / time.Since(start).Seconds()
		fmt.Fprintf(w, "issued %d/%d credentials (%.0f/s)\n", done, total, rate)
	}
}
