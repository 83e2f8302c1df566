package chaincode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/merkle"
)

// MSP IDs of the test network.
const (
	govMSP    = "MinistryMSP"
	officeMSP = "ExamOfficeMSP" // runs the issuer "exam-office"
	pixMSP    = "PixMSP"        // runs the issuer "pix"
	rogueMSP  = "RogueMSP"      // a compromised or hostile member
)

// harness drives the real chaincode (contract-api included) over memLedger,
// reporting to t.
type harness struct {
	t *testing.T
	*network
}

// network is the ledger and its members, shared by a test and its subtests.
type network struct {
	cc     *contractapi.ContractChaincode
	ledger *memLedger
	// creators holds the serialized identity of each MSP.
	creators map[string][]byte
	// now is the timestamp of the next transaction; each one advances it.
	now time.Time
	txs int
}

// with returns the harness reporting to the subtest t.
func (h *harness) with(t *testing.T) *harness { return &harness{t: t, network: h.network} }

func newHarness(t *testing.T) *harness {
	t.Helper()
	net := &network{
		ledger:   newMemLedger(),
		creators: map[string][]byte{},
		now:      time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC),
	}
	// The peer's clock follows the transactions' (tests move it).
	cc, err := NewChaincode(Config{GovernanceMSP: govMSP, Now: net.clock})
	if err != nil {
		t.Fatalf("NewChaincode: %v", err)
	}
	net.cc = cc
	h := &harness{t: t, network: net}
	for _, m := range []string{govMSP, officeMSP, pixMSP, rogueMSP} {
		h.creators[m] = serializedIdentity(t, m)
	}
	return h
}

// serializedIdentity returns a Fabric creator: a msp.SerializedIdentity
// holding a freshly generated X.509 certificate of a member of mspID.
func serializedIdentity(t *testing.T, mspID string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "user1", Organization: []string{mspID}, OrganizationalUnit: []string{"client"}},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	raw, err := proto.Marshal(&msp.SerializedIdentity{Mspid: mspID, IdBytes: certPEM})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// endorse runs fn as mspID against committed state without committing.
func (h *harness) endorse(mspID, fn string, args ...string) (*memStub, *peerResult) {
	h.t.Helper()
	h.txs++
	sum := sha256.Sum256([]byte(fmt.Sprintf("tx-%d", h.txs)))
	stub := h.ledger.newStub(hex.EncodeToString(sum[:]), h.now, h.creators[mspID], fn, args)
	h.now = h.now.Add(time.Second)
	res := h.cc.Invoke(stub)
	if len(stub.events) > 1 {
		h.t.Fatalf("%s set %d events; a transaction sets at most one", fn, len(stub.events))
	}
	return stub, &peerResult{status: res.GetStatus(), payload: res.GetPayload(), message: res.GetMessage()}
}

type peerResult struct {
	status  int32
	payload []byte
	message string
}

func (r *peerResult) ok() bool { return r.status == shim.OK }

// invoke endorses fn and commits it when the chaincode accepted it.
func (h *harness) invoke(mspID, fn string, args ...string) (*memStub, *peerResult) {
	h.t.Helper()
	stub, res := h.endorse(mspID, fn, args...)
	if res.ok() {
		if err := h.ledger.commit(stub); err != nil {
			h.t.Fatalf("%s: commit failed: %v", fn, err)
		}
	} else if len(stub.events) != 0 {
		h.t.Fatalf("%s failed (%s) but set an event", fn, res.message)
	}
	return stub, res
}

// submit runs fn and fails the test if the chaincode refuses it.
func (h *harness) submit(mspID, fn string, args ...string) []byte {
	h.t.Helper()
	_, res := h.invoke(mspID, fn, args...)
	if !res.ok() {
		h.t.Fatalf("%s as %s refused: %s", fn, mspID, res.message)
	}
	return res.payload
}

// refuse runs fn, expects the chaincode to refuse it with a message
// containing want, and checks it changed nothing.
func (h *harness) refuse(mspID, want, fn string, args ...string) {
	h.t.Helper()
	before := h.ledger.stateSnapshot()
	_, res := h.invoke(mspID, fn, args...)
	if res.ok() {
		h.t.Fatalf("%s as %s was accepted; want a refusal mentioning %q", fn, mspID, want)
	}
	if !strings.Contains(res.message, want) {
		h.t.Fatalf("%s as %s refused with %q; want it to mention %q", fn, mspID, res.message, want)
	}
	if after := h.ledger.stateSnapshot(); len(after) != len(before) {
		h.t.Fatalf("%s was refused but changed the state", fn)
	} else {
		for k, v := range before {
			if after[k] != v {
				h.t.Fatalf("%s was refused but changed %q", fn, printableKey(k))
			}
		}
	}
}

// query evaluates fn (as the exam office) and decodes its answer into out.
func (h *harness) query(out any, fn string, args ...string) {
	h.t.Helper()
	_, res := h.endorse(officeMSP, fn, args...)
	if !res.ok() {
		h.t.Fatalf("%s(%s) refused: %s", fn, strings.Join(args, ", "), res.message)
	}
	if err := json.Unmarshal(res.payload, out); err != nil {
		h.t.Fatalf("%s: decoding %q: %v", fn, res.payload, err)
	}
}

// queryFails evaluates fn and returns the chaincode's error message.
func (h *harness) queryFails(fn string, args ...string) string {
	h.t.Helper()
	_, res := h.endorse(officeMSP, fn, args...)
	if res.ok() {
		h.t.Fatalf("%s(%s) succeeded; want an error", fn, strings.Join(args, ", "))
	}
	return res.message
}

func (h *harness) issuer(id string) record.Issuer {
	h.t.Helper()
	var is record.Issuer
	h.query(&is, "GetIssuer", id)
	return is
}

func (h *harness) status(digest string) record.DigestStatus {
	h.t.Helper()
	var s record.DigestStatus
	h.query(&s, "GetStatus", digest)
	return s
}

// signingKey is an issuer key pair as the tests hold it.
type signingKey struct {
	public string // public JWK JSON
	kid    string // RFC 7638 thumbprint computed independently
}

func newP256Key(t testing.TB) signingKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jwkOf(t, &k.PublicKey)
}

func newEd25519Key(t testing.TB) signingKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jwkOf(t, pub)
}

func jwkOf(t testing.TB, pub any) signingKey {
	t.Helper()
	jwk := jose.JSONWebKey{Key: pub}
	raw, err := jwk.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{public: string(raw), kid: base64.RawURLEncoding.EncodeToString(sum)}
}

// registerAccredited registers issuer id for mspID and has governance
// accredit it, open-ended, for types.
func (h *harness) registerAccredited(mspID, id string, types ...string) signingKey {
	h.t.Helper()
	key := newP256Key(h.t)
	h.submit(mspID, "RegisterIssuer", id, "Issuer "+id, key.public)
	typesJSON, _ := json.Marshal(types)
	h.submit(govMSP, "AccreditIssuer", id, string(typesJSON), "")
	return key
}

// newDigest returns a fresh random hex SHA-256 digest.
func newDigest(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newCredentials returns n credentials of forms digests each.
func newCredentials(t testing.TB, n, forms int) [][]string {
	creds := make([][]string, n)
	for i := range creds {
		for range forms {
			creds[i] = append(creds[i], newDigest(t))
		}
	}
	return creds
}

// rootOf computes the batch root the way an issuer does.
func rootOf(t testing.TB, creds [][]string) string {
	t.Helper()
	leaves := make([][]byte, len(creds))
	for i, group := range creds {
		raws := make([][]byte, len(group))
		for j, d := range group {
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

// anchorRequest builds a well-formed request for creds.
func anchorRequest(t testing.TB, batchID, issuerID, typ string, creds [][]string) string {
	t.Helper()
	raw, err := json.Marshal(record.AnchorRequest{BatchID: batchID, IssuerID: issuerID, Type: record.CredentialType(typ), Credentials: creds, Root: rootOf(t, creds)})
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// anchor anchors creds as a new batch and returns the Batch.
func (h *harness) anchor(mspID, batchID, issuerID, typ string, creds [][]string) record.Batch {
	h.t.Helper()
	var b record.Batch
	if err := json.Unmarshal(h.submit(mspID, "AnchorBatch", anchorRequest(h.t, batchID, issuerID, typ, creds)), &b); err != nil {
		h.t.Fatal(err)
	}
	return b
}

// lastEvent decodes the one event of stub.
func lastEvent(t *testing.T, stub *memStub, wantName string) record.Event {
	t.Helper()
	if len(stub.events) != 1 {
		t.Fatalf("got %d events, want 1", len(stub.events))
	}
	if got := stub.events[0].EventName; got != wantName {
		t.Fatalf("event %q, want %q", got, wantName)
	}
	var ev record.Event
	if err := json.Unmarshal(stub.events[0].Payload, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// joseMarshal encodes key (public or private) as a JWK.
func joseMarshal(key any) ([]byte, error) {
	return jose.JSONWebKey{Key: key}.MarshalJSON()
}

func mustMarshalIdentity(t *testing.T, mspID string, idBytes []byte) []byte {
	t.Helper()
	raw, err := proto.Marshal(&msp.SerializedIdentity{Mspid: mspID, IdBytes: idBytes})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// clock is the endorsing peer's clock: the time of the transaction being
// run (the harness stamps transactions honestly).
func (n *network) clock() time.Time { return n.now }
