package worker_test

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
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
// parse-only throughput on the same bodies is the floor of the cost. The first pass runs
// BENCH_INGEST_PAIRS times (3 by default) with the tagging stage and as many without
// (`fetch --all --no-tag`), each on its own fresh schema, for what tagging adds: the
// figures are the medians.
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
	// the subprocess, a connection of this process and the application name of the
	// subprocess's connections (its own per schema, as two subprocesses may run at once).
	var values []string
	type target struct {
		env []string
		db  *sql.DB
		app string
	}
	schemas := 0
	schema := func() target {
		schemas++
		app := fmt.Sprintf("%s_%d", appName, schemas)
		dbURL := testdb.PostgresSchema(b)
		// The subprocess's backends are found by their application name, to count their CPU.
		appURL, err := url.Parse(dbURL)
		if err != nil {
			b.Fatal(err)
		}
		q := appURL.Query()
		q.Set("application_name", app)
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
		return target{env, db, app}
	}

	// run is one `coopdesk fetch --all`: its wall time, peak RSS, CPU time (its own, and
	// that of its PostgreSQL backends) and output. startFetch starts one and returns the
	// function that waits for it, so that two can run side by side.
	type run struct {
		wall            time.Duration
		hwm             int64
		cpu, backendCPU time.Duration
		out             string
	}
	profiles := os.Getenv("BENCH_PROFILE_DIR") // a CPU profile of each fetch run there, when set
	runs := 0
	startFetch := func(t target, args ...string) (wait func() run) {
		cmd := exec.Command(bin, append([]string{"fetch", "--all"}, args...)...)
		cmd.Env = t.env
		if runs++; profiles != "" {
			cmd.Env = append(slices.Clone(t.env), fmt.Sprintf("COOPDESK_CPUPROFILE=%s/fetch%d.pprof", profiles, runs))
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
					if rows, err := t.db.Query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, t.app); err == nil {
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
		// The end is taken when the process exits, not when its waiter is called.
		var end time.Time
		exited := make(chan error, 1)
		go func() {
			err := cmd.Wait()
			end = time.Now()
			exited <- err
		}()
		return func() run {
			err := <-exited
			wall := end.Sub(start)
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
	}
	fetchAll := func(t target, args ...string) run { return startFetch(t, args...)() }
	fingerprint := func(db *sql.DB) (n int, sum string) {
		db.QueryRow(`SELECT count(*), coalesce(md5(string_agg(id::text || ':' || xmin::text, ',' ORDER BY id)), '') FROM articles`).Scan(&n, &sum)
		return
	}

	// The first pass with and without the tagging stage (#6's bar: tagging adds at most
	// 20 % to this benchmark), each on its own fresh schema, in pairs whose order
	// alternates (untagged first, then tagged first, ...), so that neither kind always
	// pays for the other's dirty pages, WAL and autovacuum; a CHECKPOINT before each pass
	// (the error of a role that may not checkpoint is ignored). A single pair on this
	// 2-core machine varies by ±20 %: the figures are the medians of the pairs
	// (BENCH_INGEST_PAIRS, 3 by default). The unchanged pass then runs on the last
	// tagged schema.
	pairs := 3
	if v, err := strconv.Atoi(os.Getenv("BENCH_INGEST_PAIRS")); err == nil && v > 0 {
		pairs = v
	}
	var (
		last          target // the last tagged schema
		tagged, plain []run
	)
	b.ResetTimer()
	for i := range pairs {
		for k := range 2 {
			withTags := (i+k)%2 == 1
			t := schema()
			_, _ = t.db.Exec(`CHECKPOINT`)
			if !withTags {
				plain = append(plain, fetchAll(t, "--no-tag"))
				if n, _ := fingerprint(t.db); n != feeds*items {
					b.Errorf("untagged pass: %d articles stored, want %d", n, feeds*items)
				}
				continue
			}
			tagged = append(tagged, fetchAll(t))
			last = t
		}
	}
	db := last.db
	n1, fp1 := fingerprint(db)
	var groupRows, mentionRows, topicRows int
	db.QueryRow(`SELECT (SELECT count(*) FROM article_group_tags), (SELECT count(*) FROM article_mentions), (SELECT count(*) FROM article_topics)`).Scan(&groupRows, &mentionRows, &topicRows)
	b.Logf("tag rows per item: %.2f group tags, %.2f mentions, %.2f topics", float64(groupRows)/float64(n1), float64(mentionRows)/float64(n1), float64(topicRows)/float64(n1))
	r2 := fetchAll(last)
	n2, fp2 := fingerprint(db)
	b.StopTimer()
	if n1 != feeds*items {
		b.Errorf("%d articles stored, want %d", n1, feeds*items)
	}
	if n2 != n1 || fp1 != fp2 {
		b.Errorf("the unchanged pass wrote articles (%d → %d rows, fingerprint changed: %v)", n1, n2, fp1 != fp2)
	}
	// The median run of each kind (by wall time) stands for it.
	median := func(rs []run) run {
		rs = slices.Clone(rs)
		slices.SortFunc(rs, func(a, b run) int { return cmp.Compare(a.wall, b.wall) })
		return rs[len(rs)/2]
	}
	r1, r0 := median(tagged), median(plain)
	for i := range pairs {
		b.Logf("pair %d: tagged %6.2fs, untagged %6.2fs: tagging adds %+.0f %%", i+1, tagged[i].wall.Seconds(), plain[i].wall.Seconds(), 100*(tagged[i].wall.Seconds()/plain[i].wall.Seconds()-1))
	}

	// Side by side: the same first pass tagged and untagged at once, each on its own
	// schema. This VM's speed drifts by up to a factor of two within minutes (gofeed's
	// rate below moves with it), which a pass run after the other takes in full; two
	// passes run together meet the same machine, so that the ratio of their CPU time
	// (coopdesk and its PostgreSQL backends) measures what tagging costs whatever the
	// machine does. On two saturated cores, CPU is wall time: this is the figure to read
	// against the bar (BENCH_INGEST_SIDE_BY_SIDE runs, 2 by default).
	sideBySide := 2
	if v, err := strconv.Atoi(os.Getenv("BENCH_INGEST_SIDE_BY_SIDE")); err == nil && v >= 0 {
		sideBySide = v
	}
	var cpuRatios []float64
	for i := range sideBySide {
		tt, tu := schema(), schema()
		_, _ = tt.db.Exec(`CHECKPOINT`)
		var waitT, waitU func() run
		// Alternate which starts first (by a few milliseconds).
		if i%2 == 0 {
			waitT, waitU = startFetch(tt), startFetch(tu, "--no-tag")
		} else {
			waitU, waitT = startFetch(tu, "--no-tag"), startFetch(tt)
		}
		rt, ru := waitT(), waitU()
		cpuT, cpuU := rt.cpu+rt.backendCPU, ru.cpu+ru.backendCPU
		ratio := cpuT.Seconds()/cpuU.Seconds() - 1
		cpuRatios = append(cpuRatios, ratio)
		b.Logf("side by side %d: tagged %6.2fs, CPU %5.1fs + %5.1fs; untagged %6.2fs, CPU %5.1fs + %5.1fs: tagging adds %+.0f %% CPU",
			i+1, rt.wall.Seconds(), rt.cpu.Seconds(), rt.backendCPU.Seconds(), ru.wall.Seconds(), ru.cpu.Seconds(), ru.backendCPU.Seconds(), 100*ratio)
		for _, t := range []target{tt, tu} {
			if n, _ := fingerprint(t.db); n != feeds*items {
				b.Errorf("side by side: %d articles stored, want %d", n, feeds*items)
			}
		}
	}

	// Hostile feeds: an endless body, a 64 MiB gzip bomb, eight 10,000-item feeds.
	mustExec(b, db, `UPDATE feeds SET enabled = false`)
	values = values[:0]
	for _, p := range []string{"/endless", "/bomb", "/big0", "/big1", "/big2", "/big3", "/big4", "/big5", "/big6", "/big7"} {
		values = append(values, fmt.Sprintf("(now(), now(), '%s%s', true, 60, 0, now())", urls[len(values)%hosts], p))
	}
	mustExec(b, db, `INSERT INTO feeds (created_at, updated_at, url, enabled, interval_minutes, consecutive_errors, next_fetch_at) VALUES `+strings.Join(values, ","))
	r3 := fetchAll(last)

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
	peak := max(r2.hwm, r3.hwm)
	for _, r := range tagged {
		peak = max(peak, r.hwm)
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
	b.ReportMetric(parseRate, "gofeed-items/s")
	b.ReportMetric(r1.cpu.Seconds(), "first-pass-cpu-s")
	b.ReportMetric(r1.backendCPU.Seconds(), "first-pass-pg-cpu-s")
	untaggedRate := float64(feeds*items) / r0.wall.Seconds()
	b.ReportMetric(untaggedRate, "untagged-items/s")
	b.ReportMetric(100*(r1.wall.Seconds()/r0.wall.Seconds()-1), "tagging-overhead-%")
	if len(cpuRatios) > 0 {
		slices.Sort(cpuRatios)
		b.ReportMetric(100*cpuRatios[len(cpuRatios)/2], "side-by-side-tagging-cpu-%")
	}
	load, _ := os.ReadFile("/proc/loadavg")
	b.Logf("load average at the end: %s", strings.TrimSpace(string(load)))
	b.Logf("first pass (median of %d): %6.2fs  %7.0f items/s  peak RSS %5.1f MB  CPU %5.1fs + PostgreSQL backends %5.1fs  (%s)",
		pairs, r1.wall.Seconds(), ingestRate, float64(r1.hwm)/1024, r1.cpu.Seconds(), r1.backendCPU.Seconds(), r1.out)
	b.Logf("untagged (median):     %6.2fs  %7.0f items/s  peak RSS %5.1f MB  CPU %5.1fs + PostgreSQL backends %5.1fs  (fetch --all --no-tag; tagging adds %+.0f %%)",
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
