package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/internal/secret"
	"github.com/sceau/sceau/qrcode"
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
		Usage: "a student's encrypted wallet: keep credentials, show them, present the fewest claims, answer verifiers' requests",
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
					fmt.Fprintln(e.stdout, e.say(msgWalletCreated, w.Dir(), w.HolderKey().KID()))
					fmt.Fprintln(e.stdout, e.say(msgWalletGiveKey))
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
				Flags:     []cli.Flag{verifierFlag()},
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
					if err := needArgs(c, 1, "one PATH or -"); err != nil {
						return err
					}
					data, err := readInput(c.Args().First(), e.stdin, verifyTexts(e.language()))
					if err != nil {
						return &exitError{code: ExitUsage, err: err}
					}
					checker, err := newWalletChecker(c, e, w)
					if err != nil {
						return err
					}
					defer checker.close()
					entry, err := w.ImportNamed(c.Context, data, checker.verify, checker.issuerName)
					var notVerified *wallet.NotVerifiedError
					if errors.As(err, &notVerified) {
						code := ExitInvalid
						if notVerified.Result.Verdict == verifier.Indeterminate {
							code = ExitIndeterminate
						}
						return &exitError{code: code, err: errors.New(notImported(e, notVerified.Result))}
					}
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, e.say(msgWalletImported,
						entry.ID, entry.Title, issuerLabel(entry), entry.ValidFrom.Format(time.DateOnly), entry.Form))
					return nil
				}),
			},
			walletReceiveCommand(),
			{
				Name:  "list",
				Usage: "one line per credential: id, title, issuer, date issued, and its status refreshed from the verifier",
				Description: "The status (valid, revoked, suspended, expired…) is the verdict of the ledger of --home, of the\n" +
					"`sceau serve` holding it, or of the public verifier --verifier or `sceau wallet settings` names.",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "json", Usage: "print JSON (without the credentials' data)"},
					verifierFlag(),
				},
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
					if err := needArgs(c, 0, "no argument"); err != nil {
						return err
					}
					entries, err := w.List()
					if err != nil {
						return err
					}
					return listWallet(c, e, w, entries)
				}),
			},
			{
				Name:  "settings",
				Usage: "show or change the wallet's settings: the public verifier it verifies through",
				Description: "With --verifier URL, the wallet's commands verify through that public Sceau verifier (a `sceau serve`),\n" +
					"with no ledger of the student's own; --local goes back to the ledger of --home. Kept encrypted in the wallet.",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "verifier", Usage: "verify through the Sceau verifier at `URL`"},
					&cli.BoolFlag{Name: "local", Usage: "verify against the ledger of --home again"},
				},
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
					if err := needArgs(c, 0, "no argument"); err != nil {
						return err
					}
					settings, err := w.Settings()
					if err != nil {
						return err
					}
					switch {
					case c.IsSet("verifier") && c.Bool("local"):
						return usageErr("%s", e.say(msgWalletBothFlags))
					case c.IsSet("verifier"):
						url, err := checkVerifierURL(e, c.String("verifier"))
						if err != nil {
							return err
						}
						settings.Verifier = url
					case c.Bool("local"):
						settings.Verifier = ""
					}
					if c.IsSet("verifier") || c.Bool("local") {
						if err := w.SaveSettings(settings); err != nil {
							return err
						}
					}
					if settings.Verifier == "" {
						fmt.Fprintln(e.stdout, e.say(msgWalletVerifierNo))
					} else {
						fmt.Fprintln(e.stdout, e.say(msgWalletVerifierIs, settings.Verifier))
					}
					return nil
				}),
			},
			{
				Name:      "show",
				Usage:     "every claim of a credential, and its status refreshed from the ledger",
				ArgsUsage: "ID",
				Flags:     []cli.Flag{verifierFlag()},
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
					if err := needArgs(c, 1, "one credential ID"); err != nil {
						return err
					}
					entry, err := w.Get(c.Args().First())
					if err != nil {
						return err
					}
					checker, err := newWalletChecker(c, e, w)
					if err != nil {
						return err
					}
					defer checker.close()
					res, err := w.Verify(c.Context, entry, checker.verify)
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, e.say(msgWalletShowHeader, entry.ID, entry.Form, entry.ImportedAt.Format(time.RFC3339)))
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
						return usageErr("%s", e.say(msgWalletPresentNeed))
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
					shown := e.say(msgWalletNoClaim)
					if len(disclose) > 0 {
						shown = strings.Join(disclose, ", ")
					}
					fmt.Fprintln(e.stderr, e.say(msgWalletPresented, c.String("audience"), c.String("nonce"), shown))
					return nil
				}),
			},
			walletRespondCommand(),
			{
				Name:  "export",
				Usage: "write an encrypted backup of the whole wallet (same passphrase)",
				Flags: []cli.Flag{&cli.StringFlag{Name: "out", Usage: "backup `FILE` (required)"}},
				Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, passphrase string) error {
					if err := needArgs(c, 0, "no argument"); err != nil {
						return err
					}
					if c.String("out") == "" {
						return usageErr("%s", e.say(msgWalletExportNeed))
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
					fmt.Fprintln(e.stdout, e.say(msgWalletBackup, len(entries), c.String("out")))
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
						fmt.Fprintln(e.stdout, e.say(msgWalletFromBackup, dir))
					}
					fmt.Fprintln(e.stdout, e.say(msgWalletRestored, len(sum.Restored), len(sum.Present)))
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
					fmt.Fprintln(e.stdout, e.say(msgWalletDeleted, entry.ID, entry.Type))
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
		return walletError(e, dir, fn(c, e, dir))
	})
}

// walletError words the wallet's errors a student meets most in the
// command's language; others pass as they are.
func walletError(e *env, dir string, err error) error {
	var dup *wallet.DuplicateError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &dup):
		return errors.New(e.say(msgWalletDuplicate, dup.Existing.ID, dup.Existing.ImportedAt.Format(time.RFC3339), dup.Existing.Form))
	case errors.Is(err, wallet.ErrNotFound):
		_, id, _ := strings.Cut(err.Error(), ": ")
		id, _, _ = strings.Cut(id, " ")
		return errors.New(e.say(msgWalletNotFound, id))
	case errors.Is(err, wallet.ErrWrongPassphrase) && !strings.Contains(err.Error(), "nothing was changed"):
		return errors.New(e.say(msgWalletWrongPass, dir))
	}
	return err
}

// withWallet wraps a wallet command body that needs the open wallet.
func withWallet(fn func(c *cli.Context, e *env, w *wallet.Wallet, passphrase string) error) cli.ActionFunc {
	return walletAction(func(c *cli.Context, e *env, dir string) error {
		if !wallet.Exists(dir) {
			return errors.New(e.say(msgWalletNoWallet, dir))
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
		if e.language() != verifier.English && !strings.Contains(err.Error(), "empty") {
			return "", usageErr("%s", e.say(msgWalletNoPass, dir, wallet.PassphraseEnv))
		}
		return "", usageErr("%v", err)
	}
	return p, err
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

// notImported says, in the command's language, why a credential was not
// imported: its verdict and every check that failed or could not run (the
// verifier words them in that language).
func notImported(e *env, res *verifier.Result) string {
	var reasons []string
	for _, c := range res.Checks {
		switch {
		case c.Skipped:
			reasons = append(reasons, e.say(msgNotImportedSkip, c.Name, strings.TrimPrefix(strings.TrimPrefix(c.Reason, "not checked: "), "non vérifié : ")))
		case !c.OK:
			reasons = append(reasons, e.say(msgNotImportedCheck, c.Name, c.Reason))
		}
	}
	return e.say(msgNotImported, res.Verdict, strings.Join(reasons, "; "))
}
