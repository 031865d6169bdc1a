package dashboard_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"coopdesk/internal/dashboard"
	"coopdesk/internal/search/benchdata"
	"coopdesk/internal/testdb"
)

// BenchmarkDashboardPostgres times each aggregate on the benchmark veille of
// internal/search/benchdata (COOPDESK_BENCH_ARTICLES articles, 20,000 by default; the
// target is measured with 1000000), shared with the search benchmarks.
func BenchmarkDashboardPostgres(b *testing.B) {
	n := 20_000
	if s := os.Getenv("COOPDESK_BENCH_ARTICLES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1000 {
			b.Fatalf("COOPDESK_BENCH_ARTICLES=%q: want a number ≥ 1000", s)
		}
	}
	ctx := context.Background()
	db, st, err := benchdata.Postgres(ctx, testdb.PostgresURL(b), n, b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.Logf("PostgreSQL: %s", st)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		b.Fatal(err)
	}
	month := benchdata.Now.AddDate(0, -1, 0)
	for _, bc := range []struct {
		name string
		fn   func() error
	}{
		{"dossiers", func() error { _, err := dashboard.Dossiers(ctx, db); return err }},
		{"partnerships", func() error { _, err := dashboard.Partnerships(ctx, db); return err }},
		{"articles-per-group-per-day-30d", func() error {
			_, err := dashboard.ArticlesPerGroupPerDay(ctx, db, month, benchdata.Now, paris)
			return err
		}},
		{"top-mentioned-authorities-30d", func() error {
			_, err := dashboard.TopMentionedAuthorities(ctx, db, month, benchdata.Now, 20)
			return err
		}},
		{"feed-health", func() error { _, err := dashboard.FeedHealth(ctx, db, 20); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if err := bc.fn(); err != nil { // warm up
				b.Fatal(err)
			}
			var ds []time.Duration
			for b.Loop() {
				start := time.Now()
				if err := bc.fn(); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(start))
			}
			b.StopTimer()
			reportPercentiles(b, ds)
		})
	}
}

func reportPercentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	s := append([]time.Duration(nil), ds...)
	for i := range s { // insertion sort: a few hundred values
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	at := func(p float64) float64 { return float64(s[int(float64(len(s)-1)*p/100)]) / float64(time.Millisecond) }
	b.ReportMetric(at(50), "p50-ms")
	b.ReportMetric(at(95), "p95-ms")
	b.ReportMetric(at(100), "max-ms")
}
