package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/org"
)

func dirOf(path string) string { return filepath.Dir(path) }

func (e *env) issuerService(l network.Ledger) *issuer.Service {
	s := issuer.NewService(e.home, l, e.logger)
	s.Keys.Passphrase.Out = e.stderr
	s.Keys.Passphrase.Getenv = e.getenv
	s.Base, s.IssuerByURL = e.credentialBase(), e.issuerByURL()
	return s
}

func issuerCommand() *cli.Command {
	return &cli.Command{
		Name:  "issuer",
		Usage: "manage issuers: identity, keys, accreditation",
		Subcommands: []*cli.Command{
			tokenCommand(),
			issuerForgetCommand(),
			{
				Name:  "init",
				Usage: "create an issuer: ledger identity, signing key (encrypted with SCEAU_KEY_PASSPHRASE), registration",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "id", Usage: "issuer id (lower-case letters, digits, dashes)", Required: true},
					&cli.StringFlag{Name: "name", Usage: "issuer's display name", Required: true},
					&cli.StringFlag{Name: "alg", Usage: "signing algorithm: ES256 or EdDSA", Value: "ES256"},
					&cli.BoolFlag{Name: "no-passphrase", Usage: "keep the private key unencrypted in a 0600 file (development only)"},
				},
				Action: withLedgerToWrite(func(c *cli.Context, e *env, l network.Ledger) error {
					if c.NArg() != 0 {
						return usageErr("issuer init takes no positional argument")
					}
					p, err := e.issuerService(l).Init(c.Context, issuer.InitOptions{
						ID: c.String("id"), Name: c.String("name"), Alg: c.String("alg"), NoPassphrase: c.Bool("no-passphrase"),
					})
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "issuer %s registered (pending accreditation), MSP %s, key %s\n", p.ID, p.MSPID, p.CurrentKID)
					if c.Bool("no-passphrase") {
						dir, err := org.Home(e.home).Org(p.ID)
						if err != nil {
							return err
						}
						fmt.Fprintf(e.stdout, "warning: the private key is NOT encrypted (%s): for development only\n", filepath.Join(dir.Path(), p.Keys[0].File))
					}
					return nil
				}),
			},
			{
				Name:  "accredit",
				Usage: "accredit an issuer for credential types (governance)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "id", Usage: "issuer id", Required: true},
					&cli.StringFlag{Name: "types", Usage: "comma-separated types: " + record.Join(record.AccreditationTypes(), ","), Required: true},
					&cli.StringFlag{Name: "until", Usage: "end of the accreditation, YYYY-MM-DD (open-ended when absent)"},
				},
				Action: withLedgerToWrite(func(c *cli.Context, e *env, l network.Ledger) error {
					var types []record.CredentialType
					for _, typ := range splitList(c.String("types")) {
						types = append(types, record.CredentialType(typ))
					}
					if len(types) == 0 {
						return usageErr("--types: give at least one type")
					}
					until := ""
					if u := c.String("until"); u != "" {
						t, err := record.ParseTime("--until", u)
						if err != nil {
							return usageErr("--until %q: want YYYY-MM-DD", u)
						}
						until = record.FormatTime(t)
					}
					if err := network.NewContract(l).AccreditIssuer(c.Context, governanceOrg, c.String("id"), types, until); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "issuer %s accredited for %s\n", c.String("id"), record.Join(types, ", "))
					return nil
				}),
			},
			{
				Name:  "keys",
				Usage: "print an issuer's public keys as a JWKS, as the ledger holds them",
				Flags: []cli.Flag{&cli.StringFlag{Name: "id", Usage: "issuer id", Required: true}},
				Action: withLedger(func(c *cli.Context, e *env, l network.Ledger) error {
					jwks, err := e.issuerService(l).JWKS(c.Context, c.String("id"))
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, string(jwks))
					return nil
				}),
			},
			{
				Name:  "rotate-key",
				Usage: "give an issuer a new signing key; the old one is retired (what it signed keeps verifying)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "id", Usage: "issuer id", Required: true},
					&cli.StringFlag{Name: "alg", Usage: "ES256 or EdDSA (the current key's when absent)"},
					&cli.BoolFlag{Name: "no-passphrase", Usage: "keep the new private key unencrypted (development only)"},
				},
				Action: withLedgerToWrite(func(c *cli.Context, e *env, l network.Ledger) error {
					ref, err := e.issuerService(l).RotateKey(c.Context, c.String("id"), c.String("alg"), c.Bool("no-passphrase"))
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "issuer %s now signs with key %s; older keys are retired\n", c.String("id"), ref.KID)
					return nil
				}),
			},
			{
				Name:  "revoke-key",
				Usage: "report a key compromised: credentials anchored since DATE (ledger time) become invalid",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "id", Usage: "issuer id", Required: true},
					&cli.StringFlag{Name: "kid", Usage: "the key's id (see sceau issuer keys)", Required: true},
					&cli.StringFlag{Name: "since", Usage: "YYYY-MM-DD or RFC 3339 time", Required: true},
				},
				Action: withLedgerToWrite(func(c *cli.Context, e *env, l network.Ledger) error {
					since, err := parseTime(c.String("since"))
					if err != nil {
						return usageErr("--since: %v", err)
					}
					if err := e.issuerService(l).RevokeKey(c.Context, c.String("id"), c.String("kid"), since); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "key %s of %s is compromised since %s: credentials anchored from then on are invalid\n", c.String("kid"), c.String("id"), since.Format(time.RFC3339))
					return nil
				}),
			},
		},
	}
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither YYYY-MM-DD nor an RFC 3339 time", s)
	}
	return t.UTC(), nil
}
