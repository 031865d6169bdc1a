package worker_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"coopdesk/internal/testdb"
)

// Fault tests: the coopdesk binary runs as a subprocess against a PostgreSQL schema of its
// own and is killed, cut off from its database, or run twice.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func coopdeskBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "coopdesk-faults")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "coopdesk")
		out, err := exec.Command("go", "build", "-o", binPath, "coopdesk/cmd/coopdesk").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// faultSetup is a PostgreSQL schema with the coopdesk schema migrated and n loopback feeds
// of items items each; the feeds from `blockFrom` on hold their answer until release is
// closed, signalling each held request on held.
type faultSetup struct {
	url      string
	db       *sql.DB
	feeds    []*servedFeed
	ids      []int
	srv      *httptest.Server
	held     chan int
	release  chan struct{}
	expected map[string]bool // canonical URLs of every item
	appName  string
}

func newFaultSetup(t *testing.T, n, items, blockFrom int) *faultSetup {
	t.Helper()
	if testing.Short() {
		t.Skip("fault tests run the coopdesk binary: skipped with -short")
	}
	base := testdb.PostgresSchema(t)
	u, _ := url.Parse(base)
	q := u.Query()
	b := make([]byte, 4)
	rand.Read(b)
	fs := &faultSetup{held: make(chan int, n), release: make(chan struct{}), expected: map[string]bool{},
		appName: "coopdesk_fault_" + hex.EncodeToString(b)}
	q.Set("application_name", fs.appName)
	u.RawQuery = q.Encode()
	fs.url = u.String()
	run(t, fs.env(nil), "migrate")

	mux := http.NewServeMux()
	for i := range n {
		site := fmt.Sprintf("fault%d.test", i)
		f := &servedFeed{body: newsFeed(site, items)}
		fs.feeds = append(fs.feeds, f)
		for k := range items {
			fs.expected[fmt.Sprintf("https://%s/politique/article-%d/", site, k)] = true
		}
		mux.HandleFunc(fmt.Sprintf("/f%d", i), func(w http.ResponseWriter, r *http.Request) {
			if i >= blockFrom {
				select {
				case <-fs.release:
				default:
					fs.held <- i
					select {
					case <-fs.release:
					case <-r.Context().Done():
						return
					}
				}
			}
			f.ServeHTTP(w, r)
		})
	}
	fs.srv = httptest.NewServer(mux)
	t.Cleanup(fs.srv.Close)
	t.Cleanup(fs.releaseAll)

	fs.db, _ = sql.Open("postgres", base)
	t.Cleanup(func() { fs.db.Close() })
	// The default catalogue is seeded by migrate: keep only the test's feeds.
	if _, err := fs.db.Exec(`UPDATE feeds SET enabled = false`); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		var id int
		err := fs.db.QueryRow(`INSERT INTO feeds (created_at, updated_at, url, enabled, interval_minutes, consecutive_errors, next_fetch_at)
			VALUES (now(), now(), $1, true, 60, 0, now()) RETURNING id`, fmt.Sprintf("%s/f%d", fs.srv.URL, i)).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		fs.ids = append(fs.ids, id)
	}
	return fs
}

var releaseMu sync.Mutex

func (fs *faultSetup) releaseAll() {
	releaseMu.Lock()
	defer releaseMu.Unlock()
	select {
	case <-fs.release:
	default:
		close(fs.release)
	}
}

func (fs *faultSetup) env(extra map[string]string) []string {
	env := append(os.Environ(), "COOPDESK_DATABASE_URL="+fs.url, "COOPDESK_FETCH_ALLOW_PRIVATE=1",
		"COOPDESK_WORKER_LEASE=2s", "COOPDESK_WORKER_SCHEDULE=@every 1s", "COOPDESK_LOG_LEVEL=info")
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

func run(t *testing.T, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command(coopdeskBinary(t), args...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("coopdesk %v: %v\n%s", args, err, out)
	}
}

// process is a coopdesk subprocess whose stderr lines are delivered on lines.
type process struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{}

	mu      sync.Mutex
	tail    []string // the last lines, shown when a test fails
	started bool     // it logged "worker started"
}

// running reports whether the process has logged that its worker started.
func (p *process) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started
}

func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(coopdeskBinary(t), args...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan string, 1024), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.tail = append(p.tail, sc.Text())
			p.started = p.started || strings.Contains(sc.Text(), `msg="worker started"`)
			if len(p.tail) > 40 {
				p.tail = p.tail[1:]
			}
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default: // nobody listening: drop
			}
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			p.mu.Lock()
			t.Logf("coopdesk %v, last log lines:\n%s", args, strings.Join(p.tail, "\n"))
			p.mu.Unlock()
		}
		cmd.Process.Kill()
		<-p.done
		cmd.Wait()
	})
	return p
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("worker exit: %v", err)
	}
}

// waitFor re-checks cond after each log line of the processes until it holds.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool, procs ...*process) {
	t.Helper()
	deadline := time.After(timeout)
	merged := make(chan string)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Go(func() {
			for {
				select {
				case l := <-p.lines:
					select {
					case merged <- l:
					case <-ctx.Done():
						return
					}
				case <-ctx.Done():
					return
				}
			}
		})
	}
	defer wg.Wait()
	defer cancel()
	for !cond() {
		select {
		case <-merged:
		case <-deadline:
			t.Fatalf("condition not met within %s", timeout)
		}
	}
}

// verify checks the final state: every test feed healthy and unleased, the article set
// exactly the expected one, one source per item.
func (fs *faultSetup) verify(t *testing.T) {
	t.Helper()
	rows, err := fs.db.Query(`SELECT url FROM articles`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	n := 0
	for rows.Next() {
		var u string
		rows.Scan(&u)
		got[u] = true
		n++
	}
	rows.Close()
	if n != len(got) {
		t.Errorf("%d article rows for %d URLs", n, len(got))
	}
	for u := range fs.expected {
		if !got[u] {
			t.Errorf("article %s missing", u)
			break
		}
	}
	if len(got) != len(fs.expected) {
		t.Errorf("%d articles, want %d", len(got), len(fs.expected))
	}
	var sources, leased, unhealthy int
	fs.db.QueryRow(`SELECT count(*) FROM article_sources`).Scan(&sources)
	fs.db.QueryRow(`SELECT count(*) FROM feeds WHERE lease_owner IS NOT NULL OR lease_expires_at IS NOT NULL`).Scan(&leased)
	fs.db.QueryRow(`SELECT count(*) FROM feeds WHERE enabled AND last_status NOT IN ('ok', 'not_modified')`).Scan(&unhealthy)
	if sources != len(fs.expected) || leased != 0 || unhealthy != 0 {
		t.Errorf("%d sources (want %d), %d leases left, %d feeds not ok", sources, len(fs.expected), leased, unhealthy)
	}
}

func (fs *faultSetup) allOK() bool {
	var n int
	fs.db.QueryRow(`SELECT count(*) FROM feeds WHERE enabled AND last_status IS DISTINCT FROM 'ok'`).Scan(&n)
	return n == 0
}

func TestFaultKillDashNineMidPassThenRestart(t *testing.T) {
	fs := newFaultSetup(t, 30, 20, 20)
	p := start(t, fs.env(nil), "fetch")
	// Two held requests: the fetcher's per-host limit (all feeds are on 127.0.0.1), so
	// the other claimed feeds wait for a slot under their lease.
	for range 2 {
		<-fs.held
	}
	// Some feeds are stored, some are being fetched under a lease, some not claimed yet.
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.cmd.Wait()
	fs.releaseAll()

	// The dead worker's leases expire (COOPDESK_WORKER_LEASE=2s): wait for that moment.
	var until sql.NullTime
	fs.db.QueryRow(`SELECT max(lease_expires_at) FROM feeds`).Scan(&until)
	if !until.Valid {
		t.Fatal("the killed worker held no lease")
	}
	time.Sleep(time.Until(until.Time) + 50*time.Millisecond)
	run(t, fs.env(nil), "fetch")
	fs.verify(t)
	for i, f := range fs.feeds {
		if c := f.count(); c < 1 || c > 2 {
			t.Errorf("feed %d requested %d times", i, c)
		}
	}
}

func TestFaultBackendsTerminatedDuringPass(t *testing.T) {
	fs := newFaultSetup(t, 24, 20, 16)
	p := start(t, fs.env(nil), "worker")
	// Two held requests: the fetcher's per-host limit (all feeds are on 127.0.0.1), so
	// the other claimed feeds wait for a slot under their lease.
	for range 2 {
		<-fs.held
	}
	var killed int
	if err := fs.db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, fs.appName).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("no backend of the worker found")
	}
	fs.releaseAll()
	waitFor(t, 60*time.Second, fs.allOK, p)
	p.stop(t)
	fs.verify(t)
}

func TestFaultTwoWorkerProcessesFetchEachFeedOncePerDueTime(t *testing.T) {
	fs := newFaultSetup(t, 30, 10, 1<<30)
	p1 := start(t, fs.env(nil), "worker")
	p2 := start(t, fs.env(nil), "worker")
	waitFor(t, 60*time.Second, fs.allOK, p1, p2)
	// One process may do the whole first round while the other still migrates: the
	// second round starts once both run, so that they compete for it.
	waitFor(t, 60*time.Second, func() bool { return p1.running() && p2.running() }, p1, p2)
	// Make every feed due again: one more request each.
	var round2 time.Time
	fs.db.QueryRow(`UPDATE feeds SET next_fetch_at = now() WHERE enabled RETURNING now()`).Scan(&round2)
	waitFor(t, 60*time.Second, func() bool {
		var n int
		fs.db.QueryRow(`SELECT count(*) FROM feeds WHERE enabled AND (last_fetched_at IS NULL OR last_fetched_at < $1 OR lease_owner IS NOT NULL)`, round2).Scan(&n)
		return n == 0
	}, p1, p2)
	p1.stop(t)
	p2.stop(t)
	for i, f := range fs.feeds {
		if c := f.count(); c != 2 {
			t.Errorf("feed %d requested %d times over two due times, want 2", i, c)
		}
	}
	fs.verify(t)
}
