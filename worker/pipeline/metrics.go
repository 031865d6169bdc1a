package pipeline

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the veille worker's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	fetches      *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	stages       *prometheus.HistogramVec
	items        *prometheus.CounterVec
	feedsInError prometheus.Gauge
	leaseWait    prometheus.Histogram
	takenOver    prometheus.Counter
	passes       *prometheus.CounterVec
}

// NewMetrics creates the worker's metrics and registers them on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopdesk_feed_fetches_total",
			Help: "Feed fetches by outcome: ok, empty, not_modified, or an error kind (http_status, timeout, not_a_feed, …).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coopdesk_feed_fetch_duration_seconds",
			Help:    "Time to process one feed, fetch to store, by outcome.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"outcome"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "coopdesk_feed_stage_duration_seconds",
			Help:    "Time spent in the parse (parse, normalise, dedup) and store stages of one feed.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"stage"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopdesk_feed_items_total",
			Help: "Feed items stored, by result: new, updated, unchanged.",
		}, []string{"result"}),
		feedsInError: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "coopdesk_feeds_in_error",
			Help: "Enabled feeds whose last fetch failed (consecutive_errors > 0), as of the last pass.",
		}),
		leaseWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "coopdesk_feed_lease_wait_seconds",
			Help:    "Delay between a feed's due time and its claim by a worker.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 900, 3600},
		}),
		takenOver: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "coopdesk_feed_leases_taken_over_total",
			Help: "Feeds claimed from an expired lease of another (dead or stuck) worker.",
		}),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "coopdesk_worker_passes_total",
			Help: "Worker passes, by result: ok or error.",
		}, []string{"result"}),
	}
	for _, r := range []string{"new", "updated", "unchanged"} {
		m.items.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.fetches, m.duration, m.stages, m.items, m.feedsInError, m.leaseWait, m.takenOver, m.passes)
	}
	return m
}

func (m *Metrics) observe(r Result) {
	if m == nil {
		return
	}
	m.fetches.WithLabelValues(r.Status).Inc()
	m.duration.WithLabelValues(r.Status).Observe(r.Duration.Seconds())
	if r.Counts.New > 0 {
		m.items.WithLabelValues("new").Add(float64(r.Counts.New))
	}
	if r.Counts.Updated > 0 {
		m.items.WithLabelValues("updated").Add(float64(r.Counts.Updated))
	}
	if r.Counts.Unchanged > 0 {
		m.items.WithLabelValues("unchanged").Add(float64(r.Counts.Unchanged))
	}
}

func (m *Metrics) observeStage(stage string, d time.Duration) {
	if m == nil {
		return
	}
	m.stages.WithLabelValues(stage).Observe(d.Seconds())
}

// ObserveClaim records how late a claimed feed was and whether its lease was taken over.
func (m *Metrics) ObserveClaim(wait time.Duration, takenOver bool) {
	if m == nil {
		return
	}
	m.leaseWait.Observe(max(wait, 0).Seconds())
	if takenOver {
		m.takenOver.Inc()
	}
}

// SetFeedsInError sets the gauge of failing feeds.
func (m *Metrics) SetFeedsInError(n int) {
	if m == nil {
		return
	}
	m.feedsInError.Set(float64(n))
}

// ObservePass counts a pass.
func (m *Metrics) ObservePass(err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.passes.WithLabelValues("error").Inc()
		return
	}
	m.passes.WithLabelValues("ok").Inc()
}
