// Package verifier checks a Sceau credential as an employer receives it —
// a bundle, a vc+jwt, an SD-JWT presentation, an SC1 text, a photo of its
// QR code or a PDF certificate — against the ledger, and explains its
// verdict check by check. What the input is, and which digest the ledger
// anchors for each of its forms, credential.Decode says; this package
// judges (Verify, or VerifyDecoded for an input its caller decoded).
//
// A verdict that is not valid names what happened with a reason code
// (reason.go: revoked, altered, unreadable…), decided by the first check
// that failed, and a summary in words. Every text of a verdict — each
// check's reason, the summary — is a message of one catalogue
// (catalogue.go), built while the checks run and rendered in English or
// French when shown (Result.In, language.go); message.go renders them.
//
// It imports chaincode/record (the ledger's rules), credential (decoding
// and signature checks), network (the ledger), qrcode (its errors, for
// what an unreadable photo lacks), schemas (subject validation), sdjwt
// (key-binding and disclosure errors), statuslist (the status lists it
// reads statuses from, statuslists.go), internal packages and
// golang.org/x/text (language matching); never
// issuer, wallet or cli, and nothing of HTTP: the verifier's HTTP API and
// web page are package verifier/verifierapi, which imports this one.
//
// It reads the ledger only through Ledger, the three typed reads a
// verification needs, which network.Contract implements; the issuer
// registry, the record of what was read and the offline cache are Ledgers
// wrapping those reads (registry.go, cache.go).
package verifier

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/schemas"
)

// Verdict is the outcome of a verification.
type Verdict string

// Verdicts.
const (
	// Valid: every check ran and passed.
	Valid Verdict = "valid"
	// Invalid: at least one check failed.
	Invalid Verdict = "invalid"
	// Indeterminate: no check failed, but some could not run because the
	// ledger was unavailable. Never reported as valid.
	Indeterminate Verdict = "indeterminate"
)

// Process exit codes for verdicts (ExitCode).
const (
	ExitValid         = 0
	ExitInvalid       = 1
	ExitIndeterminate = 3
)

// ExitCode maps a verdict to a process exit code: valid 0, invalid 1,
// indeterminate 3. Anything else is invalid.
func ExitCode(v Verdict) int {
	switch v {
	case Valid:
		return ExitValid
	case Indeterminate:
		return ExitIndeterminate
	}
	return ExitInvalid
}

// Check names, in the order checks run and are reported.
const (
	// CheckFormat: the input decodes as a Sceau credential form.
	CheckFormat = "format"
	// CheckIssuer: the issuer is registered on the ledger and in good standing.
	CheckIssuer = "issuer"
	// CheckSignature: the signature verifies with the issuer's registered key.
	CheckSignature = "signature"
	// CheckAccreditation: the issuer is accredited for the credential type.
	CheckAccreditation = "accreditation"
	// CheckAnchor: the form's digest is anchored by the issuer, for the type
	// (for a bundle, with a Merkle proof against the batch root).
	CheckAnchor = "anchor"
	// CheckStatus: the credential is neither revoked nor suspended.
	CheckStatus = "status"
	// CheckValidity: the credential is within its validity period.
	CheckValidity = "validity"
	// CheckSchema: the credential subject is valid against its schema.
	CheckSchema = "schema"
)

// maxChecks is the most checks a verification reports: the eight above,
// and an SD-JWT's holder binding.
const maxChecks = 9

// Check is the outcome of one check.
type Check struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Skipped is set when the check could not run: the ledger was
	// unavailable, or an earlier check failed. OK is then false.
	Skipped bool `json:"skipped,omitempty"`
	// Reason explains the outcome to a person, in the result's language
	// (English unless Result.In said otherwise).
	Reason string `json:"reason"`
	// detail is Reason as a message of the catalogue, for Result.In; nil
	// for a check read back from JSON, whose Reason is all there is.
	detail *message
}

// Result is the outcome of a verification.
type Result struct {
	Verdict Verdict `json:"verdict"`
	// Reason says why the verdict is not valid, as a code of the
	// documented list (Reasons): decided by the first check that failed,
	// ReasonLedgerUnavailable when indeterminate; empty when valid.
	Reason Reason `json:"reason,omitempty"`
	// Summary says the same in a few words, in the result's language:
	// "Revoked on 5 July 2025 (fraud)"; empty when valid.
	Summary string `json:"summary,omitempty"`
	// Input names what was verified (credential.Decoded.Label):
	// "bundle", "vc+jwt", "sc1", "dc+sd-jwt", or one of the last three and
	// " (QR image)" or " (PDF certificate)"; "QR image" or "PDF
	// certificate" alone when the text of its QR code is none of them.
	Input string `json:"input,omitempty"`
	// ID, Type and Issuer identify the credential, as it claims them,
	// once it decodes.
	ID     string  `json:"id,omitempty"`
	Type   string  `json:"type,omitempty"`
	Issuer string  `json:"issuer,omitempty"`
	Checks []Check `json:"checks"`
	// Claims is the credential subject as signed; it is set only when the
	// signature verified, so unsigned claims are never shown.
	Claims json.RawMessage `json:"claims,omitempty"`

	// summary is Summary as a message of the catalogue, for In.
	summary *message
}

// ExitCode returns the process exit code of the result's verdict.
func (r *Result) ExitCode() int { return ExitCode(r.Verdict) }

// In returns the result with its summary and its checks' reasons in lang;
// r is left as it is. Texts that came as text (a result read back from
// JSON) stay as they are.
func (r *Result) In(lang Language) *Result {
	out := *r
	out.Checks = make([]Check, len(r.Checks))
	for i, c := range r.Checks {
		if c.detail != nil {
			c.Reason = c.detail.in(lang)
		}
		out.Checks[i] = c
	}
	if r.summary != nil {
		out.Summary = r.summary.in(lang)
	}
	return &out
}

// Check returns the check named name, or nil.
func (r *Result) Check(name string) *Check {
	for i := range r.Checks {
		if r.Checks[i].Name == name {
			return &r.Checks[i]
		}
	}
	return nil
}

// Options tune a Verifier.
type Options struct {
	// Now gives the time validity is checked at. Nil: time.Now.
	Now func() time.Time
	// Nonce and Audience, if set, are what an SD-JWT presentation's
	// key-binding JWT must carry; ConsumeNonce, if set, uses up its nonce
	// (single-use challenges). See PresentationRequest.
	Nonce        string
	Audience     string
	ConsumeNonce func(nonce string) error
	// MaxPresentationAge is how old a key-binding JWT may be. Zero:
	// sdjwt.DefaultMaxKeyBindingAge (5 minutes).
	MaxPresentationAge time.Duration
	// StatusLists, when set, gives the status of a credential that points
	// to status lists from those lists instead of the ledger's status of
	// its digests (which still prove it anchored): for verifiers whose
	// ledger is not theirs to query about one credential.
	StatusLists StatusLists
}

// Verifier checks credentials against a ledger. It is safe for concurrent
// use.
type Verifier struct {
	ledger Ledger
	// lists, when set, answer statuses (Options.StatusLists).
	lists StatusLists
	// issuers holds the issuer records ledger handed the verifier, with
	// their keys parsed.
	issuers   *parsedIssuers
	validator *schemas.Validator
	now       func() time.Time
	// presentation is what Verify asks of a presentation (VerifyDecoded is
	// given its own); maxPresentationAge bounds a key-binding JWT's age.
	presentation       PresentationRequest
	maxPresentationAge time.Duration
}

// New returns a verifier that reads the ledger through ledger (a
// *network.Contract, or a Registry's Ledger that keeps issuer records while
// nothing is committed) and validates subjects with validator.
func New(ledger Ledger, validator *schemas.Validator, opts Options) *Verifier {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	v := &Verifier{ledger: ledger, issuers: new(parsedIssuers), validator: validator, now: now, lists: opts.StatusLists}
	v.presentation, v.maxPresentationAge = presentationOptions(opts)
	return v
}

// issuer returns issuer id as the verifier's ledger holds it.
func (v *Verifier) issuer(ctx context.Context, id string) (*issuerRecord, error) {
	is, err := v.ledger.GetIssuer(ctx, id)
	if err != nil {
		return nil, err
	}
	return v.issuers.record(is), nil
}

// Verify decodes input with credential.Decode (bundle JSON, compact
// vc+jwt, SD-JWT VC, SC1 text, or a PNG/JPEG image of a QR code or a PDF
// certificate holding one of the last three), then runs every check in
// order: format, issuer, signature, accreditation, anchor, status,
// validity, schema, and for an SD-JWT on its own holder_binding, held to
// the nonce and audience of the verifier's Options. A bundle's forms
// (vc+jwt, SC1 and SD-JWT) are all checked, and must describe the same
// credential.
func (v *Verifier) Verify(ctx context.Context, input []byte) *Result {
	decoded, err := credential.Decode(ctx, input)
	return v.VerifyDecoded(ctx, decoded, err, v.presentation)
}

// VerifyDecoded judges what credential.Decode read — decoded, and
// decodeErr when it failed — as Verify does, with req instead of the
// nonce, audience and nonce hook of the verifier's Options. It is for a
// caller that decodes the input itself, to see what it is before it is
// judged: a service asks an SD-JWT presentation carrying a key-binding JWT
// to answer one of its challenges, and nothing else.
func (v *Verifier) VerifyDecoded(ctx context.Context, decoded *credential.Decoded, decodeErr error, req PresentationRequest) *Result {
	r := &run{v: v, ctx: ctx, now: v.now().UTC(), req: req, result: Result{Checks: make([]Check, 0, maxChecks)}}
	r.result.Input = decoded.Label()
	if decodeErr != nil {
		r.failDecoding(decoded, decodeErr)
		for _, name := range []string{CheckIssuer, CheckSignature, CheckAccreditation, CheckAnchor, CheckStatus, CheckValidity, CheckSchema} {
			r.skip(name, say(msgNotDecoded))
		}
		if decoded.Kind == credential.KindSDJWT {
			r.skip(CheckHolderBinding, say(msgNotDecoded))
		}
		return r.finish()
	}
	r.in = decoded
	cred := decoded.Credential()
	r.result.ID = cred.ID
	r.result.Type = cred.Type
	r.result.Issuer = credential.IssuerURI(cred.IssuerID)
	r.pass(CheckFormat, describeInput(decoded))
	r.lookUp()
	r.checkIssuer()
	r.checkSignature()
	r.checkAccreditation()
	r.checkAnchor()
	r.checkStatus()
	r.checkValidity()
	r.checkSchema()
	r.checkHolderBinding()
	return r.finish()
}
