package statuslist

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/internal/jws"
)

// Kinds of list: what a list's URL ends with, one of each per issuer.
const (
	// KindIETF is the IETF Token Status List (2 bits: valid, invalid, suspended).
	KindIETF = "ietf"
	// KindRevocation is the W3C list of purpose "revocation".
	KindRevocation = PurposeRevocation
	// KindSuspension is the W3C list of purpose "suspension".
	KindSuspension = PurposeSuspension
)

// Kinds lists every kind of list an issuer publishes.
func Kinds() []string { return []string{KindIETF, KindRevocation, KindSuspension} }

// Header types of the signed lists.
const (
	// TypeIETF is the "typ" of an IETF status list token.
	TypeIETF = "statuslist+jwt"
	// TypeW3C is the "typ" of a W3C list secured as a JWS.
	TypeW3C = "vc+jwt"
)

// IETFBits is how many bits each status takes in Sceau's IETF lists.
const IETFBits = 2

// MaxDocument bounds a signed list a reader accepts.
const MaxDocument = 6 << 20

// ListURI returns the URL of issuer's list of kind under the deployment's
// public base URL: <base>/status/<issuer id>/<kind>.
func ListURI(base, issuerID, kind string) string {
	return strings.TrimSuffix(base, "/") + "/status/" + issuerID + "/" + kind
}

// List is one status list, before it is signed or once it is read.
type List struct {
	// Kind is KindIETF, KindRevocation or KindSuspension.
	Kind string
	// URI is where the list is published (ListURI), its "sub" or "id".
	URI string
	// Issuer is the issuer's URI, as its credentials name it.
	Issuer string
	// IssuedAt is when the list was built, ExpiresAt when a reader must
	// stop using it.
	IssuedAt, ExpiresAt time.Time
	// TTL is how long a reader may keep it before fetching it again.
	TTL time.Duration
	// Statuses holds every index's status. In a W3C list read back, a set
	// bit reads Invalid (revocation) or Suspended (suspension).
	Statuses *Statuses
}

// Signed is a list as published: its compact JWS, with what the header
// says, read by Parse. Until Verify succeeds nothing in it is authentic.
type Signed struct {
	List
	Compact   string
	KID       string
	Algorithm credential.Algorithm
	signature []byte
}

// ietfPayload is the payload of an IETF status list token.
type ietfPayload struct {
	Iss        string     `json:"iss"`
	Sub        string     `json:"sub"`
	Iat        int64      `json:"iat"`
	Exp        int64      `json:"exp"`
	TTL        int64      `json:"ttl"`
	StatusList ietfStatus `json:"status_list"`
}

type ietfStatus struct {
	Bits int    `json:"bits"`
	Lst  string `json:"lst"`
}

// w3cCredential is a BitstringStatusListCredential.
type w3cCredential struct {
	Context           []string   `json:"@context"`
	ID                string     `json:"id"`
	Type              []string   `json:"type"`
	Issuer            string     `json:"issuer"`
	ValidFrom         string     `json:"validFrom"`
	ValidUntil        string     `json:"validUntil"`
	CredentialSubject w3cSubject `json:"credentialSubject"`
}

type w3cSubject struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
	TTL           int64  `json:"ttl,omitempty"`
}

const w3cTime = "2006-01-02T15:04:05Z"

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
	Cty string `json:"cty,omitempty"`
}

// Sign signs l with key: an IETF list as a "statuslist+jwt", a W3C list as
// a BitstringStatusListCredential in a vc+jwt.
func Sign(l *List, key *credential.Key) (string, error) {
	if l.Statuses == nil || l.URI == "" || l.Issuer == "" || l.IssuedAt.IsZero() || !l.ExpiresAt.After(l.IssuedAt) {
		return "", errors.New("status list: statuses, URI, issuer and a validity window are needed")
	}
	h := header{Alg: string(key.Algorithm()), Kid: key.KID()}
	var payload any
	switch l.Kind {
	case KindIETF:
		lst, err := l.Statuses.EncodeIETF()
		if err != nil {
			return "", err
		}
		h.Typ = TypeIETF
		payload = ietfPayload{Iss: l.Issuer, Sub: l.URI, Iat: l.IssuedAt.Unix(), Exp: l.ExpiresAt.Unix(),
			TTL: int64(l.TTL / time.Second), StatusList: ietfStatus{Bits: IETFBits, Lst: lst}}
	case KindRevocation, KindSuspension:
		enc, err := l.Statuses.EncodeBitstring(l.Kind)
		if err != nil {
			return "", err
		}
		h.Typ, h.Cty = TypeW3C, credential.JWTContentType
		payload = w3cCredential{
			Context: []string{credential.ContextV2}, ID: l.URI,
			Type:   []string{credential.TypeVerifiableCredential, "BitstringStatusListCredential"},
			Issuer: l.Issuer, ValidFrom: l.IssuedAt.UTC().Format(w3cTime), ValidUntil: l.ExpiresAt.UTC().Format(w3cTime),
			CredentialSubject: w3cSubject{ID: l.URI + "#list", Type: "BitstringStatusList", StatusPurpose: l.Kind,
				EncodedList: enc, TTL: l.TTL.Milliseconds()},
		}
	default:
		return "", fmt.Errorf("status list kind %q: want one of %q", l.Kind, Kinds())
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	pb, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	return key.SignJWS(hb, pb)
}

// Parse reads a signed list without verifying its signature: an IETF
// status list token or a W3C BitstringStatusListCredential as a vc+jwt,
// told apart by its "typ".
func Parse(compact string) (*Signed, error) {
	if len(compact) > MaxDocument {
		return nil, fmt.Errorf("status list: %d bytes is more than the %d allowed", len(compact), MaxDocument)
	}
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("status list: want a compact JWS (3 parts), got %d parts", len(parts))
	}
	var h map[string]json.RawMessage
	if err := decodePart(parts[0], &h); err != nil {
		return nil, fmt.Errorf("status list header: %w", err)
	}
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	slices.Sort(names)
	if err := jws.CheckMembers(names); err != nil {
		return nil, fmt.Errorf("status list header: %w", err)
	}
	var hs header
	for name, dst := range map[string]*string{"alg": &hs.Alg, "kid": &hs.Kid, "typ": &hs.Typ} {
		if err := json.Unmarshal(h[name], dst); err != nil || *dst == "" {
			return nil, fmt.Errorf("status list header: %q must be a string", name)
		}
	}
	alg := credential.CanonicalAlgorithm(credential.Algorithm(hs.Alg))
	if alg != credential.ES256 && alg != credential.EdDSA {
		return nil, fmt.Errorf("status list header: alg %q is not accepted; want ES256, EdDSA or Ed25519", hs.Alg)
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("status list signature: not base64url: %w", err)
	}
	s := &Signed{Compact: compact, KID: hs.Kid, Algorithm: alg, signature: sig}
	switch hs.Typ {
	case TypeIETF:
		var p ietfPayload
		if err := decodePart(parts[1], &p); err != nil {
			return nil, fmt.Errorf("status list payload: %w", err)
		}
		if p.Sub == "" || p.Iat == 0 {
			return nil, errors.New("status list payload: sub and iat are required")
		}
		st, err := DecodeIETF(p.StatusList.Lst, p.StatusList.Bits)
		if err != nil {
			return nil, err
		}
		s.List = List{Kind: KindIETF, URI: p.Sub, Issuer: p.Iss, IssuedAt: time.Unix(p.Iat, 0).UTC(),
			TTL: time.Duration(p.TTL) * time.Second, Statuses: st}
		if p.Exp != 0 {
			s.ExpiresAt = time.Unix(p.Exp, 0).UTC()
		}
	case TypeW3C:
		var c w3cCredential
		if err := decodePart(parts[1], &c); err != nil {
			return nil, fmt.Errorf("status list payload: %w", err)
		}
		if !slices.Contains(c.Type, "BitstringStatusListCredential") || c.CredentialSubject.Type != "BitstringStatusList" {
			return nil, errors.New("status list payload: not a BitstringStatusListCredential")
		}
		v, err := purposeValue(c.CredentialSubject.StatusPurpose)
		if err != nil {
			return nil, err
		}
		bits, err := DecodeBitstring(c.CredentialSubject.EncodedList)
		if err != nil {
			return nil, err
		}
		st := &Statuses{values: make([]byte, len(bits))}
		for i, set := range bits {
			if set {
				st.values[i] = v
			}
		}
		from, err := time.Parse(time.RFC3339, c.ValidFrom)
		if err != nil {
			return nil, fmt.Errorf("status list validFrom %q: %w", c.ValidFrom, err)
		}
		s.List = List{Kind: c.CredentialSubject.StatusPurpose, URI: c.ID, Issuer: c.Issuer, IssuedAt: from.UTC(),
			TTL: time.Duration(c.CredentialSubject.TTL) * time.Millisecond, Statuses: st}
		if c.ValidUntil != "" {
			until, err := time.Parse(time.RFC3339, c.ValidUntil)
			if err != nil {
				return nil, fmt.Errorf("status list validUntil %q: %w", c.ValidUntil, err)
			}
			s.ExpiresAt = until.UTC()
		}
	default:
		return nil, fmt.Errorf("status list header: typ %q: want %q or %q", hs.Typ, TypeIETF, TypeW3C)
	}
	return s, nil
}

// Verify checks the list's signature with pub, the key its kid names.
func (s *Signed) Verify(pub *credential.PublicKey) error {
	if pub.KID() != s.KID {
		return fmt.Errorf("status list: header kid %q does not name key %q", s.KID, pub.KID())
	}
	if err := pub.VerifyJWS(s.Compact, s.Algorithm, s.signature); err != nil {
		return fmt.Errorf("status list %s: %w", s.URI, err)
	}
	return nil
}

func decodePart(part string, out any) error {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(part)
	if err != nil {
		return fmt.Errorf("not base64url without padding: %w", err)
	}
	return json.Unmarshal(raw, out)
}
