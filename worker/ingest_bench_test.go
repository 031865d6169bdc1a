package worker_test

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"coopdesk/internal/testdb"

	"github.com/mmcdole/gofeed"
)

// BenchmarkIngest measures the whole pipeline as deployed: `coopdesk fetch --all` runs as a
// subprocess against 1,000 loopback feeds of 50 items (spread over 8 loopback addresses,
// as feeds are over many hosts) into PostgreSQL, then again (all 304: no article write),
// then over hostile feeds; peak RSS is the subprocess's VmHWM, read from /proc. gofeed's
// parse-only throughput on the same bodies is the floor of the cost.
//
//	go test -run '^$' -bench Ingest -benchtime 1x ./worker/
func BenchmarkIngest(b *testing.B) {
	const feeds, items, hosts = 1000, 50, 8
	bodies := make([][]byte, feeds)
	mux := http.NewServeMux()
	for i := range feeds {
		f := &servedFeed{body: newsFeed(fmt.Sprintf("bench%d.test", i), items)}
		bodies[i] = f.body
		mux.Handle(fmt.Sprintf("/f%d", i), f)
	}
	var endless bytes.Buffer
	for range 4096 {
		endless.WriteString("<item/>")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(make([]byte, 64<<20))
	zw.Close()
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := w.Write(endless.Bytes()); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz.Bytes())
	})
	var big strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&big, `<item><title>Dépêche %d sur la coopération</title><link>https://big.test/%d</link><guid>big-%d</guid><description>Texte de la dépêche %d.</description></item>`, i, i, i, i)
	}
	bigFeed := []byte(rss(big.String()))
	for i := range 8 {
		mux.HandleFunc(fmt.Sprintf("/big%d", i), func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.ReplaceAll(bigFeed, []byte("big.test"), fmt.Appendf(nil, "big%d.test", i)))
		})
	}
	var urls []string
	for h := range hosts {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", h+2))
		if err != nil {
			b.Fatal(err)
		}
		srv := &http.Server{Handler: mux}
		go srv.Serve(ln)
		b.Cleanup(func() { srv.Close() })
		urls = append(urls, "http://"+ln.Addr().String())
	}

	dbURL := testdb.PostgresSchema(b)
	bin := benchBinary(b)
	env := append(os.Environ(), "COOPDESK_DATABASE_URL="+dbURL, "COOPDESK_FETCH_ALLOW_PRIVATE=1", "COOPDESK_LOG_LEVEL=error")
	cmd := exec.Command(bin, "migrate")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("migrate: %v\n%s", err, out)
	}
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	mustExec(b, db, `UPDATE feeds SET enabled = false`)
	var values []string
	for i := range feeds {
		values = append(values, fmt.Sprintf("(now(), now(), '%s/f%d', true, 60, 0, now())", urls[i%hosts], i))
	}
	mustExec(b, db, `INSERT INTO feeds (created_at, updated_at, url, enabled, interval_minutes, consecutive_errors, next_fetch_at) VALUES `+strings.Join(values, ","))

	fetchAll := func() (time.Duration, int64, string) {
		cmd := exec.Command(bin, "fetch", "--all")
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		// VmHWM is the process's own peak RSS (getrusage's would count the forking
		// parent's); it only grows, so the last reading before exit is the peak, give or
		// take the last 20 ms.
		done := make(chan struct{})
		var hwm int64
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				if kb := vmHWM(cmd.Process.Pid); kb > hwm {
					hwm = kb
				}
				select {
				case <-done:
					return
				case <-tick.C:
				}
			}
		}()
		err := cmd.Wait()
		close(done)
		<-sampled
		if err != nil {
			b.Fatalf("fetch: %v\n%s", err, out.String())
		}
		return time.Since(start), hwm, strings.TrimSpace(out.String())
	}
	fingerprint := func() (n int, sum string) {
		db.QueryRow(`SELECT count(*), coalesce(md5(string_agg(id::text || ':' || xmin::text, ',' ORDER BY id)), '') FROM articles`).Scan(&n, &sum)
		return
	}

	b.ResetTimer()
	first, rss1, out1 := fetchAll()
	n1, fp1 := fingerprint()
	second, rss2, out2 := fetchAll()
	n2, fp2 := fingerprint()
	b.StopTimer()
	if n1 != feeds*items {
		b.Errorf("%d articles stored, want %d", n1, feeds*items)
	}
	if n2 != n1 || fp1 != fp2 {
		b.Errorf("the unchanged pass wrote articles (%d → %d rows, fingerprint changed: %v)", n1, n2, fp1 != fp2)
	}

	// Hostile feeds: an endless body, a 64 MiB gzip bomb, eight 10,000-item feeds.
	mustExec(b, db, `UPDATE feeds SET enabled = false`)
	values = values[:0]
	for _, p := range []string{"/endless", "/bomb", "/big0", "/big1", "/big2", "/big3", "/big4", "/big5", "/big6", "/big7"} {
		values = append(values, fmt.Sprintf("(now(), now(), '%s%s', true, 60, 0, now())", urls[len(values)%hosts], p))
	}
	mustExec(b, db, `INSERT INTO feeds (created_at, updated_at, url, enabled, interval_minutes, consecutive_errors, next_fetch_at) VALUES `+strings.Join(values, ","))
	hostile, rss3, out3 := fetchAll()

	// The floor: gofeed alone on the same bodies, in this process.
	parseStart := time.Now()
	parsed := 0
	for _, body := range bodies {
		f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		parsed += len(f.Items)
	}
	parseTime := time.Since(parseStart)

	ingestRate := float64(feeds*items) / first.Seconds()
	parseRate := float64(parsed) / parseTime.Seconds()
	b.ReportMetric(ingestRate, "items/s")
	b.ReportMetric(second.Seconds(), "unchanged-pass-s")
	b.ReportMetric(float64(max(rss1, rss2, rss3))/1024, "peak-RSS-MB")
	b.ReportMetric(parseRate, "gofeed-items/s")
	b.Logf("first pass:      %6.2fs  %7.0f items/s  peak RSS %5.1f MB  (%s)", first.Seconds(), ingestRate, float64(rss1)/1024, out1)
	b.Logf("unchanged pass:  %6.2fs  article rows rewritten: none=%v  peak RSS %5.1f MB  (%s)", second.Seconds(), fp1 == fp2, float64(rss2)/1024, out2)
	b.Logf("hostile feeds:   %6.2fs  peak RSS %5.1f MB  (%s)", hostile.Seconds(), float64(rss3)/1024, out3)
	b.Logf("gofeed alone:    %6.2fs  %7.0f items/s; whole pipeline / gofeed = 1/%.1f", parseTime.Seconds(), parseRate, parseRate/ingestRate)
}

// vmHWM reads a process's peak resident set size in KiB from /proc, 0 once it is gone.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb
		}
	}
	return 0
}

func benchBinary(b *testing.B) string {
	dir := b.TempDir()
	bin := dir + "/coopdesk"
	if out, err := exec.Command("go", "build", "-o", bin, "coopdesk/cmd/coopdesk").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func mustExec(b *testing.B, db *sql.DB, q string) {
	if _, err := db.Exec(q); err != nil {
		b.Fatal(err)
	}
}
