package record

import (
	"fmt"
	"slices"
	"strings"
)

// IssuerStatus is where an issuer stands with governance.
type IssuerStatus string

// Issuer statuses.
const (
	// IssuerPending is an issuer that registered itself and awaits accreditation.
	IssuerPending IssuerStatus = "pending"
	// IssuerActive is an issuer with at least one accreditation, in good standing.
	IssuerActive IssuerStatus = "active"
	// IssuerSuspended is an issuer that governance suspended: it cannot anchor
	// and verifiers treat its credentials as not currently vouched for.
	IssuerSuspended IssuerStatus = "suspended"
	// IssuerWithdrawn is an issuer whose accreditation governance withdrew for good.
	IssuerWithdrawn IssuerStatus = "withdrawn"
)

// CredentialStatus is the status of an anchored credential (of each of its
// digests).
type CredentialStatus string

// Credential statuses.
const (
	StatusActive    CredentialStatus = "active"
	StatusSuspended CredentialStatus = "suspended"
	StatusRevoked   CredentialStatus = "revoked"
)

// ReasonCode is why a status changed. The ledger takes codes only: no free
// text ever goes on it.
type ReasonCode string

// Reason codes.
const (
	ReasonFraud      ReasonCode = "fraud"
	ReasonError      ReasonCode = "error"
	ReasonAnnulled   ReasonCode = "annulled"
	ReasonSuperseded ReasonCode = "superseded"
	ReasonOther      ReasonCode = "other"
)

// ReasonCodes lists every reason code, in the order messages show them.
func ReasonCodes() []ReasonCode {
	return []ReasonCode{ReasonFraud, ReasonError, ReasonAnnulled, ReasonSuperseded, ReasonOther}
}

// ValidateReason checks that reason is a reason code.
func ValidateReason(reason ReasonCode) error {
	if !slices.Contains(ReasonCodes(), reason) {
		return fmt.Errorf("reason %q is not a reason code: want one of %s", reason, Join(ReasonCodes(), ", "))
	}
	return nil
}

// CredentialType is what an issuer is accredited for and what a batch
// anchors.
type CredentialType string

// Credential types.
const (
	// TypeDiploma is a national diploma (baccalauréat, BTS, licence…).
	TypeDiploma CredentialType = "Diploma"
	// TypePixCertification is a Pix digital-competency certificate.
	TypePixCertification CredentialType = "PixCertification"
	// TypeOpenResource is not a credential: it is the accreditation a
	// platform needs to register and endorse open educational resources.
	TypeOpenResource CredentialType = "OpenResource"
)

// CredentialTypes lists the types of the verifiable credentials Sceau
// issues: an exam office is accredited for some of them and issues them
// from CSV exports.
func CredentialTypes() []CredentialType {
	return []CredentialType{TypeDiploma, TypePixCertification}
}

// AccreditationTypes lists every type governance can accredit an issuer
// for: the credential types, and OpenResource for resource platforms.
func AccreditationTypes() []CredentialType {
	return append(CredentialTypes(), TypeOpenResource)
}

// ValidateCredentialType checks that typ is a type the ledger accredits and
// anchors.
func ValidateCredentialType(typ CredentialType) error {
	if !slices.Contains(AccreditationTypes(), typ) {
		return fmt.Errorf("credential type %q is unknown: want one of %s", typ, Join(AccreditationTypes(), ", "))
	}
	return nil
}

// IsCredentialType reports whether typ is one of CredentialTypes.
func IsCredentialType(typ string) bool {
	return slices.Contains(CredentialTypes(), CredentialType(typ))
}

// Join lists words with sep between them: Join(ReasonCodes(), ", ") is
// "fraud, error, annulled, superseded, other".
func Join[W ~string](words []W, sep string) string {
	s := make([]string, len(words))
	for i, w := range words {
		s[i] = string(w)
	}
	return strings.Join(s, sep)
}
