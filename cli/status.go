package cli

import (
	"errors"
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
		&cli.StringFlag{Name: "credential", Usage: "act on this credential id (urn:uuid:… or the bare UUID), found in the issuer's register, instead of PATH|DIGEST"},
		&cli.StringFlag{Name: "student", Usage: "act on every credential of this student (INE) in the issuer's register that it can change, instead of PATH|DIGEST"},
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
		Description: "The credential is given as a file (bundle, vc+jwt, SD-JWT, SC1 text, QR image, PDF) or the hex digest\n" +
			"of one of its forms; or, with --credential or --student, found in the issuer's register (which\n" +
			"needs the issuer's signing key: SCEAU_KEY_PASSPHRASE or the terminal), where the change is recorded.",
		Flags: flags,
		Action: withLedgerToWrite(func(c *cli.Context, e *env, l network.Ledger) error {
			svc := e.issuerService(l)
			id, reason := c.String("issuer"), record.ReasonCode(c.String("reason"))
			if needsReason && record.ValidateReason(reason) != nil {
				return usageErr("--reason %q: use one of %s", reason, record.Join(record.ReasonCodes(), ", "))
			}
			credentialID, studentID := c.String("credential"), c.String("student")
			given := 0
			for _, set := range []bool{c.String("batch") != "", credentialID != "", studentID != "", c.NArg() != 0} {
				if set {
					given++
				}
			}
			if given > 1 {
				return usageErr("%s: give one of PATH|DIGEST, --credential, --student or --batch", name)
			}
			if credentialID != "" || studentID != "" {
				changed, err := svc.ChangeRegisteredStatus(c.Context, id, op, issuer.Registered{CredentialID: credentialID, StudentID: studentID}, reason)
				var badRef *issuer.RefError
				if errors.As(err, &badRef) {
					return usageErr("--credential %q: %v", credentialID, err)
				}
				for _, ch := range changed {
					fmt.Fprintln(e.stdout, e.say(msgChangedCred, opPast(e, op), ch.ID, ch.Type))
				}
				if err == nil && len(changed) == 0 {
					fmt.Fprintln(e.stdout, e.say(msgChangedNone, studentID, op, id))
				}
				return err
			}
			if batch := c.String("batch"); batch != "" {
				if err := svc.ChangeBatchStatus(c.Context, id, op, batch, reason); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, e.say(msgChangedBatch, batch, opPast(e, op), reason))
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
				fmt.Fprintln(e.stdout, e.say(msgChangedDigest, opPast(e, op), d))
			}
			return nil
		}),
	}
}

// opPast says what op did, in the command's language.
func opPast(e *env, op issuer.StatusOp) string {
	switch op {
	case issuer.OpRevoke:
		return e.say(msgOpRevoked)
	case issuer.OpSuspend:
		return e.say(msgOpSuspended)
	}
	return e.say(msgOpReinstated)
}
