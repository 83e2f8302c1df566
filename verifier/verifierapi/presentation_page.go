package verifierapi

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/qrcode"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/presentation"
)

// The employer's page for presentation requests, without script: GET
// /presentation is a form (the credential type and the claims wanted);
// POST /presentation makes the request and sends the browser to GET
// /presentation/{id}, which shows the request as a QR code and a link
// while it is pending (reloading itself every few seconds), then the
// verdict with only the claims disclosed, or why the answer was refused.

// presentationRefresh is how often the pending request's page reloads, in
// seconds.
const presentationRefresh = 3

// presentationText is every word of the presentation page in one language.
type presentationText struct {
	Title, Heading, Intro, TypeLegend, ClaimsLegend, ClaimsHint, Submit string
	Pending, PendingHint, OpenLink, Expires, Expired, NewRequest        string
	Answered, Refused, RefusedHint, Back, VerifyPage                    string
}

func presentationTexts(lang verifier.Language) *presentationText {
	if lang == verifier.English {
		return &presentationText{
			Title: "Ask for a presentation — Sceau", Heading: "Ask a candidate for a presentation",
			Intro:      "Choose the credential and the claims you need: the candidate's wallet shows only those, signed by the issuer and bound to the candidate (OpenID for Verifiable Presentations 1.0).",
			TypeLegend: "Credential", ClaimsLegend: "Claims to ask for", ClaimsHint: "The title of a diploma and its level are always shown.",
			Submit:  "Make the request",
			Pending: "Waiting for the candidate's wallet", PendingHint: "Have the candidate scan this code with their wallet, or send them the link. This page updates by itself.",
			OpenLink: "Open in a wallet", Expires: "The request expires at %s (UTC).",
			Expired: "This request expired before any answer.", NewRequest: "Make a new request",
			Answered: "Answered", Refused: "Answer refused", RefusedHint: "The request is used up: make a new one to ask again.",
			Back: "Make another request", VerifyPage: "Verify a credential",
		}
	}
	return &presentationText{
		Title: "Demander une présentation — Sceau", Heading: "Demander une présentation à un candidat",
		Intro:      "Choisissez l'attestation et les informations dont vous avez besoin : le portefeuille du candidat ne montre que celles-ci, signées par l'émetteur et liées au candidat (OpenID for Verifiable Presentations 1.0).",
		TypeLegend: "Attestation", ClaimsLegend: "Informations demandées", ClaimsHint: "L'intitulé d'un diplôme et son niveau sont toujours affichés.",
		Submit:  "Créer la demande",
		Pending: "En attente du portefeuille du candidat", PendingHint: "Faites scanner ce code par le portefeuille du candidat, ou envoyez-lui le lien. Cette page se met à jour d'elle-même.",
		OpenLink: "Ouvrir dans un portefeuille", Expires: "La demande expire à %s (UTC).",
		Expired: "Cette demande a expiré sans réponse.", NewRequest: "Faire une nouvelle demande",
		Answered: "Réponse reçue", Refused: "Réponse refusée", RefusedHint: "La demande est consommée : faites-en une nouvelle pour redemander.",
		Back: "Faire une autre demande", VerifyPage: "Vérifier une attestation",
	}
}

// claimLabel names a claim in the page's language.
func claimLabel(t *pageText, name string) string {
	labels := map[string]string{
		"student_id": t.StudentID, "given_name": t.Holder + " (" + strings.ToLower(firstWord(t.lang, "given name", "prénom")) + ")",
		"family_name": t.Holder + " (" + firstWord(t.lang, "family name", "nom") + ")", "birth_date": t.BirthDate,
		"diploma": t.Diploma, "eqf_level": t.EQFLevel, "awarded_on": t.AwardedOn, "mention": t.Mention,
		"specialities": t.Specialities, "rncp": t.RNCP, "session": t.Session,
		"certification_center": t.Center, "certified_on": t.CertifiedOn, "pix_score": t.PixScore,
		"verification_code": t.VerificationCode,
	}
	if l, ok := labels[name]; ok && l != "" {
		return l
	}
	for _, def := range schemas.CompetenceFramework {
		if def.Column == name {
			return def.ID + " " + def.Name
		}
	}
	return name
}

func firstWord(lang verifier.Language, en, fr string) string {
	if lang == verifier.English {
		return en
	}
	return fr
}

// presentationView is what the presentation template renders.
type presentationView struct {
	frame
	T     *presentationText
	Types []typeChoice
	// Request is the request shown, nil on the form.
	Request *presentation.Status
	QR      template.URL
	Link    template.URL
	Expires string
	Refresh int
	Result  *resultView
	Refusal string
}

type typeChoice struct {
	Type, Label string
	Checked     bool
	Claims      []claimChoice
}

type claimChoice struct{ Name, Label string }

func (a *API) newPresentationView(lang verifier.Language) *presentationView {
	v := &presentationView{frame: newFrame(lang, ""), T: presentationTexts(lang)}
	for i, typ := range []string{schemas.TypeDiploma, schemas.TypePixCertification} {
		visible, disclosable, err := credential.SDJWTClaimNames(typ)
		if err != nil {
			continue
		}
		tc := typeChoice{Type: typ, Label: v.P.typeName(typ), Checked: i == 0}
		for _, c := range append(visible, disclosable...) {
			if c == "diploma" || c == "eqf_level" {
				continue // always shown
			}
			tc.Claims = append(tc.Claims, claimChoice{Name: c, Label: claimLabel(v.P, c)})
		}
		v.Types = append(v.Types, tc)
	}
	return v
}

func (a *API) renderPresentationPage(w http.ResponseWriter, status int, v *presentationView) {
	a.renderHTML(w, a.presentationTmpl, status, v.Lang, v, "the presentation page")
}

// servePresentationPage is GET /presentation: the form.
func (a *API) servePresentationPage(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	a.renderPresentationPage(w, http.StatusOK, a.newPresentationView(lang))
}

// submitPresentationPage is POST /presentation: makes the request and
// sends the browser to its page.
func (a *API) submitPresentationPage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	err := r.ParseForm()
	lang := pageLang(r.PostForm.Get("lang"), r.Header.Get("Accept-Language"))
	if err == nil && a.presentations == nil {
		err = errNoPresentations
	}
	var st *presentation.Status
	if err == nil {
		typ := r.PostForm.Get("type")
		st, err = a.presentations.Create(typ, r.PostForm["claims_"+typ])
	}
	if err != nil {
		v := a.newPresentationView(lang)
		v.Error = err.Error()
		a.renderPresentationPage(w, http.StatusBadRequest, v)
		return
	}
	http.Redirect(w, r, "/presentation/"+url.PathEscape(st.ID)+"?lang="+string(lang), http.StatusSeeOther)
}

// servePresentationStatusPage is GET /presentation/{id}.
func (a *API) servePresentationStatusPage(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	v := a.newPresentationView(lang)
	if a.presentations == nil {
		v.Error = errNoPresentations.Error()
		a.renderPresentationPage(w, http.StatusServiceUnavailable, v)
		return
	}
	st, err := a.presentations.Status(chi.URLParam(r, "id"))
	if err != nil {
		v.Error = err.Error()
		a.renderPresentationPage(w, http.StatusNotFound, v)
		return
	}
	st = st.In(lang)
	v.Request = st
	v.Expires = fmt.Sprintf(v.T.Expires, strings.TrimSuffix(strings.Replace(st.ExpiresAt, "T", " ", 1), "Z"))
	switch st.State {
	case presentation.Pending:
		img, err := qrcode.EncodePNG(st.URI)
		if err == nil {
			v.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(img))
		}
		v.Link = template.URL(st.URI)
		v.Refresh = presentationRefresh
	case presentation.Answered, presentation.Refused:
		if st.Verdict != nil {
			v.Result = newResultView(v.P, st.Verdict)
		}
		if st.Refusal != nil {
			v.Refusal = st.Refusal.Message
		}
	}
	a.renderPresentationPage(w, http.StatusOK, v)
}
