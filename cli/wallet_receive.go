package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/wallet"
	"github.com/sceau/sceau/wallet/oid4vciclient"
)

// receiveTimeout bounds a whole pickup.
const receiveTimeout = 2 * time.Minute

func walletReceiveCommand() *cli.Command {
	return &cli.Command{
		Name:      "receive",
		Usage:     "pick a credential up from an OpenID4VCI offer: bound to the wallet's key, verified, kept",
		ArgsUsage: "URI",
		Description: "URI is the offer the exam office gave (openid-credential-offer://?credential_offer=…, from `sceau offer`\n" +
			"or any OpenID4VCI issuer); --tx-code the transaction code given with it. The wallet proves it holds its\n" +
			"holder key, and the issuer returns the credential bound to it (an SD-JWT VC, cnf.jwk), which is verified\n" +
			"before it is kept: against the home's ledger, else through the `sceau serve` holding it, else through\n" +
			"the issuer's own verifier (POST /v1/verify at the credential issuer). An offer is single-use.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "tx-code", Usage: "the transaction code given with the offer"},
			&cli.BoolFlag{Name: "allow-http", Usage: "accept an issuer at a plain http:// URL on another machine (tests; loopback is always accepted)"},
		},
		Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
			if err := needArgs(c, 1, "the offer URI"); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(c.Context, receiveTimeout)
			defer cancel()
			client := &oid4vciclient.Client{HTTP: &http.Client{Timeout: receiveTimeout}, AllowHTTP: c.Bool("allow-http")}
			offer, err := client.ParseOffer(ctx, strings.TrimSpace(c.Args().First()))
			if err != nil {
				return usageErr("%v", err)
			}
			txCode := strings.TrimSpace(c.String("tx-code"))
			if offer.NeedsTxCode() && txCode == "" {
				return usageErr("%s", receiveTexts(e.language()).needTxCode)
			}
			got, err := client.Receive(ctx, offer, txCode, func(aud, nonce string) (string, error) {
				return w.KeyProof(aud, nonce, time.Now())
			})
			if err != nil {
				return err
			}
			if err := checkBound(got, w); err != nil {
				return err
			}
			verify, issuerName, closeLedger, where, err := receiveVerifier(c, e, offer.CredentialIssuer)
			if err != nil {
				return err
			}
			defer closeLedger()
			var entry, replaced *wallet.Entry
			if checkBoundFormat(got) {
				entry, replaced, err = w.ImportReceived(ctx, []byte(got.Credential), verify, issuerName)
			} else {
				entry, err = w.ImportNamed(ctx, []byte(got.Credential), verify, issuerName)
			}
			var notVerified *wallet.NotVerifiedError
			if errors.As(err, &notVerified) && notVerified.Result.Verdict == verifier.Indeterminate {
				return &exitError{code: ExitIndeterminate, err: err}
			}
			if err != nil {
				return fmt.Errorf(receiveTexts(e.language()).notKept, offer.CredentialIssuer, err)
			}
			txt := receiveTexts(e.language())
			fmt.Fprintf(e.stdout, txt.received,
				entry.ID, entry.Type, entry.Issuer, entry.ValidFrom.Format(time.DateOnly), entry.Form, w.HolderKey().KID())
			if replaced != nil {
				fmt.Fprintf(e.stdout, txt.replaces, replaced.Form, replaced.ImportedAt.Format(time.DateOnly))
			}
			if where != "" {
				fmt.Fprintln(e.stderr, where)
			}
			return nil
		}),
	}
}

// checkBound refuses an SD-JWT VC that is not bound to the wallet's key:
// the wallet asked for one (a credential of another format is kept as it
// is: a W3C vc+jwt has no holder binding).
func checkBound(got *oid4vciclient.Received, w *wallet.Wallet) error {
	if !checkBoundFormat(got) {
		return nil
	}
	sd, err := credential.ParseSDJWT(got.Credential)
	if err != nil {
		return fmt.Errorf("the issuer returned what is not an SD-JWT VC: %w", err)
	}
	if sd.Credential.HolderKey == nil {
		return errors.New("the issuer returned a credential bound to no key (no cnf.jwk): it could not be presented with key binding")
	}
	if sd.Credential.HolderKey.KID() != w.HolderKey().KID() {
		return fmt.Errorf("the issuer bound the credential to key %s, not to the wallet's %s", sd.Credential.HolderKey.KID(), w.HolderKey().KID())
	}
	return nil
}

// receiveVerifier returns how a received credential is verified: against
// the home's ledger when it opens, or read through the `sceau serve`
// holding it (network/ledgerapi); else through the credential issuer's
// public verifier. where says which when it is not the ledger itself.
func receiveVerifier(c *cli.Context, e *env, issuerURL string) (wallet.VerifyFunc, func(ctx context.Context, uri string) string, func(), string, error) {
	validator, err := schemas.NewValidator()
	if err != nil {
		return nil, nil, nil, "", err
	}
	l, lerr := e.openLedger(c.Context, c)
	if lerr == nil {
		v := verifier.New(network.NewContract(l), validator, verifier.Options{})
		verify := func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result {
			decoded, err := credential.Decode(ctx, input)
			return v.VerifyDecoded(ctx, decoded, err, asked)
		}
		return verify, ledgerIssuerName(network.NewContract(l)), func() { l.Close() }, "", nil
	}
	var usage *exitError
	if errors.As(lerr, &usage) {
		return nil, nil, nil, "", lerr
	}
	info := readServeInfo(e.home)
	if info != nil && info.Secret != "" && errors.Is(lerr, embedded.ErrInUse) {
		// The server holding the ledger answers for it, authenticated both
		// ways; the verdict stays this command's own, as for sceau verify.
		if client, err := localLedgerClient(info); err == nil {
			contract := network.NewContract(client)
			v := verifier.New(contract, validator, verifier.Options{})
			where := fmt.Sprintf(verifyTexts(e.language()).ledgerThroughServer, info.PID, info.URL)
			verify := func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result {
				decoded, err := credential.Decode(ctx, input)
				return v.VerifyDecoded(ctx, decoded, err, asked)
			}
			return verify, ledgerIssuerName(contract), func() { client.Close() }, where, nil
		}
	}
	if info == nil || !errors.Is(lerr, embedded.ErrInUse) {
		e.logger.Info("no ledger here: verifying through the credential issuer's verifier", "err", lerr)
		info = &serveInfo{URL: issuerURL}
	}
	lang := e.language()
	where := fmt.Sprintf(receiveTexts(lang).verifiedAt, info.URL)
	verify := func(ctx context.Context, input []byte, asked verifier.PresentationRequest) *verifier.Result {
		var res *verifier.Result
		var err error
		if info.Secret != "" {
			res, err = verifyThroughServer(ctx, info, input, lang)
		} else {
			res, err = verifyAt(ctx, &http.Client{Timeout: serverTimeout}, info.URL, input, lang)
		}
		if err != nil {
			e.logger.Warn("verifying the received credential", "url", info.URL, "err", err)
			return verifier.New(unavailableLedger{err}, validator, verifier.Options{}).Verify(ctx, input)
		}
		// The credential is bound to this wallet's key (checked before):
		// the verifier elsewhere judges everything but that.
		return heldByThisWallet(res, asked.Nonce != "", lang)
	}
	return verify, verifierIssuerName(e, info.URL), func() {}, where, nil
}

// checkBoundFormat reports whether the credential received is of a format
// bound to the wallet's key (an SD-JWT VC).
func checkBoundFormat(got *oid4vciclient.Received) bool {
	return got.Format == "dc+sd-jwt" || got.Format == "vc+sd-jwt"
}

// receiveText is what `sceau wallet receive` tells the student, in one
// language.
type receiveText struct {
	needTxCode, notKept, received, replaces, verifiedAt string
}

func receiveTexts(lang verifier.Language) *receiveText {
	if lang == verifier.French {
		return &receiveText{
			needTxCode: "cette offre demande le code de retrait donné avec elle : --tx-code CODE",
			notKept:    "l'attestation reçue de %s n'a pas été gardée : %w",
			received:   "reçue : %s (%s de %s, délivrée le %s, gardée en %s, liée à la clé du titulaire %s)\n",
			replaces:   "elle remplace la même attestation importée plus tôt en %s (%s), qui ne pouvait pas être présentée avec la clé du titulaire\n",
			verifiedAt: "vérifiée par le vérificateur de %s",
		}
	}
	return &receiveText{
		needTxCode: "this offer needs the transaction code given with it: --tx-code CODE",
		notKept:    "the credential received from %s was not kept: %w",
		received:   "received %s (%s from %s, issued %s, kept as %s, bound to holder key %s)\n",
		replaces:   "it replaces the same credential imported earlier as %s (%s), which could not be presented with key binding\n",
		verifiedAt: "verified by the verifier at %s",
	}
}
