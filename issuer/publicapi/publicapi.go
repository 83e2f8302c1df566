// Package publicapi serves what anyone may fetch about a deployment's
// issuers, with no token, so that credentials resolve and their status can
// be checked without asking a ledger about any one credential:
//
//	GET /status/{issuer}/ietf                      IETF Token Status List (application/statuslist+jwt)
//	GET /status/{issuer}/revocation|suspension     W3C BitstringStatusListCredential (application/vc+jwt)
//	GET /issuers/{issuer}                          issuer metadata: name, status, JWKS from the ledger, its lists
//	GET /.well-known/jwt-vc-issuer/issuers/{issuer} SD-JWT VC issuer metadata of an issuer's HTTPS identifier
//	GET /.well-known/jwt-vc-issuer                 the deployment's: every issuer's keys
//	GET /contexts/sceau-v1.jsonld                  Sceau's JSON-LD context (credential.ContextDocument)
//	GET /schemas/{type}.json                       JSON Schema of a whole credential (its credentialSchema)
//	GET /vct/{type}                                SD-JWT VC type metadata (its vct)
//
// Every answer carries an ETag (the SHA-256 of its body) and a
// Cache-Control max-age (a status list's TTL; longer for metadata), and
// If-None-Match is answered 304. Status lists are the files the issuer
// last published (issuer.Service.PublishStatusLists); the keys are read
// from the ledger on every request.
//
// Imports: issuer, credential, statuslist, network, chaincode/record.
package publicapi

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/statuslist"
)

// OpenAPI is the OpenAPI 3.1 description of this package's routes: a
// fragment of the document `sceau serve` serves at GET /openapi.json
// (server.AssembleOpenAPI).
//
//go:embed openapi.json
var OpenAPI []byte

// MetadataMaxAge is the Cache-Control max-age of schemas, type and issuer
// metadata.
const MetadataMaxAge = 5 * time.Minute

// Config is what the public routes need.
type Config struct {
	// Service reads the published lists and the issuers' keys.
	Service *issuer.Service
	// Base is the deployment's public base URL (the one credentials name).
	Base   string
	Logger *slog.Logger
}

// API serves the public routes.
type API struct {
	svc    *issuer.Service
	base   string
	logger *slog.Logger
}

// New returns the public API of cfg.
func New(cfg Config) (*API, error) {
	if cfg.Service == nil {
		return nil, errors.New("publicapi: a Service is needed")
	}
	if err := credential.CheckBase(cfg.Base); err != nil {
		return nil, fmt.Errorf("publicapi: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &API{svc: cfg.Service, base: cfg.Base, logger: logger}, nil
}

// Routes mounts the public routes on r.
func (a *API) Routes(r chi.Router) {
	r.Get("/status/{issuer}/{kind}", a.statusList)
	r.Get("/issuers/{issuer}", a.issuerMetadata)
	r.Get("/.well-known/jwt-vc-issuer/issuers/{issuer}", a.jwtVCIssuer)
	r.Get("/.well-known/jwt-vc-issuer", a.deploymentIssuer)
	r.Get("/schemas/{file}", a.schema)
	r.Get(credential.ContextPath, a.context)
	r.Get("/vct/{name}", a.typeMetadata)
}

// Headers sent with a status list: the ledger block its statuses were
// read after, and the transaction of its checkpoint on the ledger.
const (
	HeaderBlock      = "Sceau-Status-Block"
	HeaderCheckpoint = "Sceau-Status-Checkpoint"
)

func digestOf(data []byte) string { return credential.DigestJWS(string(data)) }

// Content types of the lists.
const (
	ContentTypeIETF = "application/statuslist+jwt"
	ContentTypeW3C  = "application/vc+jwt"
)

func (a *API) statusList(w http.ResponseWriter, r *http.Request) {
	id, kind := chi.URLParam(r, "issuer"), chi.URLParam(r, "kind")
	if record.ValidateIssuerID(id) != nil {
		writeError(w, http.StatusNotFound, "no such issuer")
		return
	}
	data, _, err := a.svc.PublishedStatusList(id, kind)
	if errors.Is(err, os.ErrNotExist) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("issuer %s has published no %s status list", id, kind))
		return
	}
	if err != nil {
		a.logger.Error("reading a status list", "issuer", id, "kind", kind, "err", err)
		writeError(w, http.StatusInternalServerError, "the status list cannot be read")
		return
	}
	ct := ContentTypeW3C
	if kind == statuslist.KindIETF {
		ct = ContentTypeIETF
	}
	// Which ledger state the lists are, and their checkpoint: for
	// verifiers to say "as of block N" and to find the checkpoint.
	if pub, err := a.svc.LastPublication(id); err == nil && pub != nil && pub.Lists[kind].Digest == digestOf(data) {
		w.Header().Set(HeaderBlock, strconv.FormatUint(pub.Block, 10))
		if pub.Checkpoint != nil {
			w.Header().Set(HeaderCheckpoint, pub.Checkpoint.TxID)
		}
	}
	serveCached(w, r, ct, data, issuer.DefaultListTTL)
}

// jwks returns issuer id's keys as the ledger holds them; 404 for an
// issuer it does not know.
func (a *API) jwks(ctx context.Context, w http.ResponseWriter, id string) (json.RawMessage, bool) {
	if record.ValidateIssuerID(id) != nil {
		writeError(w, http.StatusNotFound, "no such issuer")
		return nil, false
	}
	set, err := a.svc.JWKS(ctx, id)
	switch {
	case errors.Is(err, network.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("the ledger knows no issuer %q", id))
		return nil, false
	case errors.Is(err, network.ErrUnavailable):
		writeError(w, http.StatusServiceUnavailable, "the ledger cannot be read")
		return nil, false
	case err != nil:
		a.logger.Error("reading an issuer's keys", "issuer", id, "err", err)
		writeError(w, http.StatusInternalServerError, "the issuer's keys cannot be read")
		return nil, false
	}
	return set, true
}

func (a *API) jwtVCIssuer(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "issuer")
	set, ok := a.jwks(r.Context(), w, id)
	if !ok {
		return
	}
	a.serveJSON(w, r, map[string]any{"issuer": credential.IssuerURL(a.base, id), "jwks": set})
}

func (a *API) deploymentIssuer(w http.ResponseWriter, r *http.Request) {
	ids, err := a.svc.Home.OrgIDs()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "the issuers cannot be listed")
		return
	}
	var keys []json.RawMessage
	for _, id := range ids {
		set, err := a.svc.JWKS(r.Context(), id)
		if errors.Is(err, network.ErrNotFound) {
			continue
		}
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "the ledger cannot be read")
			return
		}
		var s struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if json.Unmarshal(set, &s) == nil {
			keys = append(keys, s.Keys...)
		}
	}
	if keys == nil {
		keys = []json.RawMessage{}
	}
	a.serveJSON(w, r, map[string]any{"issuer": a.base, "jwks": map[string]any{"keys": keys}})
}

func (a *API) issuerMetadata(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "issuer")
	set, ok := a.jwks(r.Context(), w, id)
	if !ok {
		return
	}
	is, err := a.svc.Contract.GetIssuer(r.Context(), id)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "the ledger cannot be read")
		return
	}
	env := &credential.Credential{IssuerID: id, Base: a.base}
	lists := map[string]string{}
	for _, k := range statuslist.Kinds() {
		lists[k] = env.StatusListURI(k)
	}
	a.serveJSON(w, r, map[string]any{
		"id": credential.IssuerURL(a.base, id), "urn": credential.IssuerURI(id), "name": is.Name,
		"status": is.Status, "jwks": set, "statusLists": lists,
	})
}

func (a *API) schema(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(chi.URLParam(r, "file"), ".json")
	credType, known := typeOf(name)
	if !ok || !known {
		writeError(w, http.StatusNotFound, "no such schema")
		return
	}
	doc, err := credential.SchemaDocument(a.base, credType)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	serveCached(w, r, "application/schema+json", doc, MetadataMaxAge)
}

func (a *API) context(w http.ResponseWriter, r *http.Request) {
	serveCached(w, r, "application/ld+json", credential.ContextDocument, MetadataMaxAge)
}

func (a *API) typeMetadata(w http.ResponseWriter, r *http.Request) {
	credType, known := typeOf(chi.URLParam(r, "name"))
	if !known {
		writeError(w, http.StatusNotFound, "no such credential type")
		return
	}
	doc, err := credential.TypeMetadata(a.base, credType)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	serveCached(w, r, "application/json", doc, MetadataMaxAge)
}

func typeOf(name string) (string, bool) {
	for _, t := range record.CredentialTypes() {
		if f, err := credential.TypeFile(string(t)); err == nil && f == name {
			return string(t), true
		}
	}
	return "", false
}

func (a *API) serveJSON(w http.ResponseWriter, r *http.Request, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the answer")
		return
	}
	serveCached(w, r, "application/json", append(data, '\n'), MetadataMaxAge)
}

// serveCached answers body with its ETag and max-age, or 304 when the
// client holds it already.
func serveCached(w http.ResponseWriter, r *http.Request, contentType string, body []byte, maxAge time.Duration) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(maxAge/time.Second)))
	h.Set("Access-Control-Allow-Origin", "*")
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			if t := strings.TrimSpace(tag); t == etag || t == "W/"+etag || t == "*" {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	h.Set("Content-Type", contentType)
	w.Write(body)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
