// Package oid4vciclient is the wallet's side of OpenID for Verifiable
// Credential Issuance 1.0, pre-authorized code flow: it reads a credential
// offer, finds the issuer's endpoints in its metadata, redeems the
// pre-authorized code (with the transaction code the student was given),
// gets a c_nonce, and asks for the credential with a key proof the caller
// signs (wallet.Wallet.KeyProof). It speaks to any Credential Issuer, not
// only Sceau's; it verifies nothing of the credential it returns (the
// wallet does, before keeping it).
//
// It holds the HTTP code of the wallet, apart from package wallet, and
// imports nothing of Sceau.
package oid4vciclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Limits of what the client reads.
const (
	// MaxOfferURI bounds an offer URI.
	MaxOfferURI = 16 << 10
	// MaxResponse bounds every response body read.
	MaxResponse = 1 << 20
)

// GrantPreAuthorized is the grant type of the pre-authorized code flow.
const GrantPreAuthorized = "urn:ietf:params:oauth:grant-type:pre-authorized_code"

// Offer is a credential offer (OpenID4VCI §4.1.1), pre-authorized code grant.
type Offer struct {
	CredentialIssuer           string   `json:"credential_issuer"`
	CredentialConfigurationIDs []string `json:"credential_configuration_ids"`
	Grants                     struct {
		PreAuthorized *struct {
			Code   string  `json:"pre-authorized_code"`
			TxCode *TxCode `json:"tx_code"`
			// AuthorizationServer names the authorization server when the
			// issuer has several.
			AuthorizationServer string `json:"authorization_server"`
		} `json:"urn:ietf:params:oauth:grant-type:pre-authorized_code"`
	} `json:"grants"`
}

// TxCode describes the transaction code an offer needs.
type TxCode struct {
	InputMode   string `json:"input_mode"`
	Length      int    `json:"length"`
	Description string `json:"description"`
}

// Client redeems offers. The zero Client uses http.DefaultClient and
// refuses plain http except to loopback addresses.
type Client struct {
	// HTTP sends the requests. Nil: http.DefaultClient.
	HTTP *http.Client
	// AllowHTTP accepts an issuer at a plain http:// URL on any host
	// (tests, a local network); loopback addresses always are.
	AllowHTTP bool
}

// ParseOffer reads a credential offer URI: openid-credential-offer://?…
// (or any scheme, or a bare query) with credential_offer (by value) or
// credential_offer_uri (by reference, fetched).
func (c *Client) ParseOffer(ctx context.Context, uri string) (*Offer, error) {
	if len(uri) > MaxOfferURI {
		return nil, fmt.Errorf("the offer is %d bytes, more than the %d a client reads", len(uri), MaxOfferURI)
	}
	query := uri
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		query = uri[i+1:]
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("the offer URI's query: %w", err)
	}
	var raw []byte
	switch {
	case q.Get("credential_offer") != "" && q.Get("credential_offer_uri") != "":
		return nil, errors.New("the offer has both credential_offer and credential_offer_uri")
	case q.Get("credential_offer") != "":
		raw = []byte(q.Get("credential_offer"))
	case q.Get("credential_offer_uri") != "":
		if raw, err = c.get(ctx, q.Get("credential_offer_uri")); err != nil {
			return nil, fmt.Errorf("fetching the offer: %w", err)
		}
	default:
		return nil, errors.New("not a credential offer: want openid-credential-offer://?credential_offer=… (or credential_offer_uri=…)")
	}
	var o Offer
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("the credential offer is not the JSON object expected: %w", err)
	}
	switch {
	case o.CredentialIssuer == "":
		return nil, errors.New("the offer names no credential_issuer")
	case len(o.CredentialConfigurationIDs) == 0:
		return nil, errors.New("the offer names no credential_configuration_ids")
	case o.Grants.PreAuthorized == nil || o.Grants.PreAuthorized.Code == "":
		return nil, errors.New("the offer has no pre-authorized code: only the pre-authorized code flow is supported")
	}
	if _, err := c.checkURL(o.CredentialIssuer); err != nil {
		return nil, fmt.Errorf("credential_issuer: %w", err)
	}
	return &o, nil
}

// NeedsTxCode reports whether the offer asks for a transaction code.
func (o *Offer) NeedsTxCode() bool { return o.Grants.PreAuthorized.TxCode != nil }

// Received is a credential received.
type Received struct {
	// Credential is the credential as the issuer returned it (an SD-JWT VC
	// or a JWT, as a string).
	Credential string
	// Format is its configuration's format (dc+sd-jwt, jwt_vc_json…).
	Format string
	// ConfigurationID is the configuration asked for.
	ConfigurationID string
}

// Prover signs a key proof for credential issuer audience over c_nonce
// nonce (empty when the issuer has no nonce endpoint).
type Prover func(audience, nonce string) (string, error)

// ServerError is an error the issuer answered: its error code and
// description (OpenID4VCI, OAuth 2.0).
type ServerError struct {
	Endpoint    string
	Status      int
	Code        string
	Description string
}

func (e *ServerError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("the issuer's %s endpoint answered HTTP %d", e.Endpoint, e.Status)
	}
	if e.Description == "" {
		return fmt.Sprintf("the issuer's %s endpoint refused: %s", e.Endpoint, e.Code)
	}
	return fmt.Sprintf("the issuer's %s endpoint refused: %s (%s)", e.Endpoint, e.Code, e.Description)
}

// Receive redeems offer o with transaction code txCode and returns one
// credential: the first configuration of the offer whose format is
// preferred (dc+sd-jwt, bound to the key prove signs with), else the
// first the issuer describes.
func (c *Client) Receive(ctx context.Context, o *Offer, txCode string, prove Prover) (*Received, error) {
	if o.NeedsTxCode() && txCode == "" {
		return nil, errors.New("this offer needs the transaction code given with it (--tx-code)")
	}
	meta, err := c.issuerMetadata(ctx, o.CredentialIssuer)
	if err != nil {
		return nil, err
	}
	configID, config := choose(o, meta)
	if config == nil {
		return nil, fmt.Errorf("the issuer's metadata describes none of the offered configurations %q", o.CredentialConfigurationIDs)
	}
	tokenEndpoint, err := c.tokenEndpoint(ctx, o, meta)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {GrantPreAuthorized}, "pre-authorized_code": {o.Grants.PreAuthorized.Code}}
	if txCode != "" {
		form.Set("tx_code", txCode)
	}
	var token struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := c.post(ctx, "token", tokenEndpoint, "application/x-www-form-urlencoded", []byte(form.Encode()), "", &token); err != nil {
		return nil, err
	}
	if token.AccessToken == "" || !strings.EqualFold(token.TokenType, "Bearer") {
		return nil, fmt.Errorf("the token endpoint gave no Bearer access token (token_type %q)", token.TokenType)
	}
	req := map[string]any{"credential_configuration_id": configID}
	bound := len(config.ProofTypes) > 0
	for attempt := 0; ; attempt++ {
		if bound {
			nonce := ""
			if meta.NonceEndpoint != "" {
				var n struct {
					CNonce string `json:"c_nonce"`
				}
				if err := c.post(ctx, "nonce", meta.NonceEndpoint, "", nil, "", &n); err != nil {
					return nil, err
				}
				nonce = n.CNonce
			}
			proof, err := prove(meta.CredentialIssuer, nonce)
			if err != nil {
				return nil, err
			}
			req["proofs"] = map[string]any{"jwt": []string{proof}}
		}
		body, err := json.Marshal(req)
		if err != nil {
			return nil, err
		}
		var resp struct {
			Credentials []struct {
				Credential json.RawMessage `json:"credential"`
			} `json:"credentials"`
			TransactionID string `json:"transaction_id"`
		}
		err = c.post(ctx, "credential", meta.CredentialEndpoint, "application/json", body, token.AccessToken, &resp)
		var se *ServerError
		if errors.As(err, &se) && se.Code == "invalid_nonce" && attempt == 0 {
			continue // a nonce that expired meanwhile: once more with a fresh one
		}
		if err != nil {
			return nil, err
		}
		if resp.TransactionID != "" && len(resp.Credentials) == 0 {
			return nil, errors.New("the issuer deferred the issuance (transaction_id): deferred issuance is not supported")
		}
		if len(resp.Credentials) == 0 {
			return nil, errors.New("the credential endpoint returned no credential")
		}
		var text string
		if err := json.Unmarshal(resp.Credentials[0].Credential, &text); err != nil {
			return nil, errors.New("the credential returned is not a string (a JSON credential is not supported)")
		}
		return &Received{Credential: text, Format: config.Format, ConfigurationID: configID}, nil
	}
}

// issuerMetadata is what the client reads of the Credential Issuer Metadata.
type issuerMetadata struct {
	CredentialIssuer     string                   `json:"credential_issuer"`
	AuthorizationServers []string                 `json:"authorization_servers"`
	CredentialEndpoint   string                   `json:"credential_endpoint"`
	NonceEndpoint        string                   `json:"nonce_endpoint"`
	Configurations       map[string]configuration `json:"credential_configurations_supported"`
}

type configuration struct {
	Format     string                     `json:"format"`
	ProofTypes map[string]json.RawMessage `json:"proof_types_supported"`
}

// preferredFormats are the formats chosen first, in order.
var preferredFormats = []string{"dc+sd-jwt", "vc+sd-jwt"}

func choose(o *Offer, meta *issuerMetadata) (string, *configuration) {
	for _, f := range preferredFormats {
		for _, id := range o.CredentialConfigurationIDs {
			if c, ok := meta.Configurations[id]; ok && c.Format == f {
				return id, &c
			}
		}
	}
	for _, id := range o.CredentialConfigurationIDs {
		if c, ok := meta.Configurations[id]; ok {
			return id, &c
		}
	}
	return "", nil
}

// wellKnown returns the URL of well-known document name of the entity
// identified by id (RFC 8615, with id's path after it).
func wellKnown(id, name string) (string, error) {
	u, err := url.Parse(id)
	if err != nil {
		return "", err
	}
	u.Path = "/.well-known/" + name + strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

func (c *Client) issuerMetadata(ctx context.Context, issuer string) (*issuerMetadata, error) {
	u, err := wellKnown(issuer, "openid-credential-issuer")
	if err != nil {
		return nil, err
	}
	data, err := c.get(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("the issuer's metadata: %w", err)
	}
	var m issuerMetadata
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("the issuer's metadata is not the JSON object expected: %w", err)
	}
	if strings.TrimSuffix(m.CredentialIssuer, "/") != strings.TrimSuffix(issuer, "/") {
		return nil, fmt.Errorf("the metadata at %s is that of %q, not of the issuer the offer names (%s)", u, m.CredentialIssuer, issuer)
	}
	for _, e := range []*string{&m.CredentialEndpoint, &m.NonceEndpoint} {
		if *e == "" {
			continue
		}
		if _, err := c.checkURL(*e); err != nil {
			return nil, fmt.Errorf("the issuer's metadata: %w", err)
		}
	}
	if m.CredentialEndpoint == "" {
		return nil, errors.New("the issuer's metadata has no credential_endpoint")
	}
	return &m, nil
}

func (c *Client) tokenEndpoint(ctx context.Context, o *Offer, meta *issuerMetadata) (string, error) {
	as := meta.CredentialIssuer
	if len(meta.AuthorizationServers) > 0 {
		as = meta.AuthorizationServers[0]
		if want := o.Grants.PreAuthorized.AuthorizationServer; want != "" {
			as = want
		}
	}
	if _, err := c.checkURL(as); err != nil {
		return "", fmt.Errorf("authorization server: %w", err)
	}
	var doc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	var lastErr error
	for _, name := range []string{"oauth-authorization-server", "openid-configuration"} {
		u, err := wellKnown(as, name)
		if err != nil {
			return "", err
		}
		data, err := c.get(ctx, u)
		if err != nil {
			lastErr = err
			continue
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return "", fmt.Errorf("the authorization server's metadata is not the JSON object expected: %w", err)
		}
		if doc.TokenEndpoint == "" {
			return "", errors.New("the authorization server's metadata has no token_endpoint")
		}
		if _, err := c.checkURL(doc.TokenEndpoint); err != nil {
			return "", fmt.Errorf("token_endpoint: %w", err)
		}
		return doc.TokenEndpoint, nil
	}
	return "", fmt.Errorf("the authorization server's metadata: %w", lastErr)
}

// checkURL refuses what is not an absolute https URL (or http to a
// loopback address, or anywhere with AllowHTTP).
func (c *Client) checkURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute URL", s)
	}
	switch u.Scheme {
	case "https":
		return u, nil
	case "http":
		if c.AllowHTTP || isLoopback(u.Hostname()) {
			return u, nil
		}
		return nil, fmt.Errorf("%s is plain http: an issuer must use https (or allow http for a test)", s)
	}
	return nil, fmt.Errorf("%q: want an https URL", s)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) get(ctx context.Context, u string) ([]byte, error) {
	if _, err := c.checkURL(u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := readLimited(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered HTTP %d", u, resp.StatusCode)
	}
	return data, nil
}

// post sends body (of type contentType; none when empty) to endpoint u,
// with accessToken as a Bearer token when set, and decodes a 200 answer
// into out; an error answer is a *ServerError.
func (c *Client) post(ctx context.Context, endpoint, u, contentType string, body []byte, accessToken string, out any) error {
	if _, err := c.checkURL(u); err != nil {
		return fmt.Errorf("%s endpoint: %w", endpoint, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("the issuer's %s endpoint: %w", endpoint, err)
	}
	defer resp.Body.Close()
	data, err := readLimited(resp.Body)
	if err != nil {
		return fmt.Errorf("the issuer's %s endpoint: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		se := &ServerError{Endpoint: endpoint, Status: resp.StatusCode}
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(data, &e) == nil {
			se.Code, se.Description = e.Error, e.Description
		}
		return se
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("the issuer's %s endpoint answered what is not the JSON expected: %w", endpoint, err)
	}
	return nil
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxResponse+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxResponse {
		return nil, fmt.Errorf("the answer is more than %d bytes", MaxResponse)
	}
	return data, nil
}
