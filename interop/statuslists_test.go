package interop

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// server is a `sceau serve` run by a test, on its own port.
type server struct {
	t   *testing.T
	h   *home
	cmd *exec.Cmd
	url string
	log bytes.Buffer
}

// freePort returns a TCP port free on the loopback interface.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serveWatched starts `sceau serve` on addr and waits until it answers.
func (h *home) serveWatched(addr string, args ...string) *server {
	h.t.Helper()
	s := &server{t: h.t, h: h, url: "http://" + addr}
	s.cmd = exec.Command(h.bin, append([]string{"--home", h.dir, "serve", "--addr", addr}, args...)...)
	s.cmd.Env = h.env
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if err := s.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(s.stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("sceau serve did not answer within 30 s: %v\n%s", err, s.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLists waits until the server publishes every status list of
// issuer (waitForLists).
func (s *server) waitLists(issuer string) {
	s.t.Helper()
	waitForLists(s.t, s.url, issuer)
}

// stop stops the server (SIGTERM, as a service manager would) and waits.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// get fetches path from the server; a status other than 200 fails the test.
func (s *server) get(path string) []byte {
	s.t.Helper()
	body, status, _ := s.try(path)
	if status != http.StatusOK {
		s.t.Fatalf("GET %s: %d %s", path, status, body)
	}
	return body
}

func (s *server) try(path string) ([]byte, int, http.Header) {
	s.t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return body, resp.StatusCode, resp.Header
}

// jwtPayload decodes the payload of a compact JWS.
func jwtPayload(t *testing.T, compact string) map[string]any {
	t.Helper()
	parts := strings.Split(compact, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// statusIndex returns the index a vc+jwt's credentialStatus names, checking
// that its two entries (revocation, suspension) agree.
func statusIndex(t *testing.T, vcJWT string) int {
	t.Helper()
	entries, _ := jwtPayload(t, vcJWT)["credentialStatus"].([]any)
	if len(entries) != 2 {
		t.Fatalf("credentialStatus: %v, want 2 entries", entries)
	}
	var idx []int
	for _, e := range entries {
		m := e.(map[string]any)
		if m["type"] != "BitstringStatusListEntry" {
			t.Fatalf("credentialStatus entry %v", m)
		}
		i, err := strconv.Atoi(m["statusListIndex"].(string))
		if err != nil {
			t.Fatal(err)
		}
		idx = append(idx, i)
	}
	if idx[0] != idx[1] {
		t.Fatalf("the revocation and suspension entries name indices %v", idx)
	}
	return idx[0]
}

// TestStatusListsWithIndependentCode issues credentials, serves their
// issuer's status lists, revokes credentials with `sceau revoke` and
// through the issuer API, and checks with code Sceau did not write that
// both lists say so within 60 s, that both verify with the issuer's
// published JWKS, and that credentials issued in a row do not get
// consecutive indices.
func TestStatusListsWithIndependentCode(t *testing.T) {
	n := needNode(t)
	h := newHome(t)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	base := "http://" + addr
	h.env = append(h.env, "SCEAU_PUBLIC_URL="+base)
	paths := h.issuerWithCredentials(3)
	var bundles []bundle
	var indices []int
	for _, p := range paths {
		b := readBundle(t, p)
		bundles = append(bundles, b)
		indices = append(indices, statusIndex(t, b.VCJWT))
	}
	sorted := slices.Clone(indices)
	slices.Sort(sorted)
	if len(slices.Compact(slices.Clone(sorted))) != 3 {
		t.Fatalf("three credentials share status indices %v", indices)
	}
	if sorted[1] == sorted[0]+1 && sorted[2] == sorted[1]+1 {
		t.Fatalf("three credentials issued in a row got consecutive indices %v", indices)
	}
	t.Logf("status indices of three credentials issued in a row: %v", indices)
	token := strings.TrimSpace(h.sceau("issuer", "token", "create", "--id", "examoffice"))

	srv := h.serveWatched(addr, "--republish-every", "2s")
	var issuerMeta struct {
		Issuer string          `json:"issuer"`
		JWKS   json.RawMessage `json:"jwks"`
	}
	if err := json.Unmarshal(srv.get("/.well-known/jwt-vc-issuer/issuers/examoffice"), &issuerMeta); err != nil {
		t.Fatal(err)
	}
	if issuerMeta.Issuer != base+"/issuers/examoffice" {
		t.Errorf("jwt-vc-issuer metadata names issuer %q", issuerMeta.Issuer)
	}
	// read fetches both lists, verifies them with jose against the
	// published JWKS, and reads the statuses at indices with
	// @sd-jwt/jwt-status-list and with the zlib-only W3C decoder.
	read := func() (ietf []int, revoked []int) {
		t.Helper()
		srv.waitLists("examoffice")
		ietfJWT, status, hdr := srv.try("/status/examoffice/ietf")
		if status != http.StatusOK {
			t.Fatalf("GET the IETF list: %d %s", status, ietfJWT)
		}
		if !strings.Contains(hdr.Get("Cache-Control"), "max-age=") || hdr.Get("ETag") == "" {
			t.Errorf("the IETF list is served without cache headers: %v", hdr)
		}
		w3cJWT := srv.get("/status/examoffice/revocation")
		for _, l := range []struct {
			jwt, typ string
		}{{string(ietfJWT), "statuslist+jwt"}, {string(w3cJWT), "vc+jwt"}} {
			if err := n.run(t, "verify-jwt.mjs", map[string]any{"jwt": l.jwt, "jwks": issuerMeta.JWKS, "typ": l.typ}, nil); err != nil {
				t.Fatalf("jose does not verify the %s list with the issuer's published JWKS: %v", l.typ, err)
			}
		}
		var a struct {
			Bits     int   `json:"bits"`
			Size     int   `json:"size"`
			Statuses []int `json:"statuses"`
		}
		if err := n.run(t, "status-list-ietf.mjs", map[string]any{"jwt": string(ietfJWT), "indices": indices}, &a); err != nil {
			t.Fatal(err)
		}
		var b struct {
			Purpose string `json:"purpose"`
			Size    int    `json:"size"`
			Bits    []int  `json:"bits"`
		}
		if err := n.run(t, "status-list-w3c.mjs", map[string]any{"jwt": string(w3cJWT), "indices": indices}, &b); err != nil {
			t.Fatal(err)
		}
		if a.Size < 131072 || b.Size < 131072 || b.Purpose != "revocation" || a.Bits != 2 {
			t.Fatalf("lists of %d (%d bits) and %d entries (purpose %q): want at least 131072", a.Size, a.Bits, b.Size, b.Purpose)
		}
		return a.Statuses, b.Bits
	}
	if ietf, w3c := read(); !slices.Equal(ietf, []int{0, 0, 0}) || !slices.Equal(w3c, []int{0, 0, 0}) {
		t.Fatalf("before any revocation: IETF %v, W3C %v", ietf, w3c)
	}
	// waitRevoked polls the lists until credential i reads revoked in
	// both, at most 60 s after since.
	waitRevoked := func(i int, since time.Time, how string) {
		t.Helper()
		for {
			ietf, w3c := read()
			if ietf[i] == 1 && w3c[i] == 1 {
				t.Logf("%s: both lists say revoked %.1f s later", how, time.Since(since).Seconds())
				for j := range indices {
					if j != i && (ietf[j] == 1) != (w3c[j] == 1) {
						t.Fatalf("the lists disagree on credential %d: IETF %v, W3C %v", j, ietf, w3c)
					}
				}
				return
			}
			if time.Since(since) > 60*time.Second {
				t.Fatalf("%s: 60 s later the lists still say IETF %v, W3C %v", how, ietf, w3c)
			}
			time.Sleep(time.Second)
		}
	}

	// `sceau revoke` needs the home's embedded ledger, which the server
	// holds: stop it, revoke, start it again.
	srv.stop()
	since := time.Now()
	h.sceau("revoke", "--issuer", "examoffice", "--reason", "fraud", paths[0])
	srv = h.serveWatched(addr, "--republish-every", "2s")
	waitRevoked(0, since, "sceau revoke")
	// The OWF SD-JWT VC library checks the status itself: it fetches the
	// list the credential names, verifies it with the issuer's key, and
	// refuses a revoked credential.
	jwks := map[string]any{}
	if err := json.Unmarshal(issuerMeta.JWKS, &jwks); err != nil {
		t.Fatal(err)
	}
	if err := n.run(t, "verify-sdjwt-vc.mjs", map[string]any{"sdjwt": bundles[0].SDJWT, "jwks": jwks}, nil); err == nil || !strings.Contains(err.Error(), "Status is not valid") {
		t.Errorf("@sd-jwt/sd-jwt-vc on the revoked credential: %v, want \"Status is not valid\"", err)
	}
	if err := n.run(t, "verify-sdjwt-vc.mjs", map[string]any{"sdjwt": bundles[1].SDJWT, "jwks": jwks}, nil); err != nil {
		t.Errorf("@sd-jwt/sd-jwt-vc on a credential in force: %v", err)
	}

	// Through the issuer API, while the server runs.
	req, _ := http.NewRequest(http.MethodPost, srv.url+"/v1/credentials/"+bundles[2].ID+"/revoke", strings.NewReader(`{"reason":"error"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	since = time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST revoke: %d %s", resp.StatusCode, body)
	}
	waitRevoked(2, since, "the issuer API's revoke")
	if ietf, w3c := read(); ietf[1] != 0 || w3c[1] != 0 {
		t.Errorf("a credential never revoked reads revoked: IETF %v, W3C %v", ietf, w3c)
	}
}

// TestCredentialsResolve: a JSON-LD processor expands every credential
// (vc+jwt payloads of both types, and the W3C status list credential)
// reaching no network but --public-url, and ajv validates each whole
// credential against the JSON Schema its credentialSchema names, as
// served.
func TestCredentialsResolve(t *testing.T) {
	n := needNode(t)
	h := newHome(t)
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	base := "http://" + addr
	h.env = append(h.env, "SCEAU_PUBLIC_URL="+base)
	paths := h.issuerWithCredentials(2)
	diplomas := filepath.Join(h.dir, "diplomas.csv")
	out := h.sceau("template", "--type", "Diploma", "--example")
	if err := os.WriteFile(diplomas, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	dOut := filepath.Join(h.dir, "out-diplomas")
	h.sceau("issue", "--issuer", "examoffice", "--type", "Diploma", "--input", diplomas, "--out", dOut, "--bundles")
	more, _ := filepath.Glob(filepath.Join(dOut, "*.json"))
	paths = append(paths, more...)
	srv := h.serveWatched(addr)
	var creds []map[string]any
	for _, p := range paths {
		creds = append(creds, jwtPayload(t, readBundle(t, p).VCJWT))
	}
	if len(creds) != 3 {
		t.Fatalf("%d credentials, want 3", len(creds))
	}
	var res struct {
		Results []struct {
			Schema string `json:"schema"`
			Valid  bool   `json:"valid"`
			Errors []any  `json:"errors"`
		} `json:"results"`
	}
	if err := n.run(t, "ajv-validate.mjs", map[string]any{"credentials": creds, "base": base}, &res); err != nil {
		t.Fatal(err)
	}
	for i, r := range res.Results {
		if !r.Valid {
			t.Errorf("credential %d does not validate against %s: %v", i, r.Schema, r.Errors)
		}
	}
	statusList := jwtPayload(t, string(srv.get("/status/examoffice/revocation")))
	var exp struct {
		Expanded []any    `json:"expanded"`
		Loaded   []string `json:"loaded"`
	}
	if err := n.run(t, "jsonld-expand.mjs", map[string]any{"credentials": append(creds, statusList), "base": base}, &exp); err != nil {
		t.Fatalf("jsonld cannot expand Sceau's credentials offline: %v", err)
	}
	if len(exp.Expanded) != 4 {
		t.Fatalf("expanded %d documents, want 4", len(exp.Expanded))
	}
	for i, e := range exp.Expanded {
		doc, _ := json.Marshal(e)
		if !strings.Contains(string(doc), "https://www.w3.org/2018/credentials#credentialSubject") {
			t.Errorf("expanded document %d has no credentialSubject: %s", i, doc)
		}
		if i < 3 && !strings.Contains(string(doc), "https://www.w3.org/2018/credentials#credentialStatus") {
			t.Errorf("expanded credential %d has no credentialStatus: %.300s", i, doc)
		}
	}
	// Tampering is caught: a member the schema does not allow.
	bad := map[string]any{}
	for k, v := range creds[0] {
		bad[k] = v
	}
	bad["evidence"] = []any{}
	if err := n.run(t, "ajv-validate.mjs", map[string]any{"credentials": []any{bad}, "base": base}, &res); err != nil {
		t.Fatal(err)
	}
	if res.Results[0].Valid {
		t.Error("ajv validates a credential with a member Sceau never writes")
	}
}
