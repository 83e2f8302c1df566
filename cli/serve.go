package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/issuer/issuerapi"
	"github.com/sceau/sceau/issuer/publicapi"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/provenance"
	"github.com/sceau/sceau/provenance/provenanceapi"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/server"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/verifierapi"
)

// serveInfo is the content of serve.json (org.Home.ServeInfoFile).
type serveInfo struct {
	PID       int    `json:"pid"`
	Addr      string `json:"addr"`
	URL       string `json:"url"`
	StartedAt string `json:"startedAt"`
}

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the public verifier: web page, JSON API, W3C VC API, trust list, /healthz and /metrics",
		Description: "Routes: GET / (web page), POST /v1/verify, GET /v1/challenge, GET /v1/issuers,\n" +
			"POST /credentials/verify, POST /presentations/verify, GET /healthz, GET /metrics. No token is needed.\n" +
			"While it runs on an embedded ledger, the home's other commands that need the ledger say so at once;\n" +
			"`sceau verify` goes through the server. Stops cleanly on SIGINT or SIGTERM.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Usage: "address to listen on, HOST:PORT (port 0 picks a free one)", Value: "127.0.0.1:8080"},
			&cli.StringFlag{Name: "audience", Usage: "who presentations must be made to (their key-binding JWT's aud)", DefaultText: "--public-url, else http://<addr>"},
			&cli.DurationFlag{Name: "registry-ttl", Usage: "how long the issuer registry read from the ledger is kept", Value: verifier.DefaultRegistryTTL},
			&cli.DurationFlag{Name: "republish-every", Usage: "how often the issuers' status lists are published again when a status changed", Value: issuer.DefaultRepublishEvery},
		},
		Action: action(func(c *cli.Context, e *env) error {
			if c.NArg() != 0 {
				return usageErr("serve takes no positional argument (flags only)")
			}
			if !c.IsSet("log-level") {
				// Request logs are info: shown unless asked otherwise.
				e.logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			}
			return runServe(c.Context, c, e, serveOptions{addr: c.String("addr"), audience: c.String("audience"), registryTTL: c.Duration("registry-ttl"), republishEvery: c.Duration("republish-every")})
		}),
	}
}

type serveOptions struct {
	addr           string
	audience       string
	registryTTL    time.Duration
	republishEvery time.Duration
}

func runServe(ctx context.Context, c *cli.Context, e *env, o serveOptions) error {
	ledger, err := e.openLedger(ctx, c)
	if err != nil {
		return err
	}
	defer ledger.Close()
	listener, err := net.Listen("tcp", o.addr)
	if err != nil {
		return usageErr("--addr %s: %v", o.addr, err)
	}
	defer listener.Close()
	url := "http://" + listener.Addr().String()
	publicURL := e.publicURL
	if publicURL == "" {
		publicURL = url
	}
	if o.audience == "" {
		o.audience = publicURL
	}

	handler, closeAPIs, err := serveHandler(ctx, e, ledger, o, publicURL)
	if err != nil {
		return err
	}
	defer closeAPIs()

	if c.String("ledger") == "embedded" || c.String("ledger") == "" {
		info := serveInfo{PID: os.Getpid(), Addr: listener.Addr().String(), URL: url, StartedAt: time.Now().UTC().Format(time.RFC3339)}
		if err := writeServeInfo(e.home, info); err != nil {
			return err
		}
		defer removeServeInfo(e.home, info.PID)
	}

	fmt.Fprintf(e.stdout, "sceau serve: verifier listening on %s (audience %s)\n", url, o.audience)
	if err := server.Serve(ctx, listener, handler, e.logger); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "sceau serve: stopped")
	return nil
}

// serveHandler returns everything `sceau serve` serves: the verifier, the
// issuer, public and resources APIs, their OpenAPI document, /healthz and
// /metrics; and the func that stops the APIs' background work once the
// server has stopped.
func serveHandler(ctx context.Context, e *env, ledger network.Ledger, o serveOptions, publicURL string) (http.Handler, func(), error) {
	reg := prometheus.NewRegistry()
	validator, err := schemas.NewValidator()
	if err != nil {
		return nil, nil, err
	}
	contract := network.NewContract(ledger)
	registry := verifier.NewRegistry(contract, verifier.RegistryOptions{
		TTL: o.registryTTL, Cache: verifier.NewCache(org.Home(e.home).CacheDir()), Logger: e.logger,
	})
	svc, err := verifierapi.New(verifierapi.Config{
		Registry: registry, Validator: validator, Audience: o.audience, Metrics: reg, Logger: e.logger,
	})
	if err != nil {
		return nil, nil, err
	}
	apiMounters, closeAPIs, err := issuerAPIMounters(ctx, e, ledger, reg, publicURL, o.republishEvery)
	if err != nil {
		return nil, nil, err
	}
	mounters := append([]func(chi.Router){svc.Routes}, apiMounters...)
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
	public, err := publicapi.New(publicapi.Config{Service: svc, Base: publicURL, Logger: e.logger})
	if err != nil {
		return nil, nil, err
	}
	// The status lists are published at start, then again whenever a
	// status changes, until the server stops.
	publishCtx, stopPublishing := context.WithCancel(ctx)
	published := make(chan struct{})
	go func() {
		defer close(published)
		api.Desk().KeepStatusListsPublished(publishCtx, republishEvery)
	}()
	resources := provenance.NewService(e.home, ledger, e.logger)
	mounters := []func(chi.Router){
		api.Routes,
		public.Routes,
		func(r chi.Router) { provenanceapi.Routes(r, resources, tokens) },
	}
	return mounters, func() { stopPublishing(); <-published; api.Close() }, nil
}

// serveOpenAPI assembles the OpenAPI document of every route `sceau serve`
// mounts, from each package's description of its own.
func serveOpenAPI() ([]byte, error) {
	return server.AssembleOpenAPI(server.OpenAPI, verifierapi.OpenAPI, publicapi.OpenAPI, issuerapi.OpenAPI, provenanceapi.OpenAPI)
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
// nil if there is none (or its process is gone).
func readServeInfo(home string) *serveInfo {
	data, err := os.ReadFile(org.Home(home).ServeInfoFile())
	if err != nil {
		return nil
	}
	var info serveInfo
	if json.Unmarshal(data, &info) != nil || info.PID <= 0 || info.URL == "" || !processAlive(info.PID) {
		return nil
	}
	return &info
}

// processAlive reports whether process pid exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
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
// and returns its verdict, which the server words in lang.
func verifyThroughServer(ctx context.Context, info *serveInfo, input []byte, lang verifier.Language) (*verifier.Result, error) {
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, info.URL+"/v1/verify", &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", string(lang))
	resp, err := (&http.Client{Timeout: serverTimeout}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking `sceau serve` at %s: %w", info.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, verifierapi.MaxJSONBody))
	if err != nil {
		return nil, fmt.Errorf("asking `sceau serve` at %s: %w", info.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("`sceau serve` at %s answered %s: %s", info.URL, resp.Status, e.Error)
		}
		return nil, fmt.Errorf("`sceau serve` at %s answered %s", info.URL, resp.Status)
	}
	var res verifier.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("`sceau serve` at %s: its answer is not a verdict: %w", info.URL, err)
	}
	return &res, nil
}
