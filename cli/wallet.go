package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/internal/secret"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/wallet"
)

// walletEnv names the environment variable of the global --wallet flag.
const walletEnv = "SCEAU_WALLET"

// maxQRPresentation is the most bytes a QR code holds (version 40, error
// correction L, byte mode).
const maxQRPresentation = 2953

func walletCommand() *cli.Command {
	return &cli.Command{
		Name:  "wallet",
		Usage: "a student's encrypted wallet: keep credentials, show them, present the fewest claims",
		Description: "The wallet lives in its own folder (--wallet DIR, or SCEAU_WALLET), apart from issuer data. Its\n" +
			"passphrase comes from " + wallet.PassphraseEnv + ", else a prompt on a terminal. Every credential and the holder\n" +
			"key are encrypted: no name, date or grade is ever written in clear.",
		Subcommands: []*cli.Command{
			{
				Name:  "init",
				Usage: "create the wallet and its holder key (P-256)",
				Flags: []cli.Flag{
					&cli.IntFlag{Name: "scrypt-work-factor", Value: wallet.DefaultScryptWorkFactor,
						Usage: fmt.Sprintf("log2 of scrypt's cost for the passphrase, %d to %d (lower is faster to open and to guess)", wallet.MinScryptWorkFactor, wallet.MaxScryptWorkFactor)},
				},
				Action: walletAction(func(c *cli.Context, e *env, dir string) error {
					if err := needArgs(c, 0, "no argument"); err != nil {
						return err
					}
					passphrase, err := walletPassphrase(e, dir, true)
					if err != nil {
						return err
					}
					w, err := wallet.Create(dir, passphrase, wallet.CreateOptions{ScryptWorkFactor: c.Int("scrypt-work-factor")})
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "wallet created in %s, holder key %s\n", w.Dir(), w.HolderKey().KID())
					fmt.Fprintln(e.stdout, "give your issuer the key `sceau wallet holder-key` prints (holder_jwk column) so that your credentials are bound to it")
					return nil
				}),
			},
			{
				Name:  "holder-key",
				Usage: "print the holder's public key (JWK) for the issuer's holder_jwk column",
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
					if err := needArgs(c, 0, "no argument"); err != nil {
						return err
					}
					jwk, err := w.HolderJWK()
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, string(jwk))
					return nil
				}),
			},
			{
				Name:      "import",
				Usage:     "verify a credential (bundle, SD-JWT, vc+jwt, SC1: text or QR image) and keep it",
				ArgsUsage: "PATH|-",
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
					if err := needArgs(c, 1, "one PATH or -"); err != nil {
						return err
					}
					data, err := readInput(c.Args().First(), e.stdin, verifyTexts(e.language()))
					if err != nil {
						return &exitError{code: ExitUsage, err: err}
					}
					verify, closeLedger, err := walletVerifier(c, e)
					if err != nil {
						return err
					}
					defer closeLedger()
					entry, err := w.Import(c.Context, data, verify)
					var notVerified *wallet.NotVerifiedError
					if errors.As(err, &notVerified) && notVerified.Result.Verdict == verifier.Indeterminate {
						return &exitError{code: ExitIndeterminate, err: err}
					}
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "imported %s (%s from %s, issued %s, kept as %s)\n",
						entry.ID, entry.Type, entry.Issuer, entry.ValidFrom.Format(time.DateOnly), entry.Form)
					return nil
				}),
			},
			{
				Name:  "list",
				Usage: "one line per credential: id, type, issuer, date issued",
				Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON (without the credentials' data)"}},
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
					if err := needArgs(c, 0, "no argument"); err != nil {
						return err
					}
					entries, err := w.List()
					if err != nil {
						return err
					}
					if c.Bool("json") {
						type item struct {
							ID     string `json:"id"`
							Type   string `json:"type"`
							Issuer string `json:"issuer"`
							Issued string `json:"issued"`
							Form   string `json:"form"`
						}
						items := make([]item, len(entries))
						for i, en := range entries {
							items[i] = item{en.ID, en.Type, en.Issuer, en.ValidFrom.Format(time.DateOnly), en.Form}
						}
						return writeJSON(e.stdout, items)
					}
					if len(entries) == 0 {
						fmt.Fprintln(e.stderr, "the wallet holds no credential (add one with `sceau wallet import`)")
					}
					for _, en := range entries {
						fmt.Fprintf(e.stdout, "%s  %-16s  %s  %s\n", en.ID, en.Type, en.Issuer, en.ValidFrom.Format(time.DateOnly))
					}
					return nil
				}),
			},
			{
				Name:      "show",
				Usage:     "every claim of a credential, and its status refreshed from the ledger",
				ArgsUsage: "ID",
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
					if err := needArgs(c, 1, "one credential ID"); err != nil {
						return err
					}
					entry, err := w.Get(c.Args().First())
					if err != nil {
						return err
					}
					verify, closeLedger, err := walletVerifier(c, e)
					if err != nil {
						return err
					}
					defer closeLedger()
					res, err := w.Verify(c.Context, entry, verify)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "%s, kept as %s, imported %s\n", entry.ID, entry.Form, entry.ImportedAt.Format(time.RFC3339))
					lang := e.language()
					printResult(e.stdout, res.In(lang), verifyTexts(lang))
					return nil
				}),
			},
			{
				Name:      "present",
				Usage:     "an SD-JWT presentation disclosing only the chosen claims, signed for a verifier's nonce and audience",
				ArgsUsage: "ID",
				Description: "Claim names are the CSV column names: student_id, given_name, family_name, birth_date, mention,\n" +
					"awarded_on, speciality, rncp, session; certification_center, certified_on, pix_score, c1_1 … c5_2,\n" +
					"verification_code. The title, type and issuer are always shown. The presentation goes to --out, or\n" +
					"standard output; --qr also draws it as a QR code when it fits.",
				Flags: []cli.Flag{
					&cli.StringSliceFlag{Name: "disclose", Usage: "claims to show, comma-separated or repeated"},
					&cli.StringFlag{Name: "nonce", Usage: "the verifier's challenge (required)"},
					&cli.StringFlag{Name: "audience", Usage: "the verifier's identifier, aud (required)"},
					&cli.StringFlag{Name: "qr", Usage: "also write the presentation as a QR code PNG to `FILE.png`"},
					&cli.StringFlag{Name: "out", Usage: "write the presentation to `FILE` instead of standard output"},
				},
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
					if err := needArgs(c, 1, "one credential ID"); err != nil {
						return err
					}
					if c.String("nonce") == "" || c.String("audience") == "" {
						return usageErr("wallet present: --nonce and --audience are required: ask the verifier for them")
					}
					var disclose []string
					for _, item := range c.StringSlice("disclose") {
						for _, name := range strings.Split(item, ",") {
							if name = strings.TrimSpace(name); name != "" {
								disclose = append(disclose, name)
							}
						}
					}
					p, err := w.Present(c.Args().First(), credential.Presentation{Disclose: disclose, Nonce: c.String("nonce"), Audience: c.String("audience")})
					var unknown *credential.UnknownClaimError
					if errors.As(err, &unknown) {
						return usageErr("--disclose: %v", err)
					}
					if err != nil {
						return err
					}
					if path := c.String("qr"); path != "" {
						img, err := presentationPNG(p)
						if err != nil {
							return err
						}
						if err := fsutil.WriteFileAtomic(path, img, 0o600); err != nil {
							return err
						}
					}
					if path := c.String("out"); path != "" {
						if err := fsutil.WriteFileAtomic(path, []byte(p+"\n"), 0o600); err != nil {
							return err
						}
					} else {
						fmt.Fprintln(e.stdout, p)
					}
					shown := "no claim beyond those always shown"
					if len(disclose) > 0 {
						shown = strings.Join(disclose, ", ")
					}
					fmt.Fprintf(e.stderr, "presentation for %q (nonce %q) disclosing %s\n", c.String("audience"), c.String("nonce"), shown)
					return nil
				}),
			},
			{
				Name:  "export",
				Usage: "write an encrypted backup of the whole wallet (same passphrase)",
				Flags: []cli.Flag{&cli.StringFlag{Name: "out", Usage: "backup `FILE` (required)"}},
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, passphrase string) error {
					if err := needArgs(c, 0, "no argument"); err != nil {
						return err
					}
					if c.String("out") == "" {
						return usageErr("wallet export: --out FILE is required")
					}
					backup, err := w.Export(passphrase)
					if err != nil {
						return err
					}
					if err := fsutil.WriteFileAtomic(c.String("out"), backup, 0o600); err != nil {
						return err
					}
					entries, err := w.List()
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "backup of %d credential(s) written to %s\n", len(entries), c.String("out"))
					return nil
				}),
			},
			{
				Name:      "restore",
				Usage:     "put a backup's credentials and holder keys back into the wallet (created if there is none)",
				ArgsUsage: "FILE",
				Flags: []cli.Flag{
					&cli.IntFlag{Name: "scrypt-work-factor", Value: wallet.DefaultScryptWorkFactor, Usage: "for a wallet this restore creates: as for init"},
				},
				Action: walletAction(func(c *cli.Context, e *env, dir string) error {
					if err := needArgs(c, 1, "one backup FILE"); err != nil {
						return err
					}
					data, err := readInput(c.Args().First(), e.stdin, verifyTexts(e.language()))
					if err != nil {
						return &exitError{code: ExitUsage, err: err}
					}
					passphrase, err := walletPassphrase(e, dir, false)
					if err != nil {
						return err
					}
					sum, err := wallet.Restore(dir, data, passphrase, wallet.CreateOptions{ScryptWorkFactor: c.Int("scrypt-work-factor")})
					if err != nil {
						return err
					}
					if sum.Created {
						fmt.Fprintf(e.stdout, "wallet created in %s from the backup\n", dir)
					}
					fmt.Fprintf(e.stdout, "restored %d credential(s); %d already in the wallet\n", len(sum.Restored), len(sum.Present))
					for _, en := range sum.Restored {
						fmt.Fprintf(e.stdout, "  %s  %s\n", en.ID, en.Type)
					}
					return nil
				}),
			},
			{
				Name:      "delete",
				Usage:     "remove a credential from the wallet for good",
				ArgsUsage: "ID",
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
					if err := needArgs(c, 1, "one credential ID"); err != nil {
						return err
					}
					entry, err := w.Delete(c.Args().First())
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "deleted %s (%s) from the wallet\n", entry.ID, entry.Type)
					return nil
				}),
			},
		},
	}
}

// walletAction wraps a wallet command body that gets the wallet folder.
func walletAction(fn func(c *cli.Context, e *env, dir string) error) cli.ActionFunc {
	return action(func(c *cli.Context, e *env) error {
		dir, err := walletDir(c)
		if err != nil {
			return err
		}
		return fn(c, e, dir)
	})
}

// withWallet wraps a wallet command body that needs the open wallet.
func withWallet(fn func(c *cli.Context, e *env, w *wallet.Wallet, passphrase string) error) cli.ActionFunc {
	return walletAction(func(c *cli.Context, e *env, dir string) error {
		if !wallet.Exists(dir) {
			return fmt.Errorf("no wallet in %s: create it with `sceau wallet init` (or pass --wallet)", dir)
		}
		passphrase, err := walletPassphrase(e, dir, false)
		if err != nil {
			return err
		}
		w, err := wallet.Open(dir, passphrase)
		if err != nil {
			return err
		}
		return fn(c, e, w, passphrase)
	})
}

// walletDir returns the --wallet folder, or <user data dir>/sceau-wallet.
func walletDir(c *cli.Context) (string, error) {
	if dir := c.String("wallet"); dir != "" {
		return dir, nil
	}
	base, err := userDataDir(getenvOf(c))
	if err != nil {
		return "", usageErr("no --wallet given and no user data folder: %v", err)
	}
	return filepath.Join(base, "sceau-wallet"), nil
}

// walletPassphrase gets the wallet's passphrase; confirm asks twice at a prompt.
func walletPassphrase(e *env, dir string, confirm bool) (string, error) {
	p, err := secret.Source{EnvVar: wallet.PassphraseEnv, Getenv: e.getenv, Out: e.stderr}.Get("the wallet in "+dir, confirm)
	if errors.Is(err, secret.ErrNoPassphrase) {
		return "", usageErr("%v", err)
	}
	return p, err
}

// walletVerifier returns a verifier over the ledger the global flags
// select (an unavailable ledger makes verdicts indeterminate) and what
// closes the ledger.
func walletVerifier(c *cli.Context, e *env) (wallet.VerifyFunc, func(), error) {
	validator, err := schemas.NewValidator()
	if err != nil {
		return nil, nil, err
	}
	var ledger verifier.Ledger
	closeLedger := func() {}
	l, err := e.openLedger(c.Context, c)
	if err == nil {
		ledger, closeLedger = network.NewContract(l), func() { l.Close() }
	} else {
		var usage *exitError
		if errors.As(err, &usage) {
			return nil, nil, err
		}
		e.logger.Warn("ledger unavailable", "err", err)
		ledger = unavailableLedger{err}
	}
	v := verifier.New(ledger, validator, verifier.Options{})
	verify := func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result {
		decoded, err := credential.Decode(ctx, input)
		return v.VerifyDecoded(ctx, decoded, err, asked)
	}
	return verify, closeLedger, nil
}

// presentationPNG draws a presentation as a QR code: at error correction
// level Q, as the credentials' codes, when it fits; else at level L, which
// a code shown on a screen can afford. A presentation too long for either
// is an error that says so.
func presentationPNG(text string) ([]byte, error) {
	symbol, err := qrcode.Encode(text)
	if err != nil {
		if symbol, err = qrcode.EncodeLevel(text, qrcode.LevelL); err != nil {
			return nil, fmt.Errorf("--qr: the presentation is %d bytes, more than a QR code holds (%d at version 40, error correction L): disclose fewer claims, or send the --out file",
				len(text), maxQRPresentation)
		}
	}
	return symbol.PNG(), nil
}
