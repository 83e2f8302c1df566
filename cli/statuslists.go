package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/org"
)

// defaultServeAddr is where `sceau serve` listens unless told otherwise.
const defaultServeAddr = "127.0.0.1:8080"

// credentialBase is the base URL credentials and status lists name: the
// --public-url, else the URL of a `sceau serve` on its default address.
func (e *env) credentialBase() string {
	if e.publicURL != "" {
		return e.publicURL
	}
	return "http://" + defaultServeAddr
}

// issuerByURL says whether credentials name their issuer by its HTTPS
// identifier (<public-url>/issuers/<id>): when an https --public-url is
// given; otherwise by its urn.
func (e *env) issuerByURL() bool { return strings.HasPrefix(e.publicURL, "https://") }

func statusListsCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "the issuers' status lists (IETF Token Status List, W3C Bitstring Status Lists)",
		Subcommands: []*cli.Command{{
			Name:  "publish",
			Usage: "build an issuer's status lists from the ledger, sign them, checkpoint them on the ledger, at once",
			Description: "Without --issuer, every issuer of the home that issued credentials with a status index.\n" +
				"The lists are written to <home>/issuers/<id>/status/, which `sceau serve` serves under --public-url\n" +
				"(/status/<id>/ietf|revocation|suspension); a running `sceau serve` also publishes them again\n" +
				"by itself within seconds of a status change. Needs the issuer's key (SCEAU_KEY_PASSPHRASE).",
			Flags: []cli.Flag{
				&cli.StringSliceFlag{Name: "issuer", Usage: "issuer id (repeatable)"},
			},
			Action: action(func(c *cli.Context, e *env) error {
				if c.NArg() != 0 {
					return usageErr("status publish takes no positional argument (flags only)")
				}
				l, err := e.openLedger(c.Context, c)
				if info := readServeInfo(e.home); errors.Is(err, embedded.ErrInUse) && info != nil {
					return fmt.Errorf("`sceau serve` (pid %d, %s) holds the ledger and publishes the status lists itself, within --republish-every of a status change; "+
						"to publish at once while it runs: POST %s/v1/status-lists/publish with the issuer's API token", info.PID, info.URL, info.URL)
				}
				if err != nil {
					return err
				}
				defer l.Close()
				svc := e.issuerService(l)
				ids := c.StringSlice("issuer")
				if len(ids) == 0 {
					all, err := svc.Home.OrgIDs()
					if err != nil {
						return err
					}
					for _, id := range all {
						dir, err := svc.Home.Org(id)
						if err != nil {
							continue
						}
						if issuer.HasStatusIndex(dir.StatusIndexFile()) {
							ids = append(ids, id)
						}
					}
					if len(ids) == 0 {
						fmt.Fprintln(e.stdout, "no issuer of this home has issued a credential with a status index: nothing to publish")
						return nil
					}
				}
				for _, id := range ids {
					if _, err := org.Home(e.home).LoadProfile(id); err != nil {
						return usageErr("--issuer %s: %v", id, err)
					}
					pub, err := svc.PublishStatusListsOf(c.Context, id)
					if err != nil {
						return fmt.Errorf("publishing the status lists of %s: %w", id, err)
					}
					fmt.Fprintf(e.stdout, "%s: status lists published: %d entries, %d credential(s), %d revoked, %d suspended; the ledger's state as of block %d, checkpoint %s\n",
						id, pub.Entries, pub.Issued, pub.Revoked, pub.Suspended, pub.Block, pub.Checkpoint.TxID)
					for _, kind := range []string{"ietf", "revocation", "suspension"} {
						fmt.Fprintf(e.stdout, "  %-10s %s\n", kind, pub.Lists[kind].URI)
					}
				}
				return nil
			}),
		}},
	}
}
