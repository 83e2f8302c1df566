// Package ccaas serves a chaincode as a service: the peer, through Fabric's
// ccaas external builder, dials the address written in the chaincode
// package's connection.json, and the chaincode answers on that connection.
// It is what `sceau chaincode serve` runs, configured by the environment
// variables the Fabric convention uses.
//
// Imports: nothing of Sceau: cli hands it the chaincode to serve.
package ccaas

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
)

// Environment variables read by ConfigFromEnv.
const (
	// AddressEnv is the listen address, host:port.
	AddressEnv = "CHAINCODE_SERVER_ADDRESS"
	// IDEnv is the chaincode package id the peers know the chaincode by
	// (label:hash, as `peer lifecycle chaincode calculatepackageid` prints).
	IDEnv = "CHAINCODE_ID"
	// TLSCertEnv and TLSKeyEnv name the PEM files of the server's TLS
	// certificate and key; both or neither.
	TLSCertEnv = "CHAINCODE_TLS_CERT"
	TLSKeyEnv  = "CHAINCODE_TLS_KEY"
	// TLSClientCAEnv names a PEM file of CAs; when set, peers must present
	// a client certificate signed by one of them.
	TLSClientCAEnv = "CHAINCODE_TLS_CLIENT_CA"
)

// Message size limit and keepalive settings, matching the peer's and the
// Fabric shim's own chaincode server.
const (
	maxMessageSize    = 100 << 20
	keepaliveTime     = time.Minute
	keepaliveTimeout  = 20 * time.Second
	keepaliveMinTime  = time.Minute
	connectionTimeout = 5 * time.Second
	// shutdownGrace bounds a shutdown: peers keep their connections open
	// for good, so a graceful stop alone would never end.
	shutdownGrace = 2 * time.Second
)

// Config configures the chaincode server.
type Config struct {
	// Address is the listen address, host:port.
	Address string
	// ChaincodeID is the chaincode package id.
	ChaincodeID string
	// TLSCertFile and TLSKeyFile, when set, make the server speak TLS
	// (connection.json then says "tls_required": true).
	TLSCertFile string
	TLSKeyFile  string
	// TLSClientCAFile, when set, requires peers to authenticate with a
	// client certificate signed by one of its CAs.
	TLSClientCAFile string
}

// ConfigFromEnv reads the configuration from CHAINCODE_SERVER_ADDRESS,
// CHAINCODE_ID and, for TLS, CHAINCODE_TLS_CERT, CHAINCODE_TLS_KEY and
// CHAINCODE_TLS_CLIENT_CA.
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		Address:         os.Getenv(AddressEnv),
		ChaincodeID:     os.Getenv(IDEnv),
		TLSCertFile:     os.Getenv(TLSCertEnv),
		TLSKeyFile:      os.Getenv(TLSKeyEnv),
		TLSClientCAFile: os.Getenv(TLSClientCAEnv),
	}
	if err := cfg.check(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func (c Config) check() error {
	var missing []string
	if c.Address == "" {
		missing = append(missing, AddressEnv+" (listen address, host:port)")
	}
	if c.ChaincodeID == "" {
		missing = append(missing, IDEnv+" (the chaincode package id)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("chaincode server: missing %s", strings.Join(missing, " and "))
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return fmt.Errorf("chaincode server: %s and %s go together: set both for TLS, or neither", TLSCertEnv, TLSKeyEnv)
	}
	if c.TLSClientCAFile != "" && c.TLSCertFile == "" {
		return fmt.Errorf("chaincode server: %s needs TLS: set %s and %s too", TLSClientCAEnv, TLSCertEnv, TLSKeyEnv)
	}
	return nil
}

// tlsConfig loads the server's TLS configuration; nil means plaintext.
func (c Config) tlsConfig() (*tls.Config, error) {
	if c.TLSCertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("chaincode server TLS key pair (%s, %s): %w", c.TLSCertFile, c.TLSKeyFile, err)
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
	}
	if c.TLSClientCAFile != "" {
		pem, err := os.ReadFile(c.TLSClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("chaincode server client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("chaincode server client CA: %s holds no PEM certificate", c.TLSClientCAFile)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// ListenAndServe listens on cfg.Address and serves cc until ctx is done.
// It returns nil after a shutdown asked for by ctx.
func ListenAndServe(ctx context.Context, cfg Config, cc shim.Chaincode) error {
	if err := cfg.check(); err != nil {
		return err
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	lis, err := lc.Listen(ctx, "tcp", cfg.Address)
	if err != nil {
		return fmt.Errorf("chaincode server: %w", err)
	}
	return Serve(ctx, lis, cfg.ChaincodeID, tlsCfg, cc)
}

// Serve serves cc as chaincode package chaincodeID on lis until ctx is
// done, over TLS when tlsCfg is not nil. It closes lis, and returns nil
// after a shutdown asked for by ctx. Transactions in flight then are given
// shutdownGrace to finish.
func Serve(ctx context.Context, lis net.Listener, chaincodeID string, tlsCfg *tls.Config, cc shim.Chaincode) error {
	if chaincodeID == "" {
		lis.Close()
		return errors.New("chaincode server: empty chaincode id")
	}
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxMessageSize),
		grpc.MaxSendMsgSize(maxMessageSize),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: keepaliveTime, Timeout: keepaliveTimeout}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: keepaliveMinTime, PermitWithoutStream: true}),
		grpc.ConnectionTimeout(connectionTimeout),
	}
	if tlsCfg != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsCfg)))
	}
	srv := grpc.NewServer(opts...)
	// shim.ChaincodeServer's Connect runs the chaincode protocol on each
	// peer connection; only its Start, which cannot be stopped, is not used.
	peer.RegisterChaincodeServer(srv, &shim.ChaincodeServer{CCID: chaincodeID, CC: cc})

	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return fmt.Errorf("chaincode server on %s: %w", lis.Addr(), err)
	case <-ctx.Done():
	}
	stopped := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(shutdownGrace):
		srv.Stop()
	}
	<-served
	return nil
}
