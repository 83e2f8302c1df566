package issuerapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/sceau/sceau/issuer/oid4vci"
)

// offersRequest is the body of POST /v1/offers: the credentials to offer
// (ids), or a whole batch, and how long the offers last.
type offersRequest struct {
	Credentials []string `json:"credentials"`
	Batch       string   `json:"batch"`
	// ValidFor and Retain are Go durations ("720h"); empty: the defaults.
	ValidFor string `json:"validFor"`
	Retain   string `json:"retain"`
}

// offersResponse answers POST /v1/offers.
type offersResponse struct {
	Offers []oid4vci.Offer `json:"offers"`
}

// maxOffersPerRequest bounds the credentials of one request.
const maxOffersPerRequest = 10_000

// EnablePickup makes the API offer credentials for pickup through s (POST
// /v1/offers), which must use the API's desk (Desk). Call it before
// serving.
func (a *API) EnablePickup(s *oid4vci.Server) { a.pickup = s }

// postOffers makes one OpenID4VCI offer per credential named (or of the
// batch named), and answers them with their transaction codes.
func (a *API) postOffers(w http.ResponseWriter, r *http.Request, issuerID string) {
	if a.pickup == nil {
		writeError(w, http.StatusNotFound, "this server does not offer credentials for pickup")
		return
	}
	var req offersRequest
	if err := decodeBody(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	switch {
	case (len(req.Credentials) == 0) == (req.Batch == ""):
		a.fail(w, r, &badRequest{msg: "name the credentials to offer (\"credentials\": [ids]) or a batch (\"batch\": id), not both"})
		return
	case len(req.Credentials) > maxOffersPerRequest:
		a.fail(w, r, &badRequest{msg: fmt.Sprintf("at most %d credentials a request", maxOffersPerRequest)})
		return
	}
	var opts oid4vci.OfferOptions
	for _, d := range []struct {
		name, value string
		into        *time.Duration
	}{{"validFor", req.ValidFor, &opts.ValidFor}, {"retain", req.Retain, &opts.Retain}} {
		if d.value == "" {
			continue
		}
		v, err := time.ParseDuration(d.value)
		if err != nil || v <= 0 {
			a.fail(w, r, &badRequest{msg: fmt.Sprintf("%s %q: want a positive duration such as \"720h\"", d.name, d.value)})
			return
		}
		*d.into = v
	}
	offers, err := a.pickup.MakeOffers(r.Context(), issuerID, req.Credentials, req.Batch, opts)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.logger.Info("offers made", "issuer", issuerID, "offers", len(offers))
	writeJSON(w, http.StatusCreated, offersResponse{Offers: offers})
}
