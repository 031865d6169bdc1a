package server

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of the HTTP server and its GraphQL operations.
type Metrics struct {
	registry      *prometheus.Registry
	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	gqlOperations *prometheus.CounterVec
	gqlDuration   *prometheus.HistogramVec
	cacheResults  *prometheus.CounterVec
}

// NewMetrics registers the server's metrics, the Go runtime's and the database pool's.
func NewMetrics(db *sql.DB, dbName string) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopdesk_http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "coopdesk_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		gqlOperations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopdesk_graphql_operations_total", Help: "GraphQL operations by type, name and outcome.",
		}, []string{"type", "operation", "outcome"}),
		gqlDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "coopdesk_graphql_operation_duration_seconds", Help: "GraphQL operation latency by type.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"type"}),
		cacheResults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopdesk_response_cache_requests_total",
			Help: "GraphQL requests seen by the response cache (PostgreSQL): hit, miss (computed and kept), shared (waited for an identical request's answer), uncacheable (a mutation or an error).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.httpRequests, m.httpDuration, m.gqlOperations, m.gqlDuration, m.cacheResults,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, dbName))
	return m
}

// Registry is where other parts (the worker) register their metrics.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// ObserveOperation records one GraphQL operation. Operation names are chosen by clients, so
// they are bounded in length to keep label cardinality sane.
func (m *Metrics) ObserveOperation(name, kind string, errors int, d time.Duration) {
	if len(name) > 64 {
		name = name[:64]
	}
	if name == "" {
		name = "anonymous"
	}
	outcome := "ok"
	if errors > 0 {
		outcome = "error"
	}
	m.gqlOperations.WithLabelValues(kind, name, outcome).Inc()
	m.gqlDuration.WithLabelValues(kind).Observe(d.Seconds())
}

// instrument counts and times the requests of one route.
func (m *Metrics) instrument(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		m.httpRequests.WithLabelValues(route, r.Method, strconv.Itoa(rec.code)).Inc()
		m.httpDuration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
