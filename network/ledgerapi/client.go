package ledgerapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sceau/sceau/network"
)

// callTimeout bounds one call (a batch waits for its block).
const callTimeout = 5 * time.Minute

// Client is a network.Ledger whose calls go to the `sceau serve` at a URL
// holding the ledger, authenticated with its secret. It is safe for
// concurrent use.
type Client struct {
	base string
	key  []byte
	http *http.Client
}

// NewClient returns the client of the server at base (http://host:port, or
// https:// when the server serves TLS). transport carries the calls: nil for
// Go's default, or one that trusts exactly the server's certificate.
func NewClient(base, secret string, transport http.RoundTripper) (*Client, error) {
	k, err := key(secret)
	if err != nil {
		return nil, err
	}
	return &Client{base: strings.TrimSuffix(base, "/"), key: k, http: &http.Client{Timeout: callTimeout, Transport: transport}}, nil
}

// Submit implements network.Ledger.
func (c *Client) Submit(ctx context.Context, org, function string, args ...string) ([]byte, error) {
	ans, err := c.call(ctx, Call{Op: "submit", Org: org, Function: function, Args: args})
	if err != nil {
		return nil, err
	}
	return ans.Result, nil
}

// Evaluate implements network.Ledger.
func (c *Client) Evaluate(ctx context.Context, org, function string, args ...string) ([]byte, error) {
	ans, err := c.call(ctx, Call{Op: "evaluate", Org: org, Function: function, Args: args})
	if err != nil {
		return nil, err
	}
	return ans.Result, nil
}

// ProvisionOrg implements network.OrgProvisioner.
func (c *Client) ProvisionOrg(ctx context.Context, org string) (string, error) {
	ans, err := c.call(ctx, Call{Op: "provision", Org: org})
	if err != nil {
		return "", err
	}
	return ans.MSPID, nil
}

// Close implements network.Ledger: the server keeps the ledger.
func (c *Client) Close() error { return nil }

// call sends one call and checks the server's answer is authentic.
func (c *Client) call(ctx context.Context, call Call) (*Answer, error) {
	body, err := json.Marshal(call)
	if err != nil {
		return nil, err
	}
	nb := make([]byte, 16)
	if _, err := rand.Read(nb); err != nil {
		return nil, err
	}
	nonce, unix := base64.RawURLEncoding.EncodeToString(nb), strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+Path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(headerNonce, nonce)
	req.Header.Set(headerTime, unix)
	req.Header.Set(headerMAC, requestMAC(c.key, http.MethodPost, Path, nonce, unix, body))
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: `sceau serve` at %s: %v", network.ErrUnavailable, c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil || len(data) > MaxBody {
		return nil, fmt.Errorf("%w: `sceau serve` at %s: its answer is unreadable or too large", network.ErrUnavailable, c.base)
	}
	// An answer that is not the home's server's is no answer from the
	// ledger: the ledger is unavailable to this command (a verdict on it
	// is indeterminate), never an answer to act on.
	if !equalMAC(resp.Header.Get(headerMAC), responseMAC(c.key, nonce, resp.StatusCode, data)) {
		if resp.StatusCode == http.StatusUnauthorized {
			return nil, fmt.Errorf("%w: `sceau serve` at %s refused the call: the secret of serve.json is not its own", network.ErrUnavailable, c.base)
		}
		return nil, fmt.Errorf("%w: the answer from %s is not authenticated by this home's `sceau serve` (%s): not believed", network.ErrUnavailable, c.base, resp.Status)
	}
	var ans Answer
	if err := json.Unmarshal(data, &ans); err != nil {
		return nil, fmt.Errorf("%w: `sceau serve` at %s: its answer is not a ledger answer: %v", network.ErrUnavailable, c.base, err)
	}
	if e := ans.Error; e != nil {
		switch e.Kind {
		case "contract":
			return nil, &network.ContractError{Function: e.Function, Message: e.Message}
		case "unavailable":
			return nil, fmt.Errorf("%w: %s", network.ErrUnavailable, strings.TrimPrefix(e.Message, network.ErrUnavailable.Error()+": "))
		}
		return nil, errors.New(e.Message)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: `sceau serve` at %s answered %s", network.ErrUnavailable, c.base, resp.Status)
	}
	return &ans, nil
}
