// Package oid4vci is Sceau's OpenID for Verifiable Credential Issuance 1.0
// Credential Issuer, pre-authorized code flow: how a student picks a
// credential her exam office issued up into any standard wallet.
//
//  1. The exam office makes an offer per credential (MakeOffers, `sceau
//     offer`): a random pre-authorized code and a random 6-digit
//     transaction code (tx_code), given to the student apart (the offer as
//     a QR code or link, the code printed beside it). The offer is kept in
//     the issuer's register, sealed, under a keyed hash of its code, with
//     the credential as issued and a keyed hash of the tx_code.
//  2. The wallet exchanges the code and the tx_code for an access token
//     (Server.Token). An offer is single-use; a wrong tx_code counts a try,
//     and the fifth wrong one kills the offer; an expired offer is dead.
//     Every refusal is the same invalid_grant, whether the code exists or
//     not.
//  3. The wallet asks for a fresh c_nonce (Server.Nonce) and proves it
//     holds its key: a JWT of type openid4vci-proof+jwt, ES256 or EdDSA,
//     with the public key in its jwk header, aud the credential issuer and
//     nonce the c_nonce, which is single-use and expires.
//  4. The credential endpoint (Server.Credential) returns the credential as
//     an SD-JWT VC (dc+sd-jwt) bound to that key (cnf.jwk), signed again
//     from the credential as issued and anchored in a micro-batch
//     (issuer.Desk.IssueBound), or as the W3C vc+jwt issued
//     (jwt_vc_json), which is not bound to a key.
//
// Offers, codes and their rules live here; the HTTP routes are package
// issuer/oid4vciapi's. It imports the issuer (desk and register), the
// credential forms, the schemas (claim names in French and English), the
// ledger's vocabulary and internal/jws, and nothing of net/http.
package oid4vci

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/issuer/register"
)

// Defaults and limits of offers.
const (
	// DefaultValidFor is how long an offer can be redeemed: the pickup
	// window.
	DefaultValidFor = 30 * 24 * time.Hour
	// MaxTxCodeTries is how many wrong transaction codes an offer takes:
	// the last one kills it.
	MaxTxCodeTries = 5
	// TxCodeLength is the number of digits of a transaction code.
	TxCodeLength = 6
)

// GrantPreAuthorized is the grant type of the pre-authorized code flow.
const GrantPreAuthorized = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

// Offer is an offer made for one credential: what an exam office gives the
// student (the URI, and the transaction code apart).
type Offer struct {
	// ID is the credential's id, urn:uuid:….
	ID        string `json:"id"`
	StudentID string `json:"student_id"`
	// URI is the credential offer, openid-credential-offer://?credential_offer=…
	URI string `json:"uri"`
	// TxCode is the transaction code the wallet asks the student for.
	TxCode string    `json:"tx_code"`
	Expiry time.Time `json:"expiry"`
}

// OfferOptions set how offers are made.
type OfferOptions struct {
	// CredentialIssuer is the public base URL of the `sceau serve` that
	// answers the offers (--public-url). Required.
	CredentialIssuer string
	// ValidFor is how long the offers can be redeemed. Zero:
	// DefaultValidFor.
	ValidFor time.Duration
	// Retain is how long the register keeps an offer, with the credential
	// it holds, after it is made. Zero, or less than ValidFor: until it
	// expires.
	Retain time.Duration
	// Now is the time the offers are made. Zero: time.Now().
	Now time.Time
	// Rand is where codes come from. Nil: crypto/rand.
	Rand io.Reader
}

// MakeOffers makes one offer per bundle — a credential issuerID issued,
// which its register reg holds — files each in reg, and returns them in
// order: PrepareOffers, then FileOffers.
func MakeOffers(reg *register.Register, issuerID string, bundles []*credential.Bundle, opts OfferOptions) ([]Offer, error) {
	p, err := PrepareOffers(reg, issuerID, bundles, opts)
	if err != nil {
		return nil, err
	}
	return p.File(reg)
}

// Prepared are offers made and not filed yet: nothing redeems them until
// File. A caller that prints them (letters, a mail merge file) prepares
// them first, so that a failure leaves no offer nobody received.
type Prepared struct {
	offers []Offer
	codes  []string
	kept   []register.Offer
	now    time.Time
}

// Offers returns the prepared offers, in order.
func (p *Prepared) Offers() []Offer { return p.offers }

// PrepareOffers makes one offer per bundle, as MakeOffers, without filing
// them. Credentials the register does not hold (erased, or issued by
// another issuer) are refused.
func PrepareOffers(reg *register.Register, issuerID string, bundles []*credential.Bundle, opts OfferOptions) (*Prepared, error) {
	if _, err := parseIssuerURL(opts.CredentialIssuer); err != nil {
		return nil, err
	}
	if opts.ValidFor <= 0 {
		opts.ValidFor = DefaultValidFor
	}
	if opts.Retain < opts.ValidFor {
		opts.Retain = opts.ValidFor
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	p := &Prepared{now: opts.Now}
	for _, b := range bundles {
		jwt, err := credential.ParseJWT(b.VCJWT)
		if err != nil {
			return nil, fmt.Errorf("credential %s: its vc+jwt form: %w", b.ID, err)
		}
		c := jwt.Credential
		if c.IssuerID != issuerID {
			return nil, fmt.Errorf("credential %s was issued by %s, not by %s", c.ID, c.IssuerID, issuerID)
		}
		if _, err := reg.ByID(c.ID); err != nil {
			return nil, fmt.Errorf("credential %s: %w (issuer %s's register does not hold it: erased, or never issued here)", c.ID, err, issuerID)
		}
		code, err := newCode(opts.Rand, issuerID)
		if err != nil {
			return nil, err
		}
		tx, err := newTxCode(opts.Rand)
		if err != nil {
			return nil, err
		}
		expiry := opts.Now.Add(opts.ValidFor).UTC().Truncate(time.Second)
		student := c.Subject.Holder().StudentID
		uri, err := offerURI(opts.CredentialIssuer, c.Type, code)
		if err != nil {
			return nil, err
		}
		p.offers = append(p.offers, Offer{ID: c.ID, StudentID: student, URI: uri, TxCode: tx, Expiry: expiry})
		p.codes = append(p.codes, code)
		p.kept = append(p.kept, register.Offer{
			CredentialID: c.ID, StudentID: student, Type: c.Type, Credential: b.VCJWT,
			Created: opts.Now.Unix(), Expires: expiry.Unix(), RetainUntil: opts.Now.Add(opts.Retain).Unix(),
		})
	}
	return p, nil
}

// File files the prepared offers in reg (each closing the earlier offers
// of its credential), after erasing the offers whose retention ended, and
// returns them.
func (p *Prepared) File(reg *register.Register) ([]Offer, error) {
	if _, err := reg.PurgeOffers(p.now, p.now.Add(-AccessTokenTTL)); err != nil {
		return nil, err
	}
	for i, o := range p.offers {
		if err := reg.PutOffer(p.codes[i], o.TxCode, p.kept[i]); err != nil {
			return nil, fmt.Errorf("credential %s: %w", o.ID, err)
		}
	}
	return p.offers, nil
}

// ConfigurationIDs returns the ids of the credential configurations of
// credential type credType: its SD-JWT VC (dc+sd-jwt), bound to the
// wallet's key, then its W3C form (jwt_vc_json).
func ConfigurationIDs(credType string) []string {
	return []string{credType + "_" + FormatSDJWT, credType + "_" + FormatJWTVC}
}

// The credential formats of the configurations.
const (
	FormatSDJWT = "dc+sd-jwt"
	FormatJWTVC = "jwt_vc_json"
)

// offerURI returns the credential offer, by value, of a credential of type
// credType redeemed with code.
func offerURI(issuerURL, credType, code string) (string, error) {
	offer := map[string]any{
		"credential_issuer":            issuerURL,
		"credential_configuration_ids": ConfigurationIDs(credType),
		"grants": map[string]any{
			GrantPreAuthorized: map[string]any{
				"pre-authorized_code": code,
				"tx_code": map[string]any{
					"input_mode":  "numeric",
					"length":      TxCodeLength,
					"description": "Code reçu avec l'offre / Code given with the offer",
				},
			},
		},
	}
	data, err := json.Marshal(offer)
	if err != nil {
		return "", err
	}
	return "openid-credential-offer://?credential_offer=" + url.QueryEscape(string(data)), nil
}

// newCode returns a pre-authorized code of issuerID: its id, a dot and 32
// random bytes (base64url). The id tells the server whose register holds
// the offer; the random part is the secret.
func newCode(r io.Reader, issuerID string) (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("making an offer code: %w", err)
	}
	return issuerID + "." + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// issuerOfCode returns the issuer a pre-authorized code names, or "" when
// it is not one.
func issuerOfCode(code string) string {
	id, secret, ok := strings.Cut(code, ".")
	if !ok || len(secret) != 43 || record.ValidateIssuerID(id) != nil {
		return ""
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return ""
	}
	return id
}

// newTxCode returns TxCodeLength random decimal digits, uniformly.
func newTxCode(r io.Reader) (string, error) {
	max := big.NewInt(1)
	for range TxCodeLength {
		max.Mul(max, big.NewInt(10))
	}
	n, err := rand.Int(r, max)
	if err != nil {
		return "", fmt.Errorf("making a transaction code: %w", err)
	}
	return fmt.Sprintf("%0*d", TxCodeLength, n), nil
}

// parseIssuerURL checks the credential issuer's URL: absolute http(s),
// without query or fragment, and returns it without a trailing slash.
func parseIssuerURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("the credential issuer's URL (--public-url) must be an absolute http(s) URL without query or fragment")
	}
	return strings.TrimSuffix(s, "/"), nil
}
