// Command sceau issues, anchors and verifies education credentials.
package main

import (
	"os"

	"github.com/sceau/sceau/cli"
)

func main() {
	os.Exit(cli.Main(os.Args))
}
