package verifier

// msgID names an entry of the catalogue.
type msgID string

// texts is a catalogue entry: a fmt format in each language, over the same
// arguments (an entry may use explicit argument indexes, %[2]s, to put
// them in another order or to leave one out).
type texts struct{ en, fr string }

// The catalogue's entries. Checks' reasons first, in the order checks run;
// then the verdicts' summaries (summaries.go).
const (
	// format
	msgFormatBundle       msgID = "format.bundle"
	msgFormsJWTSC1        msgID = "format.forms.jwt_sc1"
	msgFormsJWTSC1SDJWT   msgID = "format.forms.jwt_sc1_sdjwt"
	msgFormatForm         msgID = "format.form"
	msgFormatSDJWT        msgID = "format.sdjwt"
	msgSDJWTIssued        msgID = "format.sdjwt.issued"
	msgSDJWTPresented     msgID = "format.sdjwt.presented"
	msgDisclosingNothing  msgID = "format.sdjwt.disclosing_nothing"
	msgDisclosing         msgID = "format.sdjwt.disclosing"
	msgNoQRInImage        msgID = "format.no_qr_in_image"
	msgNoQRInPDF          msgID = "format.no_qr_in_pdf"
	msgUnrecognized       msgID = "format.unrecognized"
	msgImageUnreadable    msgID = "format.image_unreadable"
	msgPDFUnreadable      msgID = "format.pdf_unreadable"
	msgFormsDisagree      msgID = "format.forms_disagree"
	msgDisclosuresAltered msgID = "format.disclosures_altered"
	msgTextUnreadable     msgID = "format.text_unreadable"
	msgNotDecoded         msgID = "skipped.not_decoded"

	// the ledger
	msgLedgerUnavailable msgID = "ledger.unavailable"
	msgLedgerFailed      msgID = "ledger.failed"
	msgAboutIssuer       msgID = "ledger.about.issuer"
	msgAboutDigest       msgID = "ledger.about.digest"
	msgAboutBatch        msgID = "ledger.about.batch"
	msgIssuerNotKnown    msgID = "skipped.issuer_not_known"

	// issuer
	msgIssuerNotRegistered msgID = "issuer.not_registered"
	msgIssuerActive        msgID = "issuer.active"
	msgIssuerSuspended     msgID = "issuer.suspended"
	msgIssuerWithdrawn     msgID = "issuer.withdrawn"
	msgIssuerPending       msgID = "issuer.pending"
	msgIssuerStatusUnknown msgID = "issuer.status_unknown"

	// signature
	msgSignatureVerifies  msgID = "signature.verifies"
	msgSignaturesVerify   msgID = "signatures.verify"
	msgNoKeyWithKID       msgID = "signature.no_key_with_kid"
	msgSignatureMismatch  msgID = "signature.mismatch"
	msgSignatureRefused   msgID = "signature.refused"
	msgIssuerKeyUnusable  msgID = "signature.issuer_key_unusable"
	msgIssuerRecordBroken msgID = "accreditation.record_unreadable"

	// accreditation
	msgAccreditedSince     msgID = "accreditation.since"
	msgAccreditedFromUntil msgID = "accreditation.from_until"
	msgNotAccredited       msgID = "accreditation.not_accredited"
	msgWhenAnchored        msgID = "accreditation.anchored"
	msgWhenIssued          msgID = "accreditation.issued"

	// anchor
	msgFormNotAnchored      msgID = "anchor.not_anchored"
	msgAnchoredByOther      msgID = "anchor.by_other_issuer"
	msgAnchoredAsOther      msgID = "anchor.as_other_type"
	msgNotOneCredential     msgID = "anchor.not_one_credential"
	msgAnchorTimeUnreadable msgID = "anchor.time_unreadable"
	msgKeyCompromised       msgID = "anchor.key_compromised"
	msgKeyRetired           msgID = "anchor.key_retired"
	msgKeyNotCovering       msgID = "anchor.key_not_covering"
	msgAnchored             msgID = "anchor.anchored"
	msgAnchoredWithProof    msgID = "anchor.anchored_with_proof"
	msgBatchNotOnLedger     msgID = "anchor.batch_not_on_ledger"
	msgProofOtherBatch      msgID = "anchor.proof.other_batch"
	msgProofOtherIndex      msgID = "anchor.proof.other_index"
	msgProofOtherRoot       msgID = "anchor.proof.other_root"
	msgBatchOfOtherIssuer   msgID = "anchor.proof.batch_of_other_issuer"
	msgProofIndexOutside    msgID = "anchor.proof.index_outside"
	msgLedgerDigestNotHex   msgID = "anchor.ledger_digest_not_hex"
	msgLedgerRootNotHex     msgID = "anchor.ledger_root_not_hex"
	msgProofHashNotHex      msgID = "anchor.proof.hash_not_hex"
	msgProofFails           msgID = "anchor.proof.fails"

	// status
	msgNoStatus      msgID = "skipped.no_status"
	msgRevoked       msgID = "status.revoked"
	msgSuspended     msgID = "status.suspended"
	msgStatusUnknown msgID = "status.unknown"
	msgActive        msgID = "status.active"
	msgListActive    msgID = "status.list.active"
	msgListRevoked   msgID = "status.list.revoked"
	msgListSuspended msgID = "status.list.suspended"
	msgListNotCached msgID = "status.list.not_cached"
	msgListUnusable  msgID = "status.list.unusable"
	msgListTooOld    msgID = "status.list.too_old"
	msgAboutList     msgID = "ledger.about.list"

	// validity
	msgNotYetValid    msgID = "validity.not_yet_valid"
	msgExpired        msgID = "validity.expired"
	msgValidSince     msgID = "validity.since"
	msgValidFromUntil msgID = "validity.from_until"

	// schema
	msgSubjectValid       msgID = "schema.valid"
	msgSubjectInvalid     msgID = "schema.invalid"
	msgDisclosedValid     msgID = "schema.disclosed_valid"
	msgDisclosedInvalid   msgID = "schema.disclosed_invalid"
	msgNoSchemaForType    msgID = "schema.no_schema"
	msgStandInUnavailable msgID = "schema.stand_in_failed"

	// holder_binding
	msgNotSigned            msgID = "skipped.not_signed"
	msgNotWithinValidity    msgID = "skipped.not_within_validity"
	msgKeyBindingMissing    msgID = "holder_binding.missing"
	msgAskedNonce           msgID = "holder_binding.asked.nonce"
	msgAskedSingleUseNonce  msgID = "holder_binding.asked.single_use_nonce"
	msgAskedAudience        msgID = "holder_binding.asked.audience"
	msgNotRequestedBound    msgID = "holder_binding.not_requested.bound"
	msgNotRequestedUnbound  msgID = "holder_binding.not_requested.unbound"
	msgKBNotHolder          msgID = "holder_binding.not_holder"
	msgKBOtherDisclosures   msgID = "holder_binding.other_disclosures"
	msgKBWrongNonce         msgID = "holder_binding.wrong_nonce"
	msgKBWrongAudience      msgID = "holder_binding.wrong_audience"
	msgKBStale              msgID = "holder_binding.stale"
	msgKBRefused            msgID = "holder_binding.refused"
	msgNonceRefused         msgID = "holder_binding.nonce_refused"
	msgNonceUnknown         msgID = "holder_binding.nonce_unknown"
	msgPresentedByHolder    msgID = "holder_binding.presented"
	msgExpectedBoth         msgID = "holder_binding.expected.both"
	msgExpectedNeither      msgID = "holder_binding.expected.neither"
	msgExpectedAudienceOnly msgID = "holder_binding.expected.audience_only"
	msgExpectedNonceOnly    msgID = "holder_binding.expected.nonce_only"

	// offline
	msgOfflineRegistryAge msgID = "offline.registry_age"
	msgOfflineStatusAge   msgID = "offline.status_age"
	msgOfflineNoRegistry  msgID = "offline.no_registry"
	msgOfflineNoIssuer    msgID = "offline.no_issuer"
	msgOfflineNoStatus    msgID = "offline.no_status"
	msgOfflineNoBatch     msgID = "offline.no_batch"
	msgOfflineTooOld      msgID = "offline.too_old"
	msgCachedRegistry     msgID = "offline.cached.registry"
	msgCachedStatus       msgID = "offline.cached.status"
	msgCachedBatch        msgID = "offline.cached.batch"
	msgOfflineServed      msgID = "offline.served.registry"
	msgOfflineServedState msgID = "offline.served.status"
	msgOfflineServedNone  msgID = "offline.served.none"

	// summaries: a verdict in a few words, as the page's banner says it
	msgSumUnreadableImage msgID = "summary.unreadable.image"
	msgSumUnreadablePDF   msgID = "summary.unreadable.pdf"
	msgSumUnreadableText  msgID = "summary.unreadable.text"
	msgSumNotSceau        msgID = "summary.unreadable.not_sceau"
	msgSumAlteredSig      msgID = "summary.altered.signature"
	msgSumAlteredContent  msgID = "summary.altered.content"
	msgSumUnknownIssuer   msgID = "summary.unknown_issuer"
	msgSumIssuerSuspended msgID = "summary.issuer_suspended"
	msgSumIssuerWithdrawn msgID = "summary.issuer_withdrawn"
	msgSumNotAccredited   msgID = "summary.not_accredited"
	msgSumPending         msgID = "summary.not_accredited.pending"
	msgSumNotAnchored     msgID = "summary.not_anchored"
	msgSumKeyCompromised  msgID = "summary.key_compromised"
	msgSumKeyRetired      msgID = "summary.key_retired"
	msgSumRevoked         msgID = "summary.revoked"
	msgSumSuspended       msgID = "summary.suspended"
	msgSumListRevoked     msgID = "summary.list.revoked"
	msgSumListSuspended   msgID = "summary.list.suspended"
	msgSumNotYetValid     msgID = "summary.not_yet_valid"
	msgSumExpired         msgID = "summary.expired"
	msgSumNonconforming   msgID = "summary.nonconforming"
	msgSumHolderBinding   msgID = "summary.holder_binding"
	msgSumLedgerError     msgID = "summary.ledger_error"
	msgSumIndeterminate   msgID = "summary.indeterminate"
)

// catalogue holds every message the verifier shows, in each language. It
// is read-only. English texts are those verdicts have always said (tests
// and scripts look for their words); French ones say the same to people.
var catalogue = map[msgID]texts{
	msgFormatBundle: {
		"bundle whose %s carry the same %s credential %s",
		"paquet (bundle) dont les %s portent la même attestation %s %s"},
	msgFormsJWTSC1:      {"vc+jwt and SC1 forms", "formes vc+jwt et SC1"},
	msgFormsJWTSC1SDJWT: {"vc+jwt, SC1 and SD-JWT forms", "formes vc+jwt, SC1 et SD-JWT"},
	msgFormatForm: {
		"%s form (%s) of %s credential %s",
		"forme %s (%s) de l'attestation %s %s"},
	msgFormatSDJWT: {
		"%s (%s) of %s credential %s, disclosing %s",
		"%s (%s) de l'attestation %s %s, qui montre %s"},
	msgSDJWTIssued: {"SD-JWT VC", "SD-JWT VC"},
	msgSDJWTPresented: {
		"SD-JWT VC presentation with a key-binding JWT",
		"présentation SD-JWT VC avec un JWT de liaison au titulaire (key-binding JWT)"},
	msgDisclosingNothing: {"no claim", "aucune donnée"},
	msgDisclosing:        {"%d claim(s): %s", "%d donnée(s) : %s"},
	msgNoQRInImage: {
		"%v",
		"aucun code QR lisible dans l'image : reprenez la photo, nette, bien éclairée, avec tout le code"},
	msgNoQRInPDF: {"%v", "aucun code QR lisible dans le PDF (détail technique : %v)"},
	msgUnrecognized: {
		"%v",
		"ce n'est ni un paquet (JSON), ni un vc+jwt, ni un texte SC1, ni une image PNG ou JPEG d'un code QR, ni un certificat PDF"},
	msgImageUnreadable: {"%v", "l'image n'a pas pu être lue (détail technique : %v)"},
	msgPDFUnreadable:   {"%v", "le PDF n'a pas pu être lu (détail technique : %v)"},
	msgFormsDisagree:   {"%v", "les formes du paquet ne décrivent pas la même attestation (détail technique : %v)"},
	msgDisclosuresAltered: {
		"%v",
		"une donnée montrée n'est pas de celles que l'émetteur a signées (détail technique : %v)"},
	msgTextUnreadable: {
		"%v",
		"le texte n'est pas une attestation Sceau bien formée : il est abîmé, incomplet ou refusé (détail technique : %v)"},
	msgNotDecoded: {
		"not checked: the input could not be decoded",
		"non vérifié : l'entrée n'a pas pu être lue"},

	msgLedgerUnavailable: {
		"could not be checked: the ledger is unavailable (%s: %v)",
		"non vérifiable : le registre est injoignable (%s : %v)"},
	msgLedgerFailed: {
		"the ledger could not answer for %s: %v",
		"le registre n'a pas pu répondre pour %s : %v"},
	msgAboutIssuer: {"issuer %s", "l'émetteur %s"},
	msgAboutDigest: {"the %s digest %s", "l'empreinte %[2]s de la forme %[1]s"},
	msgAboutBatch:  {"batch %s", "le lot %s"},
	msgIssuerNotKnown: {
		"not checked: the issuer is not known to the ledger",
		"non vérifié : l'émetteur est inconnu du registre"},

	msgIssuerNotRegistered: {
		"issuer %s is not registered on the ledger",
		"l'émetteur %s n'est pas enregistré au registre"},
	msgIssuerActive: {
		"issuer %s (%s) is registered and active",
		"l'émetteur %s (%s) est enregistré et en activité"},
	msgIssuerSuspended: {
		"issuer %s (%s) is suspended (reason %s)",
		"l'émetteur %s (%s) est suspendu (motif : %s)"},
	msgIssuerWithdrawn: {
		"issuer %s (%s) was withdrawn (reason %s)",
		"l'émetteur %s (%s) a été radié (motif : %s)"},
	msgIssuerPending: {
		"issuer %s (%s) is still pending accreditation",
		"l'émetteur %s (%s) attend encore son habilitation"},
	msgIssuerStatusUnknown: {
		"issuer %s (%s) has the unknown status %q",
		"l'émetteur %s (%s) a un statut inconnu : %q"},

	msgSignatureVerifies: {
		"the %s signature verifies with key %s of issuer %s",
		"la signature %s est vérifiée avec la clé %s de l'émetteur %s"},
	msgSignaturesVerify: {
		"the %s signatures verify with key %s of issuer %s",
		"les signatures %s sont vérifiées avec la clé %s de l'émetteur %s"},
	msgNoKeyWithKID: {
		"%s: issuer %s has no key with kid %s on the ledger",
		"%s : l'émetteur %s n'a au registre aucune clé d'identifiant (kid) %s"},
	msgSignatureMismatch: {
		"%[1]v",
		"%[2]s : la signature ne se vérifie pas avec la clé %[3]s : le contenu a été modifié, ou ce n'est pas cette clé qui l'a signé"},
	msgSignatureRefused: {"%v", "la signature est refusée (détail technique : %v)"},
	msgIssuerKeyUnusable: {
		"issuer key %s on the ledger is unusable: %v",
		"la clé %s de l'émetteur au registre est inutilisable (détail technique : %v)"},
	msgIssuerRecordBroken: {
		"the ledger's record of issuer %s is unreadable: %v",
		"la fiche de l'émetteur %s au registre est illisible (détail technique : %v)"},

	msgAccreditedSince: {
		"issuer %s is accredited for %s since %s (credential %s %s)",
		"l'émetteur %s est habilité pour le type %s depuis le %s (attestation %s le %s)"},
	msgAccreditedFromUntil: {
		"issuer %s was accredited for %s from %s until %s (credential %s %s)",
		"l'émetteur %s était habilité pour le type %s du %s au %s (attestation %s le %s)"},
	msgNotAccredited: {
		"issuer %s was not accredited for %s when the credential was %s (%s)",
		"l'émetteur %s n'était pas habilité pour le type %s quand l'attestation a été %s (%s)"},
	msgWhenAnchored: {"anchored", "inscrite au registre"},
	msgWhenIssued:   {"issued", "émise"},

	msgFormNotAnchored: {
		"the %s form (digest %s) is not anchored on the ledger",
		"la forme %s (empreinte %s) n'est pas inscrite au registre"},
	msgAnchoredByOther: {
		"the %s form was anchored by issuer %s, not by %s",
		"la forme %s a été inscrite par l'émetteur %s, pas par %s"},
	msgAnchoredAsOther: {
		"the %s form was anchored as a %s, not a %s",
		"la forme %s a été inscrite comme %s, pas comme %s"},
	msgNotOneCredential: {
		"the %s and %s forms were not anchored as one credential",
		"les formes %s et %s n'ont pas été inscrites comme une seule attestation"},
	msgAnchorTimeUnreadable: {
		"the ledger's anchoring time %q is not an RFC 3339 time",
		"l'heure d'inscription %q donnée par le registre n'est pas une heure RFC 3339"},
	msgKeyCompromised: {
		"%[1]v",
		"inscrite le %[2]s, alors que la clé de signature %[3]s était compromise (depuis le %[4]s)"},
	msgKeyRetired: {
		"%[1]v",
		"inscrite le %[2]s, après le retrait de la clé de signature %[3]s (le %[4]s)"},
	msgKeyNotCovering: {"%v", "la clé de signature ne vaut pas pour cette inscription (détail technique : %v)"},
	msgAnchored: {
		"anchored by issuer %s at %s in batch %s",
		"inscrite par l'émetteur %s le %s dans le lot %s"},
	msgAnchoredWithProof: {
		"anchored by issuer %s at %s in batch %s; the bundle's Merkle proof leads to the batch root on the ledger",
		"inscrite par l'émetteur %s le %s dans le lot %s ; la preuve de Merkle du paquet mène à la racine du lot au registre"},
	msgBatchNotOnLedger: {
		"the bundle's batch %s is not on the ledger",
		"le lot %s du paquet n'est pas au registre"},
	msgProofOtherBatch: {
		"the bundle names batch %s, the ledger anchored the credential in batch %s",
		"le paquet indique le lot %s, le registre a inscrit l'attestation dans le lot %s"},
	msgProofOtherIndex: {
		"the bundle gives leaf index %d, the ledger %d",
		"le paquet donne la position %d dans le lot, le registre %d"},
	msgProofOtherRoot: {
		"the bundle's root %s is not the ledger's root %s of batch %s",
		"la racine %s du paquet n'est pas la racine %s du lot %s au registre"},
	msgBatchOfOtherIssuer: {
		"batch %s belongs to issuer %s, not %s",
		"le lot %s appartient à l'émetteur %s, pas à %s"},
	msgProofIndexOutside: {
		"leaf index %d is outside batch %s of %d credentials",
		"la position %d est hors du lot %s de %d attestations"},
	msgLedgerDigestNotHex: {
		"the ledger's digest %q is not hex",
		"l'empreinte %q donnée par le registre n'est pas hexadécimale"},
	msgLedgerRootNotHex: {
		"the ledger's root %q of batch %s is not hex",
		"la racine %q du lot %s donnée par le registre n'est pas hexadécimale"},
	msgProofHashNotHex: {
		"proof hash %d %q is not hex",
		"l'empreinte %d %q de la preuve n'est pas hexadécimale"},
	msgProofFails: {
		"the bundle's Merkle inclusion proof does not lead to the root of batch %s: %v",
		"la preuve d'inclusion de Merkle du paquet ne mène pas à la racine du lot %s (détail technique : %v)"},

	msgNoStatus: {
		"not checked: the credential is not anchored, so it has no status",
		"non vérifié : l'attestation n'est pas inscrite au registre, elle n'a donc pas de statut"},
	msgRevoked:       {"revoked (reason %s, %s)", "révoquée le %[2]s (motif : %[1]s)"},
	msgSuspended:     {"suspended (reason %s, %s)", "suspendue depuis le %[2]s (motif : %[1]s)"},
	msgStatusUnknown: {"the ledger gives the unknown status %q", "le registre donne un statut inconnu : %q"},
	msgActive:        {"active: neither revoked nor suspended", "en vigueur : ni révoquée ni suspendue"},
	msgListActive: {
		"not revoked as of %s, block %d: neither revoked nor suspended in its issuer's status list %s",
		"non révoquée au %s, bloc %d : ni révoquée ni suspendue dans la liste de statut de son émetteur %s"},
	msgListRevoked: {
		"revoked, as its issuer's status list %[3]s says as of %[1]s, block %[2]d",
		"révoquée, selon la liste de statut de son émetteur %[3]s au %[1]s, bloc %[2]d"},
	msgListSuspended: {
		"suspended, as its issuer's status list %[3]s says as of %[1]s, block %[2]d",
		"suspendue, selon la liste de statut de son émetteur %[3]s au %[1]s, bloc %[2]d"},
	msgListNotCached: {
		"no copy of the status list %s: verify the credential once online, with its issuer's server reachable",
		"aucune copie de la liste de statut %s : vérifiez l'attestation une fois en ligne, le serveur de son émetteur joignable"},
	msgListUnusable: {
		"the status list %s cannot be relied on: %v",
		"la liste de statut %s n'est pas fiable (détail technique : %v)"},
	msgListTooOld: {
		"the status list %s was built on %s, longer ago than %s: it is not relied on",
		"la liste de statut %s a été établie le %s, il y a plus de %s : elle n'est pas retenue"},
	msgAboutList: {"its status list", "sa liste de statut"},

	msgNotYetValid:    {"not valid before %s", "pas valable avant le %s"},
	msgExpired:        {"expired on %s", "expirée le %s"},
	msgValidSince:     {"valid since %s, with no end date", "valable depuis le %s, sans date de fin"},
	msgValidFromUntil: {"valid from %s until %s", "valable du %s au %s"},

	msgSubjectValid: {
		"the credential subject is a valid %s",
		"le contenu de l'attestation est conforme au modèle %s"},
	msgSubjectInvalid: {
		"%[1]v",
		"le contenu de l'attestation n'est pas conforme au modèle %[2]s (détail technique : %[1]v)"},
	msgDisclosedValid: {
		"the %d claim(s) shown are valid for a %s (claims not disclosed are not checked)",
		"les %d donnée(s) montrée(s) sont conformes au modèle %s (les données non montrées ne sont pas vérifiées)"},
	msgDisclosedInvalid: {
		"%[1]s",
		"des données montrées ne sont pas conformes au modèle %[2]s (détail technique : %[1]s)"},
	msgNoSchemaForType: {
		"credential type %q has no schema",
		"le type d'attestation %q n'a pas de modèle"},
	msgStandInUnavailable: {"%v", "les données montrées n'ont pas pu être vérifiées (détail technique : %v)"},

	msgNotSigned: {
		"not checked: the issuer's signature was not verified",
		"non vérifié : la signature de l'émetteur n'a pas été vérifiée"},
	msgNotWithinValidity: {
		"not checked: the credential is not within its validity period",
		"non vérifié : l'attestation n'est pas dans sa période de validité"},
	msgKeyBindingMissing: {
		"the SD-JWT has no key-binding JWT, but this verifier expects a presentation signed by the holder (%s)",
		"le SD-JWT n'a pas de JWT de liaison au titulaire, alors que ce vérificateur attend une présentation signée par le titulaire (%s)"},
	msgAskedNonce:          {"nonce %q", "nonce %q"},
	msgAskedSingleUseNonce: {"one of its single-use nonces", "l'un de ses nonces à usage unique"},
	msgAskedAudience:       {"audience %q", "audience %q"},
	msgNotRequestedBound: {
		"the SD-JWT is bound to holder key %s: it is valid only presented by its holder, with a key-binding JWT over a fresh nonce of this verifier and for its audience, and this verification named no nonce and audience (sceau verify --nonce … --audience …)",
		"le SD-JWT est lié à la clé de titulaire %s : il n'est valide que présenté par son titulaire, avec un JWT de liaison portant un nonce frais de ce vérificateur et son audience, et cette vérification n'a nommé ni nonce ni audience (sceau verify --nonce … --audience …)"},
	msgNotRequestedUnbound: {
		"not requested: the SD-JWT has no key-binding JWT and is not bound to a holder key",
		"non demandée : le SD-JWT n'a pas de JWT de liaison et n'est lié à aucune clé de titulaire"},
	msgKBNotHolder: {
		"the key-binding JWT does not prove the holder: %v",
		"le JWT de liaison ne prouve pas que c'est le titulaire qui présente l'attestation (détail technique : %v)"},
	msgKBOtherDisclosures: {
		"the disclosures are not those the holder signed: %v",
		"les données montrées ne sont pas celles que le titulaire a signées (détail technique : %v)"},
	msgKBWrongNonce: {
		"wrong nonce: %[1]v",
		"mauvais nonce : la présentation porte le nonce %[2]q, ce vérificateur attend %[3]q"},
	msgKBWrongAudience: {
		"wrong audience: %[1]v",
		"mauvaise audience : la présentation a été faite pour %[2]q, ce vérificateur est %[3]q"},
	msgKBStale: {
		"stale presentation: %[1]v",
		"présentation trop ancienne, ou datée du futur : le titulaire l'a signée le %[2]s (détail technique : %[1]v)"},
	msgKBRefused:    {"%v", "liaison au titulaire refusée (détail technique : %v)"},
	msgNonceRefused: {"nonce %q: %v", "nonce %q : %v"},
	msgNonceUnknown: {
		"the nonce was not issued by this verifier, was already used, or expired",
		"ce nonce n'a pas été émis par ce vérificateur, a déjà servi ou a expiré"},
	msgPresentedByHolder: {
		"presented by the holder: the key-binding JWT is signed by holder key %s named in the credential, its sd_hash covers these %d disclosure(s), it was signed at %s; %s",
		"présentée par son titulaire : le JWT de liaison est signé par la clé de titulaire %s que nomme l'attestation, son sd_hash couvre ces %d donnée(s) montrée(s), il a été signé le %s ; %s"},
	msgExpectedBoth: {
		"nonce %q and audience %q as expected",
		"nonce %q et audience %q conformes à la demande"},
	msgExpectedNeither: {
		"nonce and audience not requested (it was made for audience %q with nonce %q)",
		"nonce et audience non demandés (elle a été faite pour l'audience %q avec le nonce %q)"},
	msgExpectedAudienceOnly: {
		"audience %q as expected, nonce not requested (it carries %q)",
		"audience %q conforme à la demande, nonce non demandé (elle porte %q)"},
	msgExpectedNonceOnly: {
		"nonce %q as expected, audience not requested (it was made for %q)",
		"nonce %q conforme à la demande, audience non demandée (elle a été faite pour %q)"},

	msgOfflineRegistryAge: {
		"%s (offline: issuer registry cached %s ago)",
		"%s (hors ligne : registre des émetteurs mis en cache il y a %s)"},
	msgOfflineStatusAge: {
		"%s (offline: status cached %s ago)",
		"%s (hors ligne : statut mis en cache il y a %s)"},
	msgOfflineNoRegistry: {
		"no issuer registry is cached in %s (verify once online to fill the cache)",
		"aucun registre des émetteurs n'est en cache dans %s (vérifiez une fois en ligne pour remplir le cache)"},
	msgOfflineNoIssuer: {
		"issuer %s is not in the issuer registry cached %s",
		"l'émetteur %s n'est pas dans le registre des émetteurs mis en cache (il y a %s)"},
	msgOfflineNoStatus: {
		"the status of digest %s was never read online (verify once online to cache it)",
		"le statut de l'empreinte %s n'a jamais été lu en ligne (vérifiez une fois en ligne pour le mettre en cache)"},
	msgOfflineNoBatch: {
		"batch %s was never read online (verify once online to cache it)",
		"le lot %s n'a jamais été lu en ligne (vérifiez une fois en ligne pour le mettre en cache)"},
	msgOfflineTooOld: {
		"the cached %s is %s old, more than the %s allowed",
		"%s en cache date de %s, plus que les %s permis"},
	msgCachedRegistry: {"issuer registry", "le registre des émetteurs"},
	msgCachedStatus:   {"status", "le statut"},
	msgCachedBatch:    {"batch", "le lot"},
	msgOfflineServed: {
		"issuer registry cached %s ago",
		"registre des émetteurs mis en cache il y a %s"},
	msgOfflineServedState: {"status cached %s ago", "statut mis en cache il y a %s"},
	msgOfflineServedNone:  {"no cached ledger data was used", "aucune donnée du registre en cache n'a servi"},

	msgSumUnreadableImage: {"Unreadable code — take the photo again", "Code illisible — reprenez la photo"},
	msgSumUnreadablePDF: {
		"Unreadable PDF — no credential code could be read in it",
		"PDF illisible — aucun code d'attestation n'a pu y être lu"},
	msgSumUnreadableText: {
		"Unreadable — the credential's text is damaged, incomplete or malformed",
		"Illisible — le texte de l'attestation est abîmé, incomplet ou mal formé"},
	msgSumNotSceau: {"Not a Sceau credential — nothing to verify", "Pas une attestation Sceau — rien à vérifier"},
	msgSumAlteredSig: {
		"Altered — the signature is not the issuer's",
		"Altéré — la signature n'est pas celle de l'émetteur"},
	msgSumAlteredContent: {
		"Altered — it does not match what the issuer signed and recorded",
		"Altéré — ne correspond pas à ce que l'émetteur a signé et enregistré"},
	msgSumUnknownIssuer:   {"Unknown issuer (%s)", "Émetteur inconnu (%s)"},
	msgSumIssuerSuspended: {"Issuer suspended (%s)", "Émetteur suspendu (%s)"},
	msgSumIssuerWithdrawn: {"Issuer withdrawn (%s)", "Émetteur radié (%s)"},
	msgSumNotAccredited: {
		"Issuer not accredited for this credential",
		"Émetteur non habilité pour cette attestation"},
	msgSumPending:        {"Issuer not accredited yet", "Émetteur pas encore habilité"},
	msgSumNotAnchored:    {"Not recorded in the registry", "Absent du registre"},
	msgSumKeyCompromised: {"Signed with a compromised key", "Signé avec une clé compromise"},
	msgSumKeyRetired:     {"Signed with a key already retired", "Signé avec une clé déjà retirée"},
	msgSumRevoked:        {"Revoked on %s (%s)", "Révoqué le %s (%s)"},
	msgSumSuspended:      {"Suspended since %s (%s)", "Suspendu depuis le %s (%s)"},
	msgSumListRevoked:    {"Revoked (its issuer's status list of %s)", "Révoqué (liste de statut de l'émetteur du %s)"},
	msgSumListSuspended:  {"Suspended (its issuer's status list of %s)", "Suspendu (liste de statut de l'émetteur du %s)"},
	msgSumNotYetValid:    {"Not valid before %s", "Pas encore valable (à partir du %s)"},
	msgSumExpired:        {"Expired on %s", "Expiré le %s"},
	msgSumNonconforming:  {"Content not conforming to its type", "Contenu non conforme à son modèle"},
	msgSumHolderBinding: {
		"Not presented by its holder for this request",
		"Non présenté par son titulaire pour cette demande"},
	msgSumLedgerError: {"The registry's answer cannot be used", "La réponse du registre est inutilisable"},
	msgSumIndeterminate: {
		"some checks could not run, so this credential is NOT confirmed",
		"certains contrôles n'ont pas pu être faits : l'attestation n'est PAS confirmée"},
}
