package ledgerapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/network"
)

// Path is the route of the ledger calls.
const Path = "/v1/local/ledger"

// MaxBody bounds a call or an answer (an anchored batch's arguments).
const MaxBody = 32 << 20

// Call is one ledger call: Op is "submit", "evaluate" or "provision".
type Call struct {
	Op       string   `json:"op"`
	Org      string   `json:"org"`
	Function string   `json:"function,omitempty"`
	Args     []string `json:"args,omitempty"`
}

// Answer is a call's result, or its error.
type Answer struct {
	Result []byte       `json:"result,omitempty"`
	MSPID  string       `json:"mspId,omitempty"`
	Error  *AnswerError `json:"error,omitempty"`
}

// AnswerError is a ledger error as it crosses the wire: Kind "contract"
// (network.ContractError: the chaincode refused), "unavailable"
// (network.ErrUnavailable) or "other".
type AnswerError struct {
	Kind     string `json:"kind"`
	Function string `json:"function,omitempty"`
	Message  string `json:"message"`
}

// API serves ledger calls on a ledger this process holds.
type API struct {
	ledger network.Ledger
	key    []byte
	logger *slog.Logger
	nonces nonces
	now    func() time.Time
}

// New returns the API over ledger, authenticated with secret.
func New(ledger network.Ledger, secret string, logger *slog.Logger) (*API, error) {
	k, err := key(secret)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &API{ledger: ledger, key: k, logger: logger, now: time.Now}, nil
}

// Routes mounts POST /v1/local/ledger.
func (a *API) Routes(r chi.Router) { r.Post(Path, a.serve) }

func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	nonce := r.Header.Get(headerNonce)
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil || len(body) > MaxBody {
		a.answer(w, nonce, http.StatusRequestEntityTooLarge, Answer{Error: &AnswerError{Kind: "other", Message: "call too large, or unreadable"}})
		return
	}
	unix := r.Header.Get(headerTime)
	sec, err := strconv.ParseInt(unix, 10, 64)
	now := a.now()
	switch {
	case nonce == "" || len(nonce) > 64 || err != nil:
		a.refuse(w, "no nonce or no time")
		return
	case !equalMAC(r.Header.Get(headerMAC), requestMAC(a.key, r.Method, r.URL.Path, nonce, unix, body)):
		a.refuse(w, "bad MAC")
		return
	case now.Sub(time.Unix(sec, 0)).Abs() > maxSkew:
		a.refuse(w, "time off by more than a minute")
		return
	case !a.nonces.fresh(nonce, now):
		a.refuse(w, "nonce replayed")
		return
	}
	var call Call
	if err := json.Unmarshal(body, &call); err != nil {
		a.answer(w, nonce, http.StatusBadRequest, Answer{Error: &AnswerError{Kind: "other", Message: "not a ledger call: " + err.Error()}})
		return
	}
	ans, status := a.run(r.Context(), call)
	a.answer(w, nonce, status, ans)
}

// refuse answers 401, unauthenticated: the caller does not hold the secret.
func (a *API) refuse(w http.ResponseWriter, why string) {
	a.logger.Warn("local ledger call refused", "why", why)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	io.WriteString(w, `{"error":{"kind":"other","message":"not authenticated: use the secret of this home's serve.json"}}`)
}

// run makes the call on the ledger.
func (a *API) run(ctx context.Context, call Call) (Answer, int) {
	var res []byte
	var err error
	switch call.Op {
	case "submit":
		res, err = a.ledger.Submit(ctx, call.Org, call.Function, call.Args...)
	case "evaluate":
		res, err = a.ledger.Evaluate(ctx, call.Org, call.Function, call.Args...)
	case "provision":
		p, ok := a.ledger.(network.OrgProvisioner)
		if !ok {
			return Answer{Error: &AnswerError{Kind: "other", Message: "this ledger makes no organisation"}}, http.StatusBadRequest
		}
		msp, err := p.ProvisionOrg(ctx, call.Org)
		if err != nil {
			return Answer{Error: wireError(err)}, http.StatusOK
		}
		return Answer{MSPID: msp}, http.StatusOK
	default:
		return Answer{Error: &AnswerError{Kind: "other", Message: "unknown op " + strconv.Quote(call.Op)}}, http.StatusBadRequest
	}
	if err != nil {
		return Answer{Error: wireError(err)}, http.StatusOK
	}
	return Answer{Result: res}, http.StatusOK
}

// wireError turns a ledger error into an AnswerError.
func wireError(err error) *AnswerError {
	var ce *network.ContractError
	switch {
	case errors.As(err, &ce):
		return &AnswerError{Kind: "contract", Function: ce.Function, Message: ce.Message}
	case errors.Is(err, network.ErrUnavailable):
		return &AnswerError{Kind: "unavailable", Message: err.Error()}
	}
	return &AnswerError{Kind: "other", Message: err.Error()}
}

// answer writes ans with its MAC.
func (a *API) answer(w http.ResponseWriter, nonce string, status int, ans Answer) {
	body, err := json.Marshal(ans)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"kind":"other","message":"encoding the answer"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(headerMAC, responseMAC(a.key, nonce, status, body))
	w.WriteHeader(status)
	w.Write(body)
}
