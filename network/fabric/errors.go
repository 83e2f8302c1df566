package fabric

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sceau/sceau/network"
)

// chaincodeResponsePrefix starts the message a peer's gateway reports for
// an error response produced by the chaincode itself:
// "chaincode response <status>, <the chaincode's message>".
const chaincodeResponsePrefix = "chaincode response "

// classify turns an error of the gateway client into what network.Ledger
// promises: the chaincode's refusal becomes a *network.ContractError
// carrying its message intact; an unreachable, overloaded or slow network
// wraps network.ErrUnavailable; the caller's own cancellation stays
// recognisable with errors.Is. step says what was being done.
func classify(ctx context.Context, function, step string, err error) error {
	if msg, ok := chaincodeMessage(err); ok {
		return &network.ContractError{Function: function, Message: msg}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("%s: %s: %w", function, step, ctx.Err())
	}
	details := ""
	var txErr *client.TransactionError
	if !errors.As(err, &txErr) {
		// Evaluation errors are bare gRPC statuses whose text leaves out
		// the peers' own messages.
		details = peerDetails(err)
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %s: %s: %w%s", network.ErrUnavailable, function, step, err, details)
	}
	return fmt.Errorf("%s: %s: %w%s", function, step, err, details)
}

// peerDetails lists the peers' messages attached to a gateway error, as
// "; peer <address> (<MSP ID>): <message>" clauses.
func peerDetails(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	var b strings.Builder
	for _, detail := range st.Details() {
		if d, ok := detail.(*gateway.ErrorDetail); ok {
			fmt.Fprintf(&b, "; peer %s (%s): %s", d.GetAddress(), d.GetMspId(), d.GetMessage())
		}
	}
	return b.String()
}

// unavailable tells whether err means the network could not serve the
// request now: peers or orderer unreachable, endorsements not collected,
// no endorser known yet, or a deadline passed.
func unavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.FailedPrecondition, codes.ResourceExhausted:
		return true
	}
	return false
}

// chaincodeMessage finds, in the details of a gateway error, the message of
// an error response produced by the chaincode.
func chaincodeMessage(err error) (string, bool) {
	st, ok := status.FromError(err)
	if !ok {
		return "", false
	}
	for _, detail := range st.Details() {
		if d, ok := detail.(*gateway.ErrorDetail); ok {
			if msg, ok := parseChaincodeResponse(d.GetMessage()); ok {
				return msg, true
			}
		}
	}
	// Without details, an evaluation reports the endorser's message in the
	// status itself: "evaluate call to endorser returned error: chaincode response …".
	if i := strings.Index(st.Message(), chaincodeResponsePrefix); i >= 0 {
		return parseChaincodeResponse(st.Message()[i:])
	}
	return "", false
}

// parseChaincodeResponse reads "chaincode response <status>, <message>"
// and returns the message.
func parseChaincodeResponse(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, chaincodeResponsePrefix)
	if !ok {
		return "", false
	}
	code, msg, ok := strings.Cut(rest, ", ")
	if !ok {
		return "", false
	}
	if _, err := strconv.Atoi(code); err != nil {
		return "", false
	}
	return msg, true
}

// endorsersPending tells whether err is the gateway saying it cannot find,
// now, peers enough to run a transaction: its discovery service learns
// through gossip which peers have joined the channel and run the chaincode,
// seconds after the channel or the chaincode definition changes (right
// after network/fabric/up, for one). Fabric v3.1's gateway says so with:
//
//	FailedPrecondition "no combination of peers can be derived which satisfy the endorsement policy: …"
//	FailedPrecondition "failed to select a set of endorsers that satisfy the endorsement policy due to unavailability of peers: …"
//	Unavailable        "no peers available to evaluate chaincode … in channel …"
//
// Such a transaction was not run by any peer, so trying it again is safe.
func endorsersPending(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	msg := st.Message()
	switch st.Code() {
	case codes.FailedPrecondition:
		return strings.Contains(msg, "no combination of peers can be derived which satisfy the endorsement policy") ||
			strings.Contains(msg, "failed to select a set of endorsers that satisfy the endorsement policy")
	case codes.Unavailable:
		return strings.Contains(msg, "no peers available to evaluate chaincode")
	}
	return false
}
