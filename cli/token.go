package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/sceau/sceau/org"
	"github.com/urfave/cli/v2"
)

// tokenCommand is `sceau issuer token`: the API tokens that let a program
// issue for an issuer over HTTP (`sceau serve`).
func tokenCommand() *cli.Command {
	idFlag := &cli.StringFlag{Name: "id", Usage: "issuer id", Required: true}
	return &cli.Command{
		Name:  "token",
		Usage: "manage an issuer's API tokens (issuing over HTTP with sceau serve)",
		Subcommands: []*cli.Command{
			{
				Name:  "create",
				Usage: "create an API token and print it once (only its hash is kept)",
				Description: "Prints the token alone on standard output, e.g. TOKEN=$(sceau issuer token create --id ID);\n" +
					"it cannot be shown again. Send it as `Authorization: Bearer <token>`. It acts for this issuer only.",
				Flags: []cli.Flag{idFlag, &cli.StringFlag{Name: "label", Usage: "what the token is for, e.g. the program using it"}},
				Action: action(func(c *cli.Context, e *env) error {
					if c.NArg() != 0 {
						return usageErr("issuer token create takes no positional argument")
					}
					token, info, err := (&org.Tokens{Home: org.Home(e.home)}).Create(c.String("id"), c.String("label"))
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, token)
					fmt.Fprintf(e.stderr, "token %s created for issuer %s: store it now, it cannot be shown again (revoke it with: sceau issuer token revoke --id %s --token-id %s)\n",
						info.ID, c.String("id"), c.String("id"), info.ID)
					return nil
				}),
			},
			{
				Name:  "list",
				Usage: "list an issuer's API tokens (ids, labels, dates; never the tokens)",
				Flags: []cli.Flag{idFlag, &cli.BoolFlag{Name: "json", Usage: "print JSON"}},
				Action: action(func(c *cli.Context, e *env) error {
					if c.NArg() != 0 {
						return usageErr("issuer token list takes no positional argument")
					}
					list, err := (&org.Tokens{Home: org.Home(e.home)}).List(c.String("id"))
					if err != nil {
						return err
					}
					if c.Bool("json") {
						if list == nil {
							list = []org.TokenInfo{}
						}
						for i := range list {
							list[i].Hash = ""
						}
						return writeJSON(e.stdout, list)
					}
					if len(list) == 0 {
						fmt.Fprintf(e.stdout, "issuer %s has no API token (create one with: sceau issuer token create --id %s)\n", c.String("id"), c.String("id"))
						return nil
					}
					tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "TOKEN ID\tLABEL\tCREATED\tSTATUS")
					for _, t := range list {
						status := "active"
						if t.RevokedAt != "" {
							status = "revoked " + t.RevokedAt
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Label, t.CreatedAt, status)
					}
					return tw.Flush()
				}),
			},
			{
				Name:  "revoke",
				Usage: "revoke an API token: it stops working at once",
				Flags: []cli.Flag{idFlag, &cli.StringFlag{Name: "token-id", Usage: "the token's id (see sceau issuer token list)", Required: true}},
				Action: action(func(c *cli.Context, e *env) error {
					if c.NArg() != 0 {
						return usageErr("issuer token revoke takes no positional argument")
					}
					if err := (&org.Tokens{Home: org.Home(e.home)}).Revoke(c.String("id"), c.String("token-id")); err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "token %s of issuer %s is revoked\n", c.String("token-id"), c.String("id"))
					return nil
				}),
			},
		},
	}
}
