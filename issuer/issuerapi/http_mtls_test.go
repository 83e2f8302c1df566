package issuerapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sceau/sceau/internal/testcert"
	"github.com/sceau/sceau/org"
)

// testCA issues client certificates naming issuers in a URI SAN.
type testCA struct{ *testcert.CA }

func newTestCA(t *testing.T) *testCA { return &testCA{testcert.NewCA(t, "Sceau test client CA")} }

// clientCert returns a client certificate with URI SAN uri.
func (ca *testCA) clientCert(t *testing.T, uri string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	der := ca.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: uri}, URIs: []*url.URL{u},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, key.Public())
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestAPIAcceptsClientCertificatesNamingTheIssuer(t *testing.T) {
	e := newAPIEnv(t, 0)
	api, err := New(Config{Service: e.svc, Tokens: &org.Tokens{Home: e.svc.Home}, ClientCertificates: true, Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	ca := newTestCA(t)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	r := chi.NewRouter()
	api.Routes(r)
	srv := httptest.NewUnstartedServer(r)
	srv.TLS = &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()

	post := func(cert *tls.Certificate, token string, body map[string]any) int {
		t.Helper()
		client := srv.Client()
		transport := client.Transport.(*http.Transport).Clone()
		if cert != nil {
			transport.TLSClientConfig.Certificates = []tls.Certificate{*cert}
		}
		client = &http.Client{Transport: transport}
		data, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/credentials", strings.NewReader(string(data)))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	certA := ca.clientCert(t, "urn:sceau:issuer:examoffice")
	certB := ca.clientCert(t, "urn:sceau:issuer:lycee-b")
	unknownCA := newTestCA(t).clientCert(t, "urn:sceau:issuer:examoffice")
	req := map[string]any{"type": "Diploma", "record": apiDiploma}
	// The same record again would be the same award, already issued (409).
	another := map[string]any{}
	for k, v := range apiDiploma {
		another[k] = v
	}
	another["student_id"] = "070123456AC"
	for _, tt := range []struct {
		name  string
		cert  *tls.Certificate
		token string
		body  map[string]any
		want  int
	}{
		{"A's certificate alone", &certA, "", req, http.StatusCreated},
		{"A's certificate naming B", &certA, "", map[string]any{"issuer": "lycee-b", "type": "Diploma", "record": apiDiploma}, http.StatusForbidden},
		{"B's certificate with A's token", &certB, e.tokenA, req, http.StatusForbidden},
		{"no certificate, no token", nil, "", req, http.StatusUnauthorized},
		{"no certificate, A's token", nil, e.tokenA, map[string]any{"type": "Diploma", "record": another}, http.StatusCreated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := post(tt.cert, tt.token, tt.body); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
	// A certificate from another CA fails the handshake: the server
	// verifies what it is given.
	client := &http.Client{Transport: srv.Client().Transport.(*http.Transport).Clone()}
	client.Transport.(*http.Transport).TLSClientConfig.Certificates = []tls.Certificate{unknownCA}
	if resp, err := client.Post(srv.URL+"/v1/credentials", "application/json", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
		t.Errorf("a certificate of an unknown CA was accepted: %d", resp.StatusCode)
	}
}
