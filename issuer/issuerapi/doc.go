// Package issuerapi is the issuer HTTP API that `sceau serve` mounts: it
// lets an exam office's programs issue, fetch and revoke credentials and
// upload CSV exports, with the office's API token. It only translates: the
// requests become calls to an issuer.Desk, which issues, anchors and keeps
// what it issued, and the desk's answers and errors become JSON and status
// codes. The API is public and described in openapi.json (a fragment of
// the document served at GET /openapi.json) and in the README: clients rely on its routes,
// bodies, status codes and messages as they are.
//
// # Routes
//
//	POST /v1/credentials                            one credential from a record → 201, its bundle
//	GET  /v1/credentials/{ref}                      a credential the desk kept → its bundle
//	POST /v1/credentials/{ref}/revoke|suspend       {"reason": code} → {"status", "digests"}
//	POST /v1/credentials/{ref}/reinstate            no body → {"status", "digests"}
//	POST /v1/batches                                a CSV export, multipart/form-data → 202, its status
//	GET  /v1/batches/{id}[/manifest|/rejects|/credentials/{credential}]
//	POST /credentials/issue                         the W3C VC API (vcapi.go)
//	POST /v1/status-lists/publish                   publish the issuer's status lists at once
//
// # Authentication
//
// Every route acts for one issuer: the one whose API
// token (org.Tokens, created with `sceau issuer token create`) is sent as
// Authorization: Bearer …, or, with Config.ClientCertificates, the one a
// verified TLS client certificate names (URI SAN urn:sceau:issuer:<id>).
// No token: 401; a token and a certificate of different issuers, or a
// request naming another issuer: 403.
//
// # Requests and errors
//
// JSON bodies are decoded strictly (one object, known members only, at most
// MaxRequestBody bytes); an upload streams its file to disk, at most
// Config.MaxUpload bytes. Every error is {"error": "…"} (422 adds the
// record's violations). Request errors are answered where they are found
// (400, 413, 415); the desk's errors are mapped by their type in one
// place, API.fail: *issuer.NotAccreditedError and *issuer.OtherIssuerError
// → 403, network.ErrNotFound → 404, *schemas.ValidationError,
// *issuer.BadRecordError and *network.ContractError → 422,
// network.ErrUnavailable, issuer.ErrClosed and *issuer.KeyLockedError →
// 503; anything else is logged and answered 500 without details.
//
// # Metrics
//
// With Config.Metrics, the API counts the credentials it issues (by route
// and type), its uploaded batches by final state (counted before the
// batch's status says it is over), and the requests it refuses when
// authenticating them: 401 without a valid token, 403 when the token and
// the client certificate are for different issuers.
//
// # Imports
//
// issuerapi may import issuer (the domain), org (API tokens), credential,
// schemas, network (its errors) and chaincode/record (type names, reason
// codes), with net/http, chi and the Prometheus client; its tests also use
// network/embedded and verifier. Only cli imports it.
package issuerapi
