package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/network"
)

func revokeCommand() *cli.Command {
	return statusCommand("revoke", "revoke a credential for good (every form of it), or a whole batch", issuer.OpRevoke, true)
}

func suspendCommand() *cli.Command {
	return statusCommand("suspend", "suspend a credential (every form of it), or a whole batch, until reinstated", issuer.OpSuspend, true)
}

func reinstateCommand() *cli.Command {
	return statusCommand("reinstate", "lift the suspension of a credential", issuer.OpReinstate, false)
}

func statusCommand(name, usage string, op issuer.StatusOp, needsReason bool) *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "issuer", Usage: "issuer id (the one that anchored the credential)", Required: true},
	}
	if needsReason {
		flags = append(flags,
			&cli.StringFlag{Name: "reason", Usage: "reason code: " + record.Join(record.ReasonCodes(), ", "), Required: true},
			&cli.StringFlag{Name: "batch", Usage: "act on every credential of this batch id instead of PATH|DIGEST"},
		)
	}
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		ArgsUsage: "PATH|DIGEST",
		Flags:     flags,
		Action: withLedger(func(c *cli.Context, e *env, l network.Ledger) error {
			svc := e.issuerService(l)
			id, reason := c.String("issuer"), record.ReasonCode(c.String("reason"))
			if needsReason && record.ValidateReason(reason) != nil {
				return usageErr("--reason %q: use one of %s", reason, record.Join(record.ReasonCodes(), ", "))
			}
			if batch := c.String("batch"); batch != "" {
				if c.NArg() != 0 {
					return usageErr("%s --batch takes no positional argument", name)
				}
				if err := svc.ChangeBatchStatus(c.Context, id, op, batch, reason); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "batch %s: every credential %s (%s)\n", batch, op.Past(), reason)
				return nil
			}
			if err := needArgs(c, 1, "a credential file or a hex SHA-256 digest"); err != nil {
				return err
			}
			arg := c.Args().First()
			var digests []string
			if record.IsDigest(arg) {
				digests = []string{arg}
			} else {
				data, err := readInput(arg, e.stdin, verifyTexts(e.language()))
				if err != nil {
					return &exitError{code: ExitUsage, err: err}
				}
				if digests, err = issuer.Digests(c.Context, data); err != nil {
					return fmt.Errorf("%s: %w", arg, err)
				}
			}
			changed, err := svc.ChangeStatus(c.Context, id, op, digests, reason)
			if err != nil {
				return err
			}
			for _, d := range changed {
				fmt.Fprintf(e.stdout, "%s %s\n", op.Past(), d)
			}
			return nil
		}),
	}
}
