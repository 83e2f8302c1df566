package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/wallet"
)

// verifierFlag is --verifier URL of the wallet's commands that verify.
func verifierFlag() cli.Flag {
	return &cli.StringFlag{Name: "verifier", Usage: "verify through the public Sceau verifier at `URL` instead of a ledger (default: the wallet's setting, see sceau wallet settings)"}
}

// checkVerifierURL accepts the http(s) URL of a verifier.
func checkVerifierURL(e *env, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", usageErr("%s", e.say(msgWalletBadVerifier, raw))
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// walletChecker is how the wallet's commands verify credentials: through a
// public verifier (--verifier, or the wallet's setting), through the
// `sceau serve` holding this home's ledger, or against the ledger itself.
type walletChecker struct {
	// verify returns a verdict worded in the command's language; a
	// verifier that does not answer makes it indeterminate.
	verify wallet.VerifyFunc
	// issuerName returns the name of the issuer of URI uri, or "".
	issuerName func(ctx context.Context, uri string) string
	// via is the verifier's URL, or "" for a ledger read directly.
	via   string
	close func()
}

// newWalletChecker returns the checker the command line and w select.
func newWalletChecker(c *cli.Context, e *env, w *wallet.Wallet) (*walletChecker, error) {
	lang := e.language()
	validator, err := schemas.NewValidator()
	if err != nil {
		return nil, err
	}
	base := c.String("verifier")
	if base != "" {
		if base, err = checkVerifierURL(e, base); err != nil {
			return nil, err
		}
	} else {
		settings, err := w.Settings()
		if err != nil {
			return nil, err
		}
		base = settings.Verifier
	}
	if base == "" {
		l, err := e.openLedger(c.Context, c)
		if info := readServeInfo(e.home); err != nil && info != nil && info.Secret != "" && errors.Is(err, embedded.ErrInUse) {
			// The server holding the ledger answers for it, authenticated
			// both ways; verdicts stay this command's own.
			if client, cerr := localLedgerClient(info); cerr == nil {
				l, err = client, nil
			}
		}
		cache := verifier.NewCache(org.Home(e.home).CacheDir())
		if err == nil {
			// Online, the registry read is kept in the cache, as is each
			// credential's status list: what the wallet reads when it has
			// no ledger.
			contract := network.NewContract(l)
			registry := verifier.NewRegistry(contract, verifier.RegistryOptions{Cache: cache, Logger: e.logger})
			v := verifier.New(registry.Ledger(), validator, verifier.Options{})
			return &walletChecker{
				verify: func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result {
					decoded, err := credential.Decode(ctx, input)
					res := v.VerifyDecoded(ctx, decoded, err, asked).In(lang)
					e.cacheStatusLists(ctx, cache, input, contract)
					return res
				},
				issuerName: ledgerIssuerName(contract),
				close:      func() { l.Close() },
			}, nil
		}
		var usage *exitError
		if errors.As(err, &usage) {
			return nil, err
		}
		// No ledger to query (a student's wallet usually has none): the
		// issuer registry the home's cache holds, and each credential's
		// status from its issuer's status list, fetched from its URL. A
		// revoked credential shows as revoked; what cannot be read makes
		// the verdict indeterminate.
		e.logger.Warn("ledger unavailable", "err", err)
		var ledger verifier.Ledger = unavailableLedger{err}
		if offline, oerr := cache.Offline(verifier.OfflineOptions{}); oerr == nil {
			ledger = offline
		}
		opts := verifier.Options{StatusLists: fetchingLists{e: e, cache: cache, lists: cache.StatusLists(verifier.ListOptions{})}}
		v := verifier.New(ledger, validator, opts)
		return &walletChecker{
			verify: func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result {
				decoded, err := credential.Decode(ctx, input)
				return v.VerifyDecoded(ctx, decoded, err, asked).In(lang)
			},
			issuerName: func(context.Context, string) string { return "" },
			close:      func() {},
		}, nil
	}
	return &walletChecker{
		verify: func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result {
			res, err := verifyAt(ctx, &http.Client{Timeout: serverTimeout}, base, input, lang)
			if err != nil {
				e.logger.Warn("the verifier did not answer", "url", base, "err", err)
				return verifier.New(unavailableLedger{err}, validator, verifier.Options{}).Verify(ctx, input).In(lang)
			}
			return heldByThisWallet(res, asked.Nonce != "", lang)
		},
		issuerName: verifierIssuerName(e, base),
		via:        base,
		close:      func() {},
	}, nil
}

// heldByThisWallet judges, for the wallet, a remote verifier's verdict on
// a credential bound to one of the wallet's own keys (boundHere: the
// wallet checked the key is its own, and presented the credential to
// itself or sent it without claims). A remote verifier accepts
// presentations only over the nonces it hands out, so it finds the holder
// binding wanting and nothing else; but the wallet is the holder, and whether
// it holds the key is its own to know. When holder binding is the only
// check that failed, the verdict is valid, its holder check saying so; any
// other failure stands.
func heldByThisWallet(res *verifier.Result, boundHere bool, lang verifier.Language) *verifier.Result {
	if !boundHere || res.Verdict != verifier.Invalid || res.Reason != verifier.ReasonHolderBinding {
		return res
	}
	for _, c := range res.Checks {
		if c.Name != verifier.CheckHolderBinding && !c.OK {
			return res
		}
	}
	out := *res
	out.Verdict, out.Reason, out.Summary = verifier.Valid, "", ""
	out.Checks = make([]verifier.Check, len(res.Checks))
	for i, c := range res.Checks {
		if c.Name == verifier.CheckHolderBinding {
			c = verifier.Check{Name: c.Name, OK: true, Reason: say(lang, msgWalletHoldsKey)}
		}
		out.Checks[i] = c
	}
	return &out
}

// ledgerIssuerName returns the name of an issuer by its URI, as the ledger
// behind contract holds it ("" when it cannot say).
func ledgerIssuerName(contract *network.Contract) func(ctx context.Context, uri string) string {
	return func(ctx context.Context, uri string) string {
		if id, err := credential.ParseIssuerURI(uri); err == nil {
			if rec, err := contract.GetIssuer(ctx, id); err == nil {
				return rec.Name
			}
		}
		return ""
	}
}

// verifierIssuerName returns the name of an issuer by its URI, from the
// trust list of the verifier at base, read once ("" when it cannot say).
func verifierIssuerName(e *env, base string) func(ctx context.Context, uri string) string {
	var names map[string]string
	var once sync.Once
	return func(ctx context.Context, uri string) string {
		once.Do(func() {
			var err error
			if names, err = issuerNamesAt(ctx, base); err != nil {
				e.logger.Warn("the verifier's issuers could not be read", "url", base, "err", err)
			}
		})
		return names[uri]
	}
}

// issuerLabel names an entry's issuer: its name, else its ledger id.
func issuerLabel(e *wallet.Entry) string {
	if e.IssuerName != "" {
		return e.IssuerName
	}
	if id, err := credential.ParseIssuerURI(e.Issuer); err == nil {
		return id
	}
	return e.Issuer
}

// withoutClaims returns what a verifier needs to give a credential's
// status without seeing its claims: its SD-JWT VC with no disclosure (the
// issuer's signature, its anchoring, status and validity are checked; no
// name, date or grade leaves the wallet), or the credential itself when
// the wallet holds no SD-JWT form of it.
func withoutClaims(e *wallet.Entry) string {
	if sd := e.SDJWT(); sd != "" {
		if jwt, _, ok := strings.Cut(sd, "~"); ok {
			return jwt + "~"
		}
	}
	return e.Data
}

// statusWorkers is how many credentials `wallet list` verifies at once.
const statusWorkers = 8

// credentialStatus is a credential's status as `wallet list` shows it.
type credentialStatus struct {
	// Key is valid, revoked, suspended, expired, invalid or unknown
	// (the verifier could not answer).
	Key string
	// Text is the status in the command's language.
	Text string
	// Reason is the verdict's reason code, when not valid.
	Reason verifier.Reason
}

// statusOf reads a verdict as a status.
func statusOf(lang verifier.Language, res *verifier.Result) credentialStatus {
	switch {
	case res.Verdict == verifier.Valid:
		return credentialStatus{"valid", say(lang, msgStatusValid), ""}
	case res.Verdict == verifier.Indeterminate:
		return credentialStatus{"unknown", say(lang, msgStatusUnknown, res.Summary), res.Reason}
	case res.Reason == verifier.ReasonRevoked:
		return credentialStatus{"revoked", say(lang, msgStatusRevoked), res.Reason}
	case res.Reason == verifier.ReasonSuspended:
		return credentialStatus{"suspended", say(lang, msgStatusSuspended), res.Reason}
	case res.Reason == verifier.ReasonExpired:
		return credentialStatus{"expired", say(lang, msgStatusExpired), res.Reason}
	}
	return credentialStatus{"invalid", say(lang, msgStatusInvalid, res.Summary), res.Reason}
}

// listWallet prints the wallet's credentials with their statuses, each
// refreshed from the verifier (statusWorkers at once).
func listWallet(c *cli.Context, e *env, w *wallet.Wallet, entries []*wallet.Entry) error {
	lang := e.language()
	if len(entries) == 0 && !c.Bool("json") {
		fmt.Fprintln(e.stderr, e.say(msgWalletEmpty))
		return nil
	}
	checker, err := newWalletChecker(c, e, w)
	if err != nil {
		return err
	}
	defer checker.close()
	statuses := make([]credentialStatus, len(entries))
	titles := make([]string, len(entries))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(statusWorkers, len(entries)) {
		wg.Go(func() {
			for i := range jobs {
				var res *verifier.Result
				if checker.via != "" {
					// No claim leaves the wallet: the verifier gets the
					// credential without its disclosures.
					res = checker.verify(c.Context, []byte(withoutClaims(entries[i])), verifier.PresentationRequest{})
					res = heldByThisWallet(res, w.BoundHere(entries[i]), lang)
				} else {
					var err error
					if res, err = w.Verify(c.Context, entries[i], checker.verify); err != nil {
						res = &verifier.Result{Verdict: verifier.Indeterminate, Reason: verifier.ReasonUnreadable, Summary: err.Error()}
					}
				}
				statuses[i] = statusOf(lang, res)
				titles[i] = entries[i].TitleOf(c.Context)
			}
		})
	}
	for i := range entries {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	if c.Bool("json") {
		type item struct {
			ID         string          `json:"id"`
			Type       string          `json:"type"`
			Title      string          `json:"title"`
			Issuer     string          `json:"issuer"`
			IssuerName string          `json:"issuer_name,omitempty"`
			Issued     string          `json:"issued"`
			Form       string          `json:"form"`
			Status     string          `json:"status"`
			Reason     verifier.Reason `json:"reason,omitempty"`
		}
		items := make([]item, len(entries))
		for i, en := range entries {
			items[i] = item{en.ID, en.Type, titles[i], en.Issuer, en.IssuerName, en.ValidFrom.Format(time.DateOnly), en.Form, statuses[i].Key, statuses[i].Reason}
		}
		return writeJSON(e.stdout, items)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, e.say(msgListHeader))
	for i, en := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", en.ID, titles[i], issuerLabel(en), en.ValidFrom.Format(time.DateOnly), statuses[i].Text)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if checker.via != "" {
		fmt.Fprintln(e.stderr, e.say(msgWalletThrough, checker.via))
	}
	return nil
}
