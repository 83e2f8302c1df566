package cli

import (
	"strings"

	"github.com/sceau/sceau/verifier"
)

// language is the language of the verdicts and messages the command
// prints: the locale's (localeLanguage), English by default.
func (e *env) language() verifier.Language { return localeLanguage(e.getenv) }

// localeLanguage is the language `sceau verify` speaks: the locale's
// messages language — LC_ALL, else LC_MESSAGES, else LANG, the first set
// winning as POSIX orders them ("fr_FR.UTF-8" is French) — if the verifier
// has it, English otherwise (and for the C and POSIX locales).
func localeLanguage(getenv func(string) string) verifier.Language {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale := getenv(name); locale != "" {
			return verifier.MatchLanguage(verifier.English, localeTag(locale))
		}
	}
	return verifier.English
}

// localeTag turns a POSIX locale name (language[_TERRITORY][.codeset][@modifier])
// into a BCP 47 tag: "fr_FR.UTF-8" is "fr-FR"; "C" and "POSIX" are "".
func localeTag(locale string) string {
	locale, _, _ = strings.Cut(locale, "@")
	locale, _, _ = strings.Cut(locale, ".")
	if locale == "C" || locale == "POSIX" {
		return ""
	}
	return strings.ReplaceAll(locale, "_", "-")
}

// verifyText is every word `sceau verify` and `sceau wallet show` print
// around a verdict, in one language; the verdict's own words come from the
// verifier (Result.In).
type verifyText struct {
	// Headlines: valid; invalid and indeterminate before the verdict's
	// summary (which says when nothing could be read: the verdict is still
	// invalid, and scripts read the word).
	valid, invalid, indeterminate string
	// issuedBy formats type, id and issuer.
	issuedBy string
	// Check marks, all of one width.
	markOK, markFailed, markSkipped    string
	claimsShown, competence, notPassed string
	// Notes on where the verdict comes from.
	offline, throughServer, ledgerThroughServer, ledgerUnavailable string
	// Errors.
	needPath, cannotRead, isFolder, tooLarge string
}

func verifyTexts(lang verifier.Language) *verifyText {
	if lang == verifier.French {
		return &verifyText{
			valid: "VALIDE", invalid: "NON VALIDE : ", indeterminate: "INDÉTERMINÉ : ",
			issuedBy: "  %s %s, délivrée par %s\n",
			markOK:   "ok   ", markFailed: "ÉCHEC", markSkipped: "-----",
			claimsShown: "  données montrées (chacune signée par l'émetteur) :",
			competence:  "    compétence %v %v : %s\n", notPassed: "non validée",
			offline:       "hors ligne : %s",
			throughServer: "vérifiée par `sceau serve` (pid %d) à %s, qui tient le registre",
			ledgerThroughServer: "registre lu par l'intermédiaire de `sceau serve` (pid %d) à %s, qui le tient ; " +
				"ses réponses sont authentifiées par le secret de serve.json",
			ledgerUnavailable: "le registre est injoignable (%v) ; `sceau verify --offline` utilise ce que les vérifications précédentes ont mis en cache",
			needPath:          "%s : un CHEMIN ou - attendu (les options avant lui), %d argument(s) reçu(s)",
			cannotRead:        "impossible de lire %s : %w",
			isFolder:          "%s est un dossier, pas un fichier d'attestation",
			tooLarge:          "%s dépasse %d Mio : ce n'est pas une attestation",
		}
	}
	return &verifyText{
		valid: "VALID", invalid: "INVALID: ", indeterminate: "INDETERMINATE: ",
		issuedBy: "  %s %s, issued by %s\n",
		markOK:   "ok  ", markFailed: "FAIL", markSkipped: "----",
		claimsShown: "  claims shown (each signed by the issuer):",
		competence:  "    competence %v %v: %s\n", notPassed: "not passed",
		offline:       "offline: %s",
		throughServer: "verified by `sceau serve` (pid %d) at %s, which holds the ledger",
		ledgerThroughServer: "ledger read through `sceau serve` (pid %d) at %s, which holds it; " +
			"its answers are authenticated with the secret of serve.json",
		ledgerUnavailable: "the ledger is unavailable (%v); `sceau verify --offline` uses what earlier verifications cached",
		needPath:          "%s: expected one PATH or - (flags go before it), got %d argument(s)",
		cannotRead:        "cannot read %s: %w",
		isFolder:          "%s is a folder, not a credential file",
		tooLarge:          "%s is larger than %d MiB: not a credential",
	}
}
