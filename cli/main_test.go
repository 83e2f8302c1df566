package cli

import (
	"os"
	"testing"
)

// TestMain runs the package's tests in the C locale: they read sceau's
// English words whatever the developer's locale (LANG=fr_FR.UTF-8 makes
// `sceau verify` speak French). The tests of languages give their own
// environment (RunEnv).
func TestMain(m *testing.M) {
	os.Setenv("LC_ALL", "C")
	os.Exit(m.Run())
}
