package cli

import (
	"strings"
	"testing"
)

// TestChaincodeReadyNeedsALedgerConfig: `chaincode ready` asks the Fabric
// network of a ledger config, and says how to get one when none is given.
func TestChaincodeReadyNeedsALedgerConfig(t *testing.T) {
	t.Setenv("SCEAU_LEDGER_CONFIG", "")
	code, _, stderr := sceau(t, t.TempDir(), "chaincode", "ready")
	if code != ExitUsage || !strings.Contains(stderr, "--ledger-config") || !strings.Contains(stderr, "network/fabric/up") {
		t.Errorf("chaincode ready without a ledger config: exit %d, %q; want exit %d naming --ledger-config and network/fabric/up", code, stderr, ExitUsage)
	}
}
