package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/issuer/issuerapi"
	"github.com/sceau/sceau/issuer/oid4vci"
	"github.com/sceau/sceau/issuer/oid4vciapi"
	"github.com/sceau/sceau/issuer/publicapi"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/ledgerapi"
	"github.com/sceau/sceau/oid4vp"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/provenance"
	"github.com/sceau/sceau/provenance/provenanceapi"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/server"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/presentation"
	"github.com/sceau/sceau/verifier/verifierapi"
)

// serveInfo is the content of serve.json (org.Home.ServeInfoFile), 0600.
type serveInfo struct {
	PID       int    `json:"pid"`
	Addr      string `json:"addr"`
	URL       string `json:"url"`
	StartedAt string `json:"startedAt"`
	// TLSCert is the certificate file the server presents, when it serves
	// HTTPS: a command of the same home that goes through the server trusts
	// that certificate, and only it (serverClient).
	TLSCert string `json:"tlsCert,omitempty"`
	// Secret (base64url, 32 random bytes drawn at start) authenticates the
	// home's commands to the server and the server's answers to them, both
	// ways: their ledger calls (network/ledgerapi) and verifications
	// (verifierapi.LocalVerify). serve.json is 0600.
	Secret string `json:"secret"`
}

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the public verifier, the issuer API, the OpenID4VCI credential issuer (students' pickups), /healthz, /readyz and /metrics",
		Description: "Routes: GET / and GET /v (web page; /v#sc1=… is a certificate's link), POST /v1/verify,\n" +
			"POST /v1/scan (a camera frame), GET /v1/challenge, GET /v1/issuers, POST /credentials/verify,\n" +
			"POST /presentations/verify, GET /healthz (liveness), GET /readyz (readiness: 200 when the ledger\n" +
			"answers, else 503 and the reason), GET /metrics. No token is needed.\n" +
			"With --tls-cert and --tls-key it serves HTTPS, which phones need to give the page the camera.\n" +
			"OpenID4VCI (students pick up the offers of `sceau offer`): GET /.well-known/openid-credential-issuer,\n" +
			"GET /.well-known/oauth-authorization-server, POST /oid4vci/token, /oid4vci/nonce, /oid4vci/credential;\n" +
			"the credential issuer is --public-url, else http://<addr>.\n" +
			"OpenID4VP presentation requests: GET /presentation (the employer's page), POST /v1/presentation-requests,\n" +
			"GET /v1/presentation-requests/{id}; their URLs are built on --public-url.\n" +
			"While it runs on an embedded ledger, the home's other commands that need the ledger (issue, revoke,\n" +
			"suspend, reinstate, issuer …) send their transactions through it, authenticated with the secret it\n" +
			"writes in <home>/serve.json (0600), as `sceau verify` and the wallet read it; only the ledger's\n" +
			"audits (sceau ledger verify, export) wait for it to stop. Stops cleanly on SIGINT or SIGTERM.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Usage: "address to listen on, HOST:PORT (port 0 picks a free one)", Value: "127.0.0.1:8080"},
			&cli.StringFlag{Name: "audience", Usage: "who presentations must be made to (their key-binding JWT's aud)", DefaultText: "--public-url, else http://<addr>"},
			&cli.DurationFlag{Name: "registry-ttl", Usage: "how long the issuer registry read from the ledger is kept", Value: verifier.DefaultRegistryTTL},
			&cli.StringFlag{Name: "tls-cert", Usage: "serve HTTPS with the certificate (chain) of this PEM `FILE`; phones give the page the camera only over HTTPS"},
			&cli.StringFlag{Name: "tls-key", Usage: "the private key (PEM `FILE`) of --tls-cert"},
			&cli.DurationFlag{Name: "republish-every", Usage: "how often the issuers' status lists are published again when a status changed", Value: issuer.DefaultRepublishEvery},
		},
		Action: action(func(c *cli.Context, e *env) error {
			if c.NArg() != 0 {
				return usageErr("serve takes no positional argument (flags only)")
			}
			if !c.IsSet("log-level") {
				// Request logs are info: shown unless asked otherwise.
				logger, err := newLogger(e.stderr, c.String("log-format"), slog.LevelInfo)
				if err != nil {
					return err
				}
				e.logger = logger
			}
			return runServe(c.Context, c, e, serveOptions{
				addr: c.String("addr"), audience: c.String("audience"), registryTTL: c.Duration("registry-ttl"),
				tlsCert: c.String("tls-cert"), tlsKey: c.String("tls-key"), republishEvery: c.Duration("republish-every"),
			})
		}),
	}
}

type serveOptions struct {
	addr        string
	audience    string
	registryTTL time.Duration
	// tlsCert and tlsKey are the PEM files of --tls-cert and --tls-key:
	// both or neither; tls is their configuration, once read.
	tlsCert, tlsKey string
	tls             *tls.Config
	// republishEvery is --republish-every: how often status lists are
	// published again after a status change.
	republishEvery time.Duration
	// localSecret, when set, authenticates the home's commands that reach
	// the ledger through this server (POST /v1/local/ledger).
	localSecret string
}

// serveTLS returns the TLS configuration of --tls-cert and --tls-key, or
// nil when neither is given. The files are read once, at start: a file
// that is missing, unreadable or not a matching certificate and key stops
// serve before it listens.
func serveTLS(o serveOptions) (*tls.Config, error) {
	switch {
	case o.tlsCert == "" && o.tlsKey == "":
		return nil, nil
	case o.tlsCert == "":
		return nil, usageErr("--tls-key needs --tls-cert: give both, or neither to serve plain HTTP")
	case o.tlsKey == "":
		return nil, usageErr("--tls-cert needs --tls-key: give both, or neither to serve plain HTTP")
	}
	pair, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
	if err != nil {
		return nil, usageErr("--tls-cert %s, --tls-key %s: %v", o.tlsCert, o.tlsKey, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}, nil
}

func runServe(ctx context.Context, c *cli.Context, e *env, o serveOptions) error {
	tlsConfig, err := serveTLS(o)
	if err != nil {
		return err
	}
	ledger, err := e.openLedger(ctx, c)
	if err != nil {
		return err
	}
	defer ledger.Close()
	if d, ok := ledger.(interface{ Damaged() error }); ok && d.Damaged() != nil {
		// A store changed behind the ledger's back is not served.
		return &exitError{code: ExitIndeterminate, err: fmt.Errorf("serve: %w", d.Damaged())}
	}
	listener, err := net.Listen("tcp", o.addr)
	if err != nil {
		return usageErr("--addr %s: %v", o.addr, err)
	}
	defer listener.Close()
	url := "http://" + listener.Addr().String()
	if tlsConfig != nil {
		url = "https://" + listener.Addr().String()
		listener = tls.NewListener(listener, tlsConfig)
	}
	publicURL := e.publicURL
	if publicURL == "" {
		publicURL = url
	}
	if o.audience == "" {
		o.audience = publicURL
	}

	embeddedLedger := c.String("ledger") == "embedded" || c.String("ledger") == ""
	if embeddedLedger {
		// The home's other commands reach the ledger this process holds
		// through it, with the secret of serve.json.
		if o.localSecret, err = ledgerapi.NewSecret(); err != nil {
			return err
		}
	}
	o.tls = tlsConfig
	handler, closeAPIs, err := serveHandler(ctx, e, ledger, o, publicURL)
	if err != nil {
		return err
	}
	defer closeAPIs()

	if embeddedLedger {
		info := serveInfo{PID: os.Getpid(), Addr: listener.Addr().String(), URL: url, StartedAt: time.Now().UTC().Format(time.RFC3339), Secret: o.localSecret}
		if tlsConfig != nil {
			if info.TLSCert, err = filepath.Abs(o.tlsCert); err != nil {
				return err
			}
		}
		if err := writeServeInfo(e.home, info); err != nil {
			return err
		}
		defer removeServeInfo(e.home, info.PID)
	}

	fmt.Fprintf(e.stdout, "sceau serve: verifier listening on %s (audience %s)\n", url, o.audience)
	fmt.Fprintf(e.stdout, "sceau serve: OpenID4VCI credential issuer %s (offers: sceau offer)\n", publicURL)
	if err := server.Serve(ctx, listener, handler, e.logger); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "sceau serve: stopped")
	return nil
}

// serveHandler returns everything `sceau serve` serves: the verifier (with
// its presentation requests), the issuer API, the OpenID4VCI credential
// issuer, the public routes (status lists, metadata), the resources API,
// the local ledger route when o.localSecret is set, their OpenAPI document,
// /healthz, /readyz and /metrics; and the func that stops the APIs'
// background work once the server has stopped.
func serveHandler(ctx context.Context, e *env, ledger network.Ledger, o serveOptions, publicURL string) (http.Handler, func(), error) {
	reg := prometheus.NewRegistry()
	validator, err := schemas.NewValidator()
	if err != nil {
		return nil, nil, err
	}
	contract := network.NewContract(ledger)
	cache := verifier.NewCache(org.Home(e.home).CacheDir())
	registry := verifier.NewRegistry(contract, verifier.RegistryOptions{
		TTL: o.registryTTL, Cache: cache, Logger: e.logger,
	})
	var localSecret []byte
	if o.localSecret != "" {
		if localSecret, err = base64.RawURLEncoding.DecodeString(o.localSecret); err != nil {
			return nil, nil, err
		}
	}
	// Over HTTPS, presentation requests are signed with the server's
	// certificate (client identifier x509_san_dns) when it names the public
	// URL's host; otherwise they stay unsigned, of the redirect_uri prefix.
	var presentations presentation.Config
	if signer := requestSigner(o.tls); signer != nil {
		if err := signer.CheckHost(oid4vp.HostOf(publicURL)); err != nil {
			e.logger.Warn("presentation requests stay unsigned (redirect_uri): the TLS certificate does not name the public URL's host", "err", err)
		} else {
			presentations.Signer = signer
		}
	}
	svc, err := verifierapi.New(verifierapi.Config{
		Registry: registry, Ledger: guardTip(cache, registry.Ledger(), ledger),
		Validator: validator, Audience: o.audience, PublicURL: publicURL, Metrics: reg, Logger: e.logger,
		Presentations: presentations, LocalSecret: localSecret,
	})
	if err != nil {
		return nil, nil, err
	}
	apiMounters, closeAPIs, err := issuerAPIMounters(ctx, e, ledger, reg, publicURL, o.republishEvery)
	if err != nil {
		return nil, nil, err
	}
	// Readiness: the ledger answers a query. Other checks are added to the
	// same list.
	ready := server.NewReadiness(server.Check{Name: "ledger", Run: func(ctx context.Context) error {
		_, err := contract.ListIssuers(ctx, 1, "")
		return err
	}})
	mounters := append([]func(chi.Router){svc.Routes, ready.Routes}, apiMounters...)
	if o.localSecret != "" {
		local, err := ledgerapi.New(ledger, o.localSecret, e.logger)
		if err != nil {
			closeAPIs()
			return nil, nil, err
		}
		mounters = append(mounters, local.Routes)
	}
	openAPI, err := serveOpenAPI()
	if err != nil {
		closeAPIs()
		return nil, nil, err
	}
	mounters = append(mounters, server.OpenAPIRoutes(openAPI))
	handler, err := server.Handler(e.logger, reg, mounters...)
	if err != nil {
		closeAPIs()
		return nil, nil, err
	}
	return handler, closeAPIs, nil
}

// issuerAPIMounters returns the routes that need an issuer's API token:
// issuing over HTTP (the issuer API, with its OpenAPI document) and the
// registration of teachers' resources. The returned func stops their
// background work once the server has stopped. Issuer keys are unlocked at
// start from SCEAU_KEY_PASSPHRASE; an issuer whose key stays locked is
// reported, and its issuing requests fail until it can be unlocked.
//
// The OpenID4VCI Credential Issuer (students' pickups) shares the issuer
// API's desk, and answers as publicURL.
func issuerAPIMounters(ctx context.Context, e *env, ledger network.Ledger, reg prometheus.Registerer, publicURL string, republishEvery time.Duration) ([]func(chi.Router), func(), error) {
	svc := e.issuerService(ledger)
	svc.Base = publicURL
	tokens := &org.Tokens{Home: org.Home(e.home)}
	api, err := issuerapi.New(issuerapi.Config{Service: svc, Tokens: tokens, Logger: e.logger, Metrics: reg})
	if err != nil {
		return nil, nil, err
	}
	if err := api.UnlockKeys(); err != nil {
		e.logger.Warn("issuer keys still locked: their issuing requests will fail", "err", err)
	}
	pickup, err := oid4vci.New(oid4vci.Config{Desk: api.Desk(), CredentialIssuer: publicURL, Logger: e.logger})
	if err != nil {
		api.Close()
		return nil, nil, err
	}
	api.EnablePickup(pickup)
	public, err := publicapi.New(publicapi.Config{Service: svc, Base: publicURL, Logger: e.logger})
	if err != nil {
		api.Close()
		return nil, nil, err
	}
	background, stopBackground := context.WithCancel(ctx)
	// Expired offers are purged, and the status lists are published at
	// start, then again whenever a status changes, until the server stops.
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); pickup.Run(background) }()
	go func() { defer wg.Done(); api.Desk().KeepStatusListsPublished(background, republishEvery) }()
	resources := provenance.NewService(e.home, ledger, e.logger)
	mounters := []func(chi.Router){
		api.Routes,
		public.Routes,
		func(r chi.Router) { oid4vciapi.Routes(r, pickup, e.logger) },
		func(r chi.Router) { provenanceapi.Routes(r, resources, tokens) },
	}
	return mounters, func() { stopBackground(); wg.Wait(); api.Close() }, nil
}

// serveOpenAPI assembles the OpenAPI document of every route `sceau serve`
// mounts, from each package's description of its own.
func serveOpenAPI() ([]byte, error) {
	return server.AssembleOpenAPI(server.OpenAPI, verifierapi.OpenAPI, publicapi.OpenAPI, issuerapi.OpenAPI, oid4vciapi.OpenAPI, provenanceapi.OpenAPI)
}

func writeServeInfo(home string, info serveInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return fsutil.WriteFileAtomic(org.Home(home).ServeInfoFile(), append(data, '\n'), 0o600)
}

// removeServeInfo removes serve.json if it is still this process's.
func removeServeInfo(home string, pid int) {
	if info := readServeInfo(home); info != nil && info.PID == pid {
		os.Remove(org.Home(home).ServeInfoFile())
	}
}

// readServeInfo returns what a running `sceau serve` wrote in home, or
// nil if there is none (or its process is gone). A serve.json that others
// than its owner may read or write is not believed: its secret would not
// be one.
func readServeInfo(home string) *serveInfo {
	path := org.Home(home).ServeInfoFile()
	if st, err := os.Stat(path); err != nil || st.Mode().Perm()&0o077 != 0 {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var info serveInfo
	if json.Unmarshal(data, &info) != nil || info.PID <= 0 || info.URL == "" || !processAlive(info.PID) {
		return nil
	}
	return &info
}

// heldByServer returns a clearer error for a ledger another process holds,
// naming the `sceau serve` that holds it when there is one.
func heldByServer(home string, err error) error {
	info := readServeInfo(home)
	if info == nil {
		return err
	}
	return fmt.Errorf("%w: it is held by `sceau serve` (pid %d) at %s: stop it first, or use its API", err, info.PID, info.URL)
}

// serverTimeout bounds a verification through a local `sceau serve`.
const serverTimeout = 2 * time.Minute

// verifyThroughServer sends input to the `sceau serve` described by info
// and returns its verdict, which the server words in lang. It believes
// only an answer that proves to come from that server (the secret of
// serve.json) and to be about input (verifierapi.LocalVerify).
func verifyThroughServer(ctx context.Context, info *serveInfo, input []byte, lang verifier.Language) (*verifier.Result, error) {
	secret, err := base64.RawURLEncoding.DecodeString(info.Secret)
	if err != nil || len(secret) < 16 {
		return nil, fmt.Errorf("%s has no secret to authenticate the server at %s with (a server of an older version, or not a server): %w", "serve.json", info.URL, verifierapi.ErrNotTheServer)
	}
	client, err := serverClient(info)
	if err != nil {
		return nil, err
	}
	return verifierapi.LocalVerify(ctx, client, info.URL, secret, input, lang)
}

// verifyAt sends input to the Sceau verifier at base (POST /v1/verify: a
// `sceau serve`, this home's or a public one) and returns its verdict,
// which the verifier words in lang.
func verifyAt(ctx context.Context, client *http.Client, base string, input []byte, lang verifier.Language) (*verifier.Result, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "input")
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(input); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/v1/verify", &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", string(lang))
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the verifier at %s: %w", base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, verifierapi.MaxJSONBody))
	if err != nil {
		return nil, fmt.Errorf("asking the verifier at %s: %w", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("the verifier at %s answered %s: %s", base, resp.Status, e.Error)
		}
		return nil, fmt.Errorf("the verifier at %s answered %s", base, resp.Status)
	}
	var res verifier.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("the verifier at %s: its answer is not a verdict: %w", base, err)
	}
	return &res, nil
}

// serverClient returns the HTTP client that talks to the local `sceau
// serve` info describes. Over HTTPS, it accepts exactly the certificate
// the server was started with (info.TLSCert), whatever names it covers
// (a certificate for the public host name, self-signed or not, serves
// 127.0.0.1 as well): the file is on this machine, so pinning it is at
// least as strong as checking a chain to a public authority.
func serverClient(info *serveInfo) (*http.Client, error) {
	client := &http.Client{Timeout: serverTimeout}
	if info.TLSCert == "" {
		return client, nil
	}
	pinned, err := leafCertificate(info.TLSCert)
	if err != nil {
		return nil, fmt.Errorf("`sceau serve` at %s serves HTTPS with %s: %w", info.URL, info.TLSCert, err)
	}
	client.Transport = &http.Transport{TLSClientConfig: &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain and name are not checked against the system's
		// authorities: VerifyPeerCertificate checks that the server
		// presents the pinned certificate.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
			if len(rawCerts) == 0 || !bytes.Equal(rawCerts[0], pinned) {
				return fmt.Errorf("the server at %s does not present the certificate of %s", info.URL, info.TLSCert)
			}
			return nil
		},
	}}
	return client, nil
}

// leafCertificate returns the DER bytes of the first certificate of a PEM
// file.
func leafCertificate(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no PEM certificate in it")
		}
		if block.Type == "CERTIFICATE" {
			return block.Bytes, nil
		}
	}
}

// issuerNamesAt reads the trust list of the verifier at base (GET
// /v1/issuers): each issuer's name by its URI.
func issuerNamesAt(ctx context.Context, base string) (map[string]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/v1/issuers", nil)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the verifier at %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the verifier at %s answered %s for its issuers", base, resp.Status)
	}
	var list verifier.TrustList
	if err := json.NewDecoder(io.LimitReader(resp.Body, verifierapi.MaxJSONBody)).Decode(&list); err != nil {
		return nil, fmt.Errorf("the verifier at %s: its issuers are not a trust list: %w", base, err)
	}
	names := make(map[string]string, len(list.Issuers))
	for _, i := range list.Issuers {
		names[i.URI] = i.Name
	}
	return names, nil
}

// localLedgerClient returns the ledger client that sends a command's
// ledger calls through the `sceau serve` info describes, authenticated with
// its secret and, over HTTPS, trusting exactly its certificate.
func localLedgerClient(info *serveInfo) (*ledgerapi.Client, error) {
	client, err := serverClient(info)
	if err != nil {
		return nil, err
	}
	return ledgerapi.NewClient(info.URL, info.Secret, client.Transport)
}
