package presentation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/oid4vp"
	"github.com/sceau/sceau/verifier"
)

// Refusal codes: why an answer was refused.
const (
	codeExpired         = "expired"
	codeAlreadyAnswered = "already_answered"
	codeStateMismatch   = "state_mismatch"
	codeMalformed       = "malformed_response"
	codeWrongQuery      = "wrong_query"
	codeNotPresentation = "not_a_presentation"
	codeWrongType       = "wrong_type"
	codeMissingClaims   = "claims_not_disclosed"
	codeInvalid         = "invalid_presentation"
)

// refusalTexts are the refusals in English and French, fmt formats over
// the same arguments.
var refusalTexts = map[string]struct{ en, fr string }{
	codeExpired: {"This request has expired: make a new one.",
		"Cette demande a expiré : faites-en une nouvelle."},
	codeAlreadyAnswered: {"This request was already answered: a response counts once, a replay is refused.",
		"Cette demande a déjà reçu sa réponse : une réponse ne compte qu'une fois, un rejeu est refusé."},
	codeStateMismatch: {"The response's state is not this request's.",
		"L'état (state) de la réponse n'est pas celui de cette demande."},
	codeMalformed: {"The response is not a vp_token in DCQL form (technical detail: %s).",
		"La réponse n'est pas un vp_token au format DCQL (détail technique, en anglais : %s)."},
	codeWrongQuery: {"The response answers %s; the request asked for one presentation for %q.",
		"La réponse répond à %s ; la demande attendait une présentation pour %q."},
	codeNotPresentation: {"The response holds no SD-JWT presentation (technical detail: %s).",
		"La réponse ne contient pas de présentation SD-JWT (détail technique, en anglais : %s)."},
	codeWrongType: {"The credential presented is a %s; the request asked for a %s.",
		"L'attestation présentée est de type %s ; la demande portait sur le type %s."},
	codeMissingClaims: {"The presentation does not disclose %s, which the request asked for.",
		"La présentation ne divulgue pas %s, que la demande réclamait."},
	codeInvalid: {"The presentation is not valid: %s.",
		"La présentation n'est pas valide : %s."},
}

// Refusal says why an answer to a request was refused, in words and as a
// code. It is an error.
type Refusal struct {
	// Code is one of the refusal codes (expired, already_answered,
	// state_mismatch, malformed_response, wrong_query, not_a_presentation,
	// wrong_type, claims_not_disclosed, invalid_presentation).
	Code string `json:"code"`
	// Message says it, in the status's language (English by default).
	Message string `json:"message"`
	args    []any
}

func refuse(code string, args ...any) *Refusal {
	r := &Refusal{Code: code, args: args}
	r.Message = r.render(verifier.English)
	return r
}

func (r *Refusal) render(lang verifier.Language) string {
	t, ok := refusalTexts[r.Code]
	if !ok {
		return r.Message
	}
	format := t.en
	if lang == verifier.French {
		format = t.fr
	}
	args := make([]any, len(r.args))
	for i, a := range r.args {
		args[i] = a
		if res, ok := a.(*verifier.Result); ok {
			args[i] = verdictWords(res.In(lang))
		}
	}
	return fmt.Sprintf(format, args...)
}

// verdictWords says a verdict in a few words: its summary, else the
// verdict itself.
func verdictWords(res *verifier.Result) string {
	if res.Summary != "" {
		return res.Summary
	}
	return string(res.Verdict)
}

// In returns the refusal worded in lang.
func (r Refusal) In(lang verifier.Language) Refusal {
	r.Message = r.render(lang)
	return r
}

func (r *Refusal) Error() string { return r.Message }

// Answer judges the response a wallet posted to request id: vpToken (DCQL
// form) and state, as the direct_post form carries them. The first
// response to a pending request decides it: the status it returns is
// answered, or refused with the returned *Refusal. A response to a request
// already decided (a replay) or expired is a *Refusal that changes nothing.
func (s *Store) Answer(ctx context.Context, id, vpToken, state string) (*Status, error) {
	now := s.cfg.Now()
	s.mu.Lock()
	r, ok := s.requests[id]
	if !ok {
		s.mu.Unlock()
		return nil, ErrNotFound
	}
	switch r.current(now) {
	case Expired:
		s.mu.Unlock()
		return nil, refuse(codeExpired)
	case Answered, Refused:
		s.mu.Unlock()
		return nil, refuse(codeAlreadyAnswered)
	}
	if r.answering {
		s.mu.Unlock()
		return nil, refuse(codeAlreadyAnswered)
	}
	if state != r.state {
		s.mu.Unlock()
		return nil, refuse(codeStateMismatch)
	}
	r.answering = true
	s.mu.Unlock()

	result, refusal := s.judge(ctx, r, vpToken)

	s.mu.Lock()
	defer s.mu.Unlock()
	r.answering = false
	r.decidedAt = s.cfg.Now()
	r.result, r.refusal = result, refusal
	r.decided = Answered
	if refusal != nil {
		r.decided = Refused
	}
	st := s.status(r, r.decidedAt)
	if refusal != nil {
		return st, refusal
	}
	return st, nil
}

// judge checks a response's vp_token against r: one presentation for r's
// credential query, valid for r's nonce and client identifier, of r's
// type, disclosing every claim r asked for.
func (s *Store) judge(ctx context.Context, r *request, vpToken string) (*verifier.Result, *Refusal) {
	token, err := oid4vp.ParseVPToken(vpToken)
	if err != nil {
		return nil, refuse(codeMalformed, err)
	}
	want := r.object.DCQLQuery.Credentials[0].ID
	presentations, ok := token[want]
	if !ok || len(token) != 1 || len(presentations) != 1 {
		var got []string
		for id, list := range token {
			got = append(got, fmt.Sprintf("%q (%d)", id, len(list)))
		}
		slices.Sort(got)
		return nil, refuse(codeWrongQuery, strings.Join(got, ", "), want)
	}
	decoded, decodeErr := credential.Decode(ctx, []byte(presentations[0]))
	if decodeErr == nil && decoded.Presentation() == nil {
		return nil, refuse(codeNotPresentation, "a "+decoded.Label()+", not an SD-JWT VC")
	}
	nonce := r.nonce
	res := s.cfg.Verifier.VerifyDecoded(ctx, decoded, decodeErr, verifier.PresentationRequest{
		Nonce:    nonce,
		Audience: r.object.ClientID,
		ConsumeNonce: func(n string) error {
			// The request's state machine makes the nonce single-use:
			// this is the only answer being judged for it.
			if n != nonce {
				return verifier.ErrUnknownNonce
			}
			return nil
		},
	})
	if res.Verdict != verifier.Valid {
		return res, refuse(codeInvalid, res)
	}
	if decodeErr != nil || decoded.Presentation() == nil {
		return res, refuse(codeNotPresentation, fmt.Sprint(decodeErr))
	}
	if res.Type != r.credType {
		return res, refuse(codeWrongType, res.Type, r.credType)
	}
	shown := decoded.Presentation().Credential.Claims
	var missing []string
	for _, c := range r.claims {
		if _, ok := shown[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return res, refuse(codeMissingClaims, strings.Join(missing, ", "))
	}
	return res, nil
}

// IsRefusal reports whether err is a *Refusal, and returns it.
func IsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}
