package oid4vp

import (
	"errors"
	"strings"
	"testing"
)

func validRequest() *Request {
	return &Request{
		ResponseType: ResponseTypeVPToken, ResponseMode: ResponseModeDirectPost,
		ClientID:    "redirect_uri:https://verifier.example/v1/presentation-requests/abc/response",
		ResponseURI: "https://verifier.example/v1/presentation-requests/abc/response",
		Nonce:       "n-0S6_WzA2Mj", State: "abc",
		DCQLQuery: &DCQLQuery{Credentials: []CredentialQuery{{
			ID: "diploma", Format: FormatSDJWTVC, Meta: &Meta{VCTValues: []string{"https://sceau.example/vct/diploma"}},
			Claims: []ClaimQuery{{Path: []any{"diploma"}}, {Path: []any{"mention"}}},
		}}},
	}
}

func TestRequestObjectRoundTrip(t *testing.T) {
	jwt, err := EncodeUnsigned(validRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(jwt, ".") {
		t.Errorf("an unsigned request object ends with an empty signature: %s", jwt)
	}
	r, err := ParseRequestObject(jwt)
	if err != nil {
		t.Fatal(err)
	}
	q := r.DCQLQuery.Credentials[0]
	if r.Nonce != "n-0S6_WzA2Mj" || q.ID != "diploma" || q.Claims[1].Name() != "mention" || q.Meta.VCTValues[0] != "https://sceau.example/vct/diploma" {
		t.Errorf("read back %+v", r)
	}
}

func TestRequestValidateRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Request)
		want   string
	}{
		{"client_id naming another URL", func(r *Request) { r.ClientID = "redirect_uri:https://evil.example/response" }, "does not name the response_uri"},
		{"pre-registered client", func(r *Request) { r.ClientID = "verifier" }, "only the \"redirect_uri\""},
		{"fragment response mode", func(r *Request) { r.ResponseMode = "fragment" }, "response_mode"},
		{"no nonce", func(r *Request) { r.Nonce = "" }, "nonce"},
		{"response_uri not http", func(r *Request) {
			r.ResponseURI = "ftp://x/y"
			r.ClientID = "redirect_uri:ftp://x/y"
		}, "response_uri"},
		{"no DCQL", func(r *Request) { r.DCQLQuery = nil }, "dcql_query"},
		{"duplicate query ids", func(r *Request) {
			r.DCQLQuery.Credentials = append(r.DCQLQuery.Credentials, r.DCQLQuery.Credentials[0])
		}, "used twice"},
		{"bad path", func(r *Request) { r.DCQLQuery.Credentials[0].Claims[0].Path = []any{-1.0} }, "first element"},
		{"claim set naming nothing", func(r *Request) { r.DCQLQuery.Credentials[0].ClaimSets = [][]string{{"x"}} }, "claim set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := validRequest()
			tc.change(r)
			err := r.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func TestParseRequestObjectRefusesSignedRedirectURI(t *testing.T) {
	unsigned, err := EncodeUnsigned(validRequest())
	if err != nil {
		t.Fatal(err)
	}
	payload := strings.Split(unsigned, ".")[1]
	signed := "eyJhbGciOiJFUzI1NiIsInR5cCI6Im9hdXRoLWF1dGh6LXJlcStqd3QifQ." + payload + ".c2ln"
	if _, err := ParseRequestObject(signed); !errors.Is(err, ErrSigned) {
		t.Errorf("a signed request object of the redirect_uri prefix: %v, want ErrSigned", err)
	}
}

func TestAuthorizationURI(t *testing.T) {
	r := validRequest()
	uri := URI(r.ClientID, "https://verifier.example/v1/presentation-requests/abc/request")
	a, err := ParseAuthorizationURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	if a.ClientID != r.ClientID || a.RequestURI != "https://verifier.example/v1/presentation-requests/abc/request" || a.Request != nil {
		t.Errorf("by reference: %+v", a)
	}
	byValue := "openid4vp://?response_type=vp_token&response_mode=direct_post&client_id=" +
		"redirect_uri%3Ahttps%3A%2F%2Fv.example%2Fr&response_uri=https%3A%2F%2Fv.example%2Fr&nonce=123&" +
		"dcql_query=%7B%22credentials%22%3A%5B%7B%22id%22%3A%22d%22%2C%22format%22%3A%22dc%2Bsd-jwt%22%7D%5D%7D"
	a, err = ParseAuthorizationURI(byValue)
	if err != nil {
		t.Fatal(err)
	}
	if a.Request == nil || a.Request.DCQLQuery.Credentials[0].ID != "d" {
		t.Errorf("by value: %+v", a)
	}
	for _, bad := range []string{
		"https://v.example/?request_uri=https://x",
		"openid4vp://?client_id=x&request_uri=file:///etc/passwd",
		"openid4vp://?client_id=x&client_id=y&request_uri=https://x/r",
		"mailto:x",
		"openid4vp://?client_id=x&request_uri=https://x/r&request_uri_method=post",
	} {
		if _, err := ParseAuthorizationURI(bad); err == nil {
			t.Errorf("ParseAuthorizationURI(%q) accepted it", bad)
		}
	}
}

func TestVPToken(t *testing.T) {
	s, err := EncodeVPToken(map[string][]string{"diploma": {"a~b~c"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseVPToken(s)
	if err != nil || len(got["diploma"]) != 1 || got["diploma"][0] != "a~b~c" {
		t.Errorf("ParseVPToken(%s) = %v, %v", s, got, err)
	}
	if got, err := ParseVPToken(`{"d":"x~"}`); err != nil || got["d"][0] != "x~" {
		t.Errorf("a draft vp_token with a string: %v, %v", got, err)
	}
	for _, bad := range []string{`"x~"`, `{}`, `{"d":[]}`, `{"d":[1]}`, `{"d":["x"]} {}`, strings.Repeat(" ", MaxVPToken+1)} {
		if _, err := ParseVPToken(bad); err == nil {
			t.Errorf("ParseVPToken(%.40q) accepted it", bad)
		}
	}
}
