package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/certificate"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/issuer/oid4vci"
	"github.com/sceau/sceau/issuer/register"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
)

// defaultServeURL is where `sceau serve` listens by default: the
// credential issuer of offers made without --public-url while no server
// runs.
const defaultServeURL = "http://127.0.0.1:8080"

func offerCommand() *cli.Command {
	return &cli.Command{
		Name:      "offer",
		Usage:     "offer credentials for pickup into a wallet (OpenID4VCI): one offer URI and transaction code per credential",
		ArgsUsage: "[CREDENTIAL…]",
		Description: "CREDENTIAL is a credential id (urn:uuid:… or the bare UUID), found through the issuer's register in the\n" +
			"batch files the home keeps, or its bundle file (<uuid>.json). --batch takes a whole batch: its id, or its\n" +
			"batch file (<batch>.jsonl). Each offer is single-use, expires (--valid-for), and needs the 6-digit\n" +
			"transaction code printed with it, which must reach the student apart from the offer (on paper, --pdf:\n" +
			"a letter per offer into --letters DIR, else the folder of --out, else the current folder).\n" +
			"The offers name the credential issuer --public-url (else the running `sceau serve`, else " + defaultServeURL + "):\n" +
			"students redeem them there, with `sceau wallet receive` or any OpenID4VCI wallet.\n" +
			"Prints per credential: id, student id, transaction code, expiry, offer URI; --json one JSON object a line\n" +
			"(id, student_id, uri, tx_code, expiry). Once a running `sceau serve` holds the issuer's register (after it\n" +
			"issued or answered a pickup), make offers through its issuer API: POST /v1/offers with the issuer's token.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "issuer", Usage: "issuer id", Required: true},
			&cli.StringFlag{Name: "batch", Usage: "offer every credential of a batch: its id, or its batch file"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object a line: id, student_id, uri, tx_code, expiry"},
			&cli.StringFlag{Name: "out", Usage: "also write the offers as CSV for a mail merge (id,student_id,uri,tx_code,expiry)"},
			&cli.BoolFlag{Name: "pdf", Usage: "also write a printable pickup letter per offer, <student>-<uuid>.pdf: the offer's QR code, the code printed apart"},
			&cli.StringFlag{Name: "letters", Usage: "the folder of the --pdf letters", DefaultText: "the folder of --out, else the current folder"},
			&cli.DurationFlag{Name: "valid-for", Usage: "how long the offers can be redeemed (the pickup window)", Value: oid4vci.DefaultValidFor},
			&cli.DurationFlag{Name: "retain", Usage: "how long the issuer keeps an offer's credential for pickup; at least --valid-for", DefaultText: "--valid-for"},
		},
		Action: withRegisterLedger(func(c *cli.Context, e *env, l network.Ledger) error {
			batch := c.String("batch")
			if c.IsSet("letters") && !c.Bool("pdf") {
				return usageErr("--letters is the folder of the --pdf letters: add --pdf")
			}
			if (batch == "") == (c.NArg() == 0) {
				return usageErr("offer: give the credentials (ids or bundle files) or --batch, not both")
			}
			if c.Duration("valid-for") <= 0 {
				return usageErr("--valid-for: want a positive duration, such as 720h")
			}
			if c.IsSet("retain") && c.Duration("retain") < c.Duration("valid-for") {
				return usageErr("--retain %s is shorter than --valid-for %s: an offer's credential is kept at least until it expires", c.Duration("retain"), c.Duration("valid-for"))
			}
			issuerURL := e.publicURL
			if issuerURL == "" {
				if info := readServeInfo(e.home); info != nil {
					issuerURL = info.URL
				} else {
					issuerURL = defaultServeURL
					fmt.Fprintf(e.stderr, "note: no --public-url: the offers name %s, where `sceau serve` listens by default\n", defaultServeURL)
				}
			}
			svc := e.issuerService(l)
			id := c.String("issuer")
			reg, err := svc.OpenRegister(c.Context, id)
			if err != nil {
				return registerHeld(e, err, "make the offers through its issuer API: POST /v1/offers with the issuer's token")
			}
			defer reg.Close()
			bundles, err := offeredBundles(c, svc, reg, id, batch)
			if err != nil {
				return err
			}
			prepared, err := oid4vci.PrepareOffers(reg, id, bundles, oid4vci.OfferOptions{
				CredentialIssuer: issuerURL, ValidFor: c.Duration("valid-for"), Retain: c.Duration("retain"),
			})
			if err != nil {
				return err
			}
			// Everything is printed in memory first, and written once the
			// offers are filed: a failure leaves no offer nobody received.
			offers := prepared.Offers()
			var letters *pendingFiles
			if c.Bool("pdf") {
				dir := c.String("letters")
				if dir == "" {
					dir = "."
					if out := c.String("out"); out != "" {
						dir = filepath.Dir(out)
					}
				}
				if letters, err = pickupLetters(e, dir, id, issuerURL, offers, bundles); err != nil {
					return err
				}
				defer letters.discard()
			}
			if _, err := prepared.File(reg); err != nil {
				return err
			}
			if out := c.String("out"); out != "" {
				if err := writeOffersCSV(out, offers); err != nil {
					return err
				}
			}
			if err := letters.keep(); err != nil {
				return fmt.Errorf("--pdf: %w", err)
			}
			for _, o := range offers {
				if c.Bool("json") {
					data, err := json.Marshal(o)
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, string(data))
					continue
				}
				fmt.Fprintf(e.stdout, "%s  %s  tx_code %s  expires %s  %s\n", o.ID, o.StudentID, o.TxCode, o.Expiry.Format(time.RFC3339), o.URI)
			}
			if !c.Bool("json") {
				fmt.Fprintf(e.stderr, "%d offer(s) for %s; give each student the offer and, apart, its transaction code\n", len(offers), issuerURL)
			}
			return nil
		}),
	}
}

// offeredBundles returns the bundles the command's arguments name: a
// batch (id or file), or credentials (ids or bundle files), in order.
func offeredBundles(c *cli.Context, svc *issuer.Service, reg *register.Register, id, batch string) ([]*credential.Bundle, error) {
	if batch != "" {
		if st, err := os.Stat(batch); err == nil && !st.IsDir() {
			var out []*credential.Bundle
			err := issuer.ReadBatchFile(batch, func(b *credential.Bundle, _ []byte) error {
				out = append(out, b)
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("--batch %s: %w", batch, err)
			}
			return out, nil
		}
		out, err := svc.BatchBundles(id, batch)
		if err != nil {
			return nil, fmt.Errorf("--batch %s: %w", batch, err)
		}
		return out, nil
	}
	var out []*credential.Bundle
	var ids []string
	at := map[int]string{} // argument index → credential id looked up
	for i, arg := range c.Args().Slice() {
		if u := issuer.CredentialUUID(arg); u != "" {
			if _, err := os.Stat(arg); errors.Is(err, fs.ErrNotExist) {
				ids = append(ids, "urn:uuid:"+u)
				at[i] = "urn:uuid:" + u
				out = append(out, nil)
				continue
			}
		}
		data, err := os.ReadFile(arg)
		if err != nil {
			return nil, &exitError{code: ExitUsage, err: fmt.Errorf("%s: neither a credential id nor a file that can be read: %w", arg, err)}
		}
		b, err := credential.ParseBundle(data)
		if err != nil {
			return nil, fmt.Errorf("%s: not a bundle file (<uuid>.json): %w", arg, err)
		}
		out = append(out, b)
	}
	if len(ids) > 0 {
		found, err := svc.FindBundles(reg, id, ids)
		if err != nil {
			return nil, err
		}
		for i, cid := range at {
			out[i] = found[cid]
		}
	}
	return out, nil
}

// writeOffersCSV writes the offers as CSV for a mail merge, atomically.
func writeOffersCSV(path string, offers []oid4vci.Offer) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"id", "student_id", "uri", "tx_code", "expiry"})
	for _, o := range offers {
		w.Write([]string{o.ID, o.StudentID, o.URI, o.TxCode, o.Expiry.Format(time.RFC3339)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// pickupLetters prints a pickup letter per offer into dir, in French,
// with the issuer's name from its profile, as <student>-<uuid>.pdf; the
// letters are hidden temporary files until keep.
func pickupLetters(e *env, dir, issuerID, issuerURL string, offers []oid4vci.Offer, bundles []*credential.Bundle) (*pendingFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, usageErr("--letters: %v", err)
	}
	name := issuerID
	if p, err := org.Home(e.home).LoadProfile(issuerID); err == nil && p.Name != "" {
		name = p.Name
	}
	r, err := certificate.NewRenderer(certificate.Options{IssuerName: name})
	if err != nil {
		return nil, err
	}
	files := &pendingFiles{}
	for i, o := range offers {
		jwt, err := credential.ParseJWT(bundles[i].VCJWT)
		if err == nil {
			var pdf []byte
			pdf, err = r.RenderPickupLetter(certificate.PickupLetter{
				Credential: jwt.Credential, OfferURI: o.URI, TxCode: o.TxCode, Expiry: o.Expiry, CredentialIssuer: issuerURL,
			})
			if err == nil {
				err = files.add(filepath.Join(dir, safeFileName(o.StudentID)+"-"+strings.TrimPrefix(o.ID, "urn:uuid:")+".pdf"), pdf)
			}
		}
		if err != nil {
			files.discard()
			return nil, fmt.Errorf("the pickup letter of %s: %w", o.ID, err)
		}
	}
	return files, nil
}

// pendingFiles are files written under temporary names, renamed to their
// own by keep or removed by discard.
type pendingFiles struct {
	tmp, final []string
}

func (p *pendingFiles) add(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	p.tmp, p.final = append(p.tmp, f.Name()), append(p.final, path)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// keep gives every file its name; nil keeps nothing.
func (p *pendingFiles) keep() error {
	if p == nil {
		return nil
	}
	for i, tmp := range p.tmp {
		if err := os.Rename(tmp, p.final[i]); err != nil {
			return err
		}
	}
	p.tmp, p.final = nil, nil
	return nil
}

// discard removes the files not kept; nil discards nothing.
func (p *pendingFiles) discard() {
	if p == nil {
		return
	}
	for _, tmp := range p.tmp {
		os.Remove(tmp)
	}
	p.tmp, p.final = nil, nil
}

// safeFileName keeps the letters and digits of s (a student id), for a
// file name.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// issuerForgetCommand is `sceau issuer forget`: erasure of a student.
func issuerForgetCommand() *cli.Command {
	return &cli.Command{
		Name:  "forget",
		Usage: "erase a student from the issuer's register: what it records of the student's credentials and their pickup offers",
		Description: "The credentials already issued, or picked up, stay valid: the ledger never held anything personal. The\n" +
			"issuer no longer knows it issued them: re-running an export would issue them again, and they can no\n" +
			"longer be revoked by id or --student (by their file or digest they still can).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "id", Usage: "issuer id", Required: true},
			&cli.StringFlag{Name: "student", Usage: "the student's id (INE)", Required: true},
			&cli.BoolFlag{Name: "json", Usage: "print what was erased as one JSON object"},
		},
		Action: withRegisterLedger(func(c *cli.Context, e *env, l network.Ledger) error {
			if err := needArgs(c, 0, "no argument"); err != nil {
				return err
			}
			student := strings.TrimSpace(c.String("student"))
			if student == "" {
				return usageErr("--student: give the student's id")
			}
			f, err := e.issuerService(l).ForgetStudent(c.Context, c.String("id"), student)
			if err != nil {
				return registerHeld(e, err, "stop it, then run this again")
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, f)
			}
			if f.Credentials == 0 && f.Offers == 0 {
				fmt.Fprintf(e.stdout, "issuer %s's register held nothing of student %s\n", c.String("id"), student)
				return nil
			}
			fmt.Fprintf(e.stdout, "student %s erased from issuer %s's register: %d credential(s), %d offer(s)\n", student, c.String("id"), f.Credentials, f.Offers)
			return nil
		}),
	}
}

// withRegisterLedger wraps a command that works on an issuer's register:
// it needs the ledger only to settle what a stopped run left pending in
// the register, so a ledger that a `sceau serve` holds stands as one that
// answers nothing (heldLedger) rather than stopping the command.
func withRegisterLedger(fn func(c *cli.Context, e *env, l network.Ledger) error) cli.ActionFunc {
	return action(func(c *cli.Context, e *env) error {
		l, err := e.openLedger(c.Context, c)
		if errors.Is(err, embedded.ErrInUse) {
			return fn(c, e, heldLedger{err})
		}
		if err != nil {
			return err
		}
		defer l.Close()
		return fn(c, e, l)
	})
}

// heldLedger is a ledger another process holds: every call is unavailable.
type heldLedger struct{ cause error }

func (h heldLedger) Submit(context.Context, string, string, ...string) ([]byte, error) {
	return nil, fmt.Errorf("%w: %w", network.ErrUnavailable, h.cause)
}

func (h heldLedger) Evaluate(context.Context, string, string, ...string) ([]byte, error) {
	return nil, fmt.Errorf("%w: %w", network.ErrUnavailable, h.cause)
}

func (heldLedger) Close() error { return nil }

// registerHeld words the error of a register a running `sceau serve`
// holds, saying what to do instead (todo); other errors are returned as
// they are.
func registerHeld(e *env, err error, todo string) error {
	info := readServeInfo(e.home)
	if info == nil || !errors.Is(err, register.ErrInUse) {
		return err
	}
	return fmt.Errorf("%w: it is held by `sceau serve` (pid %d) at %s: %s", err, info.PID, info.URL, todo)
}
