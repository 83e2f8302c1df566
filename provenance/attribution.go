package provenance

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/attest"
)

// Limits of an attribution.
const (
	MaxAttributionNames  = 20
	MaxAttributionField  = 200  // characters, for a name or the school
	MaxAttributionText   = 2000 // characters, for the statement
	maxAttributionSource = 64 << 10
)

// AttributionInput is what an author writes in an attribution file (JSON):
// how they want to be credited. It is personal data: it never goes on the
// ledger, only the digest of the signed Attribution does.
type AttributionInput struct {
	// Names are the names to credit, e.g. "Jeanne Martin".
	Names []string `json:"names"`
	// School is the author's school or institution, if they want it shown.
	School string `json:"school,omitempty"`
	// Email is a contact address, if they want one shown.
	Email string `json:"email,omitempty"`
	// Statement is a free text: how the resource was made, thanks…
	Statement string `json:"statement,omitempty"`
}

// Attribution is the payload of an attribution statement: an
// AttributionInput signed by an author for one resource. Nonce makes its
// digest, which the ledger holds, impossible to confirm by guessing names.
type Attribution struct {
	Resource  string   `json:"resource"`
	Names     []string `json:"names"`
	School    string   `json:"school,omitempty"`
	Email     string   `json:"email,omitempty"`
	Statement string   `json:"statement,omitempty"`
	Nonce     string   `json:"nonce"`
	IssuedAt  int64    `json:"iat"`
}

// Validate checks the fields an author gives.
func (in *AttributionInput) Validate() error {
	if len(in.Names) == 0 || len(in.Names) > MaxAttributionNames {
		return fmt.Errorf("attribution names: want 1 to %d names, got %d", MaxAttributionNames, len(in.Names))
	}
	for i, n := range in.Names {
		if err := checkText(fmt.Sprintf("attribution name %d", i+1), n, MaxAttributionField, false); err != nil {
			return err
		}
	}
	if in.School != "" {
		if err := checkText("attribution school", in.School, MaxAttributionField, false); err != nil {
			return err
		}
	}
	if in.Email != "" {
		addr, err := mail.ParseAddress(in.Email)
		if err != nil || addr.Address != in.Email || len(in.Email) > 254 {
			return fmt.Errorf("attribution email %q is not a bare e-mail address", in.Email)
		}
	}
	if in.Statement != "" {
		if err := checkText("attribution statement", in.Statement, MaxAttributionText, true); err != nil {
			return err
		}
	}
	return nil
}

// checkText checks a human text: valid UTF-8, not blank, trimmed, at most
// max characters, printable (newlines allowed when multiline).
func checkText(field, s string, max int, multiline bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if s == "" || strings.TrimSpace(s) != s {
		return fmt.Errorf("%s %q is empty or has leading or trailing spaces", field, s)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s is %d characters long, the limit is %d", field, n, max)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) && !(multiline && r == '\n') {
			return fmt.Errorf("%s contains the non-printable character %U", field, r)
		}
	}
	return nil
}

// SignAttribution makes the attribution statement of resource, signed by
// the author's key at time now.
func SignAttribution(author *Key, resource string, in AttributionInput, now time.Time) (string, error) {
	if err := in.Validate(); err != nil {
		return "", err
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", err
	}
	return attest.Sign(author.Signer(), attest.TypeAttribution, Attribution{
		Resource:  resource,
		Names:     in.Names,
		School:    in.School,
		Email:     in.Email,
		Statement: in.Statement,
		Nonce:     base64.RawURLEncoding.EncodeToString(nonce[:]),
		IssuedAt:  now.Unix(),
	})
}

// VerifyAttribution checks an attribution statement and returns its
// content and its signer's id.
func VerifyAttribution(compact string) (*Attribution, string, error) {
	var a Attribution
	signer, err := attest.Verify(compact, attest.TypeAttribution, &a)
	if err != nil {
		return nil, "", err
	}
	in := AttributionInput{Names: a.Names, School: a.School, Email: a.Email, Statement: a.Statement}
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	if err := record.ValidateDigest(a.Resource); err != nil {
		return nil, "", fmt.Errorf("attribution resource: %w", err)
	}
	if len(a.Nonce) < 16 {
		return nil, "", errors.New("attribution nonce is missing or shorter than 16 characters")
	}
	return &a, signer, nil
}

// ReadAttributionFile reads an attribution file: either an attribution
// statement already signed (a compact JWS) or an AttributionInput (JSON)
// to be signed. Exactly one of the results is set.
func ReadAttributionFile(path string) (signed string, input *AttributionInput, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, fmt.Errorf("reading attribution: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxAttributionSource+1))
	if err != nil {
		return "", nil, fmt.Errorf("reading attribution %s: %w", path, err)
	}
	if len(data) > maxAttributionSource {
		return "", nil, fmt.Errorf("attribution %s is larger than %d bytes", path, maxAttributionSource)
	}
	trimmed := bytes.TrimSpace(data)
	if !bytes.HasPrefix(trimmed, []byte("{")) {
		return string(trimmed), nil, nil
	}
	var in AttributionInput
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return "", nil, fmt.Errorf("attribution %s: want a JSON object {names, school, email, statement} or a signed attribution: %w", path, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", nil, fmt.Errorf("attribution %s has data after its JSON object", path)
	}
	if err := in.Validate(); err != nil {
		return "", nil, fmt.Errorf("attribution %s: %w", path, err)
	}
	return "", &in, nil
}
