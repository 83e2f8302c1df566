package oid4vciclient

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// FuzzParseOffer: any text is an offer or an error; it never fetches
// anything (credential_offer_uri goes to a client that refuses every
// request), never panics, and what it accepts names an issuer, a
// configuration and a pre-authorized code.
func FuzzParseOffer(f *testing.F) {
	f.Add("openid-credential-offer://?credential_offer=%7B%22credential_issuer%22%3A%22https%3A%2F%2Fa.example%22%2C%22credential_configuration_ids%22%3A%5B%22x%22%5D%2C%22grants%22%3A%7B%22urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code%22%3A%7B%22pre-authorized_code%22%3A%22c%22%7D%7D%7D")
	f.Add("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example%2Fo")
	f.Add("?credential_offer=null")
	f.Add(strings.Repeat("%", 100))
	refuse := &http.Client{Transport: roundTripper(func(*http.Request) (*http.Response, error) { return nil, http.ErrUseLastResponse })}
	f.Fuzz(func(t *testing.T, uri string) {
		c := &Client{HTTP: refuse}
		o, err := c.ParseOffer(context.Background(), uri)
		if err != nil {
			return
		}
		if len(uri) > MaxOfferURI {
			t.Fatalf("an offer of %d bytes was read", len(uri))
		}
		if o.CredentialIssuer == "" || len(o.CredentialConfigurationIDs) == 0 || o.Grants.PreAuthorized == nil || o.Grants.PreAuthorized.Code == "" {
			t.Fatalf("an incomplete offer was accepted: %+v", o)
		}
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
