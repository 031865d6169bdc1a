package worker_test

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
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
// parse-only throughput on the same bodies is the floor of the cost. The first pass also
// runs without the tagging stage (`fetch --all --no-tag`, on its own fresh schema), for
// what tagging adds.
//
// Its items are the dense synthetic text of newsFeed: every item about local government
// in the partner countries (≈ 8.4 tag rows each) with 30 fresh random tokens (1.5 million
// distinct words in 50,000 items). BenchmarkIngestPress runs the same on press-like text.
//
//	go test -run '^$' -bench 'Ingest$' -benchtime 1x ./worker/
func BenchmarkIngest(b *testing.B) { benchIngest(b, newsFeed) }

// BenchmarkIngestPress is BenchmarkIngest on press-like items (pressFeed): the headlines
// and first sentences of the tagger's labelled set (≈ 3.2 tag rows an item, itself denser
// than a real feed, where many items concern no partner country), each followed by 40
// words of a Zipf-distributed vocabulary, as news text draws its words.
//
//	go test -run '^$' -bench 'IngestPress$' -benchtime 1x ./worker/
func BenchmarkIngestPress(b *testing.B) {
	press := newPressText(b)
	benchIngest(b, press.feed)
}

func benchIngest(b *testing.B, feed func(site string, n int) []byte) {
	const feeds, items, hosts = 1000, 50, 8
	bodies := make([][]byte, feeds)
	mux := http.NewServeMux()
	for i := range feeds {
		f := &servedFeed{body: feed(fmt.Sprintf("bench%d.test", i), items)}
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

	bin := benchBinary(b)
	const appName = "coopdesk_bench_ingest"
	// schema prepares a fresh PostgreSQL schema with the 1,000 feeds: the environment of
	// the subprocess and a connection of this process.
	var values []string
	schema := func() ([]string, *sql.DB) {
		dbURL := testdb.PostgresSchema(b)
		// The subprocess's backends are found by their application name, to count their CPU.
		appURL, err := url.Parse(dbURL)
		if err != nil {
			b.Fatal(err)
		}
		q := appURL.Query()
		q.Set("application_name", appName)
		appURL.RawQuery = q.Encode()
		env := append(os.Environ(), "COOPDESK_DATABASE_URL="+appURL.String(), "COOPDESK_FETCH_ALLOW_PRIVATE=1", "COOPDESK_LOG_LEVEL=error")
		cmd := exec.Command(bin, "migrate")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("migrate: %v\n%s", err, out)
		}
		db, err := sql.Open("postgres", dbURL)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		mustExec(b, db, `UPDATE feeds SET enabled = false`)
		values = values[:0]
		for i := range feeds {
			values = append(values, fmt.Sprintf("(now(), now(), '%s/f%d', true, 60, 0, now())", urls[i%hosts], i))
		}
		mustExec(b, db, `INSERT INTO feeds (created_at, updated_at, url, enabled, interval_minutes, consecutive_errors, next_fetch_at) VALUES `+strings.Join(values, ","))
		return env, db
	}

	// run is one `coopdesk fetch --all`: its wall time, peak RSS, CPU time (its own, and
	// that of its PostgreSQL backends) and output.
	type run struct {
		wall            time.Duration
		hwm             int64
		cpu, backendCPU time.Duration
		out             string
	}
	profiles := os.Getenv("BENCH_PROFILE_DIR") // a CPU profile of each fetch run there, when set
	runs := 0
	fetchAll := func(env []string, db *sql.DB, args ...string) run {
		cmd := exec.Command(bin, append([]string{"fetch", "--all"}, args...)...)
		cmd.Env = env
		if runs++; profiles != "" {
			cmd.Env = append(slices.Clone(env), fmt.Sprintf("COOPDESK_CPUPROFILE=%s/fetch%d.pprof", profiles, runs))
		}
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
		backends := map[int]time.Duration{} // CPU time of each backend, last seen
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				if kb := vmHWM(cmd.Process.Pid); kb > hwm {
					hwm = kb
				}
				if i%25 == 0 {
					if rows, err := db.Query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, appName); err == nil {
						for rows.Next() {
							var pid int
							if rows.Scan(&pid) == nil {
								if _, ok := backends[pid]; !ok {
									backends[pid] = 0
								}
							}
						}
						rows.Close()
					}
				}
				for pid := range backends {
					if cpu := procCPU(pid); cpu > backends[pid] {
						backends[pid] = cpu
					}
				}
				select {
				case <-done:
					return
				case <-tick.C:
				}
			}
		}()
		err := cmd.Wait()
		wall := time.Since(start)
		close(done)
		<-sampled
		if err != nil {
			b.Fatalf("fetch: %v\n%s", err, out.String())
		}
		r := run{wall: wall, hwm: hwm, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), out: strings.TrimSpace(out.String())}
		for _, cpu := range backends {
			r.backendCPU += cpu
		}
		return r
	}
	fingerprint := func(db *sql.DB) (n int, sum string) {
		db.QueryRow(`SELECT count(*), coalesce(md5(string_agg(id::text || ':' || xmin::text, ',' ORDER BY id)), '') FROM articles`).Scan(&n, &sum)
		return
	}

	// The same first pass without the tagging stage (#6's bar: tagging adds at most 20 %
	// to this benchmark), on its own fresh schema, before the timed runs.
	// A checkpoint before each first pass, so that neither pays for the other's dirty
	// pages (the error of a role that may not checkpoint is ignored).
	envUntagged, dbUntagged := schema()
	_, _ = dbUntagged.Exec(`CHECKPOINT`)
	r0 := fetchAll(envUntagged, dbUntagged, "--no-tag")
	if n, _ := fingerprint(dbUntagged); n != feeds*items {
		b.Errorf("untagged pass: %d articles stored, want %d", n, feeds*items)
	}
	env, db := schema()
	_, _ = db.Exec(`CHECKPOINT`)

	b.ResetTimer()
	r1 := fetchAll(env, db)
	n1, fp1 := fingerprint(db)
	r2 := fetchAll(env, db)
	n2, fp2 := fingerprint(db)
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
	r3 := fetchAll(env, db)

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

	ingestRate := float64(feeds*items) / r1.wall.Seconds()
	parseRate := float64(parsed) / parseTime.Seconds()
	b.ReportMetric(ingestRate, "items/s")
	b.ReportMetric(r2.wall.Seconds(), "unchanged-pass-s")
	b.ReportMetric(float64(max(r1.hwm, r2.hwm, r3.hwm))/1024, "peak-RSS-MB")
	b.ReportMetric(parseRate, "gofeed-items/s")
	b.ReportMetric(r1.cpu.Seconds(), "first-pass-cpu-s")
	b.ReportMetric(r1.backendCPU.Seconds(), "first-pass-pg-cpu-s")
	untaggedRate := float64(feeds*items) / r0.wall.Seconds()
	b.ReportMetric(untaggedRate, "untagged-items/s")
	b.ReportMetric(100*(r1.wall.Seconds()/r0.wall.Seconds()-1), "tagging-overhead-%")
	load, _ := os.ReadFile("/proc/loadavg")
	b.Logf("load average at the end: %s", strings.TrimSpace(string(load)))
	b.Logf("first pass:      %6.2fs  %7.0f items/s  peak RSS %5.1f MB  CPU %5.1fs + PostgreSQL backends %5.1fs  (%s)",
		r1.wall.Seconds(), ingestRate, float64(r1.hwm)/1024, r1.cpu.Seconds(), r1.backendCPU.Seconds(), r1.out)
	b.Logf("untagged pass:   %6.2fs  %7.0f items/s  peak RSS %5.1f MB  CPU %5.1fs + PostgreSQL backends %5.1fs  (fetch --all --no-tag; tagging adds %+.0f %%)",
		r0.wall.Seconds(), untaggedRate, float64(r0.hwm)/1024, r0.cpu.Seconds(), r0.backendCPU.Seconds(), 100*(r1.wall.Seconds()/r0.wall.Seconds()-1))
	b.Logf("unchanged pass:  %6.2fs  article rows rewritten: none=%v  peak RSS %5.1f MB  CPU %5.1fs + %5.1fs  (%s)",
		r2.wall.Seconds(), fp1 == fp2, float64(r2.hwm)/1024, r2.cpu.Seconds(), r2.backendCPU.Seconds(), r2.out)
	b.Logf("hostile feeds:   %6.2fs  peak RSS %5.1f MB  CPU %5.1fs + %5.1fs  (%s)",
		r3.wall.Seconds(), float64(r3.hwm)/1024, r3.cpu.Seconds(), r3.backendCPU.Seconds(), r3.out)
	b.Logf("gofeed alone:    %6.2fs  %7.0f items/s; whole pipeline / gofeed = 1/%.1f", parseTime.Seconds(), parseRate, parseRate/ingestRate)
}

// procCPU reads a process's CPU time (user and system) from /proc, 0 once it is gone.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	var utime, stime int64
	fmt.Sscan(f[11], &utime)
	fmt.Sscan(f[12], &stime)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
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
