// Package verifierapi serves the public verifier over HTTP: the web page
// an employer drops a QR photo or a PDF certificate on, POST /v1/verify,
// the single-use challenges of GET /v1/challenge, the trust list of GET
// /v1/issuers, and the W3C VC API's POST /credentials/verify and POST
// /presentations/verify. No route needs a token. verifier/README.md
// documents them for clients.
//
// Every route reads its request, decodes the submitted input once with
// credential.Decode and hands what it decoded to verifier.VerifyDecoded:
// the verdict, check by check, is the verifier's; this package only says
// it in JSON or in a page, in the language the request asks for
// (verifier.Result.In): the JSON routes follow Accept-Language, English by
// default; the page its lang switch, then Accept-Language, then French. The
// page's banner names the verdict's reason in words (its summary); an
// unreadable input gets a banner of its own, neither red nor worded as a
// forgery. Decoding images and PDFs is CPU heavy, so it is
// rationed (Config.DecodeSlots); a request that waits too long for a slot
// is answered 503 with Retry-After.
//
// A presentation (an SD-JWT carrying a key-binding JWT) must answer one of
// the challenges the API issued, and a challenge is used up by the first
// presentation that answers it (NonceStore). The challenges live here, not
// in package verifier: issuing them is the service's business, and the
// verifier only needs to be told, for a presentation, which nonce and
// audience to expect and how to use the nonce up
// (verifier.PresentationRequest).
//
// The page scans with the camera wherever the browser gives it (a secure
// page: serve it over HTTPS): with the browser's own QR reader where there
// is one, else by posting shrunk camera frames to POST /v1/scan, which
// reads them with qrcode, bounded in bytes and pixels, rationed by the
// same decoding slots, and rate-limited per client (scan.go).
//
// Employers ask a candidate's wallet for a presentation with OpenID4VP
// 1.0: POST /v1/presentation-requests and the routes under it
// (presentations.go), and the page GET /presentation
// (presentation_page.go, web/templates/presentation.html, without
// script). The requests themselves — their DCQL query, nonce, expiry and
// the single answer they accept — are package verifier/presentation's;
// every URL they publish is built on Config.PublicURL.
//
// Files: api.go (configuration, routes, the verification and its errors),
// forms.go (JSON and multipart bodies), scan.go (camera frames), vcapi.go
// (the VC API), challenge.go,
// page.go and web/ (the page, in French and English, with its embedded
// template, stylesheet and script), metrics.go (verdict counters).
//
// It imports verifier (the verdicts), verifier/presentation (presentation
// requests), oid4vp (its media types and limits), qrcode (camera frames and
// the request's QR code), credential (Decode), network (ErrUnavailable), schemas (the
// competence framework's names, the subject validator), chi and the
// Prometheus client; never issuer, wallet, provenance, server or cli.
// Request logging, request metrics, /healthz
// and /metrics belong to package server, on which cli mounts Routes.
package verifierapi
