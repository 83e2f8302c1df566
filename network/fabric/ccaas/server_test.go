package ccaas

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

// nopChaincode answers every call with an empty success.
type nopChaincode struct{}

func (nopChaincode) Init(shim.ChaincodeStubInterface) *peer.Response   { return shim.Success(nil) }
func (nopChaincode) Invoke(shim.ChaincodeStubInterface) *peer.Response { return shim.Success(nil) }

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string // substrings; none means success
	}{
		{
			name: "plaintext",
			env:  map[string]string{AddressEnv: "127.0.0.1:9999", IDEnv: "sceau_1:abc"},
		},
		{
			name: "mutual TLS",
			env: map[string]string{AddressEnv: "0.0.0.0:9999", IDEnv: "sceau_1:abc",
				TLSCertEnv: "c.pem", TLSKeyEnv: "k.pem", TLSClientCAEnv: "ca.pem"},
		},
		{
			name:    "nothing set",
			env:     map[string]string{},
			wantErr: []string{AddressEnv, IDEnv},
		},
		{
			name:    "no package id",
			env:     map[string]string{AddressEnv: "127.0.0.1:9999"},
			wantErr: []string{IDEnv},
		},
		{
			name:    "certificate without key",
			env:     map[string]string{AddressEnv: "127.0.0.1:9999", IDEnv: "sceau_1:abc", TLSCertEnv: "c.pem"},
			wantErr: []string{TLSCertEnv, TLSKeyEnv},
		},
		{
			name:    "client CA without TLS",
			env:     map[string]string{AddressEnv: "127.0.0.1:9999", IDEnv: "sceau_1:abc", TLSClientCAEnv: "ca.pem"},
			wantErr: []string{TLSClientCAEnv},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{AddressEnv, IDEnv, TLSCertEnv, TLSKeyEnv, TLSClientCAEnv} {
				t.Setenv(name, tt.env[name])
			}
			cfg, err := ConfigFromEnv()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("ConfigFromEnv: %v", err)
				}
				if cfg.Address != tt.env[AddressEnv] || cfg.ChaincodeID != tt.env[IDEnv] || cfg.TLSClientCAFile != tt.env[TLSClientCAEnv] {
					t.Errorf("ConfigFromEnv = %+v, not what the environment says", cfg)
				}
				return
			}
			if err == nil {
				t.Fatalf("ConfigFromEnv accepted %v", tt.env)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %s", err, want)
				}
			}
		})
	}
}

// serve runs Serve on a loopback port and returns its address, the
// function that stops it, and the channel Serve's result arrives on.
func serve(t *testing.T, id string, tlsCfg *tls.Config) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, lis, id, tlsCfg, nopChaincode{}) }()
	t.Cleanup(cancel)
	return lis.Addr().String(), cancel, done
}

// register connects to the chaincode server as a peer would and returns
// the chaincode id the server registers with.
func register(t *testing.T, addr string, creds credentials.TransportCredentials) string {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := peer.NewChaincodeClient(conn).Connect(ctx)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	msg, err := stream.Recv()
	if err != nil {
		t.Fatalf("receiving the chaincode's first message: %v", err)
	}
	if msg.GetType() != peer.ChaincodeMessage_REGISTER {
		t.Fatalf("first message is %v, want REGISTER", msg.GetType())
	}
	var id peer.ChaincodeID
	if err := proto.Unmarshal(msg.GetPayload(), &id); err != nil {
		t.Fatalf("REGISTER payload: %v", err)
	}
	return id.GetName()
}

func TestServeRegistersWithThePeerAndStops(t *testing.T) {
	addr, stop, done := serve(t, "sceau_1:0123", nil)
	if got := register(t, addr, insecure.NewCredentials()); got != "sceau_1:0123" {
		t.Errorf("chaincode registered as %q, want sceau_1:0123", got)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancellation: %v, want nil", err)
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatal("Serve did not stop after its context was cancelled")
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Error("the server still accepts connections after stopping")
	}
}

func TestServeOverTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := writeServerCert(t, dir)
	cfg := Config{Address: "127.0.0.1:0", ChaincodeID: "sceau_1:tls", TLSCertFile: certFile, TLSKeyFile: keyFile}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		t.Fatalf("tlsConfig: %v", err)
	}
	addr, _, _ := serve(t, cfg.ChaincodeID, tlsCfg)
	creds := credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: "chaincode.test", MinVersion: tls.VersionTLS12})
	if got := register(t, addr, creds); got != "sceau_1:tls" {
		t.Errorf("chaincode registered as %q, want sceau_1:tls", got)
	}
}

func TestListenAndServeReportsBadSettings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, _ := writeServerCert(t, dir)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no id", Config{Address: "127.0.0.1:0"}, IDEnv},
		{"bad address", Config{Address: "127.0.0.1:notaport", ChaincodeID: "x"}, "notaport"},
		{"bad key pair", Config{Address: "127.0.0.1:0", ChaincodeID: "x", TLSCertFile: garbage, TLSKeyFile: garbage}, "garbage.pem"},
		{"bad client CA", Config{Address: "127.0.0.1:0", ChaincodeID: "x", TLSCertFile: certFile, TLSKeyFile: keyFile, TLSClientCAFile: garbage}, "holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ListenAndServe(ctx, tt.cfg, nopChaincode{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ListenAndServe: error %v does not mention %q", err, tt.want)
			}
		})
	}
}

// writeServerCert writes a self-signed certificate for chaincode.test and
// its key, and returns their paths and a pool trusting the certificate.
func writeServerCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "chaincode.test"},
		DNSNames:              []string{"chaincode.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
