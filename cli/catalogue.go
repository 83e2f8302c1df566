package cli

import (
	"fmt"
	"strings"

	"github.com/sceau/sceau/verifier"
)

// The command line's catalogue: every message a clerk, an employer or a
// student reads from sceau — besides the verdicts' own words, which are
// the verifier's catalogue (verifier/catalogue.go) — in English and French,
// as a fmt format over the same arguments in each language (explicit
// indexes, %[2]s, put them in another order). Messages are looked up by id
// and rendered in the locale's language (localeLanguage) only when shown.
// TestCatalogueHasEveryLanguage checks that no entry lacks a language.

// msgID names an entry of the catalogue.
type msgID string

// texts is an entry: its format in each language.
type texts struct{ en, fr string }

// Entries of the catalogue.
const (
	// Wallet.
	msgWalletEmpty       msgID = "wallet.empty"
	msgWalletImported    msgID = "wallet.imported"
	msgWalletNoWallet    msgID = "wallet.no_wallet"
	msgWalletDeleted     msgID = "wallet.deleted"
	msgWalletCreated     msgID = "wallet.created"
	msgWalletGiveKey     msgID = "wallet.give_key"
	msgWalletShowHeader  msgID = "wallet.show_header"
	msgWalletBackup      msgID = "wallet.backup"
	msgWalletRestored    msgID = "wallet.restored"
	msgWalletFromBackup  msgID = "wallet.from_backup"
	msgWalletVerifierSet msgID = "wallet.verifier_set"
	msgWalletVerifierNo  msgID = "wallet.verifier_none"
	msgWalletVerifierIs  msgID = "wallet.verifier_is"
	msgWalletThrough     msgID = "wallet.through"
	msgWalletHoldsKey    msgID = "wallet.holds_key"
	msgWalletBadVerifier msgID = "wallet.bad_verifier"
	msgListHeader        msgID = "wallet.list.header"
	msgStatusValid       msgID = "wallet.status.valid"
	msgStatusRevoked     msgID = "wallet.status.revoked"
	msgStatusSuspended   msgID = "wallet.status.suspended"
	msgStatusExpired     msgID = "wallet.status.expired"
	msgStatusInvalid     msgID = "wallet.status.invalid"
	msgStatusUnknown     msgID = "wallet.status.unknown"

	// Issuing from a CSV file.
	msgRowsInvalid    msgID = "issue.rows_invalid"
	msgRowsMore       msgID = "issue.rows_more"
	msgRowLine        msgID = "issue.row.line"
	msgRowLineColumn  msgID = "issue.row.line_column"
	msgIssueSummary   msgID = "issue.summary"
	msgIssueAlready   msgID = "issue.already"
	msgIssueReplaced  msgID = "issue.replaced"
	msgIssueWritten   msgID = "issue.written"
	msgIssueRejects   msgID = "issue.rejects"
	msgDryRun         msgID = "issue.dry_run"
	msgDryRunInput    msgID = "issue.dry_run.input"
	msgDryRunWould    msgID = "issue.dry_run.would"
	msgDryRunNothing  msgID = "issue.dry_run.nothing"
	msgDryRunFirst    msgID = "issue.dry_run.first"
	msgDryRunRow      msgID = "issue.dry_run.row"
	msgDryRunRejected msgID = "issue.dry_run.rejected"
	msgProgressBar    msgID = "issue.progress.bar"
	msgProgressUnit   msgID = "issue.progress.unit"
	msgProgressStart  msgID = "issue.progress.start"
	msgProgressLeft   msgID = "issue.progress.left"
	msgProgressDone   msgID = "issue.progress.done"
	msgHeaderFrench   msgID = "issue.header.french"
	msgHeaderEnglish  msgID = "issue.header.english"
	msgNotAFile       msgID = "issue.not_a_file"
	msgOutRequired    msgID = "issue.out_required"
	msgBadType        msgID = "issue.bad_type"

	// Status changes (revoke, suspend, reinstate).
	msgOpRevoked        msgID = "status.op.revoked"
	msgOpSuspended      msgID = "status.op.suspended"
	msgOpReinstated     msgID = "status.op.reinstated"
	msgChangedCred      msgID = "status.changed.credential"
	msgChangedDigest    msgID = "status.changed.digest"
	msgChangedBatch     msgID = "status.changed.batch"
	msgChangedNone      msgID = "status.changed.none"
	msgNotImported      msgID = "wallet.not_imported"
	msgNotImportedCheck msgID = "wallet.not_imported.check"
	msgNotImportedSkip  msgID = "wallet.not_imported.skipped"

	msgWalletPresented   msgID = "wallet.presented"
	msgWalletNoClaim     msgID = "wallet.presented.no_claim"
	msgWalletPresentNeed msgID = "wallet.present.need"
	msgWalletNoPass      msgID = "wallet.no_passphrase"
	msgWalletExportNeed  msgID = "wallet.export.need"
	msgWalletBothFlags   msgID = "wallet.settings.both"
	msgExported          msgID = "export.done"
	msgExportNoInput     msgID = "export.no_input"
	msgExportChoose      msgID = "export.choose"
	msgWalletDuplicate   msgID = "wallet.duplicate"
	msgWalletNotFound    msgID = "wallet.not_found"
	msgWalletWrongPass   msgID = "wallet.wrong_passphrase"

	// Errors every command may print.
	msgErrorPrefix   msgID = "error.prefix"
	msgFlagsRequired msgID = "error.flags_required"
	msgFlagRequired  msgID = "error.flag_required"
	msgFlagUnknown   msgID = "error.flag_unknown"
	msgFlagNeedsArg  msgID = "error.flag_needs_argument"
	msgFlagBadValue  msgID = "error.flag_bad_value"
	msgNoCommand     msgID = "error.no_command"
)

// catalogue holds every entry in each language. It is read-only.
var catalogue = map[msgID]texts{
	msgWalletEmpty: {
		"the wallet holds no credential (add one with `sceau wallet import`)",
		"le portefeuille ne contient aucune attestation (ajoutez-en une avec `sceau wallet import`)"},
	msgWalletImported: {
		"imported %s (%s from %s, issued %s, kept as %s)",
		"importée : %s (%s de %s, délivrée le %s, conservée sous forme %s)"},
	msgWalletNoWallet: {
		"no wallet in %s: create it with `sceau wallet init` (or pass --wallet)",
		"aucun portefeuille dans %s : créez-le avec `sceau wallet init` (ou indiquez --wallet)"},
	msgWalletDeleted: {"deleted %s (%s) from the wallet", "%s (%s) supprimée du portefeuille"},
	msgWalletCreated: {"wallet created in %s, holder key %s", "portefeuille créé dans %s, clé de titulaire %s"},
	msgWalletGiveKey: {
		"give your issuer the key `sceau wallet holder-key` prints (holder_jwk column) so that your credentials are bound to it",
		"donnez à votre établissement la clé qu'affiche `sceau wallet holder-key` (colonne holder_jwk) pour que vos attestations y soient liées"},
	msgWalletShowHeader: {"%s, kept as %s, imported %s", "%s, conservée sous forme %s, importée le %s"},
	msgWalletHoldsKey: {
		"bound to a key of this wallet, which holds it (the verifier checked everything else)",
		"liée à une clé de ce portefeuille, qui la détient (le vérificateur a contrôlé tout le reste)"},
	msgWalletBackup: {"backup of %d credential(s) written to %s", "sauvegarde de %d attestation(s) écrite dans %s"},
	msgWalletRestored: {
		"restored %d credential(s); %d already in the wallet",
		"%d attestation(s) restaurée(s) ; %d déjà dans le portefeuille"},
	msgWalletFromBackup: {"wallet created in %s from the backup", "portefeuille créé dans %s à partir de la sauvegarde"},
	msgWalletVerifierSet: {
		"the wallet now verifies its credentials through %s",
		"le portefeuille vérifie désormais ses attestations auprès de %s"},
	msgWalletVerifierNo: {
		"the wallet verifies its credentials against the ledger of --home (no public verifier set)",
		"le portefeuille vérifie ses attestations auprès du registre de --home (aucun vérificateur public choisi)"},
	msgWalletVerifierIs: {"the wallet verifies its credentials through %s", "le portefeuille vérifie ses attestations auprès de %s"},
	msgWalletThrough:    {"statuses from the verifier at %s", "statuts donnés par le vérificateur %s"},
	msgWalletBadVerifier: {
		"--verifier %q: want the http(s) URL of a Sceau verifier, e.g. https://verifier.example.fr",
		"--verifier %q : l'adresse http(s) d'un vérificateur Sceau est attendue, par exemple https://verifier.example.fr"},
	msgListHeader:      {"ID\tTITLE\tISSUER\tISSUED\tSTATUS", "IDENTIFIANT\tTITRE\tÉMETTEUR\tDÉLIVRÉE LE\tSTATUT"},
	msgStatusValid:     {"valid", "valide"},
	msgStatusRevoked:   {"revoked", "révoquée"},
	msgStatusSuspended: {"suspended", "suspendue"},
	msgStatusExpired:   {"expired", "expirée"},
	msgStatusInvalid:   {"INVALID: %s", "NON VALIDE : %s"},
	msgStatusUnknown:   {"unknown (%s)", "inconnu (%s)"},

	msgRowsInvalid: {
		"%s: %d invalid row(s), nothing was issued (fix them, or use --skip-invalid)",
		"%s : %d ligne(s) invalide(s), rien n'a été émis (corrigez-les, ou utilisez --skip-invalid)"},
	msgRowsMore:      {"… and %d more", "… et %d autre(s)"},
	msgRowLine:       {"line %d: %s (rule %s)", "ligne %d : %s (règle %s)"},
	msgRowLineColumn: {"line %d, column %s: %s (rule %s)", "ligne %d, colonne %s : %s (règle %s)"},
	msgIssueSummary: {
		"%d %s credential(s) issued, %d reused from an earlier run, %d row(s) rejected, %d batch(es) anchored, in %s",
		"%d attestation(s) %s émise(s), %d reprise(s) d'une exécution précédente, %d ligne(s) rejetée(s), %d lot(s) inscrit(s) au registre, en %s"},
	msgIssueAlready: {
		"%d row(s) already issued by an earlier run, left out (--reissue issues them again)",
		"%d ligne(s) déjà émise(s) par une exécution précédente, laissée(s) de côté (--reissue les émet à nouveau)"},
	msgIssueReplaced: {
		"%d earlier credential(s) replaced, revoked with reason superseded",
		"%d attestation(s) antérieure(s) remplacée(s), révoquée(s) pour le motif superseded"},
	msgIssueWritten: {"%s and manifest.csv in %s", "%s et manifest.csv dans %s"},
	msgIssueRejects: {
		"rejected rows and their reasons in %s/rejects.csv",
		"lignes rejetées et leurs motifs dans %s/rejects.csv"},
	msgDryRun: {
		"dry run: nothing was signed, anchored or written",
		"essai à blanc : rien n'a été signé, inscrit au registre ni écrit"},
	msgDryRunInput: {
		"%s: %d row(s), read as %s, %q-separated, %s header",
		"%s : %d ligne(s), lues en %s, séparées par %q, en-tête %s"},
	msgDryRunWould: {
		"would issue %d %s credential(s) as %s, in %d batch(es)",
		"émettrait %d attestation(s) %s au nom de %s, en %d lot(s)"},
	msgDryRunNothing: {
		"%d valid row(s), %d invalid: would issue nothing",
		"%d ligne(s) valide(s), %d invalide(s) : n'émettrait rien"},
	msgDryRunFirst: {"first valid rows:", "premières lignes valides :"},
	msgDryRunRow:   {"  line %d: %s %s %s", "  ligne %d : %s %s %s"},
	msgDryRunRejected: {
		"%d invalid row(s) would be rejected (written to <out>/rejects.csv):",
		"%d ligne(s) invalide(s) seraient rejetée(s) (écrites dans <out>/rejects.csv) :"},
	msgProgressBar:   {"issuing", "émission"},
	msgProgressUnit:  {"credentials", "attestations"},
	msgProgressStart: {"issuing %d credential(s)", "émission de %d attestation(s)"},
	msgProgressLeft: {
		"issued %d/%d credentials (%.0f/s, about %s left)",
		"%d/%d attestations émises (%.0f/s, encore %s environ)"},
	msgProgressDone:  {"issued %d/%d credentials (%.0f/s)", "%d/%d attestations émises (%.0f/s)"},
	msgHeaderFrench:  {"French", "français"},
	msgHeaderEnglish: {"English", "anglais"},
	msgNotAFile:      {"--input %s: not a readable file", "--input %s : ce n'est pas un fichier lisible"},
	msgOutRequired: {
		`required flag "out" not set (only --dry-run goes without it)`,
		`l'option --out est obligatoire (seul --dry-run s'en passe)`},
	msgBadType: {"--type %q: use Diploma or PixCertification", "--type %q : utilisez Diploma ou PixCertification"},

	msgOpRevoked:     {"revoked", "révoquée"},
	msgOpSuspended:   {"suspended", "suspendue"},
	msgOpReinstated:  {"reinstated", "rétablie"},
	msgChangedCred:   {"%s %s (%s)", "%[2]s (%[3]s) %[1]s"},
	msgChangedDigest: {"%s %s", "%[2]s %[1]s"},
	msgChangedBatch:  {"batch %s: every credential %s (%s)", "lot %s : chaque attestation %s (%s)"},
	msgChangedNone: {
		"student %s: no credential to %s in issuer %s's register (none in a status it applies to)",
		"élève %s : aucune attestation à traiter (%s) dans le registre de l'émetteur %s (aucune dans un statut qui s'y prête)"},
	msgNotImported: {
		"the credential does not verify (%s), so it was not imported: %s",
		"l'attestation n'est pas vérifiée (%s), elle n'a donc pas été importée : %s"},
	msgNotImportedCheck: {"%s: %s", "%s : %s"},
	msgNotImportedSkip:  {"%s not checked: %s", "%s non vérifié : %s"},

	msgWalletPresented: {
		"presentation for %q (nonce %q) disclosing %s",
		"présentation pour %q (nonce %q) qui montre : %s"},
	msgWalletNoClaim: {"no claim beyond those always shown", "aucune donnée au-delà de celles toujours montrées"},
	msgWalletPresentNeed: {
		"wallet present: --nonce and --audience are required: ask the verifier for them",
		"wallet present : --nonce et --audience sont obligatoires : demandez-les au vérificateur"},
	msgWalletNoPass: {
		"no passphrase for the wallet in %s: set %s (no terminal to ask on)",
		"aucune phrase de passe pour le portefeuille de %s : renseignez %s (aucun terminal pour la demander)"},
	msgWalletExportNeed: {"wallet export: --out FILE is required", "wallet export : --out FICHIER est obligatoire"},
	msgWalletBothFlags:  {"wallet settings: --verifier or --local, not both", "wallet settings : --verifier ou --local, pas les deux"},
	msgExported:         {"%d credential(s) exported to %s", "%d attestation(s) exportée(s) dans %s"},
	msgExportNoInput: {
		"export: give the batch files or folders to read (flags go before them)",
		"export : indiquez les fichiers de lot ou les dossiers à lire (les options avant eux)"},
	msgExportChoose: {
		"export: choose credentials with --id or --student, or --all",
		"export : choisissez les attestations avec --id ou --student, ou --all"},
	msgWalletDuplicate: {
		"%s is already in the wallet (imported %s as %s); delete it first to replace it",
		"%s est déjà dans le portefeuille (importée le %s sous forme %s) ; supprimez-la d'abord pour la remplacer"},
	msgWalletNotFound: {
		"no such credential in the wallet: %s (see `sceau wallet list`)",
		"aucune attestation %s dans le portefeuille (voyez `sceau wallet list`)"},
	msgWalletWrongPass: {
		"wrong passphrase: it does not open the wallet in %s",
		"phrase de passe erronée : elle n'ouvre pas le portefeuille de %s"},

	msgErrorPrefix:   {"sceau: ", "sceau : "},
	msgFlagsRequired: {`required flags "%s" not set`, `options obligatoires absentes : %s`},
	msgFlagRequired:  {`required flag "%s" not set`, `option obligatoire absente : %s`},
	msgFlagUnknown:   {"flag provided but not defined: %s (see --help)", "option inconnue : %s (voyez --help)"},
	msgFlagNeedsArg:  {"flag needs an argument: %s", "l'option %s attend une valeur"},
	msgFlagBadValue:  {"invalid value %s for flag %s", "valeur %s invalide pour l'option %s"},
	msgNoCommand:     {"no command %q (see sceau --help)", "aucune commande %q (voyez sceau --help)"},
}

// say renders entry id with args in lang.
func say(lang verifier.Language, id msgID, args ...any) string {
	t, ok := catalogue[id]
	if !ok {
		return string(id)
	}
	format := t.en
	if lang == verifier.French {
		format = t.fr
	}
	return fmt.Sprintf(format, args...)
}

// say renders entry id with args in the command's language.
func (e *env) say(id msgID, args ...any) string { return say(e.language(), id, args...) }

// usageMessage words urfave/cli's usage errors ("Required flags …", "flag
// provided but not defined: -x"…) in lang; other errors pass as they are.
func usageMessage(lang verifier.Language, msg string) string {
	if lang == verifier.English {
		return msg
	}
	if rest, ok := strings.CutPrefix(msg, `Required flags "`); ok {
		return say(lang, msgFlagsRequired, strings.TrimSuffix(rest, `" not set`))
	}
	if rest, ok := strings.CutPrefix(msg, `Required flag "`); ok {
		return say(lang, msgFlagRequired, strings.TrimSuffix(rest, `" not set`))
	}
	if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return say(lang, msgFlagUnknown, rest)
	}
	if rest, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return say(lang, msgFlagNeedsArg, rest)
	}
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		if value, flag, ok := strings.Cut(rest, " for flag "); ok {
			flag, _, _ = strings.Cut(flag, ":")
			return say(lang, msgFlagBadValue, value, flag)
		}
	}
	return msg
}
