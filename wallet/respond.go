package wallet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/oid4vp"
)

// Answering a verifier's OpenID4VP request (`sceau wallet respond`): what
// the request asks (Understand), which credentials of the wallet answer it
// and the vp_token that discloses only the claims asked for, each
// presentation bound to the holder by a key-binding JWT over the request's
// nonce with the verifier's client identifier as audience (Answer). The
// command line fetches the request and posts the answer: this file does no
// I/O but the wallet's.

// Asked is a request as the wallet understood it.
type Asked struct {
	// Verifier is the host the answer goes to (the response_uri's), which
	// the redirect_uri client identifier names; ClientName is the name the
	// verifier gives itself, not verified.
	Verifier   string
	ClientID   string
	ClientName string
	// Credentials are the credentials asked for, one per DCQL query.
	Credentials []AskedCredential
}

// AskedCredential is one credential query of a request.
type AskedCredential struct {
	// QueryID is the DCQL query's id, which keys the vp_token.
	QueryID string
	// Type is the credential type (Diploma, PixCertification).
	Type string
	// ClaimSets are the alternative sets of claims asked for: one set
	// when the query has no claim_sets. A set may be empty (only what is
	// always shown).
	ClaimSets [][]string
	// values are the values a claim must have, when the query says so.
	values map[string][]any
	// vcts are the query's vct_values of Type. A credential's vct is its
	// type under its deployment's base URL: a credential carrying one of
	// them is presented first, else one of the same type from another
	// deployment (a Sceau verifier judges on the type).
	vcts []string
}

// Reasons a request cannot be honoured (CannotHonourError.Reason).
const (
	// CannotFormat: a query asks for a format other than SD-JWT VC.
	CannotFormat = "format"
	// CannotAlgorithm: the verifier accepts no key-binding JWT the wallet
	// can sign (its holder keys are P-256: ES256).
	CannotAlgorithm = "algorithm"
	// CannotType: a query asks for a vct that is none of Sceau's types.
	CannotType = "type"
	// CannotQuery: the query uses what the wallet does not support
	// (credential_sets, a nested claims path, several presentations).
	CannotQuery = "query"
	// CannotNoCredential: the wallet holds no credential of the type in
	// its SD-JWT form.
	CannotNoCredential = "no_credential"
	// CannotNotBound: the credentials of the type are not bound to this
	// wallet's holder key, so no key-binding JWT can be made.
	CannotNotBound = "not_bound"
	// CannotClaims: no credential of the type has the claims asked for
	// (with the values asked for).
	CannotClaims = "claims"
	// CannotExpired: the request has expired.
	CannotExpired = "expired"
)

// CannotHonourError is a request the wallet refuses to answer, and why.
type CannotHonourError struct {
	// Reason is one of the Cannot* codes.
	Reason string
	// QueryID and Type name the query concerned; Claims the claims
	// missing (CannotClaims); Detail what was asked (format, vct, …).
	QueryID, Type, Detail string
	Claims                []string
}

func (e *CannotHonourError) Error() string {
	switch e.Reason {
	case CannotFormat:
		return fmt.Sprintf("query %q asks for a credential in format %q: Sceau's wallet presents SD-JWT VCs (dc+sd-jwt) only", e.QueryID, e.Detail)
	case CannotAlgorithm:
		return fmt.Sprintf("the verifier accepts key-binding JWTs signed with %s only; this wallet signs with %s", e.Detail, holderAlgorithm)
	case CannotType:
		return fmt.Sprintf("query %q asks for a credential of type %s, which Sceau does not issue", e.QueryID, e.Detail)
	case CannotQuery:
		return fmt.Sprintf("query %q: %s, which Sceau's wallet does not support", e.QueryID, e.Detail)
	case CannotNoCredential:
		return fmt.Sprintf("the wallet holds no %s in its SD-JWT form (import the bundle the issuer gave)", e.Type)
	case CannotNotBound:
		return fmt.Sprintf("the wallet's %s credentials are not bound to its holder key: no presentation can prove they are yours", e.Type)
	case CannotClaims:
		return fmt.Sprintf("no %s of the wallet has %s, which the verifier asks for", e.Type, strings.Join(e.Claims, ", "))
	case CannotExpired:
		return "the request has expired: ask the verifier for a new one"
	}
	return "the request cannot be answered: " + e.Reason
}

// Understand reads what req asks for, refusing (*CannotHonourError) what
// Sceau's wallet cannot answer: formats other than SD-JWT VC, types Sceau
// does not issue, alternatives between credentials, nested claims paths.
func Understand(req *oid4vp.Request) (*Asked, error) {
	a := &Asked{ClientID: req.ClientID}
	if u, err := url.Parse(req.ResponseURI); err == nil {
		a.Verifier = u.Host
	}
	if req.ClientMetadata != nil {
		a.ClientName = req.ClientMetadata.ClientName
	}
	if len(req.DCQLQuery.CredentialSets) > 0 && !bytes.Equal(bytes.TrimSpace(req.DCQLQuery.CredentialSets), []byte("null")) {
		return nil, &CannotHonourError{Reason: CannotQuery, QueryID: req.DCQLQuery.Credentials[0].ID, Detail: "it offers alternatives between credentials (credential_sets)"}
	}
	if req.ClientMetadata != nil {
		if algs, ok := req.ClientMetadata.VPFormatsSupported[oid4vp.FormatSDJWTVC]["kb-jwt_alg_values"]; ok && !listHas(algs, holderAlgorithm) {
			return nil, &CannotHonourError{Reason: CannotAlgorithm, QueryID: req.DCQLQuery.Credentials[0].ID, Detail: fmt.Sprint(algs)}
		}
	}
	for _, q := range req.DCQLQuery.Credentials {
		if q.Format != oid4vp.FormatSDJWTVC {
			return nil, &CannotHonourError{Reason: CannotFormat, QueryID: q.ID, Detail: q.Format}
		}
		if q.Multiple {
			return nil, &CannotHonourError{Reason: CannotQuery, QueryID: q.ID, Detail: "it asks for several credentials at once (multiple)"}
		}
		ac := AskedCredential{QueryID: q.ID, values: map[string][]any{}}
		if q.Meta == nil || len(q.Meta.VCTValues) == 0 {
			return nil, &CannotHonourError{Reason: CannotType, QueryID: q.ID, Detail: "(no vct_values)"}
		}
		for _, vct := range q.Meta.VCTValues {
			if t, err := typeOfVCT(vct); err == nil && (ac.Type == "" || ac.Type == t) {
				ac.Type = t
				ac.vcts = append(ac.vcts, vct)
			}
		}
		if ac.Type == "" {
			return nil, &CannotHonourError{Reason: CannotType, QueryID: q.ID, Detail: strings.Join(q.Meta.VCTValues, " or ")}
		}
		byID := map[string]string{}
		var all []string
		for _, c := range q.Claims {
			name := c.Name()
			if name == "" {
				return nil, &CannotHonourError{Reason: CannotQuery, QueryID: q.ID, Detail: fmt.Sprintf("it asks for claims path %v inside a claim", c.Path)}
			}
			all = append(all, name)
			if c.ID != "" {
				byID[c.ID] = name
			}
			if len(c.Values) > 0 {
				ac.values[name] = c.Values
			}
		}
		if len(q.ClaimSets) == 0 {
			ac.ClaimSets = [][]string{all}
		}
		for _, set := range q.ClaimSets {
			var names []string
			for _, id := range set {
				names = append(names, byID[id])
			}
			ac.ClaimSets = append(ac.ClaimSets, names)
		}
		a.Credentials = append(a.Credentials, ac)
	}
	return a, nil
}

// holderAlgorithm is the algorithm of the wallet's holder keys (P-256).
const holderAlgorithm = "ES256"

// listHas reports whether a JSON list (as decoded into any) holds s.
func listHas(list any, s string) bool {
	items, ok := list.([]any)
	if !ok {
		return false
	}
	for _, item := range items {
		if item == s {
			return true
		}
	}
	return false
}

// typeOfVCT returns the credential type of a vct Sceau issues, under any
// deployment's base URL.
func typeOfVCT(vct string) (string, error) {
	t, _, err := credential.TypeOfVCT(vct)
	if err != nil || !slices.Contains(record.CredentialTypes(), record.CredentialType(t)) {
		return "", fmt.Errorf("vct %q is none of Sceau's", vct)
	}
	return t, nil
}

// Chosen is the credential that answers a query, and what it discloses.
type Chosen struct {
	QueryID string
	Entry   *Entry
	// Disclose are the claims disclosed (always-visible ones included,
	// as asked).
	Disclose []string
	// Presentation is the SD-JWT presentation with its key-binding JWT.
	Presentation string
}

// Answer is a wallet's answer to a request: the credentials chosen and the
// vp_token to post.
type Answer struct {
	Chosen  []Chosen
	VPToken string
}

// AnswerOptions tune Wallet.Answer.
type AnswerOptions struct {
	// Credential, if set, is the id of the credential to present (for a
	// request of one credential); otherwise the most recently issued
	// credential that answers is chosen.
	Credential string
	// Now is the time of the presentation; zero means now.
	Now time.Time
}

// Answer chooses, for each credential req asks for, a credential of the
// wallet that answers it — its SD-JWT form, bound to this wallet's holder
// key, valid now, holding the claims asked for (the first claim set it
// can satisfy) — and makes the presentation disclosing only those claims,
// signed for req's nonce with req's client identifier as audience. What it
// cannot honour is a *CannotHonourError.
func (w *Wallet) Answer(req *oid4vp.Request, asked *Asked, opts AnswerOptions) (*Answer, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if req.ExpiresAt != 0 && now.Unix() > req.ExpiresAt {
		return nil, &CannotHonourError{Reason: CannotExpired}
	}
	entries, err := w.List()
	if err != nil {
		return nil, err
	}
	if opts.Credential != "" {
		e, err := w.Get(opts.Credential)
		if err != nil {
			return nil, err
		}
		entries = []*Entry{e}
	}
	ans := &Answer{}
	token := map[string][]string{}
	for _, ac := range asked.Credentials {
		chosen, err := w.choose(entries, ac, now)
		if err != nil {
			return nil, err
		}
		p, err := w.Present(chosen.Entry.ID, credential.Presentation{Disclose: chosen.Disclose, Nonce: req.Nonce, Audience: req.ClientID, IssuedAt: now})
		if err != nil {
			return nil, err
		}
		chosen.Presentation = p
		token[ac.QueryID] = []string{p}
		ans.Chosen = append(ans.Chosen, *chosen)
	}
	if ans.VPToken, err = oid4vp.EncodeVPToken(token); err != nil {
		return nil, err
	}
	return ans, nil
}

// choose picks the credential answering ac among entries: the most
// recently issued that can, of a vct asked for if one can, else of the
// type asked for under another deployment's base URL.
func (w *Wallet) choose(entries []*Entry, ac AskedCredential, now time.Time) (*Chosen, error) {
	reason := &CannotHonourError{Reason: CannotNoCredential, QueryID: ac.QueryID, Type: ac.Type}
	for _, exact := range []bool{true, false} {
		if chosen := w.chooseAmong(entries, ac, now, exact, reason); chosen != nil {
			return chosen, nil
		}
	}
	return nil, reason
}

// chooseAmong is one pass of choose: among the credentials whose vct is
// one asked for when exact, else among all of the type. It records in
// reason why a credential of the type could not answer.
func (w *Wallet) chooseAmong(entries []*Entry, ac AskedCredential, now time.Time, exact bool, reason *CannotHonourError) *Chosen {
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Type != ac.Type || e.SDJWT() == "" {
			continue
		}
		if !e.ValidUntil.IsZero() && !now.Before(e.ValidUntil) {
			continue
		}
		s, err := credential.ParseSDJWT(e.SDJWT())
		if err != nil {
			continue
		}
		if vct, err := credential.VCTOf(s.Credential.Base, s.Credential.Type); exact && (err != nil || !slices.Contains(ac.vcts, vct)) {
			continue // of another deployment: tried in the second pass
		}
		if s.Credential.HolderKey == nil || w.holderFor(s.Credential.HolderKey.KID()) == nil {
			if reason.Reason == CannotNoCredential {
				reason.Reason = CannotNotBound
			}
			continue
		}
		for _, set := range ac.ClaimSets {
			missing := missingClaims(s.Credential.Claims, set, ac.values)
			if len(missing) == 0 {
				var disclose []string
				for _, name := range set {
					if !slices.Contains(envelopeClaims, name) {
						disclose = append(disclose, name)
					}
				}
				return &Chosen{QueryID: ac.QueryID, Entry: e, Disclose: disclose}
			}
			if reason.Reason != CannotClaims {
				reason.Reason, reason.Claims = CannotClaims, missing
			}
		}
	}
	return nil
}

// envelopeClaims are the claims of the issuer-signed JWT every
// presentation shows: a query may name them, and they need no disclosure.
var envelopeClaims = []string{"iss", "iat", "nbf", "exp", "vct", "id", "cnf"}

// missingClaims returns the claims of set that claims lacks, or whose
// value is not one of those asked for.
func missingClaims(claims map[string]json.RawMessage, set []string, values map[string][]any) []string {
	var missing []string
	for _, name := range set {
		if slices.Contains(envelopeClaims, name) {
			continue // always shown
		}
		if alias, ok := map[string]string{"speciality": "specialities"}[name]; ok {
			name = alias
		}
		v, ok := claims[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		if want, ok := values[name]; ok && !oneOf(v, want) {
			missing = append(missing, name+" (with the value asked for)")
		}
	}
	return missing
}

// oneOf reports whether the JSON value v equals one of want.
func oneOf(v json.RawMessage, want []any) bool {
	var got any
	if json.Unmarshal(v, &got) != nil {
		return false
	}
	for _, w := range want {
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(w)
		if bytes.Equal(a, b) {
			return true
		}
	}
	return false
}
