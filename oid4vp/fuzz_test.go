package oid4vp

import "testing"

// The fuzz targets hold the parsers of outside data to their limits: no
// panic, and what is accepted is valid.

func FuzzParseAuthorizationURI(f *testing.F) {
	f.Add("openid4vp://?client_id=redirect_uri%3Ahttps%3A%2F%2Fv%2Fr&request_uri=https%3A%2F%2Fv%2Fq")
	f.Add("openid4vp://?response_type=vp_token&response_mode=direct_post&client_id=redirect_uri%3Ahttps%3A%2F%2Fv%2Fr&response_uri=https%3A%2F%2Fv%2Fr&nonce=1&dcql_query=%7B%22credentials%22%3A%5B%7B%22id%22%3A%22d%22%2C%22format%22%3A%22dc%2Bsd-jwt%22%7D%5D%7D")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAuthorizationURI(s)
		if err != nil {
			return
		}
		if a.Request != nil {
			if err := a.Request.Validate(); err != nil {
				t.Fatalf("accepted an invalid request: %v", err)
			}
		} else if a.RequestURI == "" {
			t.Fatal("accepted a URI with neither request nor request_uri")
		}
	})
}

func FuzzParseRequestObject(f *testing.F) {
	jwt, err := EncodeUnsigned(validRequest())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(jwt)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequestObject(s)
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted an invalid request object: %v", err)
		}
	})
}

func FuzzParseVPToken(f *testing.F) {
	f.Add(`{"diploma":["a~b~"]}`)
	f.Add(`{"d":"x"}`)
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseVPToken(s)
		if err != nil {
			return
		}
		if len(tok) == 0 {
			t.Fatal("accepted an empty vp_token")
		}
		for id, list := range tok {
			if len(list) == 0 {
				t.Fatalf("accepted %q without presentation", id)
			}
		}
	})
}
