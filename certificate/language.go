package certificate

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sceau/sceau/schemas"
)

// Language is the language a certificate is printed in.
type Language string

// Languages a certificate can be printed in.
const (
	// French is the default language.
	French Language = "fr"
	// English prints labels, dates and mentions in English; competence
	// names stay in French, as the CRCN framework names them officially.
	English Language = "en"
)

// wording is every text of the page that does not come from the credential.
type wording struct {
	kicker           string
	colon            string // between a label and its value in running text
	diplomaAwardedTo string
	pixTitle         string
	pixAwardedTo     string
	birthDate        string
	awardedOn        string
	mention          string
	specialities     string
	eqfLevel         string
	session          string
	rncp             string
	certifiedOn      string
	center           string
	score            string
	scoreUnit        string
	verificationCode string
	competences      string
	level            string // a format with one %d verb
	notPassed        string
	credentialID     string
	issuer           string
	issuedOn         string
	expiresOn        string
	scanToVerify     string
	verifyAt         string
	notice           string
	months           [12]string
	firstOfMonth     string // how the first day of a month is written
	mentions         map[string]string
}

var frenchWording = wording{
	kicker:           "CERTIFICAT NUMÉRIQUE VÉRIFIABLE",
	colon:            "\u00a0: ", // French puts a no-break space before a colon
	diplomaAwardedTo: "décerné à",
	pixTitle:         "Certification Pix",
	pixAwardedTo:     "délivrée à",
	birthDate:        "Date de naissance",
	awardedOn:        "Date d'obtention",
	mention:          "Mention",
	specialities:     "Spécialités",
	eqfLevel:         "Niveau CEC (EQF)",
	session:          "Session",
	rncp:             "Code RNCP",
	certifiedOn:      "Date de certification",
	center:           "Centre de certification",
	score:            "Score Pix",
	scoreUnit:        "pix",
	verificationCode: "Code de vérification Pix",
	competences:      "Compétences du cadre de référence des compétences numériques (CRCN)",
	level:            "niveau %d",
	notPassed:        "non validé",
	credentialID:     "Identifiant",
	issuer:           "Émetteur",
	issuedOn:         "Délivré le",
	expiresOn:        "Expire le",
	scanToVerify:     "Scannez pour vérifier",
	verifyAt:         "Vérifier sur",
	notice: "Ce document est la version imprimable d'une attestation numérique signée. " +
		"Seule la vérification du code QR fait foi : elle confirme la signature de l'émetteur " +
		"et que l'attestation n'a pas été révoquée.",
	months: [12]string{"janvier", "février", "mars", "avril", "mai", "juin",
		"juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	firstOfMonth: "1er",
	mentions: map[string]string{
		"passable":                "Passable",
		"assez_bien":              "Assez bien",
		"bien":                    "Bien",
		"tres_bien":               "Très bien",
		"tres_bien_felicitations": "Très bien avec les félicitations du jury",
	},
}

var englishWording = wording{
	kicker:           "VERIFIABLE DIGITAL CERTIFICATE",
	colon:            ": ",
	diplomaAwardedTo: "awarded to",
	pixTitle:         "Pix Certification",
	pixAwardedTo:     "awarded to",
	birthDate:        "Date of birth",
	awardedOn:        "Awarded on",
	mention:          "Honours",
	specialities:     "Specialities",
	eqfLevel:         "EQF level",
	session:          "Session",
	rncp:             "RNCP code",
	certifiedOn:      "Certified on",
	center:           "Certification centre",
	score:            "Pix score",
	scoreUnit:        "pix",
	verificationCode: "Pix verification code",
	competences:      "Competences of the French digital competence framework (CRCN), official names",
	level:            "level %d",
	notPassed:        "not passed",
	credentialID:     "Credential ID",
	issuer:           "Issuer",
	issuedOn:         "Issued on",
	expiresOn:        "Expires on",
	scanToVerify:     "Scan to verify",
	verifyAt:         "Verify at",
	notice: "This document is the printable copy of a signed digital credential. " +
		"Only verifying the QR code is authoritative: it confirms the issuer's signature " +
		"and that the credential has not been revoked.",
	months: [12]string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"},
	firstOfMonth: "1",
	mentions: map[string]string{
		"passable":                "Pass",
		"assez_bien":              "Fairly good",
		"bien":                    "Good",
		"tres_bien":               "Very good",
		"tres_bien_felicitations": "Very good, with the jury's congratulations",
	},
}

// wordingFor returns the wording of lang; the empty Language is French.
func wordingFor(lang Language) (*wording, error) {
	switch lang {
	case French, "":
		return &frenchWording, nil
	case English:
		return &englishWording, nil
	}
	return nil, fmt.Errorf("language %q: want %q or %q", lang, French, English)
}

// isoDate is the layout of the credential subjects' dates.
const isoDate = "2006-01-02"

// date writes the ISO date iso (YYYY-MM-DD) in words, e.g. "14 mars 2007".
// field names the date in errors.
func (w *wording) date(field, iso string) (string, error) {
	t, err := time.Parse(isoDate, iso)
	if err != nil || t.Format(isoDate) != iso {
		return "", fmt.Errorf("%s %q: want a date in the form YYYY-MM-DD", field, iso)
	}
	return w.day(t), nil
}

// day writes the calendar day of t, in t's location, in words.
func (w *wording) day(t time.Time) string {
	d := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		d = w.firstOfMonth
	}
	return d + " " + w.months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// mentionWords returns the mention code (one of schemas.Mentions) in words.
func (w *wording) mentionWords(code string) (string, error) {
	words, ok := w.mentions[code]
	if !ok {
		return "", fmt.Errorf("mention %q: want one of %q", code, schemas.Mentions)
	}
	return words, nil
}

// levelWords returns a competence level in words: "non validé" for -1.
func (w *wording) levelWords(level int) string {
	if level < 0 {
		return w.notPassed
	}
	return fmt.Sprintf(w.level, level)
}
