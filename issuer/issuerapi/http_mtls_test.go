package issuerapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sceau/sceau/org"
)

// testCA issues client certificates naming issuers in a URI SAN.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Sceau test client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

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
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: uri},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		URIs: []*url.URL{u},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
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
	pool.AddCert(ca.cert)
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
