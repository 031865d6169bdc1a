package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPartnershipsPage measures `partnerships(first: 50)` with both authority sides and
// themes, over real HTTP, with 16 concurrent clients, on PostgreSQL with 10,000
// partnerships. It reports p50 and p99 latencies.
//
//	go test -run '^$' -bench PartnershipsPage -benchtime 2000x ./internal/server/
func BenchmarkPartnershipsPage(b *testing.B) {
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			db := openDB(b, v.engine)
			a := newAPI(b, db, v.env)
			seedPartnerships(b, db.Client, 10_000)
			runConcurrently(b, a, partnershipsQuery, map[string]any{"n": 50})
		})
	}
}

// BenchmarkDossiersPage measures `dossiers(first: 50)` with their history and milestones,
// with 16 concurrent clients, on 5,000 dossiers and 50,000 events.
//
//	go test -run '^$' -bench DossiersPage -benchtime 2000x ./internal/server/
func BenchmarkDossiersPage(b *testing.B) {
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			db := openDB(b, v.engine)
			a := newAPI(b, db, v.env)
			seedDossiers(b, db.Client, 5_000, 10)
			runConcurrently(b, a, dossiersQuery, map[string]any{"n": 50})
		})
	}
}

// benchVariants: PostgreSQL with the response cache (the default) and without it, SQLite.
var benchVariants = []struct {
	name, engine string
	env          map[string]string
}{
	{"postgres-cached", "postgres", nil},
	{"postgres-uncached", "postgres", map[string]string{"COOPDESK_RESPONSE_CACHE_TTL": "0"}},
	{"sqlite", "sqlite", nil},
}

// runConcurrently sends b.N requests from 16 clients (BENCH_CLIENTS) and reports the p50
// and p99 latencies.
func runConcurrently(b *testing.B, a *api, query string, vars map[string]any) {
	{
		{
			body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
			do := func() time.Duration {
				req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+a.viewer)
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return 0
				}
				// Read the whole answer (the latency ends there) but do not decode it: the
				// clients share the server's two cores, and a dashboard's JSON parsing is not
				// the server's cost. The prefix says whether it is data or errors.
				var head [12]byte
				n, _ := io.ReadFull(resp.Body, head[:])
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				elapsed := time.Since(start)
				if resp.StatusCode != 200 || !bytes.HasPrefix(head[:n], []byte(`{"data":{`)) {
					b.Errorf("status %d, answer starts %q", resp.StatusCode, head[:n])
				}
				return elapsed
			}
			for range 20 { // warm the pools and caches
				do()
			}
			clients := 16
			if c, err := strconv.Atoi(os.Getenv("BENCH_CLIENTS")); err == nil && c > 0 {
				clients = c
			}
			b.ReportAllocs()
			lat := make([]time.Duration, b.N)
			var wg sync.WaitGroup
			next := make(chan int, b.N)
			for i := range b.N {
				next <- i
			}
			close(next)
			cpu0 := processCPU()
			b.ResetTimer()
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						lat[i] = do()
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			// CPU of this process (server and clients, not PostgreSQL) per request: steadier
			// than latencies on a shared machine.
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		}
	}
}
