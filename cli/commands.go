package cli

import "github.com/urfave/cli/v2"

func commands() []*cli.Command {
	return []*cli.Command{
		ledgerCommand(),
		issuerCommand(),
		issueCommand(),
		exportCommand(),
		offerCommand(),
		templateCommand(),
		verifyCommand(),
		serveCommand(),
		revokeCommand(),
		suspendCommand(),
		reinstateCommand(),
		statusListsCommand(),
		chaincodeCommand(),
		resourceCommand(),
		walletCommand(),
		{
			Name:        "bench",
			Usage:       "measure issuance and verification on a temporary home; one JSON object on stdout",
			Subcommands: []*cli.Command{benchIssueCommand(), benchVerifyCommand()},
		},
		demoCommand(),
	}
}
