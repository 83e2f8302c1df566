package verifier

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/sdjwt"
)

// CheckHolderBinding: an SD-JWT presentation is signed by the holder key
// the credential names (cnf), over these disclosures (sd_hash), for the
// nonce and audience the verifier expects, recently. It runs last, and only
// for an SD-JWT given on its own (not for a bundle, which is what the
// issuer hands the holder, not a presentation).
const CheckHolderBinding = "holder_binding"

// PresentationRequest is what a verifier expects of an SD-JWT presentation.
//
// Holder binding is all or nothing: an SD-JWT bound to a holder key (cnf)
// is valid only with a key-binding JWT signed by that key over a fresh
// nonce — one this verifier issued (ConsumeNonce) or was given (Nonce) —
// and for the expected Audience. Without a key-binding JWT, or when the
// request names no nonce or no audience, holder_binding fails: a bound
// credential whose binding was stripped, or that was presented to someone
// else, is never valid. An SD-JWT bound to no key passes holder_binding
// when nothing was requested; with any field set, a key-binding JWT is
// required and must match.
type PresentationRequest struct {
	// Nonce, if set, is the nonce the key-binding JWT must carry.
	Nonce string
	// Audience, if set, is the aud the key-binding JWT must carry.
	Audience string
	// ConsumeNonce, if set, is called with the presentation's nonce once
	// its key-binding JWT verified: it uses the nonce up (single-use
	// challenges, such as those GET /v1/challenge issues) or returns why it
	// cannot.
	ConsumeNonce func(nonce string) error
}

// requested reports whether the verifier asked for a holder-bound
// presentation.
func (p PresentationRequest) requested() bool {
	return p.Nonce != "" || p.Audience != "" || p.ConsumeNonce != nil
}

// Complete reports whether p names both a fresh nonce (given, or one of
// the verifier's single-use challenges) and an audience: what a
// presentation of a holder-bound credential must answer.
func (p PresentationRequest) Complete() bool {
	return (p.Nonce != "" || p.ConsumeNonce != nil) && p.Audience != ""
}

// describeSDJWT says what an SD-JWT given on its own shows.
func describeSDJWT(s *credential.SignedSDJWT) message {
	c := s.Credential
	what := say(msgSDJWTIssued)
	if s.KeyBinding != nil {
		what = say(msgSDJWTPresented)
	}
	disclosed := say(msgDisclosingNothing)
	if n := len(c.Disclosed); n > 0 {
		disclosed = say(msgDisclosing, n, strings.Join(c.Disclosed, ", "))
	}
	return say(msgFormatSDJWT, what, s.Algorithm, c.Type, c.ID, disclosed)
}

// shownClaims returns the credential subject as the input shows it: for
// an SD-JWT on its own, only the claims it discloses (and those always
// visible); otherwise the whole subject.
func shownClaims(in *credential.Decoded) ([]byte, error) {
	if s := in.Presentation(); s != nil {
		return s.Credential.SubjectJSON()
	}
	return in.Credential().SubjectJSON()
}

// checkDisclosedSchema validates the claims an SD-JWT shows: each against
// its rule in the type's JSON Schema (type, range, pattern, enum), without
// requiring the claims not disclosed. Undisclosed claims are stood in for
// by values known to be valid, used for this check only and reported
// nowhere.
func (r *run) checkDisclosedSchema(s *credential.SignedSDJWT) {
	c := s.Credential
	doc, err := standInSubject(c)
	if err != nil {
		r.fail(CheckSchema, ReasonNonconforming, say(msgStandInUnavailable, err))
		return
	}
	err = r.v.validator.Validate(c.Type, doc)
	var verr *schemas.ValidationError
	switch {
	case err == nil:
		r.pass(CheckSchema, say(msgDisclosedValid, len(c.Claims), c.Type))
	case errors.As(err, &verr):
		parts := make([]string, len(verr.Violations))
		for i, v := range verr.Violations {
			v.Field = claimOfField(v.Field)
			parts[i] = v.String()
		}
		r.fail(CheckSchema, ReasonNonconforming, say(msgDisclosedInvalid, strings.Join(parts, "; "), c.Type))
	default:
		r.fail(CheckSchema, ReasonNonconforming, say(msgStandInUnavailable, err))
	}
}

// standInSubject returns a whole credential subject of c's type holding
// c's claims, and schema-valid stand-ins for the required claims c does not
// show.
func standInSubject(c *credential.SDJWTCredential) ([]byte, error) {
	var record schemas.Record
	student := schemas.Student{StudentID: "00000000000", GivenName: "X", FamilyName: "X", BirthDate: "2000-01-01"}
	switch c.Type {
	case schemas.TypeDiploma:
		record = &schemas.Diploma{Student: student, Diploma: "X", EQFLevel: 1, AwardedOn: "2000-01-01"}
	case schemas.TypePixCertification:
		competences := make([]schemas.Competence, len(schemas.CompetenceFramework))
		for i, def := range schemas.CompetenceFramework {
			competences[i] = schemas.Competence{ID: def.ID, Name: def.Name}
		}
		record = &schemas.PixCertification{Student: student, CertificationCenter: "X", CertifiedOn: "2000-01-01", Competences: competences}
	default:
		return nil, &messageError{msg: say(msgNoSchemaForType, c.Type)}
	}
	raw, err := json.Marshal(record)
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	var competences []map[string]json.RawMessage
	if err := json.Unmarshal(doc["competences"], &competences); err != nil && doc["competences"] != nil {
		return nil, err
	}
	for name, v := range c.Claims {
		if i := competenceOfClaim(name); i >= 0 {
			competences[i]["level"] = v
			continue
		}
		doc[name] = v
	}
	if competences != nil {
		if doc["competences"], err = json.Marshal(competences); err != nil {
			return nil, err
		}
	}
	return json.Marshal(doc)
}

// competenceOfClaim returns the framework index of a competence claim
// (c1_1 …), or -1.
func competenceOfClaim(name string) int {
	for i, def := range schemas.CompetenceFramework {
		if def.Column == name {
			return i
		}
	}
	return -1
}

// claimOfField names a subject field path by its SD-JWT claim:
// competences[3].level is c2_1.
func claimOfField(field string) string {
	rest, ok := strings.CutPrefix(field, "competences[")
	if !ok {
		return field
	}
	index, _, _ := strings.Cut(rest, "]")
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 || i >= len(schemas.CompetenceFramework) {
		return field
	}
	return schemas.CompetenceFramework[i].Column
}

// checkHolderBinding checks the key-binding JWT of an SD-JWT given on its
// own against what the verifier requested (see PresentationRequest).
func (r *run) checkHolderBinding() {
	s := r.in.Presentation()
	if s == nil {
		return
	}
	req := r.req
	if len(r.signingKeys) == 0 {
		r.skip(CheckHolderBinding, say(msgNotSigned))
		return
	}
	if validity := r.result.Check(CheckValidity); validity == nil || !validity.OK {
		r.skip(CheckHolderBinding, say(msgNotWithinValidity))
		return
	}
	bound := s.Credential.HolderKey != nil
	if bound && !req.Complete() {
		r.fail(CheckHolderBinding, ReasonHolderBinding, say(msgNotRequestedBound, s.Credential.HolderKey.KID()))
		return
	}
	if s.KeyBinding == nil {
		switch {
		case req.requested():
			r.fail(CheckHolderBinding, ReasonHolderBinding, say(msgKeyBindingMissing, describeRequest(req)))
		default:
			r.pass(CheckHolderBinding, say(msgNotRequestedUnbound))
		}
		return
	}
	presented := s.KeyBinding
	nonce, audience := req.Nonce, req.Audience
	if nonce == "" {
		nonce = presented.Nonce
	}
	if audience == "" {
		audience = presented.Audience
	}
	pub, err := credential.ParsePublicJWK([]byte(r.signingKeys[0].JWK))
	if err != nil {
		r.fail(CheckHolderBinding, ReasonLedgerError, say(msgIssuerKeyUnusable, r.signingKeys[0].KID, err))
		return
	}
	err = s.VerifyKeyBinding(pub, credential.KeyBindingRequest{Nonce: nonce, Audience: audience, Now: r.now, MaxAge: r.v.maxPresentationAge})
	if err != nil {
		r.fail(CheckHolderBinding, ReasonHolderBinding, keyBindingReason(err, presented, nonce, audience))
		return
	}
	if req.ConsumeNonce != nil {
		if err := req.ConsumeNonce(presented.Nonce); err != nil {
			r.fail(CheckHolderBinding, ReasonHolderBinding, say(msgNonceRefused, presented.Nonce, err))
			return
		}
	}
	expected := say(msgExpectedBoth, presented.Nonce, presented.Audience)
	switch {
	case req.Nonce == "" && req.ConsumeNonce == nil && req.Audience == "":
		expected = say(msgExpectedNeither, presented.Audience, presented.Nonce)
	case req.Nonce == "" && req.ConsumeNonce == nil:
		expected = say(msgExpectedAudienceOnly, presented.Audience, presented.Nonce)
	case req.Audience == "":
		expected = say(msgExpectedNonceOnly, presented.Nonce, presented.Audience)
	}
	r.pass(CheckHolderBinding, say(msgPresentedByHolder,
		s.Credential.HolderKey.KID(), len(s.Credential.Disclosed), timeArg(presented.IssuedAt), expected))
}

// describeRequest says what a presentation request asks for.
func describeRequest(req PresentationRequest) joined {
	var parts []any
	if req.Nonce != "" {
		parts = append(parts, say(msgAskedNonce, req.Nonce))
	} else if req.ConsumeNonce != nil {
		parts = append(parts, say(msgAskedSingleUseNonce))
	}
	if req.Audience != "" {
		parts = append(parts, say(msgAskedAudience, req.Audience))
	}
	return joined{sep: ", ", items: parts}
}

// keyBindingReason explains why the key-binding JWT presented was
// rejected when nonce and audience were expected.
func keyBindingReason(err error, presented *credential.PresentedKeyBinding, nonce, audience string) message {
	var e *sdjwt.Error
	if !errors.As(err, &e) {
		return say(msgKBRefused, err)
	}
	switch e.Check {
	case sdjwt.CheckKeyBinding:
		return say(msgKBNotHolder, e.Err)
	case sdjwt.CheckSDHash:
		return say(msgKBOtherDisclosures, e.Err)
	case sdjwt.CheckNonce:
		return say(msgKBWrongNonce, e.Err, presented.Nonce, nonce)
	case sdjwt.CheckAudience:
		return say(msgKBWrongAudience, e.Err, presented.Audience, audience)
	case sdjwt.CheckFreshness:
		return say(msgKBStale, e.Err, timeArg(presented.IssuedAt))
	}
	return say(msgKBRefused, e)
}

// ErrUnknownNonce is what a PresentationRequest's ConsumeNonce returns
// (wrapped or not) for a nonce it did not issue, or that was already used,
// or expired: holder_binding fails saying so.
var ErrUnknownNonce error = &messageError{msg: say(msgNonceUnknown)}

// presentationOptions returns the presentation request and key-binding age
// of opts.
func presentationOptions(opts Options) (PresentationRequest, time.Duration) {
	return PresentationRequest{Nonce: opts.Nonce, Audience: opts.Audience, ConsumeNonce: opts.ConsumeNonce}, opts.MaxPresentationAge
}
