package cli

import (
	"errors"
	"strings"

	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
)

// A CSV row's problems, as a clerk reads them: "line 3, column birth_date:
// must be a date DD/MM/YYYY or YYYY-MM-DD (rule format:date)", or in French
// "ligne 3, colonne birth_date : doit être une date JJ/MM/AAAA ou
// AAAA-MM-JJ (règle format:date)". Package schemas words each broken rule
// in English (Violation.Message); frenchRules says the same in French, by
// the English words it starts with, what follows (values, numbers, dates,
// names) kept as is.

// frenchRule is the French of a schemas message, or of its beginning.
type frenchRule struct{ en, fr string }

// frenchRules holds every row message schemas and issuer write, whole
// messages first, then beginnings, longest first where one starts another.
var frenchRules = []frenchRule{
	{"is required", "est obligatoire"},
	{"is not a field of this credential type", "n'est pas une donnée de ce type d'attestation"},
	{"must be a date DD/MM/YYYY or YYYY-MM-DD", "doit être une date JJ/MM/AAAA ou AAAA-MM-JJ"},
	{"must be a date YYYY-MM-DD", "doit être une date AAAA-MM-JJ"},
	{"must not be empty", "ne doit pas être vide"},
	{"must be an INE: 11 digits or capital letters", "doit être un INE : 11 chiffres ou lettres majuscules"},
	{"must be non-empty text on one line, without control characters or leading or trailing spaces",
		"doit être un texte non vide sur une ligne, sans caractère de contrôle ni espace au début ou à la fin"},
	{"must be RNCP followed by 3 to 6 digits, e.g. RNCP34511", "doit être RNCP suivi de 3 à 6 chiffres, par exemple RNCP34511"},
	{"must be P- followed by 8 characters among ", "doit être P- suivi de 8 caractères parmi "},
	{"must be a public key as a JSON object (JWK)", "doit être une clé publique sous forme d'objet JSON (JWK)"},
	{"must be a public key, but member ", "doit être une clé publique, mais le membre "},
	{"must be a plain number (this literal is too long or its exponent too large)",
		"doit être un nombre simple (celui-ci est trop long ou son exposant trop grand)"},
	{"is not allowed", "n'est pas permis"},
	{"must be a JSON object: ", "doit être un objet JSON : "},
	{"malformed CSV at line ", "CSV mal formé à la ligne "},
	{"field ", "le champ "},
	{"has ", "a "},
	{"must not be before ", "ne doit pas être antérieure au "},
	{"must not be after ", "ne doit pas être postérieure à "},
	{"must not be in the future: ", "ne doit pas être dans le futur : le "},
	{"must not contain ", "ne doit pas contenir "},
	// Written by package issuer, which checks what a row's fields alone
	// cannot tell: an award twice in the file, a holder key.
	{"the same student and award as line ", "le même élève et la même attestation qu'à la ligne "},
	{"must be a P-256 or Ed25519 public key: ", "doit être une clé publique P-256 ou Ed25519 : "},
	{"must be one of ", "doit valoir l'une de ces valeurs : "},
	{"must match the pattern ", "doit suivre le motif "},
	{"must have at least ", "doit avoir au moins "},
	{"must have at most ", "doit avoir au plus "},
	{"must be at least ", "doit valoir au moins "},
	{"must be at most ", "doit valoir au plus "},
	{"must not repeat an item: ", "ne doit pas répéter un élément : "},
	{"must be a valid ", "doit être un "},
	{"must be ", "doit être "},
}

// frenchWords turns the English words that follow a translated beginning
// into French ones.
var frenchWords = strings.NewReplacer(
	" fields but the header has ", " champs alors que l'en-tête a ",
	" columns", " colonnes",
	" holds a value but its column has no name in the header", " a une valeur mais sa colonne n'a pas de nom dans l'en-tête",
	" characters", " caractères",
	" items, has ", " éléments, en a ",
	", the date the credential was awarded", ", date d'obtention",
	", byte ", ", octet ",
	" has not begun anywhere on Earth yet", " n'a encore commencé nulle part sur Terre",
	" holds secret key material: remove it and renew the key", " contient une clé secrète : retirez-le et renouvelez la clé",
	" are equal", " sont égaux",
	"items ", "les éléments ",
	" or ", " ou ",
	"a string", "une chaîne", "an integer", "un entier", "a number", "un nombre", "an object", "un objet",
	"an array", "un tableau", "a boolean", "un booléen",
)

// violationIn words a schemas message in lang.
func violationIn(lang verifier.Language, msg string) string {
	if lang != verifier.French {
		return msg
	}
	for _, r := range frenchRules {
		if msg == r.en {
			return r.fr
		}
		if rest, ok := strings.CutPrefix(msg, r.en); ok && strings.HasSuffix(r.en, " ") {
			return r.fr + frenchWords.Replace(rest)
		}
	}
	return msg + " (message non traduit)"
}

// rowErrorIn words a row's problems in lang.
func rowErrorIn(lang verifier.Language, e *schemas.RowError) string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Column == "" {
			parts[i] = say(lang, msgRowLine, e.Line, violationIn(lang, p.Message), p.Rule)
		} else {
			parts[i] = say(lang, msgRowLineColumn, e.Line, p.Column, violationIn(lang, p.Message), p.Rule)
		}
	}
	return strings.Join(parts, "; ")
}

// rowErrorsIn words an input's invalid rows in lang, as
// issuer.RowErrors.Error does in English.
func rowErrorsIn(lang verifier.Language, e *issuer.RowErrors) string {
	var b strings.Builder
	b.WriteString(say(lang, msgRowsInvalid, e.Input, e.Total))
	for _, r := range e.Rows {
		b.WriteString("\n  ")
		b.WriteString(rowErrorIn(lang, r))
	}
	if e.Total > len(e.Rows) {
		b.WriteString("\n  ")
		b.WriteString(say(lang, msgRowsMore, e.Total-len(e.Rows)))
	}
	return b.String()
}

// issueError gives invalid rows their exit code, and their words in lang.
func issueError(lang verifier.Language, err error) error {
	var rowErrs *issuer.RowErrors
	if errors.As(err, &rowErrs) {
		return &exitError{code: ExitInvalid, err: errors.New(rowErrorsIn(lang, rowErrs))}
	}
	return err
}
