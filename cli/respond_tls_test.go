package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/internal/testcert"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/oid4vp"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
	"github.com/sceau/sceau/verifier"
	"github.com/sceau/sceau/verifier/presentation"
	"github.com/sceau/sceau/verifier/verifierapi"
)

// tlsForLocalhost returns a TLS configuration whose certificate, for the
// DNS name localhost, a new authority signed, and that authority as PEM.
func tlsForLocalhost(t *testing.T) (*tls.Config, []byte) {
	t.Helper()
	key, der, caPEM := testcert.Localhost(t, "Rectorat test CA")
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	return cfg, caPEM
}

// TestWalletRespondX509SanDNS: over HTTPS, presentation requests are
// signed with the TLS certificate's key (x509_san_dns); `sceau wallet
// respond --ca` checks the signature and the certificate against the
// authority it is given, answers, and the verdict is valid and bound.
func TestWalletRespondX509SanDNS(t *testing.T) {
	w := newWalletWorld(t)
	holder := w.initWallet(w.wallet)
	w.importBundle(w.wallet, w.issue("Diploma", "bac", holder))

	l, err := embedded.Open(context.Background(), org.Home(w.home).LedgerDir(), embedded.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	validator, err := schemas.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	tlsConfig, caPEM := tlsForLocalhost(t)
	ts := httptest.NewUnstartedServer(nil)
	_, port, _ := strings.Cut(ts.Listener.Addr().String(), ":")
	public := "https://localhost:" + port
	api, err := verifierapi.New(verifierapi.Config{
		Registry: verifier.NewRegistry(network.NewContract(l), verifier.RegistryOptions{}), Validator: validator,
		PublicURL: public, Presentations: presentation.Config{Signer: requestSigner(tlsConfig), ClientName: "Employeur test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Group(api.Routes)
	ts.Config.Handler = r
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake without --ca
	ts.TLS = tlsConfig
	ts.StartTLS()
	defer ts.Close()
	caFile := filepath.Join(w.tmp, "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}

	ask := func() *presentation.Status {
		resp, err := client.Post(public+"/v1/presentation-requests", "application/json", strings.NewReader(`{"type":"Diploma","claims":["mention"]}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st presentation.Status
		json.NewDecoder(resp.Body).Decode(&st)
		return &st
	}
	st := ask()
	if st.ClientID != "x509_san_dns:localhost" {
		t.Fatalf("client_id %q, want x509_san_dns:localhost", st.ClientID)
	}
	a, err := oid4vp.ParseAuthorizationURI(st.URI)
	if err != nil || a.ClientID != st.ClientID {
		t.Fatalf("uri %q: %v", st.URI, err)
	}

	code, out, errOut := w.run("wallet", "respond", st.URI)
	if code == 0 || !strings.Contains(errOut, "certificate") {
		t.Errorf("without --ca, the test authority is not trusted: exit %d\n%s%s", code, out, errOut)
	}
	out = w.ok("wallet", "respond", "--ca", caFile, st.URI)
	if !strings.Contains(out, "identity checked by its certificate: CN=localhost") || !strings.Contains(out, "Employeur test") {
		t.Errorf("wallet respond printed:\n%s", out)
	}
	resp, err := client.Get(public + "/v1/presentation-requests/" + st.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got presentation.Status
	json.NewDecoder(resp.Body).Decode(&got)
	if got.State != presentation.Answered || got.Verdict == nil || got.Verdict.Verdict != verifier.Valid {
		t.Fatalf("after the answer: %+v", got)
	}
	if c := got.Verdict.Check(verifier.CheckHolderBinding); c == nil || !c.OK || !strings.Contains(c.Reason, "x509_san_dns:localhost") {
		t.Errorf("holder binding: %+v", c)
	}
}
