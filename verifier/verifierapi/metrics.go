package verifierapi

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sceau/sceau/verifier"
)

// metrics are the API's Prometheus counters: verdicts by route, verdict
// and input kind, and image and PDF verifications refused for want of a
// decoding slot. A nil *metrics counts nothing. Requests themselves are
// counted and timed by the server that mounts the API.
type metrics struct {
	verdicts *prometheus.CounterVec
	busies   prometheus.Counter
	frames   *prometheus.CounterVec
}

// newMetrics registers the API's counters with reg (nil: none).
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sceau_verifications_total", Help: "Verifications by route, verdict and input kind.",
		}, []string{"route", "verdict", "input"}),
		busies: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sceau_decode_rejected_total", Help: "Image and PDF verifications refused (503) for want of a free decoding slot.",
		}),
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sceau_scan_frames_total", Help: "Camera frames posted to /v1/scan, by result: found, none (no QR code), busy, limited (over the client's rate), refused (not a frame).",
		}, []string{"result"}),
	}
	for _, c := range []prometheus.Collector{m.verdicts, m.busies, m.frames} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering verifier API metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) verdict(route string, res *verifier.Result) {
	if m == nil {
		return
	}
	input := res.Input
	if input == "" {
		input = "unknown"
	}
	m.verdicts.WithLabelValues(route, string(res.Verdict), input).Inc()
}

func (m *metrics) busy() {
	if m != nil {
		m.busies.Inc()
	}
}

func (m *metrics) frame(result string) {
	if m != nil {
		m.frames.WithLabelValues(result).Inc()
	}
}
