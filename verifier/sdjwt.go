package verifier

import (
	"encoding/json"
	"errors"
	"fmt"
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
// With none of its fields set (`sceau verify` without --nonce and
// --audience), a presentation's key-binding JWT is still checked — signed by
// the cnf key, sd_hash, freshness — against the nonce and audience it names
// itself, and holder_binding passes saying nonce and audience were not
// requested; an SD-JWT without key-binding JWT passes it too (nothing was
// requested). With any field set, a key-binding JWT is required and must
// match.
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

// describeSDJWT says what an SD-JWT given on its own shows.
func describeSDJWT(s *credential.SignedSDJWT) string {
	c := s.Credential
	what := "SD-JWT VC"
	if s.KeyBinding != nil {
		what = "SD-JWT VC presentation with a key-binding JWT"
	}
	disclosed := "no claim"
	if n := len(c.Disclosed); n > 0 {
		disclosed = fmt.Sprintf("%d claim(s): %s", n, strings.Join(c.Disclosed, ", "))
	}
	return fmt.Sprintf("%s (%s) of %s credential %s, disclosing %s", what, s.Algorithm, c.Type, c.ID, disclosed)
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
		r.fail(CheckSchema, err.Error())
		return
	}
	err = r.v.validator.Validate(c.Type, doc)
	var verr *schemas.ValidationError
	switch {
	case err == nil:
		shown := len(c.Claims)
		r.pass(CheckSchema, fmt.Sprintf("the %d claim(s) shown are valid for a %s (claims not disclosed are not checked)", shown, c.Type))
	case errors.As(err, &verr):
		parts := make([]string, len(verr.Violations))
		for i, v := range verr.Violations {
			v.Field = claimOfField(v.Field)
			parts[i] = v.String()
		}
		r.fail(CheckSchema, strings.Join(parts, "; "))
	default:
		r.fail(CheckSchema, err.Error())
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
		return nil, fmt.Errorf("credential type %q has no schema", c.Type)
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
		r.skip(CheckHolderBinding, "not checked: the issuer's signature was not verified")
		return
	}
	if validity := r.result.Check(CheckValidity); validity == nil || !validity.OK {
		r.skip(CheckHolderBinding, "not checked: the credential is not within its validity period")
		return
	}
	if s.KeyBinding == nil {
		switch {
		case req.requested():
			r.fail(CheckHolderBinding, fmt.Sprintf("the SD-JWT has no key-binding JWT, but this verifier expects a presentation signed by the holder (%s)", describeRequest(req)))
		case s.Credential.HolderKey != nil:
			r.pass(CheckHolderBinding, fmt.Sprintf("not requested: the SD-JWT has no key-binding JWT (it is bound to holder key %s, but this is not a presentation proving that its holder shows it)", s.Credential.HolderKey.KID()))
		default:
			r.pass(CheckHolderBinding, "not requested: the SD-JWT has no key-binding JWT and is not bound to a holder key")
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
		r.fail(CheckHolderBinding, fmt.Sprintf("issuer key %s on the ledger is unusable: %v", r.signingKeys[0].KID, err))
		return
	}
	err = s.VerifyKeyBinding(pub, credential.KeyBindingRequest{Nonce: nonce, Audience: audience, Now: r.now, MaxAge: r.v.maxPresentationAge})
	if err != nil {
		r.fail(CheckHolderBinding, keyBindingReason(err))
		return
	}
	if req.ConsumeNonce != nil {
		if err := req.ConsumeNonce(presented.Nonce); err != nil {
			r.fail(CheckHolderBinding, fmt.Sprintf("nonce %q: %v", presented.Nonce, err))
			return
		}
	}
	expected := fmt.Sprintf("nonce %q and audience %q as expected", presented.Nonce, presented.Audience)
	switch {
	case req.Nonce == "" && req.ConsumeNonce == nil && req.Audience == "":
		expected = fmt.Sprintf("nonce and audience not requested (it was made for audience %q with nonce %q)", presented.Audience, presented.Nonce)
	case req.Nonce == "" && req.ConsumeNonce == nil:
		expected = fmt.Sprintf("audience %q as expected, nonce not requested (it carries %q)", presented.Audience, presented.Nonce)
	case req.Audience == "":
		expected = fmt.Sprintf("nonce %q as expected, audience not requested (it was made for %q)", presented.Nonce, presented.Audience)
	}
	r.pass(CheckHolderBinding, fmt.Sprintf("presented by the holder: the key-binding JWT is signed by holder key %s named in the credential, its sd_hash covers these %d disclosure(s), it was signed at %s; %s",
		s.Credential.HolderKey.KID(), len(s.Credential.Disclosed), formatTime(presented.IssuedAt), expected))
}

// describeRequest says what a presentation request asks for.
func describeRequest(req PresentationRequest) string {
	var parts []string
	if req.Nonce != "" {
		parts = append(parts, fmt.Sprintf("nonce %q", req.Nonce))
	} else if req.ConsumeNonce != nil {
		parts = append(parts, "one of its single-use nonces")
	}
	if req.Audience != "" {
		parts = append(parts, fmt.Sprintf("audience %q", req.Audience))
	}
	return strings.Join(parts, ", ")
}

// keyBindingReason explains why a key-binding JWT was rejected.
func keyBindingReason(err error) string {
	var e *sdjwt.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	switch e.Check {
	case sdjwt.CheckKeyBinding:
		return "the key-binding JWT does not prove the holder: " + e.Err.Error()
	case sdjwt.CheckSDHash:
		return "the disclosures are not those the holder signed: " + e.Err.Error()
	case sdjwt.CheckNonce:
		return "wrong nonce: " + e.Err.Error()
	case sdjwt.CheckAudience:
		return "wrong audience: " + e.Err.Error()
	case sdjwt.CheckFreshness:
		return "stale presentation: " + e.Err.Error()
	}
	return e.Error()
}

// presentationOptions returns the presentation request and key-binding age
// of opts.
func presentationOptions(opts Options) (PresentationRequest, time.Duration) {
	return PresentationRequest{Nonce: opts.Nonce, Audience: opts.Audience, ConsumeNonce: opts.ConsumeNonce}, opts.MaxPresentationAge
}
