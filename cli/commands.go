package cli

import "github.com/urfave/cli/v2"

func commands() []*cli.Command {
	return []*cli.Command{
		ledgerCommand(),
		issuerCommand(),
		issueCommand(),
		verifyCommand(),
		serveCommand(),
		revokeCommand(),
		suspendCommand(),
		reinstateCommand(),
		chaincodeCommand(),
		resourceCommand(),
		walletCommand(),
		demoCommand(),
	}
}
