package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// maxInput caps what verify reads: a 50-megapixel photo fits, a runaway stream does not.
const maxInput = 64 << 20

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "verify a credential: bundle, vc+jwt, SD-JWT, SC1: text, or a PNG/JPEG of its QR",
		ArgsUsage: "PATH|-",
		Description: "With --nonce and --audience, an SD-JWT presentation must carry a key-binding JWT signed by its\n" +
			"holder for that nonce and audience. An SD-JWT bound to a holder key (cnf) is valid only so presented:\n" +
			"without --nonce and --audience, or without its key-binding JWT, it is invalid (holder_binding).\n" +
			"Exit codes: 0 valid; 1 invalid (including input that does not decode); 2 usage errors and\n" +
			"files that cannot be read; 3 indeterminate (a check could not run, e.g. the ledger is unreachable).",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the verdict as JSON"},
			&cli.StringFlag{Name: "nonce", Usage: "the nonce an SD-JWT presentation must be signed for (its key-binding JWT)"},
			&cli.StringFlag{Name: "audience", Usage: "the audience (aud) an SD-JWT presentation must be made to"},
			&cli.BoolFlag{Name: "offline", Usage: "verify against the issuer registry and statuses cached by earlier online verifications, without the ledger"},
			&cli.DurationFlag{Name: "max-age", Usage: "with --offline: cached data older than this is not relied on (indeterminate)", Value: verifier.DefaultOfflineMaxAge},
			&cli.DurationFlag{Name: "list-max-age", Usage: "with --offline: a cached status list built longer ago than this is not relied on (indeterminate)", Value: verifier.DefaultListMaxAge, EnvVars: []string{"SCEAU_LIST_MAX_AGE"}},
		},
		Action: action(func(c *cli.Context, e *env) error {
			lang := e.language()
			t := verifyTexts(lang)
			if c.NArg() != 1 {
				return usageErr(t.needPath, c.Command.FullName(), c.NArg())
			}
			data, err := readInput(c.Args().First(), e.stdin, t)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			validator, err := schemas.NewValidator()
			if err != nil {
				return err
			}
			res, note, err := verifyWhereItCan(c, e, validator, data, lang)
			if err != nil {
				return err
			}
			if note != "" {
				fmt.Fprintln(e.stderr, "sceau verify:", note)
			}
			res = res.In(lang)
			if c.Bool("json") {
				if err := writeJSON(e.stdout, res); err != nil {
					return err
				}
			} else {
				printResult(e.stdout, res, t)
			}
			if code := verifier.ExitCode(res.Verdict); code != 0 {
				return &exitError{code: code, err: fmt.Errorf("")}
			}
			return nil
		}),
	}
}

// verifyWhereItCan verifies data against the ledger, recording what it
// reads in the home's cache; with --offline, against that cache only; and
// when a `sceau serve` holds the home's embedded ledger, reading the
// ledger through it (network/ledgerapi, authenticated both ways with the
// secret of serve.json) — or, for a serve.json without a secret, asking it
// for the verdict, which it words in lang. note says, in lang, where the
// ledger's answers come from when not from the ledger itself.
func verifyWhereItCan(c *cli.Context, e *env, validator *schemas.Validator, data []byte, lang verifier.Language) (res *verifier.Result, note string, err error) {
	t := verifyTexts(lang)
	cache := verifier.NewCache(org.Home(e.home).CacheDir())
	if c.Bool("offline") {
		offline, err := cache.Offline(verifier.OfflineOptions{MaxAge: c.Duration("max-age")})
		if err != nil {
			return nil, "", err
		}
		opts := verifyOptions(c)
		// Offline, a credential's status comes from its issuer's status
		// list cached by an earlier online verification.
		opts.StatusLists = cache.StatusLists(verifier.ListOptions{MaxAge: c.Duration("list-max-age")})
		res := verifier.New(offline, validator, opts).Verify(c.Context, data)
		offline.Annotate(res)
		return res, fmt.Sprintf(t.offline, offline.Summary(lang)), nil
	}
	l, lerr := e.openLedger(c.Context, c)
	if errors.Is(lerr, embedded.ErrCorrupt) {
		// A store that cannot be read safely is refused outright (exit 3).
		return nil, "", lerr
	}
	if info := readServeInfo(e.home); lerr != nil && info != nil && info.Secret != "" && errors.Is(lerr, embedded.ErrInUse) {
		// The ledger's answers come through the server, authenticated both
		// ways; the verdict is this command's own.
		if client, err := localLedgerClient(info); err == nil {
			l, lerr, note = client, nil, fmt.Sprintf(t.ledgerThroughServer, info.PID, info.URL)
		}
	}
	if lerr != nil {
		// The server checks presentations against its own challenges, not
		// against --nonce and --audience.
		if info := readServeInfo(e.home); info != nil && errors.Is(lerr, embedded.ErrInUse) && c.String("nonce") == "" && c.String("audience") == "" {
			res, err := verifyThroughServer(c.Context, info, data, lang)
			if err == nil {
				e.cacheStatusLists(c.Context, cache, data, nil)
				return res, fmt.Sprintf(t.throughServer, info.PID, info.URL), nil
			}
			e.logger.Warn("the server holding the ledger did not answer", "url", info.URL, "err", err)
		}
		e.logger.Warn("ledger unavailable", "err", lerr)
		res := verifier.New(unavailableLedger{lerr}, validator, verifyOptions(c)).Verify(c.Context, data)
		return res, fmt.Sprintf(t.ledgerUnavailable, lerr), nil
	}
	defer l.Close()
	registry := verifier.NewRegistry(network.NewContract(l), verifier.RegistryOptions{Cache: cache, Logger: e.logger})
	recorder := cache.Recorder(guardTip(cache, registry.Ledger(), l), nil)
	res = verifier.New(recorder, validator, verifyOptions(c)).Verify(c.Context, data)
	if err := recorder.Flush(); err != nil {
		e.logger.Warn("statuses not cached for offline use", "err", err)
	}
	e.cacheStatusLists(c.Context, cache, data, network.NewContract(l))
	return res, note, nil
}

// verifyOptions returns the verifier options of the --nonce and
// --audience flags.
func verifyOptions(c *cli.Context) verifier.Options {
	return verifier.Options{Nonce: c.String("nonce"), Audience: c.String("audience")}
}

// readInput reads PATH, or standard input for "-", up to maxInput bytes;
// its errors are worded by t.
func readInput(path string, stdin io.Reader, t *verifyText) ([]byte, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf(t.cannotRead, path, err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf(t.isFolder, path)
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf(t.cannotRead, path, err)
	}
	if len(data) > maxInput {
		return nil, fmt.Errorf(t.tooLarge, path, maxInput>>20)
	}
	return data, nil
}

// printResult writes a verdict for people, in t's words (r is in the same
// language): the verdict and, unless valid, its summary; then each check.
func printResult(w io.Writer, r *verifier.Result, t *verifyText) {
	switch {
	case r.Verdict == verifier.Valid:
		fmt.Fprintln(w, t.valid)
	case r.Verdict == verifier.Indeterminate:
		fmt.Fprintln(w, t.indeterminate+r.Summary)
	default:
		fmt.Fprintln(w, t.invalid+r.Summary)
	}
	if r.Type != "" {
		fmt.Fprintf(w, t.issuedBy, r.Type, r.ID, r.Issuer)
	}
	for _, ch := range r.Checks {
		mark := t.markOK
		switch {
		case ch.Skipped:
			mark = t.markSkipped
		case !ch.OK:
			mark = t.markFailed
		}
		fmt.Fprintf(w, "  [%s] %-14s %s\n", mark, ch.Name, ch.Reason)
	}
	if len(r.Claims) > 0 {
		fmt.Fprintln(w, t.claimsShown)
		printClaims(w, r.Claims, t)
	}
}

// printClaims lists the signed claims in their order, competences by name.
func printClaims(w io.Writer, raw json.RawMessage, t *verifyText) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		fmt.Fprintf(w, "    %s\n", raw)
		return
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return
		}
		var value any
		if err := dec.Decode(&value); err != nil {
			return
		}
		if key == "competences" {
			if list, ok := value.([]any); ok {
				for _, item := range list {
					c, _ := item.(map[string]any)
					level := fmt.Sprint(c["level"])
					if level == "-1" {
						level = t.notPassed
					}
					fmt.Fprintf(w, t.competence, c["id"], c["name"], level)
				}
				continue
			}
		}
		if list, ok := value.([]any); ok {
			parts := make([]string, len(list))
			for i, v := range list {
				parts[i] = fmt.Sprint(v)
			}
			value = strings.Join(parts, ", ")
		}
		fmt.Fprintf(w, "    %s: %v\n", key, value)
	}
}

// unavailableLedger stands for a ledger that could not be opened: every
// read reports network.ErrUnavailable, so verdicts become indeterminate.
type unavailableLedger struct{ cause error }

func (u unavailableLedger) err() error { return fmt.Errorf("%w: %v", network.ErrUnavailable, u.cause) }

func (u unavailableLedger) GetIssuer(context.Context, string) (*record.Issuer, error) {
	return nil, u.err()
}

func (u unavailableLedger) GetStatus(context.Context, string) (*record.DigestStatus, error) {
	return nil, u.err()
}

func (u unavailableLedger) GetBatch(context.Context, string) (*record.Batch, error) {
	return nil, u.err()
}

// guardTip returns ledger, checked before every read against the highest
// tip the home's cache saw of l when l's block log can be followed
// (verifier.Cache.Guard): a ledger rolled back, or on another chain, gives
// indeterminate verdicts.
func guardTip(cache *verifier.Cache, ledger verifier.Ledger, l network.Ledger) verifier.Ledger {
	if chain, ok := l.(network.ChainReader); ok {
		return cache.Guard(ledger, chain)
	}
	return ledger
}
