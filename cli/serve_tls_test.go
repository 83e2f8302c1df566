package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and localhost
// and its key, as PEM files in dir, and returns their paths and the
// certificate.
func selfSigned(t *testing.T, dir, name string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

// TestServeTLS serves HTTPS with a self-signed certificate: a client that
// trusts it gets the page and the API, plain HTTP gets nothing useful, and
// `sceau verify` on the same home goes through the server, trusting the
// certificate serve was started with.
func TestServeTLS(t *testing.T) {
	home, dir, pngs := issuedDiplomaPNGs(t)
	certFile, keyFile, cert := selfSigned(t, dir, "verifier")

	url, stop := startServe(t, home, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("serve announces %s, want an https:// URL", url)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	for path, want := range map[string]string{"/healthz": "ok", "/?lang=fr": "Vérifier une attestation", "/v1/issuers": `"examoffice"`} {
		resp, err := client.Get(url + path)
		if err != nil {
			t.Fatalf("GET %s over HTTPS: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) || resp.TLS == nil {
			t.Errorf("GET %s over HTTPS: %d, TLS %v, body %.200q; want 200 with %q", path, resp.StatusCode, resp.TLS != nil, body, want)
		}
	}
	// A client that does not trust the certificate is refused by TLS.
	if _, err := http.Get(url + "/healthz"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client without the certificate: err %v, want a certificate error", err)
	}
	// Plain HTTP on the HTTPS port gets no page.
	if resp, err := http.Get("http://" + strings.TrimPrefix(url, "https://") + "/healthz"); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP on the HTTPS port answered 200 %q", body)
		}
	}
	if info := readServeInfo(home); info == nil || info.URL != url || info.TLSCert == "" {
		t.Errorf("serve.json: %+v, want %s and the certificate file", info, url)
	}
	code, output := sceauRun(t, home, "verify", pngs[0])
	if code != 0 || !strings.Contains(output, "VALID") || !strings.Contains(output, "ledger read through `sceau serve`") {
		t.Errorf("verify while served over HTTPS: exit %d\n%s", code, output)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d on shutdown", code)
	}
}

// TestServeTLSFlags: --tls-cert and --tls-key go together, and files that
// cannot serve stop serve before it listens, with exit 2 and the files
// named.
func TestServeTLSFlags(t *testing.T) {
	home, dir := spineHome(t, "Diploma")
	certFile, keyFile, _ := selfSigned(t, dir, "one")
	_, otherKey, _ := selfSigned(t, dir, "other")
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct {
		name  string
		flags []string
		want  string
	}{
		{"cert without key", []string{"--tls-cert", certFile}, "--tls-cert needs --tls-key"},
		{"key without cert", []string{"--tls-key", keyFile}, "--tls-key needs --tls-cert"},
		{"missing file", []string{"--tls-cert", missing, "--tls-key", keyFile}, "missing.pem"},
		{"key of another certificate", []string{"--tls-cert", certFile, "--tls-key", otherKey}, "private key does not match public key"},
		{"key given as certificate", []string{"--tls-cert", keyFile, "--tls-key", keyFile}, "--tls-cert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.flags...)
			code, stdout, stderr := sceau(t, home, args...)
			if code != 2 || !strings.Contains(stderr, tc.want) || strings.Contains(stdout, "listening") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 saying %q", code, stdout, stderr, tc.want)
			}
		})
	}
}
