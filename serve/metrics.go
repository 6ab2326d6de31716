package serve

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are a server's Prometheus metrics, in a registry of its own so
// that several servers (tests) do not share them.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	samples  *prometheus.CounterVec
	inFlight prometheus.Gauge
	batch    prometheus.Histogram
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "artifex_serve_requests_total",
			Help: "Sample requests answered, by model (empty: unknown) and HTTP status (499: the client left first).",
		}, []string{"model", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "artifex_serve_request_duration_seconds",
			Help:    "Time from a sample request's arrival to its answer, queue wait included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 17), // 1 ms to 65 s
		}, []string{"model"}),
		samples: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "artifex_serve_samples_total",
			Help: "Samples drawn and sent, by model.",
		}, []string{"model"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "artifex_serve_in_flight_requests",
			Help: "Sample requests accepted and not yet answered (queued or drawing).",
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "artifex_serve_batch_requests",
			Help:    "Requests drawn together in one batch.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}),
	}
	queued := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "artifex_serve_queue_length",
		Help: "Sample requests waiting for a worker.",
	}, func() float64 { return float64(s.queue.len()) })
	m.reg.MustRegister(m.requests, m.latency, m.samples, m.inFlight, m.batch, queued,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, name := range s.names {
		m.samples.WithLabelValues(name)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe counts one answered sample request.
func (m *metrics) observe(model string, status int, d time.Duration) {
	m.requests.WithLabelValues(model, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(model).Observe(d.Seconds())
}
