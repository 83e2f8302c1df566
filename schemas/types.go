// Package schemas defines Sceau's credential types: their JSON Schemas
// (embedded), their Go types, validation whose errors name the field and the
// rule, and the reading of issuers' CSV exports (English or French headers,
// UTF-8 or Windows-1252) and their templates.
//
// Imports: chaincode/record (the names of the credential types), of Sceau's
// packages.
package schemas

import "github.com/sceau/sceau/chaincode/record"

// Credential type names, as they appear in a credential's "type" list.
// They are the ledger's words (package record, whose CredentialTypes lists
// the types this package has a schema for), as plain strings.
const (
	TypeDiploma          = string(record.TypeDiploma)
	TypePixCertification = string(record.TypePixCertification)
	TypeOpenResource     = string(record.TypeOpenResource)
)

// Student identifies the holder of a credential. It is personal data: it
// goes into signed credentials, never onto the ledger.
type Student struct {
	// StudentID is the INE (identifiant national élève): 11 characters,
	// digits and capital letters.
	StudentID  string `json:"student_id"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	// BirthDate is an ISO date, YYYY-MM-DD.
	BirthDate string `json:"birth_date"`
}

// Diploma is the credential subject of a diploma (baccalauréat, BTS, licence…).
type Diploma struct {
	Student
	// Diploma is the title, e.g. "Baccalauréat général".
	Diploma string `json:"diploma"`
	// EQFLevel is the European Qualifications Framework level, 1 to 8.
	EQFLevel int `json:"eqf_level"`
	// AwardedOn is an ISO date, YYYY-MM-DD.
	AwardedOn string `json:"awarded_on"`
	// Mention is one of Mentions, or empty.
	Mention      string   `json:"mention,omitempty"`
	Specialities []string `json:"specialities,omitempty"`
	// RNCP is the code of the Répertoire national des certifications
	// professionnelles, e.g. "RNCP12345".
	RNCP    string `json:"rncp,omitempty"`
	Session string `json:"session,omitempty"`
}

// Mentions are the honours a diploma may carry.
var Mentions = []string{"passable", "assez_bien", "bien", "tres_bien", "tres_bien_felicitations"}

// Competence is one CRCN competence of a Pix certification.
type Competence struct {
	// ID is the CRCN number, e.g. "2.1".
	ID string `json:"id"`
	// Name is the official French name of the competence.
	Name string `json:"name"`
	// Level is -1 (not passed) to 8.
	Level int `json:"level"`
}

// PixCertification is the credential subject of a Pix certification of
// digital competences.
type PixCertification struct {
	Student
	CertificationCenter string `json:"certification_center"`
	// CertifiedOn is an ISO date, YYYY-MM-DD.
	CertifiedOn string `json:"certified_on"`
	// PixScore is 0 to 1024.
	PixScore int `json:"pix_score"`
	// Competences holds the 16 CRCN competences, in CompetenceFramework order.
	Competences []Competence `json:"competences"`
	// VerificationCode is "P-" and 8 characters of 2346789BCDFGHJKMPQRTVWXY, or empty.
	VerificationCode string `json:"verification_code,omitempty"`
}

// CompetenceDef is one entry of the CRCN framework.
type CompetenceDef struct {
	ID   string
	Name string
	// Column is the CSV column (and disclosure name) holding its level, e.g. "c2_1".
	Column string
}

// CompetenceFramework lists the 16 competences of the Cadre de référence des
// compétences numériques (CRCN), in order, with their official French names.
var CompetenceFramework = [16]CompetenceDef{
	{"1.1", "Mener une recherche et une veille d'information", "c1_1"},
	{"1.2", "Gérer des données", "c1_2"},
	{"1.3", "Traiter des données", "c1_3"},
	{"2.1", "Interagir", "c2_1"},
	{"2.2", "Partager et publier", "c2_2"},
	{"2.3", "Collaborer", "c2_3"},
	{"2.4", "S'insérer dans le monde numérique", "c2_4"},
	{"3.1", "Développer des documents textuels", "c3_1"},
	{"3.2", "Développer des documents multimédia", "c3_2"},
	{"3.3", "Adapter les documents à leur finalité", "c3_3"},
	{"3.4", "Programmer", "c3_4"},
	{"4.1", "Sécuriser l'environnement numérique", "c4_1"},
	{"4.2", "Protéger les données personnelles et la vie privée", "c4_2"},
	{"4.3", "Protéger la santé, le bien-être et l'environnement", "c4_3"},
	{"5.1", "Résoudre des problèmes techniques", "c5_1"},
	{"5.2", "Construire un environnement numérique", "c5_2"},
}

// Record is one validated credential subject of a known type: a *Diploma or
// a *PixCertification.
type Record interface {
	// CredentialType returns TypeDiploma or TypePixCertification.
	CredentialType() string
	// Holder returns the student the credential is about.
	Holder() Student
}

// CredentialType implements Record.
func (*Diploma) CredentialType() string { return TypeDiploma }

// Holder implements Record.
func (d *Diploma) Holder() Student { return d.Student }

// CredentialType implements Record.
func (*PixCertification) CredentialType() string { return TypePixCertification }

// Holder implements Record.
func (p *PixCertification) Holder() Student { return p.Student }
