package verifierapi

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// webFiles are the page's files, embedded in the binary:
// web/templates/page.html and web/static/ (style.css, app.js). The page
// loads nothing from anywhere else.
//
//go:embed web/templates web/static
var webFiles embed.FS

// page is the verifier's web page: one html/template, rendered with the
// verdict after a submission, and its static assets.
type page struct {
	tmpl   *template.Template
	assets fs.FS
}

func newPage() (*page, error) {
	tmpl, err := template.ParseFS(webFiles, "web/templates/page.html", "web/templates/frame.html")
	if err != nil {
		return nil, fmt.Errorf("verifier page: %w", err)
	}
	assets, err := fs.Sub(webFiles, "web/static")
	if err != nil {
		return nil, fmt.Errorf("verifier page: %w", err)
	}
	return &page{tmpl: tmpl, assets: assets}, nil
}

// static serves the page's assets under /static/.
func (p *page) static() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(p.assets))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// securityHeaders forbid the page anything from elsewhere: no external
// script, style, frame or form target. The camera feed is a blob/media
// stream of the page itself; the script posts camera frames to the page's
// own server (connect-src 'self').
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "+
		"media-src 'self' blob: mediastream:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(self)")
	h.Set("Cache-Control", "no-store")
}

// pageLang picks the page's language: an explicit choice (the lang query
// or form field, which the page's switch sets), else the browser's
// Accept-Language, else French.
func pageLang(choice, acceptLanguage string) verifier.Language {
	return verifier.MatchLanguage(verifier.French, choice, acceptLanguage)
}

// servePage is GET /.
func (a *API) servePage(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	a.renderPage(w, http.StatusOK, newPageView(lang, nil, ""))
}

// submitPage is POST /: the page's form, answered with the page showing
// the verdict, or the error.
func (a *API) submitPage(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	release, err := a.admitBody(r, MaxUploadBody)
	if err != nil {
		a.renderPageError(w, r, lang, err)
		return
	}
	defer release()
	form, err := readForm(w, r)
	if err == nil {
		lang = pageLang(form.lang, r.Header.Get("Accept-Language"))
		if len(form.input) == 0 {
			err = errNothingSubmitted
		}
	}
	if err != nil {
		a.renderPageError(w, r, lang, err)
		return
	}
	res, err := a.verify(r.Context(), "/", form.input, nil)
	if err != nil {
		a.renderPageError(w, r, lang, err)
		return
	}
	v := newPageView(lang, res, "")
	if name := a.issuerName(r.Context(), res); name != "" {
		v.Result.Subtitle = fmt.Sprintf(v.P.IssuedBy, name)
	}
	a.renderPage(w, http.StatusOK, v)
}

// issuerName returns the registered name of the credential's issuer, as
// "Name (id)", once the issuer check passed; "" otherwise.
func (a *API) issuerName(ctx context.Context, res *verifier.Result) string {
	if c := res.Check(verifier.CheckIssuer); c == nil || !c.OK {
		return ""
	}
	snap, err := a.registry.Snapshot(ctx)
	if err != nil {
		return ""
	}
	for i := range snap.Issuers {
		if is := &snap.Issuers[i]; credential.IssuerURI(is.ID) == res.Issuer {
			return fmt.Sprintf("%s (%s)", is.Name, is.ID)
		}
	}
	return ""
}

// errNothingSubmitted is a form sent with neither a file nor a text.
var errNothingSubmitted = errors.New("nothing submitted")

func (a *API) renderPageError(w http.ResponseWriter, r *http.Request, lang verifier.Language, err error) {
	t := pageTexts(lang)
	status, msg := http.StatusBadRequest, t.ErrorUnreadable
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, errNothingSubmitted):
		msg = t.ErrorNothing
	case errors.As(err, &tooLarge):
		status, msg = http.StatusRequestEntityTooLarge, t.ErrorTooLarge
	case errors.Is(err, errBusy):
		status, msg = http.StatusServiceUnavailable, t.ErrorBusy
		w.Header().Set("Retry-After", "2")
	default:
		var re *requestError
		if errors.As(err, &re) {
			status = re.status
			if status == http.StatusRequestEntityTooLarge {
				msg = t.ErrorTooLarge
			}
		} else {
			status, msg = http.StatusServiceUnavailable, t.ErrorBusy
			a.logger.Warn("page submission failed", "err", err)
		}
	}
	a.renderPage(w, status, newPageView(lang, nil, msg))
}

func (a *API) renderPage(w http.ResponseWriter, status int, v *pageView) {
	a.renderHTML(w, a.page.tmpl, status, v.Lang, v, "the verifier page")
}

// renderHTML renders one of the verifier's pages (tmpl with the view v,
// in lang) with the page's security headers; what names the page in the
// log when the template fails.
func (a *API) renderHTML(w http.ResponseWriter, tmpl *template.Template, status int, lang verifier.Language, v any, what string) {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		a.logger.Error("rendering "+what, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	securityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", string(lang))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client went away: nothing to do
}

// frame is what every page's frame (web/templates/frame.html) shows: the
// language switch, the error box and the verdict's shared words.
type frame struct {
	Lang verifier.Language
	// Other is the other language, for the switch; Switch the path the
	// switch links to ("" for the page itself).
	Other     verifier.Language
	OtherName string
	Switch    string
	// P is the texts the frame and the verdict share.
	P *pageText
	// Again is where the verdict's "verify another" link goes; "": none.
	Again string
	// Error explains why what was asked could not be done; "": nothing
	// went wrong.
	Error string
}

func newFrame(lang verifier.Language, switchPath string) frame {
	f := frame{Lang: lang, Other: verifier.English, OtherName: "English", Switch: switchPath, P: pageTexts(lang)}
	if lang == verifier.English {
		f.Other, f.OtherName = verifier.French, "Français"
	}
	return f
}

// pageView is what the template renders.
type pageView struct {
	frame
	Result *resultView
}

// resultView is a verdict as the page shows it.
type resultView struct {
	// Verdict is valid, invalid or indeterminate; Reason the verdict's
	// reason code (verifier.Reason), empty when valid.
	Verdict string
	Reason  string
	// Tone is how the banner looks (its CSS class): valid, invalid,
	// indeterminate, or unreadable — nothing could be read: neither red nor
	// worded as a forgery.
	Tone string
	// Headline names the case, as the banner says it: "Valide", "Révoqué
	// le 5 juillet 2025 (fraude)", "Code illisible — reprenez la photo";
	// Explanation says what to make of it.
	Headline    string
	Explanation string
	// Title and Subtitle name the credential, when it decoded.
	Title    string
	Subtitle string
	Checks   []checkView
	Claims   []claimView
	// Competences are a Pix certification's disclosed competences.
	Competences []competenceView
}

type checkView struct {
	Name string
	// State is ok, fail or skipped (the CSS class); StateText says it.
	State     string
	StateText string
	// Reason is the verifier's explanation, in the page's language.
	Reason string
}

type claimView struct{ Label, Value string }

type competenceView struct{ ID, Name, Level string }

func newPageView(lang verifier.Language, res *verifier.Result, errMsg string) *pageView {
	v := &pageView{frame: newFrame(lang, "/")}
	v.Error = errMsg
	if res != nil {
		v.Result = newResultView(v.P, res.In(lang))
		v.Again = "/?lang=" + string(lang) + "#verify-form"
	}
	return v
}

// newResultView shows res, whose texts are in t's language.
func newResultView(t *pageText, res *verifier.Result) *resultView {
	rv := &resultView{Verdict: string(res.Verdict), Reason: string(res.Reason)}
	switch {
	case res.Verdict == verifier.Valid:
		rv.Headline, rv.Explanation = t.Valid, t.ValidExplanation
	case res.Verdict == verifier.Indeterminate:
		rv.Headline, rv.Explanation = t.Indeterminate, t.IndeterminateExplanation
	case res.Reason == verifier.ReasonUnreadable:
		rv.Verdict, rv.Tone = string(verifier.Invalid), "unreadable"
		rv.Headline, rv.Explanation = res.Summary, t.UnreadableExplanation
	default:
		rv.Verdict = string(verifier.Invalid)
		rv.Headline, rv.Explanation = t.Invalid, t.InvalidExplanation
		if res.Summary != "" {
			rv.Headline = res.Summary
		}
	}
	if rv.Tone == "" {
		rv.Tone = rv.Verdict
	}
	if res.Type != "" {
		rv.Title = t.typeName(res.Type)
		rv.Subtitle = fmt.Sprintf(t.IssuedBy, res.Issuer)
	}
	for _, c := range res.Checks {
		cv := checkView{Name: t.checkName(c.Name), State: "ok", StateText: t.CheckOK, Reason: c.Reason}
		switch {
		case c.Skipped:
			cv.State, cv.StateText = "skipped", t.CheckSkipped
		case !c.OK:
			cv.State, cv.StateText = "fail", t.CheckFailed
		}
		rv.Checks = append(rv.Checks, cv)
	}
	rv.Claims, rv.Competences = describeClaims(t, res.Claims)
	return rv
}

// describeClaims puts the disclosed claims in human terms: known claims by
// their label, in a fixed order, dates and honours in words, competences
// by their official French names and levels; unknown claims by their name.
func describeClaims(t *pageText, raw json.RawMessage) ([]claimView, []competenceView) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		return []claimView{{Label: t.Claims, Value: string(raw)}}, nil
	}
	var out []claimView
	add := func(label, value string) {
		if value != "" {
			out = append(out, claimView{Label: label, Value: value})
		}
	}
	take := func(key string) string {
		v, ok := claims[key]
		if !ok {
			return ""
		}
		delete(claims, key)
		return plainValue(v)
	}
	holder := strings.TrimSpace(take("given_name") + " " + take("family_name"))
	add(t.Holder, holder)
	add(t.BirthDate, t.date(take("birth_date")))
	add(t.StudentID, take("student_id"))
	add(t.Diploma, take("diploma"))
	if mention := take("mention"); mention != "" {
		add(t.Mention, t.mention(mention))
	}
	add(t.Specialities, take("specialities"))
	add(t.EQFLevel, take("eqf_level"))
	add(t.AwardedOn, t.date(take("awarded_on")))
	add(t.Session, take("session"))
	add(t.RNCP, take("rncp"))
	add(t.Center, take("certification_center"))
	add(t.CertifiedOn, t.date(take("certified_on")))
	add(t.PixScore, take("pix_score"))
	add(t.VerificationCode, take("verification_code"))
	competences := describeCompetences(t, claims)
	rest := make([]string, 0, len(claims))
	for k := range claims {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	for _, k := range rest {
		add(k, plainValue(claims[k]))
	}
	return out, competences
}

// describeCompetences takes the competences out of claims: a
// "competences" list of {id, name, level}, or one claim per competence
// named by its CSV column (c1_1 …), as selective disclosure has them.
func describeCompetences(t *pageText, claims map[string]any) []competenceView {
	var out []competenceView
	if list, ok := claims["competences"].([]any); ok {
		delete(claims, "competences")
		for _, item := range list {
			c, ok := item.(map[string]any)
			if !ok {
				continue
			}
			id := plainValue(c["id"])
			name := plainValue(c["name"])
			if def := competenceByID(id); def != nil {
				name = def.Name
			}
			out = append(out, competenceView{ID: id, Name: name, Level: t.level(c["level"])})
		}
		return out
	}
	for _, def := range schemas.CompetenceFramework {
		if v, ok := claims[def.Column]; ok {
			delete(claims, def.Column)
			out = append(out, competenceView{ID: def.ID, Name: def.Name, Level: t.level(v)})
		}
	}
	return out
}

func competenceByID(id string) *schemas.CompetenceDef {
	for i := range schemas.CompetenceFramework {
		if schemas.CompetenceFramework[i].ID == id {
			return &schemas.CompetenceFramework[i]
		}
	}
	return nil
}

// plainValue writes a claim value as text: strings as is, lists joined
// with commas, anything else as JSON.
func plainValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, 0, len(v))
		for _, item := range v {
			parts = append(parts, plainValue(item))
		}
		return strings.Join(parts, ", ")
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// pageText is every word of the page in one language.
type pageText struct {
	Title, Heading, Intro, Skip, SwitchLabel string
	// Colon separates a label from its value: French puts a no-break
	// space before it.
	Colon                                                                                   string
	FormHeading, FileLabel, FileHint, DropHint, ChosenFile, TextLabel, TextHint, Or, Submit string
	CameraButton, CameraStop, CameraHint, CameraUnavailable, CameraFound, CameraInsecure    string
	ResultHeading, CredentialHeading, ChecksHeading, ClaimsHeading, CompetencesHeading      string
	CompetenceID, CompetenceName, CompetenceLevel                                           string
	Valid, ValidExplanation, Invalid, InvalidExplanation, UnreadableExplanation             string
	Indeterminate, IndeterminateExplanation                                                 string
	IssuedBy                                                                                string
	CheckOK, CheckFailed, CheckSkipped                                                      string
	ErrorHeading, ErrorNothing, ErrorUnreadable, ErrorTooLarge, ErrorBusy                   string
	Privacy, Again                                                                          string
	Claims, Holder, BirthDate, StudentID, Diploma, Mention, Specialities, EQFLevel          string
	AwardedOn, Session, RNCP, Center, CertifiedOn, PixScore, VerificationCode               string
	Level, NotPassed                                                                        string
	checkNames, typeNames, mentions                                                         map[string]string
	// lang is the texts' language.
	lang verifier.Language
}

func (t *pageText) checkName(name string) string {
	if n, ok := t.checkNames[name]; ok {
		return n
	}
	return name
}

func (t *pageText) typeName(typ string) string {
	if n, ok := t.typeNames[typ]; ok {
		return n
	}
	return typ
}

func (t *pageText) mention(code string) string {
	if m, ok := t.mentions[code]; ok {
		return m
	}
	return code
}

// date writes an ISO date in words ("4 juillet 2025"), or the text as is.
func (t *pageText) date(iso string) string {
	d, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return verifier.LongDate(t.lang, d)
}

// level writes a competence level: "niveau 4", or "non validée" for -1.
func (t *pageText) level(v any) string {
	n, err := strconv.Atoi(plainValue(v))
	switch {
	case err != nil:
		return plainValue(v)
	case n < 0:
		return t.NotPassed
	}
	return fmt.Sprintf(t.Level, n)
}

// Check names of holder binding, whichever the verifier reports.
var holderBindingNames = []string{"holder", "holder_binding", "holderBinding", "binding", "key_binding", "keyBinding"}

func pageTexts(lang verifier.Language) *pageText {
	if lang == verifier.English {
		return englishText()
	}
	return frenchText()
}

func frenchText() *pageText {
	t := &pageText{
		lang:        verifier.French,
		Title:       "Vérifier une attestation — Sceau",
		Colon:       "\u00a0: ",
		Heading:     "Vérifier une attestation",
		Intro:       "Diplômes et certifications Pix délivrés avec Sceau : déposez le code QR ou le certificat PDF, ou collez son texte. La réponse dit si l'attestation est authentique et toujours valable.",
		Skip:        "Aller au contenu",
		SwitchLabel: "Read this page in English",
		FormHeading: "Que voulez-vous vérifier ?",
		FileLabel:   "Photo du code QR ou certificat PDF",
		FileHint:    "Image PNG ou JPEG (jusqu'à 50 mégapixels), ou fichier PDF. Vous pouvez aussi déposer le fichier ici.",
		DropHint:    "Déposez le fichier ici",
		ChosenFile:  "Fichier choisi :",
		TextLabel:   "Collez le texte de l'attestation",
		TextHint:    "Texte commençant par SC1:, lien d'un certificat (…/v#sc1=…), jeton vc+jwt ou SD-JWT, ou fichier JSON de l'attestation.",
		Or:          "ou",
		Submit:      "Vérifier",

		CameraButton:      "Scanner avec la caméra",
		CameraStop:        "Arrêter la caméra",
		CameraHint:        "Présentez le code QR devant la caméra.",
		CameraUnavailable: "La caméra n'est pas accessible.",
		CameraFound:       "Code QR lu, vérification en cours…",
		CameraInsecure:    "La caméra n'est utilisable que sur une page sécurisée (adresse en https://).",

		ResultHeading:      "Résultat",
		CredentialHeading:  "Attestation",
		ChecksHeading:      "Contrôles effectués",
		ClaimsHeading:      "Ce que l'attestation certifie",
		CompetencesHeading: "Compétences numériques (référentiel CRCN)",
		CompetenceID:       "N°",
		CompetenceName:     "Compétence",
		CompetenceLevel:    "Niveau",

		Valid:                    "Valide",
		ValidExplanation:         "L'attestation est authentique : signée par un émetteur habilité, enregistrée dans le registre, ni révoquée ni suspendue.",
		Invalid:                  "Non valide",
		InvalidExplanation:       "Non valide : ne vous fiez pas à cette attestation (détail des contrôles ci-dessous).",
		UnreadableExplanation:    "Aucune attestation n'a pu être lue, donc rien n'a pu être vérifié. Reprenez la photo (nette, bien éclairée, avec tout le code QR) ou collez le texte complet.",
		Indeterminate:            "Impossible de conclure",
		IndeterminateExplanation: "Certains contrôles n'ont pas pu être faits (registre injoignable). L'attestation n'est PAS confirmée : réessayez plus tard.",
		IssuedBy:                 "délivrée par %s",

		CheckOK:      "réussi",
		CheckFailed:  "échoué",
		CheckSkipped: "non effectué",

		ErrorHeading:    "La vérification n'a pas pu être faite",
		ErrorNothing:    "Choisissez un fichier ou collez un texte, puis appuyez sur « Vérifier ».",
		ErrorUnreadable: "Le formulaire envoyé n'a pas pu être lu. Réessayez.",
		ErrorTooLarge:   "Le fichier est trop volumineux (32 Mo au plus).",
		ErrorBusy:       "Le service est très sollicité. Réessayez dans un instant.",
		Privacy:         "Le fichier ou le texte envoyé sert uniquement à cette vérification : il n'est pas conservé.",
		Again:           "Vérifier une autre attestation",

		Claims:           "Données",
		Holder:           "Titulaire",
		BirthDate:        "Date de naissance",
		StudentID:        "INE",
		Diploma:          "Diplôme",
		Mention:          "Mention",
		Specialities:     "Spécialités",
		EQFLevel:         "Niveau CEC (EQF)",
		AwardedOn:        "Date d'obtention",
		Session:          "Session",
		RNCP:             "Code RNCP",
		Center:           "Centre de certification",
		CertifiedOn:      "Date de certification",
		PixScore:         "Score Pix",
		VerificationCode: "Code de vérification Pix",
		Level:            "niveau %d",
		NotPassed:        "non validée",
		checkNames: map[string]string{
			verifier.CheckFormat: "Lecture", verifier.CheckIssuer: "Émetteur enregistré", verifier.CheckSignature: "Signature",
			verifier.CheckAccreditation: "Habilitation de l'émetteur", verifier.CheckAnchor: "Inscription au registre",
			verifier.CheckStatus: "Statut (révocation, suspension)", verifier.CheckValidity: "Dates de validité", verifier.CheckSchema: "Contenu conforme",
		},
		typeNames: map[string]string{schemas.TypeDiploma: "Diplôme", schemas.TypePixCertification: "Certification Pix"},
		mentions: map[string]string{
			"passable": "Passable", "assez_bien": "Assez bien", "bien": "Bien", "tres_bien": "Très bien",
			"tres_bien_felicitations": "Très bien avec les félicitations du jury",
		},
	}
	for _, n := range holderBindingNames {
		t.checkNames[n] = "Présentation par le titulaire"
	}
	return t
}

func englishText() *pageText {
	t := &pageText{
		lang:        verifier.English,
		Title:       "Verify a credential — Sceau",
		Colon:       ": ",
		Heading:     "Verify a credential",
		Intro:       "Diplomas and Pix certifications issued with Sceau: drop the QR code or the PDF certificate, or paste its text. The answer says whether the credential is genuine and still valid.",
		Skip:        "Skip to content",
		SwitchLabel: "Lire cette page en français",
		FormHeading: "What do you want to verify?",
		FileLabel:   "Photo of the QR code, or PDF certificate",
		FileHint:    "PNG or JPEG image (up to 50 megapixels), or PDF file. You can also drop the file here.",
		DropHint:    "Drop the file here",
		ChosenFile:  "Chosen file:",
		TextLabel:   "Paste the credential's text",
		TextHint:    "Text starting with SC1:, a certificate's link (…/v#sc1=…), a vc+jwt or SD-JWT token, or the credential's JSON file.",
		Or:          "or",
		Submit:      "Verify",

		CameraButton:      "Scan with the camera",
		CameraStop:        "Stop the camera",
		CameraHint:        "Hold the QR code in front of the camera.",
		CameraUnavailable: "The camera cannot be used.",
		CameraFound:       "QR code read, verifying…",
		CameraInsecure:    "The camera can only be used on a secure page (an https:// address).",

		ResultHeading:      "Result",
		CredentialHeading:  "Credential",
		ChecksHeading:      "Checks made",
		ClaimsHeading:      "What the credential certifies",
		CompetencesHeading: "Digital competences (CRCN framework, official French names)",
		CompetenceID:       "No.",
		CompetenceName:     "Competence",
		CompetenceLevel:    "Level",

		Valid:                    "Valid",
		ValidExplanation:         "The credential is genuine: signed by an accredited issuer, recorded in the registry, neither revoked nor suspended.",
		Invalid:                  "Not valid",
		InvalidExplanation:       "Not valid: do not rely on this credential (the checks below say more).",
		UnreadableExplanation:    "No credential could be read, so nothing could be checked. Take the photo again (sharp, well lit, with the whole QR code) or paste the whole text.",
		Indeterminate:            "Cannot conclude",
		IndeterminateExplanation: "Some checks could not be made (the registry is unreachable). The credential is NOT confirmed: try again later.",
		IssuedBy:                 "issued by %s",

		CheckOK:      "passed",
		CheckFailed:  "failed",
		CheckSkipped: "not made",

		ErrorHeading:    "The verification could not be made",
		ErrorNothing:    "Choose a file or paste a text, then press “Verify”.",
		ErrorUnreadable: "The form sent could not be read. Please try again.",
		ErrorTooLarge:   "The file is too large (32 MB at most).",
		ErrorBusy:       "The service is very busy. Please try again in a moment.",
		Privacy:         "The file or text you send is used for this verification only: it is not kept.",
		Again:           "Verify another credential",

		Claims:           "Data",
		Holder:           "Holder",
		BirthDate:        "Date of birth",
		StudentID:        "INE (student number)",
		Diploma:          "Diploma",
		Mention:          "Honours (mention)",
		Specialities:     "Specialities",
		EQFLevel:         "EQF level",
		AwardedOn:        "Awarded on",
		Session:          "Session",
		RNCP:             "RNCP code",
		Center:           "Certification centre",
		CertifiedOn:      "Certified on",
		PixScore:         "Pix score",
		VerificationCode: "Pix verification code",
		Level:            "level %d",
		NotPassed:        "not passed",
		checkNames: map[string]string{
			verifier.CheckFormat: "Reading", verifier.CheckIssuer: "Registered issuer", verifier.CheckSignature: "Signature",
			verifier.CheckAccreditation: "Issuer accreditation", verifier.CheckAnchor: "Recorded in the registry",
			verifier.CheckStatus: "Status (revocation, suspension)", verifier.CheckValidity: "Validity dates", verifier.CheckSchema: "Well-formed content",
		},
		typeNames: map[string]string{schemas.TypeDiploma: "Diploma", schemas.TypePixCertification: "Pix certification"},
		mentions: map[string]string{
			"passable": "Passable (pass)", "assez_bien": "Assez bien (fairly good)", "bien": "Bien (good)",
			"tres_bien": "Très bien (very good)", "tres_bien_felicitations": "Très bien avec les félicitations du jury (very good, with the jury's congratulations)",
		},
	}
	for _, n := range holderBindingNames {
		t.checkNames[n] = "Presented by the holder"
	}
	return t
}
