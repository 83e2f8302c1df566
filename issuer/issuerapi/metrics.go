package issuerapi

import (
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sceau/sceau/issuer"
)

// apiMetrics are the issuer API's Prometheus metrics; a nil *apiMetrics
// counts nothing.
type apiMetrics struct {
	credentials *prometheus.CounterVec
	batches     *prometheus.CounterVec
	refusals    *prometheus.CounterVec
}

// newAPIMetrics registers the API's metrics with reg (nil: none).
func newAPIMetrics(reg prometheus.Registerer) (*apiMetrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &apiMetrics{
		credentials: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sceau_issuer_credentials_issued_total",
			Help: "Credentials issued and anchored through the issuer API, by route and credential type.",
		}, []string{"route", "type"}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sceau_issuer_batches_total",
			Help: "Uploaded batches by final state: succeeded, failed or interrupted.",
		}, []string{"state"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sceau_issuer_auth_failures_total",
			Help: "Issuer API requests refused for want of a valid token (401) or for acting for another issuer (403).",
		}, []string{"code"}),
	}
	for _, c := range []prometheus.Collector{m.credentials, m.batches, m.refusals} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering issuer API metrics: %w", err)
		}
	}
	return m, nil
}

func (m *apiMetrics) issued(route, typ string, n int) {
	if m != nil {
		m.credentials.WithLabelValues(route, typ).Add(float64(n))
	}
}

// batchEnded counts an uploaded batch by its final state and, when it
// succeeded, the credentials it issued (issuer.DeskConfig.BatchEnded).
func (m *apiMetrics) batchEnded(st issuer.BatchStatus) {
	if m != nil {
		m.batches.WithLabelValues(st.State).Inc()
		if st.State == issuer.BatchSucceeded {
			m.issued("/v1/batches", st.Type, st.Issued)
		}
	}
}

func (m *apiMetrics) authFailure(status int) {
	if m != nil {
		m.refusals.WithLabelValues(strconv.Itoa(status)).Inc()
	}
}
