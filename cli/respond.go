package cli

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/sceau/sceau/oid4vp"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/wallet"
)

// respondTimeout bounds each HTTP exchange of `sceau wallet respond`.
const respondTimeout = 30 * time.Second

// respondText is every word `sceau wallet respond` prints, in one language.
type respondText struct {
	asks, says, checked, unchecked, credential, claims, onlyVisible string
	chosen, consent, declined, sent, redirect                       string
	cannot                                                          map[string]string
	fetchFailed, postFailed, refused                                string
}

func respondTexts(lang verifier.Language) *respondText {
	if lang == verifier.French {
		return &respondText{
			asks: "Vérificateur : %s\nIl demande :\n", says: " ; se présente comme « %s » (non vérifié)",
			checked:    " (identité vérifiée par son certificat : %s)",
			unchecked:  " (identité non vérifiée : préfixe %s, demande non signée)",
			credential: "  - %s (requête %q)\n", claims: "    informations : %s\n", onlyVisible: "ce qui est toujours visible (intitulé, type, émetteur)",
			chosen:  "Présentée : %s, délivrée le %s ; ne sont divulgués que : %s\n",
			consent: "Envoyer cette présentation à %s ? [o/N] ", declined: "rien n'a été envoyé",
			sent:     "Présentation envoyée à %s : acceptée.\n",
			redirect: "Le vérificateur vous renvoie vers : %s\n",
			cannot: map[string]string{
				wallet.CannotFormat:       "la requête %[1]q demande le format %[3]q : le portefeuille Sceau ne présente que des SD-JWT VC (dc+sd-jwt)",
				wallet.CannotAlgorithm:    "le vérificateur n'accepte que des JWT de liaison signés en %[3]s ; ce portefeuille signe en ES256",
				wallet.CannotType:         "la requête %[1]q demande une attestation de type %[3]s, que Sceau ne délivre pas",
				wallet.CannotQuery:        "la requête %[1]q n'est pas prise en charge par le portefeuille Sceau (détail, en anglais : %[3]s)",
				wallet.CannotNoCredential: "le portefeuille ne contient aucune attestation %[2]s sous sa forme SD-JWT (importez le bundle remis par l'émetteur)",
				wallet.CannotNotBound:     "les attestations %[2]s du portefeuille ne sont pas liées à sa clé de titulaire : aucune présentation ne peut prouver qu'elles sont à vous",
				wallet.CannotClaims:       "aucune attestation %[2]s du portefeuille ne contient %[4]s, que le vérificateur demande",
				wallet.CannotExpired:      "la demande a expiré : demandez-en une nouvelle au vérificateur",
			},
			fetchFailed: "récupération de la demande sur %s : %v",
			postFailed:  "envoi de la présentation à %s : %v",
			refused:     "le vérificateur %s a refusé la présentation : %s",
		}
	}
	return &respondText{
		asks: "Verifier: %s\nIt asks for:\n", says: "; calls itself \"%s\" (not verified)",
		checked:    " (identity checked by its certificate: %s)",
		unchecked:  " (identity not checked: %s prefix, unsigned request)",
		credential: "  - %s (query %q)\n", claims: "    claims: %s\n", onlyVisible: "what is always shown (title, type, issuer)",
		chosen:  "Presenting %s, issued %s; disclosing only: %s\n",
		consent: "Send this presentation to %s? [y/N] ", declined: "nothing was sent",
		sent:     "Presentation sent to %s: accepted.\n",
		redirect: "The verifier sends you on to: %s\n",
		cannot: map[string]string{
			wallet.CannotFormat:       "query %[1]q asks for format %[3]q: Sceau's wallet presents SD-JWT VCs (dc+sd-jwt) only",
			wallet.CannotAlgorithm:    "the verifier accepts key-binding JWTs signed with %[3]s only; this wallet signs with ES256",
			wallet.CannotType:         "query %[1]q asks for a credential of type %[3]s, which Sceau does not issue",
			wallet.CannotQuery:        "query %[1]q: %[3]s, which Sceau's wallet does not support",
			wallet.CannotNoCredential: "the wallet holds no %[2]s in its SD-JWT form (import the bundle the issuer gave)",
			wallet.CannotNotBound:     "the wallet's %[2]s credentials are not bound to its holder key: no presentation can prove they are yours",
			wallet.CannotClaims:       "no %[2]s of the wallet has %[4]s, which the verifier asks for",
			wallet.CannotExpired:      "the request has expired: ask the verifier for a new one",
		},
		fetchFailed: "fetching the request from %s: %v",
		postFailed:  "sending the presentation to %s: %v",
		refused:     "the verifier %s refused the presentation: %s",
	}
}

// cannotHonour words a *wallet.CannotHonourError in t's language.
func (t *respondText) cannotHonour(e *wallet.CannotHonourError) string {
	format, ok := t.cannot[e.Reason]
	if !ok {
		return e.Error()
	}
	return fmt.Sprintf(format, e.QueryID, e.Type, e.Detail, strings.Join(e.Claims, ", "))
}

func walletRespondCommand() *cli.Command {
	return &cli.Command{
		Name:      "respond",
		Usage:     "answer a verifier's OpenID4VP request (openid4vp:// URI): show what is asked, present only those claims",
		ArgsUsage: "URI",
		Description: "Fetches the request (request_uri), says who asks for which credential and claims, refuses what the\n" +
			"wallet cannot honour (a type Sceau does not issue, claims the credential lacks, a credential not bound\n" +
			"to the wallet's holder key), then posts a presentation disclosing only the claims asked for, with a\n" +
			"key-binding JWT over the request's nonce and the verifier's client identifier (response_mode\n" +
			"direct_post). On a terminal it asks before sending, unless --yes.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "send without asking"},
			&cli.StringFlag{Name: "credential", Usage: "present this credential `ID` rather than the most recent that answers"},
			&cli.StringFlag{Name: "ca", Usage: "also trust the certificate authorities of this PEM `FILE` (HTTPS, and requests signed under x509_san_dns)"},
		},
		Action: withWallet(func(c *cli.Context, e *env, w *wallet.Wallet, _ string) error {
			if err := needArgs(c, 1, "one openid4vp:// URI"); err != nil {
				return err
			}
			roots, err := trustedRoots(c.String("ca"))
			if err != nil {
				return err
			}
			return respond(c.Context, e, w, c.Args().First(), respondOptions{yes: c.Bool("yes"), credential: c.String("credential"), roots: roots})
		}),
	}
}

// respondOptions are the flags of `sceau wallet respond`.
type respondOptions struct {
	yes        bool
	credential string
	// roots are the certificate authorities trusted; nil: the system's.
	roots *x509.CertPool
}

// trustedRoots returns the system's certificate authorities and those of
// the PEM file path, or nil (the system's alone) when path is "".
func trustedRoots(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("--ca: %v", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, usageErr("--ca %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// respond is `sceau wallet respond`.
func respond(ctx context.Context, e *env, w *wallet.Wallet, uri string, o respondOptions) error {
	lang := e.language()
	t := respondTexts(lang)
	a, err := oid4vp.ParseAuthorizationURI(uri)
	if err != nil {
		return usageErr("%v", err)
	}
	client := &http.Client{Timeout: respondTimeout}
	if o.roots != nil {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: o.roots, MinVersion: tls.VersionTLS12}}
	}
	req := a.Request
	var signed *oid4vp.Signed
	if req == nil {
		jwt, err := fetchRequestObject(ctx, client, a.RequestURI, lang)
		if err != nil {
			return fmt.Errorf(t.fetchFailed, a.RequestURI, err)
		}
		if req, signed, err = oid4vp.ReadRequestObjectSigned(jwt, oid4vp.ReadOptions{Roots: o.roots}); err != nil {
			return fmt.Errorf(t.fetchFailed, a.RequestURI, err)
		}
		if err := a.CheckReference(req); err != nil {
			return fmt.Errorf(t.fetchFailed, a.RequestURI, err)
		}
	}
	asked, err := wallet.Understand(req)
	var cannot *wallet.CannotHonourError
	if errors.As(err, &cannot) {
		return errors.New(t.cannotHonour(cannot))
	}
	if err != nil {
		return err
	}
	who := asked.Verifier
	identity := fmt.Sprintf(t.unchecked, oid4vp.PrefixRedirectURI)
	if signed != nil {
		identity = fmt.Sprintf(t.checked, signed.Subject)
	}
	says := ""
	if asked.ClientName != "" {
		says = fmt.Sprintf(t.says, asked.ClientName)
	}
	fmt.Fprintf(e.stdout, t.asks, who+identity+says)
	for _, ac := range asked.Credentials {
		fmt.Fprintf(e.stdout, t.credential, typeLabel(lang, ac.Type), ac.QueryID)
		for _, set := range ac.ClaimSets {
			shown := t.onlyVisible
			if len(set) > 0 {
				shown = strings.Join(set, ", ")
			}
			fmt.Fprintf(e.stdout, t.claims, shown)
		}
	}
	ans, err := w.Answer(req, asked, wallet.AnswerOptions{Credential: o.credential})
	if errors.As(err, &cannot) {
		return errors.New(t.cannotHonour(cannot))
	}
	if err != nil {
		return err
	}
	for _, ch := range ans.Chosen {
		shown := t.onlyVisible
		if len(ch.Disclose) > 0 {
			shown = strings.Join(ch.Disclose, ", ")
		}
		fmt.Fprintf(e.stdout, t.chosen, ch.Entry.ID, ch.Entry.ValidFrom.Format(time.DateOnly), shown)
	}
	if !o.yes && isTerminal(e.stdin) {
		fmt.Fprintf(e.stderr, t.consent, who)
		line, _ := bufio.NewReader(e.stdin).ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes", "o", "oui":
		default:
			return errors.New(t.declined)
		}
	}
	redirect, err := postResponse(ctx, client, req, ans.VPToken, lang)
	var refused *verifierRefusal
	if errors.As(err, &refused) {
		return fmt.Errorf(t.refused, who, refused.description)
	}
	if err != nil {
		return fmt.Errorf(t.postFailed, req.ResponseURI, err)
	}
	fmt.Fprintf(e.stdout, t.sent, who)
	if redirect != "" {
		fmt.Fprintf(e.stdout, t.redirect, redirect)
	}
	return nil
}

// typeLabel names a credential type in lang.
func typeLabel(lang verifier.Language, typ string) string {
	if lang == verifier.French {
		switch typ {
		case "Diploma":
			return "Diplôme"
		case "PixCertification":
			return "Certification Pix"
		}
	}
	if typ == "PixCertification" {
		return "Pix certification"
	}
	return typ
}

// isTerminal reports whether r is a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// fetchRequestObject GETs a request object, at most
// oid4vp.MaxRequestObject bytes.
func fetchRequestObject(ctx context.Context, client *http.Client, requestURI string, lang verifier.Language) (string, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, requestURI, nil)
	if err != nil {
		return "", err
	}
	hreq.Header.Set("Accept", "application/"+oid4vp.RequestObjectType+", application/jwt;q=0.9")
	hreq.Header.Set("Accept-Language", string(lang))
	resp, err := client.Do(hreq)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, oid4vp.MaxRequestObject+1))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s%s", resp.Status, oauthDescription(body))
	}
	if len(body) > oid4vp.MaxRequestObject {
		return "", fmt.Errorf("the request object is larger than the %d bytes allowed", oid4vp.MaxRequestObject)
	}
	return string(body), nil
}

// verifierRefusal is a response the verifier refused.
type verifierRefusal struct{ description string }

func (e *verifierRefusal) Error() string { return e.description }

// postResponse posts the vp_token to the request's response_uri
// (direct_post) and returns the redirect_uri the verifier may answer with.
func postResponse(ctx context.Context, client *http.Client, req *oid4vp.Request, vpToken string, lang verifier.Language) (string, error) {
	form := url.Values{"vp_token": {vpToken}}
	if req.State != "" {
		form.Set("state", req.State)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, req.ResponseURI, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("Accept-Language", string(lang))
	resp, err := client.Do(hreq)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		d := strings.TrimPrefix(oauthDescription(body), ": ")
		if d == "" {
			d = resp.Status
		}
		return "", &verifierRefusal{description: d}
	}
	var ok struct {
		RedirectURI string `json:"redirect_uri"`
	}
	_ = json.Unmarshal(body, &ok) // an empty or non-JSON 200 is an acceptance without redirect
	return ok.RedirectURI, nil
}

// oauthDescription returns ": <error_description>" (or ": <error>") of an
// OAuth error body, or "".
func oauthDescription(body []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	switch {
	case e.Description != "":
		return ": " + e.Description
	case e.Error != "":
		return ": " + e.Error
	}
	return ""
}
