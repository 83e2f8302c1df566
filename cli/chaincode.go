package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/chaincode"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/network/fabric"
	"github.com/sceau/sceau/network/fabric/ccaas"
)

// chaincodeCommand serves the Sceau contract to Fabric peers as a service,
// packages it for the peers' ccaas builder, and waits until the peers can
// endorse its transactions. It is the only place the cli imports the
// chaincode.
func chaincodeCommand() *cli.Command {
	return &cli.Command{
		Name:  "chaincode",
		Usage: "run the Sceau chaincode as a service for Fabric peers, package it, wait until they can endorse",
		Subcommands: []*cli.Command{
			{
				Name:  "serve",
				Usage: "serve the contract over gRPC (env CHAINCODE_SERVER_ADDRESS, CHAINCODE_ID, SCEAU_GOVERNANCE_MSP; optional CHAINCODE_TLS_CERT, CHAINCODE_TLS_KEY, CHAINCODE_TLS_CLIENT_CA)",
				Action: func(c *cli.Context) error {
					ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
					defer stop()
					srv, err := ccaas.ConfigFromEnv()
					if err != nil {
						return usageErr("%v", err)
					}
					cfg, err := chaincode.ConfigFromEnv()
					if err != nil {
						return usageErr("%v", err)
					}
					cc, err := chaincode.NewChaincode(cfg)
					if err != nil {
						return err
					}
					fmt.Fprintf(c.App.ErrWriter, "serving chaincode %s on %s (governance %s)\n", srv.ChaincodeID, srv.Address, cfg.GovernanceMSP)
					return ccaas.ListenAndServe(ctx, srv, cc)
				},
			},
			{
				Name: "ready",
				Usage: "wait until every organisation of the Fabric ledger config (--ledger-config) can have the chaincode's " +
					"transactions endorsed (nothing is submitted); exit 1 naming those that cannot",
				Flags: []cli.Flag{
					&cli.DurationFlag{Name: "timeout", Usage: "how long to wait", Value: time.Minute},
				},
				Action: action(func(c *cli.Context, e *env) error {
					if c.NArg() != 0 {
						return usageErr("chaincode ready takes no positional argument")
					}
					path := c.String("ledger-config")
					if path == "" {
						return usageErr("chaincode ready needs --ledger-config FILE (or SCEAU_LEDGER_CONFIG); network/fabric/up prints it")
					}
					ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
					defer cancel()
					l, err := fabric.Open(ctx, path, fabric.Options{Logger: e.logger})
					if err != nil {
						return err
					}
					defer l.Close()
					start := time.Now()
					if err := l.WaitEndorsable(ctx); err != nil {
						return fmt.Errorf("after %v: %w", time.Since(start).Round(time.Millisecond), err)
					}
					fmt.Fprintf(e.stdout, "the peers of %s endorse the chaincode's transactions (ready in %v)\n",
						strings.Join(l.Orgs(), ", "), time.Since(start).Round(time.Millisecond))
					return nil
				}),
			},
			{
				Name:  "package",
				Usage: "write the ccaas package (metadata.json + code.tar.gz holding connection.json) to install on peers",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "out", Usage: "package file to write, e.g. sceau.tar.gz", Required: true},
					&cli.StringFlag{Name: "label", Usage: "chaincode package label", Value: "sceau"},
					&cli.StringFlag{Name: "address", Usage: "`HOST:PORT` where peers reach sceau chaincode serve", Required: true},
					&cli.DurationFlag{Name: "dial-timeout", Usage: "how long peers wait to connect", Value: 10 * time.Second},
					&cli.BoolFlag{Name: "tls", Usage: "peers must use TLS to reach the chaincode server"},
				},
				Action: func(c *cli.Context) error {
					if c.NArg() != 0 {
						return usageErr("chaincode package takes no positional argument")
					}
					pkg, err := ccaasPackage(c.String("label"), c.String("address"), c.Duration("dial-timeout"), c.Bool("tls"))
					if err != nil {
						return err
					}
					if err := fsutil.WriteFileAtomic(c.String("out"), pkg, 0o644); err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "ccaas package %s written to %s (chaincode server at %s)\n", c.String("label"), c.String("out"), c.String("address"))
					return nil
				},
			},
		},
	}
}

// ccaasPackage builds the package Fabric's ccaas external builder expects:
// a tar.gz of metadata.json and code.tar.gz, itself holding connection.json.
func ccaasPackage(label, address string, dialTimeout time.Duration, tlsRequired bool) ([]byte, error) {
	if label == "" || address == "" {
		return nil, usageErr("chaincode package needs --label and --address")
	}
	conn, err := json.Marshal(map[string]any{"address": address, "dial_timeout": dialTimeout.String(), "tls_required": tlsRequired})
	if err != nil {
		return nil, err
	}
	code, err := tarGz(map[string][]byte{"connection.json": conn}, []string{"connection.json"})
	if err != nil {
		return nil, err
	}
	meta, err := json.Marshal(map[string]string{"type": "ccaas", "label": label})
	if err != nil {
		return nil, err
	}
	return tarGz(map[string][]byte{"metadata.json": meta, "code.tar.gz": code}, []string{"metadata.json", "code.tar.gz"})
}

// tarGz writes files, in order, into a gzip-compressed tar archive.
func tarGz(files map[string][]byte, order []string) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range order {
		data := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
