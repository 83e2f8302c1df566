package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/issuer/issuerapi"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/provenance"
	"github.com/sceau/sceau/provenance/provenanceapi"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/server"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/verifierapi"
)

// serveInfo is the content of serve.json (org.Home.ServeInfoFile), 0600.
type serveInfo struct {
	PID       int    `json:"pid"`
	Addr      string `json:"addr"`
	URL       string `json:"url"`
	StartedAt string `json:"startedAt"`
	// Secret (base64url, 32 random bytes drawn at start) authenticates the
	// home's command line to the server and the server to it, on the
	// local route (verifierapi.LocalVerify).
	Secret string `json:"secret"`
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
			&cli.StringFlag{Name: "audience", Usage: "who presentations must be made to (their key-binding JWT's aud)", DefaultText: "http://<addr>"},
			&cli.DurationFlag{Name: "registry-ttl", Usage: "how long the issuer registry read from the ledger is kept", Value: verifier.DefaultRegistryTTL},
		},
		Action: action(func(c *cli.Context, e *env) error {
			if c.NArg() != 0 {
				return usageErr("serve takes no positional argument (flags only)")
			}
			if !c.IsSet("log-level") {
				// Request logs are info: shown unless asked otherwise.
				e.logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			}
			return runServe(c.Context, c, e, serveOptions{addr: c.String("addr"), audience: c.String("audience"), registryTTL: c.Duration("registry-ttl")})
		}),
	}
}

type serveOptions struct {
	addr        string
	audience    string
	registryTTL time.Duration
}

func runServe(ctx context.Context, c *cli.Context, e *env, o serveOptions) error {
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
	if o.audience == "" {
		o.audience = url
	}

	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	validator, err := schemas.NewValidator()
	if err != nil {
		return err
	}
	contract := network.NewContract(ledger)
	cache := verifier.NewCache(org.Home(e.home).CacheDir())
	registry := verifier.NewRegistry(contract, verifier.RegistryOptions{
		TTL: o.registryTTL, Cache: cache, Logger: e.logger,
	})
	svc, err := verifierapi.New(verifierapi.Config{
		Registry: registry, Ledger: guardTip(cache, registry.Ledger(), ledger),
		Validator: validator, Audience: o.audience, Metrics: reg, Logger: e.logger,
		LocalSecret: secret[:],
	})
	if err != nil {
		return err
	}
	apiMounters, closeAPIs, err := issuerAPIMounters(e, ledger, reg)
	if err != nil {
		return err
	}
	defer closeAPIs()
	mounters := append([]func(chi.Router){svc.Routes}, apiMounters...)
	handler, err := server.Handler(e.logger, reg, mounters...)
	if err != nil {
		return err
	}

	if c.String("ledger") == "embedded" || c.String("ledger") == "" {
		info := serveInfo{PID: os.Getpid(), Addr: listener.Addr().String(), URL: url, StartedAt: time.Now().UTC().Format(time.RFC3339),
			Secret: base64.RawURLEncoding.EncodeToString(secret[:])}
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

// issuerAPIMounters returns the routes that need an issuer's API token:
// issuing over HTTP (the issuer API, with its OpenAPI document) and the
// registration of teachers' resources. The returned func stops their
// background work once the server has stopped. Issuer keys are unlocked at
// start from SCEAU_KEY_PASSPHRASE; an issuer whose key stays locked is
// reported, and its issuing requests fail until it can be unlocked.
func issuerAPIMounters(e *env, ledger network.Ledger, reg prometheus.Registerer) ([]func(chi.Router), func(), error) {
	svc := e.issuerService(ledger)
	tokens := &org.Tokens{Home: org.Home(e.home)}
	api, err := issuerapi.New(issuerapi.Config{Service: svc, Tokens: tokens, Logger: e.logger, Metrics: reg})
	if err != nil {
		return nil, nil, err
	}
	if err := api.UnlockKeys(); err != nil {
		e.logger.Warn("issuer keys still locked: their issuing requests will fail", "err", err)
	}
	resources := provenance.NewService(e.home, ledger, e.logger)
	mounters := []func(chi.Router){
		api.Routes,
		func(r chi.Router) { provenanceapi.Routes(r, resources, tokens) },
	}
	return mounters, api.Close, nil
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
// and returns its verdict, which the server words in lang. It believes
// only an answer that proves to come from that server (the secret of
// serve.json) and to be about input (verifierapi.LocalVerify).
func verifyThroughServer(ctx context.Context, info *serveInfo, input []byte, lang verifier.Language) (*verifier.Result, error) {
	secret, err := base64.RawURLEncoding.DecodeString(info.Secret)
	if err != nil || len(secret) < 16 {
		return nil, fmt.Errorf("%s has no secret to authenticate the server at %s with (a server of an older version, or not a server): %w", "serve.json", info.URL, verifierapi.ErrNotTheServer)
	}
	return verifierapi.LocalVerify(ctx, &http.Client{Timeout: serverTimeout}, info.URL, secret, input, lang)
}
