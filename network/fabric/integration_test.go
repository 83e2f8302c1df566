package fabric

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/internal/merkle"
	"github.com/sceau/sceau/network"
)

const enableIntegration = "put peer, orderer, configtxgen, osnadmin and cryptogen (Hyperledger Fabric v3.1) on PATH, " +
	"and the ccaas external builder in <dir of peer>/../builders/ccaas or FABRIC_CCAAS_BUILDER"

// TestNetworkEndToEnd brings the development network up with ./up, runs an
// issuer's life through the typed client (register, accredit, anchor,
// status, revoke), and tears the network down with ./down.
func TestNetworkEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Fabric network; not in -short mode")
	}
	requireFabric(t)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	configPath := networkUp(ctx, t)

	l, err := Open(ctx, configPath)
	if err != nil {
		t.Fatalf("Open(%s): %v", configPath, err)
	}
	defer l.Close()
	c := network.NewContract(l)

	const issuerID = "office-examens-test"
	if err := c.RegisterIssuer(ctx, "examoffice", issuerID, "Office des examens (test)", newPublicJWK(t)); err != nil {
		t.Fatalf("RegisterIssuer: %v", err)
	}

	// Only governance accredits: the chaincode's refusal comes back intact.
	err = c.AccreditIssuer(ctx, "pix", issuerID, []string{"Diploma"}, "")
	var ce *network.ContractError
	if !errors.As(err, &ce) || ce.Function != "AccreditIssuer" {
		t.Fatalf("AccreditIssuer by pix: got %v, want a *network.ContractError from AccreditIssuer", err)
	}
	if err := c.AccreditIssuer(ctx, "ministry", issuerID, []string{"Diploma"}, ""); err != nil {
		t.Fatalf("AccreditIssuer by ministry: %v", err)
	}
	issuer, err := c.GetIssuer(ctx, issuerID)
	if err != nil {
		t.Fatalf("GetIssuer: %v", err)
	}
	if issuer.Status != network.IssuerActive || issuer.MSPID != "ExamOfficeMSP" {
		t.Errorf("issuer status %q, MSP %q; want %q, ExamOfficeMSP", issuer.Status, issuer.MSPID, network.IssuerActive)
	}

	credentials := [][]string{{newDigest(t), newDigest(t)}, {newDigest(t)}}
	batch, err := c.AnchorBatch(ctx, "examoffice", network.AnchorRequest{
		BatchID:     "batch-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		IssuerID:    issuerID,
		Type:        "Diploma",
		Credentials: credentials,
		Root:        merkleRoot(t, credentials),
	})
	if err != nil {
		t.Fatalf("AnchorBatch: %v", err)
	}
	if batch.Size != len(credentials) || batch.TxID == "" {
		t.Errorf("batch size %d, txId %q; want %d and a transaction id", batch.Size, batch.TxID, len(credentials))
	}

	digest := credentials[0][1]
	st, err := c.GetStatus(ctx, digest)
	if err != nil {
		t.Fatalf("GetStatus: %v", err)
	}
	if st.Status != network.StatusActive || st.BatchID != batch.BatchID || st.Index != 0 {
		t.Errorf("status %q, batch %q, index %d; want %q, %q, 0", st.Status, st.BatchID, st.Index, network.StatusActive, batch.BatchID)
	}

	if err := c.Revoke(ctx, "examoffice", digest, "error"); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	// Revoking covers every form of the credential.
	st, err = c.GetStatus(ctx, credentials[0][0])
	if err != nil {
		t.Fatalf("GetStatus after Revoke: %v", err)
	}
	if st.Status != network.StatusRevoked || st.Reason != "error" {
		t.Errorf("after Revoke: status %q, reason %q; want %q, error", st.Status, st.Reason, network.StatusRevoked)
	}

	if _, err := c.GetStatus(ctx, newDigest(t)); !errors.Is(err, network.ErrNotFound) {
		t.Errorf("GetStatus of an unknown digest: %v does not wrap network.ErrNotFound", err)
	}
}

// requireFabric skips the test unless the Fabric binaries and the ccaas
// builder are installed.
func requireFabric(t *testing.T) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"peer", "orderer", "configtxgen", "osnadmin", "cryptogen"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Skipf("Fabric binaries not on PATH (%s): to run this test, %s", strings.Join(missing, ", "), enableIntegration)
	}
	builder := os.Getenv("FABRIC_CCAAS_BUILDER")
	if builder == "" {
		peer, _ := exec.LookPath("peer")
		builder = filepath.Join(filepath.Dir(peer), "..", "builders", "ccaas")
	}
	if _, err := os.Stat(filepath.Join(builder, "bin", "detect")); err != nil {
		t.Skipf("no ccaas builder in %s: to run this test, %s", builder, enableIntegration)
	}
}

// networkUp runs ./up in a fresh work dir on free ports, registers ./down
// for cleanup, and returns the ledger config path up printed.
func networkUp(ctx context.Context, t *testing.T) string {
	t.Helper()
	workdir := filepath.Join(t.TempDir(), "fabric")
	base := freePortBlock(t, 41)
	env := append(os.Environ(),
		"FABRIC_WORKDIR="+workdir,
		"FABRIC_PORT_BASE="+strconv.Itoa(base),
	)
	t.Cleanup(func() {
		down := exec.Command("./down")
		down.Env = env
		if out, err := down.CombinedOutput(); err != nil {
			t.Errorf("down: %v\n%s", err, out)
		}
		// The orderer, the ministry's peer and the chaincode server are gone.
		for _, port := range []int{base, base + 10, base + 40} {
			if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
				conn.Close()
				t.Errorf("after down, port %d still accepts connections", port)
			}
		}
		if _, err := os.Stat(workdir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after down, the work dir %s is still there (%v)", workdir, err)
		}
	})

	up := exec.CommandContext(ctx, "./up")
	up.Env = env
	var stdout, stderr bytes.Buffer
	up.Stdout, up.Stderr = &stdout, &stderr
	start := time.Now()
	if err := up.Run(); err != nil {
		t.Fatalf("up: %v\n%s", err, stderr.String())
	}
	t.Logf("network up in %v", time.Since(start).Round(100*time.Millisecond))

	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if path, ok := strings.CutPrefix(sc.Text(), "SCEAU_LEDGER_CONFIG="); ok {
			return path
		}
	}
	t.Fatalf("up printed no SCEAU_LEDGER_CONFIG= line; stdout:\n%s", stdout.String())
	return ""
}

// freePortBlock returns the first port of n consecutive loopback ports
// that are free now.
func freePortBlock(t *testing.T, n int) int {
	t.Helper()
	for base := 20000; base+n < 40000; base += 100 {
		free := true
		for p := base; p < base+n && free; p++ {
			lis, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				free = false
				continue
			}
			lis.Close()
		}
		if free {
			return base
		}
	}
	t.Fatalf("no block of %d free ports between 20000 and 40000", n)
	return 0
}

// newPublicJWK returns the public JWK of a fresh P-256 key.
func newPublicJWK(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return fmt.Sprintf(`{"kty":"EC","crv":"P-256","x":%q,"y":%q}`, enc(pub[1:33]), enc(pub[33:]))
}

func newDigest(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// merkleRoot is the hex RFC 6962 root over one leaf per credential.
func merkleRoot(t *testing.T, credentials [][]string) string {
	t.Helper()
	leaves := make([][]byte, len(credentials))
	for i, forms := range credentials {
		raws := make([][]byte, len(forms))
		for j, d := range forms {
			b, err := hex.DecodeString(d)
			if err != nil {
				t.Fatal(err)
			}
			raws[j] = b
		}
		leaves[i] = merkle.LeafHash(merkle.LeafData(raws))
	}
	return hex.EncodeToString(merkle.Root(leaves))
}
