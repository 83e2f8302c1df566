package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sceau/sceau/chaincode"
	"github.com/sceau/sceau/network"
	"github.com/sceau/sceau/network/embedded"
	"github.com/sceau/sceau/network/fabric"
	"github.com/sceau/sceau/org"
)

// governanceOrg is the ledger identity of the ministry (governance).
const governanceOrg = "ministry"

// openLedger opens the backend the global flags select.
// openLedgerOrServer is openLedger, except that while a `sceau serve`
// holds the home's embedded ledger, the ledger returned sends its calls
// through that server, authenticated with the secret of serve.json
// (network/ledgerapi): issuing and status commands then work as usual.
func (e *env) openLedgerOrServer(ctx context.Context, c *cli.Context) (network.Ledger, error) {
	l, err := e.openLedger(ctx, c)
	if !errors.Is(err, embedded.ErrInUse) {
		return l, err
	}
	info := readServeInfo(e.home)
	if info == nil || info.Secret == "" {
		return nil, err
	}
	client, cerr := localLedgerClient(info)
	if cerr != nil {
		return nil, fmt.Errorf("%w (and its serve.json: %v)", err, cerr)
	}
	e.logger.Info("the ledger is held by sceau serve: going through it", "pid", info.PID, "url", info.URL)
	return client, nil
}

func (e *env) openLedger(ctx context.Context, c *cli.Context) (network.Ledger, error) {
	switch backend := c.String("ledger"); backend {
	case "embedded", "":
		dir := org.Home(e.home).LedgerDir()
		if _, err := os.Stat(filepath.Join(dir, "ledger.db")); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no ledger in %s: create it with `sceau ledger init` (or pass --home)", dir)
		}
		window, err := txTimeWindow(getenvOf(c))
		if err != nil {
			return nil, err
		}
		l, err := embedded.Open(ctx, dir, embedded.OpenOptions{TimeWindow: window, TrustState: e.trustState})
		if errors.Is(err, embedded.ErrInUse) {
			return nil, heldByServer(e.home, err)
		}
		if err != nil {
			return nil, err
		}
		return l, nil
	case "fabric":
		cfg := c.String("ledger-config")
		if cfg == "" {
			return nil, usageErr("--ledger fabric needs --ledger-config FILE (or SCEAU_LEDGER_CONFIG); network/fabric/up prints it")
		}
		l, err := fabric.Open(ctx, cfg, fabric.Options{Logger: e.logger})
		if err != nil {
			return nil, err
		}
		return l, nil
	default:
		return nil, usageErr("--ledger %q: use embedded or fabric", backend)
	}
}

// txTimeWindow reads SCEAU_TX_TIME_WINDOW (chaincode.TxTimeWindowEnv), the
// window around its clock outside which the embedded ledger refuses a
// proposal: a duration ("5m", the default when unset), "0" for none.
func txTimeWindow(getenv func(string) string) (time.Duration, error) {
	v := getenv(chaincode.TxTimeWindowEnv)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, usageErr("%s %q: a duration such as 5m, or 0 for no window", chaincode.TxTimeWindowEnv, v)
	}
	if d == 0 {
		d = -1
	}
	return d, nil
}
