package credential

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sceau/sceau/internal/jws"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/jsonstr"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/sdjwt"
)

// The SD-JWT VC form (draft-ietf-oauth-sd-jwt-vc, RFC 9901) is the form a
// student shows selectively. The issuer-signed JWT has the protected header
//
//	{"alg": "ES256" | "EdDSA", "kid": <RFC 7638 thumbprint>, "typ": "dc+sd-jwt"}
//
// and, always visible, the claims
//
//	iss   the issuer's URI, IssuerURI(id), as the vc+jwt's "issuer"
//	iat   validFrom (the issuance time), seconds since the epoch
//	nbf   validFrom too
//	exp   validUntil, when the credential expires (Pix certifications)
//	vct   VCTDiploma or VCTPixCertification: the credential type
//	id    the credential id, "urn:uuid:…"
//	cnf   {"jwk": <the holder's public key>}, when bound to a holder
//
// and the credential subject flattened at the top level, under the names of
// the issuers' CSV columns (SDJWTClaimNames). Of a diploma, the title
// ("diploma") and its EQF level ("eqf_level") are visible: they say what
// the credential is, not who holds it. Every other subject claim is its own
// disclosure: student_id, given_name, family_name, birth_date, awarded_on,
// mention, specialities, rncp, session; of a Pix certification,
// certification_center, certified_on, pix_score, each competence's level
// (c1_1 … c5_2) and verification_code. Absent optional claims have no
// disclosure. Up to sdjwtDecoys decoy digests hide how many claims there are.
// The exp of a Pix certification, which must stay visible, tells its
// certification day (three years before).
//
// A presentation keeps the chosen disclosures and ends with a key-binding
// JWT (typ "kb+jwt") signed by the cnf key over the verifier's nonce and
// audience and the presentation's sd_hash. The ledger anchors the digest of
// the issuer-signed JWT alone (DigestJWS), which every presentation carries
// unchanged.

// SD-JWT VC type identifiers.
const (
	// SDJWTType is the "typ" header of the SD-JWT VC form.
	SDJWTType = sdjwt.TypeVC
	// VCTDiploma is the "vct" of a diploma under DefaultBase; a
	// credential's vct is VCTOf(its base URL, its type).
	VCTDiploma = DefaultBase + VCTPath + "diploma"
	// VCTPixCertification is the "vct" of a Pix certification under
	// DefaultBase.
	VCTPixCertification = DefaultBase + VCTPath + "pix-certification"
)

// sdjwtDecoys is the most decoy digests SignSDJWT adds (a random number
// from 0 to it), so that the number of digests does not tell which
// optional claims a credential has.
const sdjwtDecoys = 3

// VCT returns the "vct" of credential type credType under DefaultBase.
func VCT(credType string) (string, error) { return VCTOf(DefaultBase, credType) }

// TypeOfVCT returns the credential type a "vct" names, and the base URL it
// is under.
func TypeOfVCT(vct string) (credType, base string, err error) {
	base, credType, err = splitTyped(vct, VCTPath, "")
	if err != nil {
		return "", "", fmt.Errorf("vct: %w", err)
	}
	return credType, base, nil
}

// sdClaim is one subject claim of the SD-JWT VC form.
type sdClaim struct {
	name string
	// visible claims are in the issuer-signed payload; the others are
	// each their own disclosure.
	visible bool
}

func studentSDClaims() []sdClaim {
	return []sdClaim{{name: "student_id"}, {name: "given_name"}, {name: "family_name"}, {name: "birth_date"}}
}

// sdClaimsOf returns the subject claims of credType in the order of the
// subject's fields, competences in framework order. The table is shared:
// callers must not modify it.
func sdClaimsOf(credType string) ([]sdClaim, error) {
	switch credType {
	case schemas.TypeDiploma:
		return diplomaSDClaims, nil
	case schemas.TypePixCertification:
		return pixSDClaims, nil
	}
	return nil, fmt.Errorf("credential type %q: want one of %q", credType, record.CredentialTypes())
}

// sdEnvelopeClaims are the claims of the SD-JWT VC form that are not the
// subject's (SignSDJWT). A claim added to the form must be named here, or
// SignSDJWT refuses it ("has no rank").
var sdEnvelopeClaims = [...]string{"iss", "iat", "nbf", "vct", "id", "exp", "status"}

// maxSDClaims bounds the number of claim names of sdClaimRanks.
const maxSDClaims = 64

// sdClaimRanks gives every claim name SignSDJWT writes, of any type, its
// place in their sorted order.
var sdClaimRanks = func() map[string]int {
	var names []string
	names = append(names, sdEnvelopeClaims[:]...)
	for _, table := range [][]sdClaim{diplomaSDClaims, pixSDClaims} {
		for _, c := range table {
			if !slices.Contains(names, c.name) {
				names = append(names, c.name)
			}
		}
	}
	slices.Sort(names)
	ranks := make(map[string]int, len(names))
	for i, n := range names {
		ranks[n] = i
	}
	return ranks
}()

// The tables of sdClaimsOf, made once.
var (
	diplomaSDClaims = append(studentSDClaims(),
		sdClaim{name: "diploma", visible: true},
		sdClaim{name: "eqf_level", visible: true},
		sdClaim{name: "awarded_on"},
		sdClaim{name: "mention"},
		sdClaim{name: "specialities"},
		sdClaim{name: "rncp"},
		sdClaim{name: "session"},
	)
	pixSDClaims = func() []sdClaim {
		claims := append(studentSDClaims(),
			sdClaim{name: "certification_center"},
			sdClaim{name: "certified_on"},
			sdClaim{name: "pix_score"},
		)
		for _, def := range schemas.CompetenceFramework {
			claims = append(claims, sdClaim{name: def.Column})
		}
		return append(claims, sdClaim{name: "verification_code"})
	}()
)

// SDJWTClaimNames returns the names of the subject claims of the SD-JWT VC
// form of credType, in the order of the subject's fields: those always
// visible, and those each made selectively disclosable. They are the CSV
// column names, but for the list of specialities, "specialities".
func SDJWTClaimNames(credType string) (visible, disclosable []string, err error) {
	claims, err := sdClaimsOf(credType)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range claims {
		if c.visible {
			visible = append(visible, c.name)
		} else {
			disclosable = append(disclosable, c.name)
		}
	}
	return visible, disclosable, nil
}

// competenceIndex returns the index in the CRCN framework of a competence
// claim name (c1_1 …), or -1.
func competenceIndex(name string) int {
	for i, def := range schemas.CompetenceFramework {
		if def.Column == name {
			return i
		}
	}
	return -1
}

// flatSubject returns the credential's subject claims by claim name, as
// compact JSON values. Absent optional fields have no claim.
//
// It reads the subject's fields directly (appendFlatSubject), which batch
// issuance needs for speed; a test checks that it equals what decoding
// SubjectJSON gives.
func flatSubject(c *Credential) (map[string]json.RawMessage, error) {
	buf, claims, err := appendFlatSubject(make([]byte, 0, 512), make([]flatClaim, 0, 32), c.Subject)
	if err != nil {
		return nil, err
	}
	flat := make(map[string]json.RawMessage, len(claims))
	for _, fc := range claims {
		flat[fc.name] = buf[fc.start:fc.end:fc.end]
	}
	return flat, nil
}

// checkCompetenceIDs reports whether competences are the framework's, in
// its order.
func checkCompetenceIDs(competences []schemas.Competence) error {
	if len(competences) != len(schemas.CompetenceFramework) {
		return fmt.Errorf("credentialSubject: %d competences, want the %d of the framework", len(competences), len(schemas.CompetenceFramework))
	}
	for i, comp := range competences {
		if def := schemas.CompetenceFramework[i]; comp.ID != def.ID {
			return fmt.Errorf("credentialSubject: competence %d is %q, want %q", i, comp.ID, def.ID)
		}
	}
	return nil
}

// SignSDJWT secures the credential as an SD-JWT VC (typ "dc+sd-jwt") signed
// with key, and returns the issuer-signed JWT followed by every disclosure,
// "~"-joined with the trailing "~", with the DigestJWS of the issuer-signed
// JWT alone. holderJWK, when not empty, is the holder's public JWK (P-256
// or Ed25519): it becomes cnf.jwk, so that only the holder can present the
// credential.
func SignSDJWT(c *Credential, key *Key, holderJWK []byte) (Signed, error) {
	if err := c.check(); err != nil {
		return Signed{}, err
	}
	vct, err := VCTOf(c.baseOf(), c.Type)
	if err != nil {
		return Signed{}, err
	}
	table, err := sdClaimsOf(c.Type)
	if err != nil {
		return Signed{}, err
	}
	// Every value in one buffer: the visible envelope claims, then the
	// subject's (appendFlatSubject).
	buf := make([]byte, 0, 1024)
	var envelope [len(sdEnvelopeClaims)]flatClaim
	fcs := envelope[:0]
	add := func(name string, from int) { fcs = append(fcs, flatClaim{name, from, len(buf)}) }
	from := len(buf)
	buf = jsonstr.Append(buf, c.Issuer(), false)
	add("iss", from)
	from = len(buf)
	buf = strconv.AppendInt(buf, c.ValidFrom.Unix(), 10)
	add("iat", from)
	add("nbf", from) // the same value
	from = len(buf)
	buf = jsonstr.Append(buf, vct, false)
	add("vct", from)
	from = len(buf)
	buf = jsonstr.Append(buf, c.ID, false)
	add("id", from)
	if !c.ValidUntil.IsZero() {
		from = len(buf)
		buf = strconv.AppendInt(buf, c.ValidUntil.Unix(), 10)
		add("exp", from)
	}
	if c.StatusIndex != nil {
		// status.status_list: its index and the issuer's IETF list,
		// {"status_list":{"idx":N,"uri":"…"}} as encoding/json writes it.
		from = len(buf)
		buf = append(buf, `{"status_list":{"idx":`...)
		buf = strconv.AppendInt(buf, int64(*c.StatusIndex), 10)
		buf = append(buf, `,"uri":`...)
		buf = jsonstr.Append(buf, c.StatusListURI(statusIETF), false)
		buf = append(buf, "}}"...)
		add("status", from)
	}
	buf, subject, err := appendFlatSubject(buf, make([]flatClaim, 0, 32), c.Subject)
	if err != nil {
		return Signed{}, err
	}
	// The claims in name order, which IssueClaims then needs not sort:
	// each in its slot of sdClaimRanks.
	var slots [maxSDClaims]sdjwt.Claim
	put := func(fc flatClaim, disclosable bool) error {
		rank, ok := sdClaimRanks[fc.name]
		if !ok || rank >= len(slots) {
			return fmt.Errorf("claim %q has no rank under %d", fc.name, maxSDClaims)
		}
		slots[rank] = sdjwt.Claim{Name: fc.name, Value: buf[fc.start:fc.end:fc.end], Disclosable: disclosable}
		return nil
	}
	for _, fc := range fcs {
		if err := put(fc, false); err != nil {
			return Signed{}, err
		}
	}
	// The subject's claims come in the table's order, absent optional
	// ones left out: walk both together.
	k := 0
	for _, fc := range subject {
		for k < len(table) && table[k].name != fc.name {
			k++
		}
		if k == len(table) {
			return Signed{}, fmt.Errorf("subject claim %q is not in the table of %s claims", fc.name, c.Type)
		}
		if err := put(fc, !table[k].visible); err != nil {
			return Signed{}, err
		}
	}
	claims := make([]sdjwt.Claim, 0, len(fcs)+len(subject))
	for _, cl := range slots {
		if cl.Name != "" {
			claims = append(claims, cl)
		}
	}
	opts := sdjwt.IssueOptions{
		Signer: key.signer,
		KeyID:  key.KID(),
		Type:   SDJWTType,
		Decoys: sdjwtDecoys,
	}
	if len(holderJWK) > 0 {
		holder, err := ParsePublicJWK(holderJWK)
		if err != nil {
			return Signed{}, fmt.Errorf("holder key: %w", err)
		}
		opts.HolderKey = holder.key
	}
	s, jwtDigest, err := sdjwt.IssueClaimsDigest(claims, opts)
	if err != nil {
		return Signed{}, fmt.Errorf("signing the dc+sd-jwt: %w", err)
	}
	// The digest of the issuer-signed JWT, as DigestJWS gives it.
	return Signed{Text: s, Digest: hex.EncodeToString(jwtDigest[:])}, nil
}

// SDJWTCredential is a credential as an SD-JWT VC shows it: the members that
// are always visible, and of the subject only the claims shown. Nothing is
// filled in for the claims the holder did not disclose.
type SDJWTCredential struct {
	// ID is "urn:uuid:" and a version 4 UUID.
	ID string
	// Type is schemas.TypeDiploma or schemas.TypePixCertification.
	Type string
	// IssuerID is the ledger id of the issuer.
	IssuerID string
	// ValidFrom is the issuance time (nbf), UTC.
	ValidFrom time.Time
	// ValidUntil is the end of validity (exp), UTC; zero when none.
	ValidUntil time.Time
	// Claims holds the subject claims shown, by claim name
	// (SDJWTClaimNames), each as compact JSON.
	Claims map[string]json.RawMessage
	// Disclosed names the claims that are shown through a disclosure, in
	// subject order: the claims of Claims that are not always visible.
	Disclosed []string
	// HolderKey is the holder's key (cnf.jwk), or nil when the credential
	// is not bound to a holder.
	HolderKey *PublicKey
	// Base, IssuerByURL and StatusIndex are the credential's (see
	// Credential).
	Base        string
	IssuerByURL bool
	StatusIndex *int
}

// SubjectJSON returns the subject claims shown, as a (partial) credential
// subject: the members in the order of the subject's fields, and for a Pix
// certification "competences" listing the disclosed competences only, in
// framework order, each with its id, name and level.
func (c *SDJWTCredential) SubjectJSON() ([]byte, error) {
	table, err := sdClaimsOf(c.Type)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	member := func(name string, value []byte) {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		key, _ := marshalJSON(name)
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(value)
	}
	// The competence claims, consecutive in the table, make up one
	// "competences" member, written before the next other claim.
	var competences [][]byte
	flushCompetences := func() {
		if competences != nil {
			member("competences", append(append([]byte{'['}, bytes.Join(competences, []byte{','})...), ']'))
			competences = nil
		}
	}
	for _, sc := range table {
		v, ok := c.Claims[sc.name]
		if !ok {
			continue
		}
		i := competenceIndex(sc.name)
		if i < 0 {
			flushCompetences()
			member(sc.name, v)
			continue
		}
		def := schemas.CompetenceFramework[i]
		id, err := marshalJSON(def.ID)
		if err != nil {
			return nil, err
		}
		name, err := marshalJSON(def.Name)
		if err != nil {
			return nil, err
		}
		competences = append(competences, fmt.Appendf(nil, `{"id":%s,"name":%s,"level":%s}`, id, name, v))
	}
	flushCompetences()
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// Differences names the members in which the SD-JWT credential differs
// from full, the same credential in another form: id, type, issuer,
// validity, and each subject claim shown (claims not shown are not
// compared).
func (c *SDJWTCredential) Differences(full *Credential) []string {
	diff := envelopeDifferences(c.ID, c.Type, c.IssuerID, c.ValidFrom, c.ValidUntil, full)
	flat, err := flatSubject(full)
	if err != nil {
		return append(diff, "credentialSubject")
	}
	names := make([]string, 0, len(c.Claims))
	for name := range c.Claims {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !bytes.Equal(c.Claims[name], flat[name]) {
			diff = append(diff, name)
		}
	}
	return diff
}

// PresentedKeyBinding is what a presentation's key-binding JWT claims.
// Until SignedSDJWT.VerifyKeyBinding succeeds, nothing in it is
// authenticated.
type PresentedKeyBinding struct {
	// Nonce is the verifier's challenge the holder signed.
	Nonce string
	// Audience is the verifier the presentation is for (aud).
	Audience string
	// IssuedAt is when the holder signed it (iat).
	IssuedAt time.Time
}

// SignedSDJWT is an SD-JWT VC, as issued or as presented, read by
// ParseSDJWT. Until Verify succeeds, nothing in it is authenticated: use KID
// and Credential.IssuerID only to find the key.
type SignedSDJWT struct {
	// Compact is the SD-JWT as read.
	Compact string
	// IssuerJWT is the issuer-signed JWT alone, whose digest the ledger
	// anchors.
	IssuerJWT string
	// KID is the issuer-signed JWT's "kid": the signing key's RFC 7638
	// thumbprint.
	KID string
	// Algorithm is the issuer-signed JWT's "alg".
	Algorithm Algorithm
	// Credential is what the SD-JWT shows.
	Credential *SDJWTCredential
	// KeyBinding is the key-binding JWT's claims, or nil when the SD-JWT
	// has none (as issued).
	KeyBinding *PresentedKeyBinding

	// withoutKeyBinding is Compact without its key-binding JWT.
	withoutKeyBinding string
	// envelope is Credential's id, type, issuer and validity, as a
	// Credential without subject.
	envelope *Credential
	// digest is DigestJWS(IssuerJWT).
	digest string
}

// Name is how verdicts name the form: "SD-JWT".
func (s *SignedSDJWT) Name() string { return "SD-JWT" }

// Digest returns the digest the ledger anchors for this form: DigestJWS of
// the issuer-signed JWT alone, the same for the SD-JWT as issued and for
// every presentation of it.
func (s *SignedSDJWT) Digest() string { return s.digest }

// KeyID returns the issuer-signed JWT's kid.
func (s *SignedSDJWT) KeyID() string { return s.KID }

// NamesKey reports whether the issuer-signed JWT's kid is kid.
func (s *SignedSDJWT) NamesKey(kid string) bool { return s.KID == kid }

// SignatureAlgorithm returns the issuer-signed JWT's alg.
func (s *SignedSDJWT) SignatureAlgorithm() Algorithm { return s.Algorithm }

// Envelope returns the credential's id, type, issuer and validity, without
// a subject: the SD-JWT shows only some claims of it (Credential.Claims),
// which its Credential's SubjectJSON gives.
func (s *SignedSDJWT) Envelope() *Credential { return s.envelope }

// ParseSDJWT reads an SD-JWT VC in compact form, with or without a
// key-binding JWT, without verifying any signature. The issuer-signed JWT's
// header must hold exactly alg (ES256 or EdDSA), kid and typ "dc+sd-jwt";
// its payload exactly the members SignSDJWT writes (no unknown claim, no
// nested disclosure, visible and disclosable claims where the format puts
// them); every disclosure must be referenced (sdjwt.Parse). Errors from
// sdjwt keep their sdjwt.Check (sdjwt.CheckOf).
func ParseSDJWT(s string) (*SignedSDJWT, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "{") {
		return nil, errors.New("dc+sd-jwt: only the compact serialization is accepted, not JSON")
	}
	t, err := sdjwt.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("dc+sd-jwt: %w", err)
	}
	issuerJWT := t.IssuerJWT()
	parts := strings.Split(issuerJWT, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("dc+sd-jwt: the issuer-signed JWT has %d dot-separated parts, want 3", len(parts))
	}
	alg, kid, err := parseSDJWTHeader(parts[0])
	if err != nil {
		return nil, fmt.Errorf("dc+sd-jwt header: %w", err)
	}
	payload, err := decodeSegment(parts[1])
	if err != nil {
		return nil, fmt.Errorf("dc+sd-jwt payload: %w", err)
	}
	cred, err := sdjwtCredential(payload, t.Disclosures())
	if err != nil {
		return nil, fmt.Errorf("dc+sd-jwt: %w", err)
	}
	out := &SignedSDJWT{Compact: s, IssuerJWT: issuerJWT, KID: kid, Algorithm: alg, Credential: cred, withoutKeyBinding: s,
		envelope: &Credential{ID: cred.ID, Type: cred.Type, IssuerID: cred.IssuerID, ValidFrom: cred.ValidFrom, ValidUntil: cred.ValidUntil,
			Base: cred.Base, IssuerByURL: cred.IssuerByURL, StatusIndex: cred.StatusIndex},
		digest: DigestJWS(issuerJWT)}
	if kb := t.KeyBindingJWT(); kb != "" {
		if out.KeyBinding, err = parseKeyBindingClaims(kb); err != nil {
			return nil, fmt.Errorf("dc+sd-jwt key-binding JWT: %w", err)
		}
		out.withoutKeyBinding = strings.TrimSuffix(s, kb)
	}
	return out, nil
}

// decodeSegment decodes a base64url JWS segment holding a JSON object into
// its members, strictly.
func decodeSegment(segment string) (map[string]jsontext.Value, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(segment)
	if err != nil {
		return nil, fmt.Errorf("not base64url without padding: %w", err)
	}
	var members map[string]jsontext.Value
	if err := unmarshalStrict(raw, &members); err != nil {
		return nil, err
	}
	if members == nil {
		return nil, errors.New("want a JSON object, got null")
	}
	return members, nil
}

// parseSDJWTHeader checks the issuer-signed JWT's protected header: alg
// ES256, EdDSA or Ed25519 (read as EdDSA), kid (a thumbprint) and typ
// "dc+sd-jwt"; a member carrying a key and "crit" are refused, any other
// member is ignored (internal/jws.CheckMembers).
func parseSDJWTHeader(segment string) (Algorithm, string, error) {
	members, err := decodeSegment(segment)
	if err != nil {
		return "", "", err
	}
	if err := jws.CheckMembers(sortedNames(members)); err != nil {
		return "", "", err
	}
	alg, err := headerAlgorithm(members)
	if err != nil {
		return "", "", err
	}
	typ, err := headerString(members, "typ")
	if err != nil {
		return "", "", err
	}
	if typ != SDJWTType {
		return "", "", fmt.Errorf("typ %q: want %q", typ, SDJWTType)
	}
	kid, err := headerString(members, "kid")
	if err != nil {
		return "", "", err
	}
	if _, err := ShortKIDOf(kid); err != nil {
		return "", "", fmt.Errorf("kid: %w", err)
	}
	return alg, kid, nil
}

// sdjwtEnvelope lists the payload members that are not subject claims.
var sdjwtEnvelope = []string{"iss", "iat", "nbf", "exp", "vct", "id", "cnf", "status", "_sd", "_sd_alg"}

// sdjwtCredential reads the credential from the issuer-signed payload and
// the disclosures sdjwt.Parse resolved.
func sdjwtCredential(payload map[string]jsontext.Value, disclosures []sdjwt.Disclosure) (*SDJWTCredential, error) {
	var vct, iss string
	if err := payloadMember(payload, "vct", &vct); err != nil {
		return nil, err
	}
	credType, base, err := TypeOfVCT(vct)
	if err != nil {
		return nil, err
	}
	c := &SDJWTCredential{Type: credType, Claims: map[string]json.RawMessage{}, Base: base}
	if err := payloadMember(payload, "iss", &iss); err != nil {
		return nil, err
	}
	issuerBase := ""
	if c.IssuerID, issuerBase, err = ParseIssuer(iss); err != nil {
		return nil, fmt.Errorf("iss: %w", err)
	}
	if issuerBase != "" {
		if issuerBase != base {
			return nil, fmt.Errorf("iss %q is not under the base URL of vct %q", iss, vct)
		}
		c.IssuerByURL = true
	}
	if _, ok := payload["status"]; ok {
		var st sdjwtStatus
		if err := payloadMember(payload, "status", &st); err != nil {
			return nil, err
		}
		env := &Credential{IssuerID: c.IssuerID, Base: base}
		if st.StatusList.Idx < 0 || st.StatusList.URI != env.StatusListURI(statusIETF) {
			return nil, fmt.Errorf("status: want {\"status_list\": {\"idx\": <index>, \"uri\": %q}}", env.StatusListURI(statusIETF))
		}
		idx := st.StatusList.Idx
		c.StatusIndex = &idx
	}
	if err := payloadMember(payload, "id", &c.ID); err != nil {
		return nil, err
	}
	if _, err := parseID(c.ID); err != nil {
		return nil, err
	}
	var iat, nbf int64
	if err := payloadMember(payload, "iat", &iat); err != nil {
		return nil, err
	}
	if err := payloadMember(payload, "nbf", &nbf); err != nil {
		return nil, err
	}
	if iat != nbf {
		return nil, fmt.Errorf("iat %d and nbf %d differ: both are the issuance time", iat, nbf)
	}
	if c.ValidFrom, err = epochTime("nbf", nbf); err != nil {
		return nil, err
	}
	if _, ok := payload["exp"]; ok {
		var exp int64
		if err := payloadMember(payload, "exp", &exp); err != nil {
			return nil, err
		}
		if c.ValidUntil, err = epochTime("exp", exp); err != nil {
			return nil, err
		}
	}
	if raw, ok := payload["cnf"]; ok {
		var cnf struct {
			JWK jsontext.Value `json:"jwk"`
		}
		if err := unmarshalStrict(raw, &cnf); err != nil || len(cnf.JWK) == 0 {
			return nil, errors.New("cnf: want {\"jwk\": <the holder's public key>}")
		}
		if c.HolderKey, err = ParsePublicJWK(cnf.JWK); err != nil {
			return nil, fmt.Errorf("cnf.jwk: %w", err)
		}
	}
	table, err := sdClaimsOf(credType)
	if err != nil {
		return nil, err
	}
	visible := map[string]bool{}
	for _, sc := range table {
		visible[sc.name] = sc.visible
	}
	names := make([]string, 0, len(payload))
	for name := range payload {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if slices.Contains(sdjwtEnvelope, name) {
			continue
		}
		shown, known := visible[name]
		switch {
		case !known:
			return nil, fmt.Errorf("claim %q is not a claim of a %s", name, credType)
		case !shown:
			return nil, fmt.Errorf("claim %q must be selectively disclosable, not in the issuer-signed payload", name)
		}
		if c.Claims[name], err = canonicalJSON(payload[name]); err != nil {
			return nil, fmt.Errorf("claim %q: %w", name, err)
		}
	}
	for i, d := range disclosures {
		name, ok := "", len(d.Path) == 1
		if ok {
			name, ok = d.Path[0].(string)
		}
		if !ok || d.ArrayElement {
			return nil, fmt.Errorf("disclosure %d discloses %s: only top-level claims are selectively disclosable", i+1, d.Path)
		}
		shown, known := visible[name]
		switch {
		case !known:
			return nil, fmt.Errorf("disclosure %d: claim %q is not a claim of a %s", i+1, name, credType)
		case shown:
			return nil, fmt.Errorf("disclosure %d: claim %q is always visible, never selectively disclosed", i+1, name)
		}
		raw, err := marshalJSON(d.Value)
		if err != nil {
			return nil, fmt.Errorf("disclosure %d (%s): %w", i+1, name, err)
		}
		c.Claims[name] = raw
	}
	for _, sc := range table {
		if _, ok := c.Claims[sc.name]; ok && !sc.visible {
			c.Disclosed = append(c.Disclosed, sc.name)
		}
	}
	return c, nil
}

// payloadMember decodes the required payload member name into out.
func payloadMember(payload map[string]jsontext.Value, name string, out any) error {
	raw, ok := payload[name]
	if !ok {
		return fmt.Errorf("claim %q is missing", name)
	}
	if err := unmarshalStrict(raw, out); err != nil {
		return fmt.Errorf("claim %q: %s is not a valid value: %w", name, raw, err)
	}
	return nil
}

// canonicalJSON re-encodes a JSON value compactly, numbers as written.
func canonicalJSON(raw []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return marshalJSON(v)
}

// parseKeyBindingClaims reads nonce, aud and iat from a key-binding JWT,
// without verifying it.
func parseKeyBindingClaims(kb string) (*PresentedKeyBinding, error) {
	parts := strings.Split(kb, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%d dot-separated parts, want 3", len(parts))
	}
	payload, err := decodeSegment(parts[1])
	if err != nil {
		return nil, err
	}
	var p PresentedKeyBinding
	var iat int64
	if err := payloadMember(payload, "nonce", &p.Nonce); err != nil {
		return nil, err
	}
	if err := payloadMember(payload, "aud", &p.Audience); err != nil {
		return nil, err
	}
	if err := payloadMember(payload, "iat", &iat); err != nil {
		return nil, err
	}
	if p.IssuedAt, err = epochTime("iat", iat); err != nil {
		return nil, err
	}
	return &p, nil
}

// issuerKeyCheck checks that pub is the key the header names, and returns
// the sdjwt key resolver that gives it.
func (s *SignedSDJWT) issuerKeyCheck(pub *PublicKey) (func(sdjwt.KeyRequest) (crypto.PublicKey, error), error) {
	if pub.KID() != s.KID {
		return nil, fmt.Errorf("dc+sd-jwt: header kid %q does not name key %q", s.KID, pub.KID())
	}
	if pub.Algorithm() != s.Algorithm {
		return nil, fmt.Errorf("dc+sd-jwt: header alg %s does not match key %s, a %s key", s.Algorithm, pub.KID(), pub.Algorithm())
	}
	return func(sdjwt.KeyRequest) (crypto.PublicKey, error) { return pub.key, nil }, nil
}

// Verify checks the issuer's signature with pub, which must be the key the
// header's kid names, and the disclosures shown. It does not judge time
// (validity is the caller's check on ValidFrom and ValidUntil) nor the
// key-binding JWT (VerifyKeyBinding).
func (s *SignedSDJWT) Verify(pub *PublicKey) error {
	issuerKey, err := s.issuerKeyCheck(pub)
	if err != nil {
		return err
	}
	_, err = sdjwt.Verify(s.withoutKeyBinding, sdjwt.VerifyOptions{
		IssuerKey:    issuerKey,
		ExpectedType: SDJWTType,
		KeyBinding:   sdjwt.KeyBindingOptional,
		// Validity in time is judged apart: check the signature as of
		// the issuance.
		Now: func() time.Time { return s.Credential.ValidFrom },
	})
	if sdjwt.CheckOf(err) == sdjwt.CheckSignature {
		return fmt.Errorf("dc+sd-jwt: %w with key %s", ErrBadSignature, pub.KID())
	}
	if err != nil {
		return fmt.Errorf("dc+sd-jwt: %w", err)
	}
	return nil
}

// KeyBindingRequest is what a verifier expects of a presentation's
// key-binding JWT.
type KeyBindingRequest struct {
	// Nonce and Audience are the nonce and aud the holder must have
	// signed. Both are required.
	Nonce    string
	Audience string
	// Now is the time freshness is judged at.
	Now time.Time
	// MaxAge is how old the key-binding JWT may be; zero means
	// sdjwt.DefaultMaxKeyBindingAge.
	MaxAge time.Duration
}

// VerifyKeyBinding checks the presentation's key-binding JWT: signed by
// the holder key of cnf.jwk, sd_hash over this presentation, nonce and
// audience as requested, issued at most req.MaxAge before req.Now. pub is
// the issuer's key, as for Verify; the credential must be valid at req.Now.
// Errors wrap an *sdjwt.Error naming the failed check (sdjwt.CheckOf).
func (s *SignedSDJWT) VerifyKeyBinding(pub *PublicKey, req KeyBindingRequest) error {
	if s.KeyBinding == nil {
		return &sdjwt.Error{Check: sdjwt.CheckKeyBinding, Err: errors.New("the presentation has no key-binding JWT")}
	}
	issuerKey, err := s.issuerKeyCheck(pub)
	if err != nil {
		return err
	}
	_, err = sdjwt.Verify(s.Compact, sdjwt.VerifyOptions{
		IssuerKey:        issuerKey,
		ExpectedType:     SDJWTType,
		KeyBinding:       sdjwt.KeyBindingRequired,
		Nonce:            req.Nonce,
		Audience:         req.Audience,
		Now:              func() time.Time { return req.Now },
		MaxKeyBindingAge: req.MaxAge,
	})
	if err != nil {
		return fmt.Errorf("dc+sd-jwt: %w", err)
	}
	return nil
}

// Presentation says what PresentSDJWT shows, and to whom.
type Presentation struct {
	// Disclose names the claims to show (SDJWTClaimNames). Always visible
	// claims may be named: they are shown anyway.
	Disclose []string
	// Nonce and Audience are the verifier's challenge and identifier.
	Nonce    string
	Audience string
	// IssuedAt is when the presentation is made; zero means now.
	IssuedAt time.Time
}

// UnknownClaimError reports a claim to disclose that the credential does
// not have.
type UnknownClaimError struct {
	// Name is the claim asked for.
	Name string
	// Disclosable lists the claims the credential can disclose; Visible
	// those it always shows.
	Disclosable, Visible []string
}

// Error names the claim and lists those that exist.
func (e *UnknownClaimError) Error() string {
	return fmt.Sprintf("this credential has no claim %q; claims you can disclose: %s (always shown: %s)",
		e.Name, strings.Join(e.Disclosable, ", "), orNone(e.Visible))
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "only its type, issuer and validity"
	}
	return strings.Join(names, ", ")
}

// claimAliases maps other accepted names to claim names: the diploma CSV
// column of the specialities is "speciality".
var claimAliases = map[string]string{"speciality": "specialities"}

// envelopeNames are names of what every presentation shows, besides the
// subject: accepted in Presentation.Disclose, and ignored.
var envelopeNames = []string{"type", "issuer", "id", "vct", "iss"}

// PresentSDJWT makes a presentation of issued, an SD-JWT VC as SignSDJWT
// returned it (every disclosure, no key-binding JWT): it keeps only the
// disclosures of p.Disclose and appends a key-binding JWT signed with
// holder, the key of the SD-JWT's cnf.jwk. A name the credential does not
// have is an *UnknownClaimError.
func PresentSDJWT(issued string, holder *Key, p Presentation) (string, error) {
	s, err := ParseSDJWT(issued)
	if err != nil {
		return "", err
	}
	if s.KeyBinding != nil {
		return "", errors.New("dc+sd-jwt: this is already a presentation (it has a key-binding JWT): present from the SD-JWT as issued")
	}
	if s.Credential.HolderKey == nil {
		return "", errors.New("dc+sd-jwt: the credential is not bound to a holder key (no cnf), so no presentation can prove who shows it: ask the issuer to issue it with your holder key")
	}
	if s.Credential.HolderKey.KID() != holder.KID() {
		return "", fmt.Errorf("dc+sd-jwt: the credential is bound to holder key %s, not to key %s", s.Credential.HolderKey.KID(), holder.KID())
	}
	var paths []sdjwt.Path
	for _, name := range p.Disclose {
		name = strings.TrimSpace(name)
		if name == "" || slices.Contains(envelopeNames, name) {
			continue
		}
		if alias, ok := claimAliases[name]; ok {
			name = alias
		}
		_, shown := s.Credential.Claims[name]
		switch {
		case shown && slices.Contains(s.Credential.Disclosed, name):
			paths = append(paths, sdjwt.Path{name})
		case shown:
			// Always visible: shown anyway.
		default:
			var visible []string
			for n := range s.Credential.Claims {
				if !slices.Contains(s.Credential.Disclosed, n) {
					visible = append(visible, n)
				}
			}
			sort.Strings(visible)
			return "", &UnknownClaimError{Name: name, Disclosable: s.Credential.Disclosed, Visible: visible}
		}
	}
	out, err := sdjwt.Present(issued, sdjwt.Select(paths...), &sdjwt.KeyBindingOptions{
		Signer:   holder.signer,
		Nonce:    p.Nonce,
		Audience: p.Audience,
		IssuedAt: p.IssuedAt,
	})
	if err != nil {
		return "", fmt.Errorf("dc+sd-jwt presentation: %w", err)
	}
	return out, nil
}
