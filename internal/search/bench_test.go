package search_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"coopdesk/internal/database"
	"coopdesk/internal/search"
	"coopdesk/internal/search/benchdata"
	"coopdesk/internal/testdb"
)

// benchArticles is the size of the benchmark veille: COOPDESK_BENCH_ARTICLES, or a
// small default so that `go test -bench` stays quick. The targets are measured with
// 1000000 on PostgreSQL and 100000 on SQLite (docs/benchmarks.md).
func benchArticles(b *testing.B, def int) int {
	if s := os.Getenv("COOPDESK_BENCH_ARTICLES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 {
			b.Fatalf("COOPDESK_BENCH_ARTICLES=%q: want a number ≥ 1000", s)
		}
		return n
	}
	return def
}

// benchQueries are one- to three-word queries a veille user types: very common words,
// place names of every frequency, phrases and an exclusion.
var benchQueries = []string{
	"commune",
	"assainissement",
	"Dakar",
	"Tambacounda",
	"jumelage",
	"municipalité",
	"coopération décentralisée",
	"conseil municipal",
	"gestion déchets",
	"budget investissement",
	"élus Lyon",
	`"état civil"`,
	"eau potable Bamako",
	"formation agents mairie",
	"inondations écoles santé",
	"élections -report",
}

func BenchmarkSearchPostgres(b *testing.B) {
	n := benchArticles(b, 20_000)
	ctx := context.Background()
	db, st, err := benchdata.Postgres(ctx, testdb.PostgresURL(b), n, b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.Logf("PostgreSQL: %s", st)
	benchSearch(b, db)
}

func BenchmarkSearchSQLite(b *testing.B) {
	n := benchArticles(b, 20_000)
	if n > 200_000 {
		n = 100_000 // the SQLite target is 100,000 articles
	}
	ctx := context.Background()
	db, st, err := benchdata.SQLite(ctx, os.TempDir(), n, b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.Logf("SQLite: %s", st)
	benchSearch(b, db)
}

// benchSearch runs every query in turn, first: 20, with and without a group filter, and
// reports the median and 95th percentile latencies besides the mean.
func benchSearch(b *testing.B, db *database.DB) {
	engine := search.New(db)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		filter search.Filter
	}{
		{"no-filter", search.Filter{}},
		{"group-filter", search.Filter{Groups: []string{"maghreb"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			// Warm the caches once per query, as a running server would be.
			for _, q := range benchQueries {
				if _, err := engine.Search(ctx, search.Request{Query: q, Filter: tc.filter, First: 20, Now: benchdata.Now}); err != nil {
					b.Fatalf("%q: %v", q, err)
				}
			}
			durations := make([]time.Duration, 0, b.N)
			perQuery := map[string][]time.Duration{}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				q := benchQueries[i%len(benchQueries)]
				start := time.Now()
				page, err := engine.Search(ctx, search.Request{Query: q, Filter: tc.filter, First: 20, Now: benchdata.Now})
				d := time.Since(start)
				if err != nil {
					b.Fatalf("%q: %v", q, err)
				}
				if len(page.Hits) == 0 && q != "Tambacounda" {
					b.Fatalf("%q: no hits", q)
				}
				durations = append(durations, d)
				perQuery[q] = append(perQuery[q], d)
			}
			b.StopTimer()
			reportPercentiles(b, durations)
			if testing.Verbose() {
				for _, q := range benchQueries {
					if ds := perQuery[q]; len(ds) > 0 {
						b.Logf("%-28q p50 %6.2f ms  max %6.2f ms", q, percentile(ds, 50), percentile(ds, 100))
					}
				}
			}
		})
	}
}

func percentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return float64(s[i]) / float64(time.Millisecond)
}

func reportPercentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	b.ReportMetric(percentile(ds, 50), "p50-ms")
	b.ReportMetric(percentile(ds, 95), "p95-ms")
	b.ReportMetric(percentile(ds, 100), "max-ms")
}
