package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const feedBody = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title></channel></rss>`

// testConfig reaches the httptest server on 127.0.0.1 through the allow-list
// while the guard stays on for every other private address.
func testConfig() Config {
	return Config{
		ConnectTimeout:  2 * time.Second,
		TotalTimeout:    5 * time.Second,
		MaxBodyBytes:    64 << 10,
		AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	}
}

func newFetcher(t *testing.T, cfg Config) *Fetcher {
	t.Helper()
	f := New(cfg)
	t.Cleanup(f.Close)
	return f
}

func mustFetchError(t *testing.T, err error, want ErrorKind) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("Fetch succeeded, want %s error", want)
	}
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *fetch.Error", err, err)
	}
	if fe.Kind != want {
		t.Fatalf("kind = %s, want %s (err: %v)", fe.Kind, want, err)
	}
	if msg := fe.Message(); msg == "" || strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, "http://") {
		t.Errorf("Message() = %q: must be a plain sentence without addresses", msg)
	}
	return fe
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchConditionalGetAndGzip(t *testing.T) {
	const etag = `"v1"`
	const lastMod = "Wed, 27 Mar 2024 08:04:26 GMT"
	var gotUA, gotINM, gotIMS atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.Header.Get("User-Agent"))
		gotINM.Store(r.Header.Get("If-None-Match"))
		gotIMS.Store(r.Header.Get("If-Modified-Since"))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified) // no validators repeated
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=900")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("Accept-Encoding = %q, want gzip", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gzipBytes(t, []byte(feedBody)))
	}))
	defer srv.Close()

	cfg := testConfig()
	cfg.UserAgent = "coopdesk/1.0 (+veille; test)"
	f := newFetcher(t, cfg)

	resp, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/feed"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.NotModified {
		t.Fatalf("status %d notModified %v", resp.StatusCode, resp.NotModified)
	}
	if string(resp.Body) != feedBody {
		t.Fatalf("body not decompressed: %q", resp.Body)
	}
	if resp.ETag != etag || resp.LastModified != lastMod {
		t.Errorf("validators = %q %q", resp.ETag, resp.LastModified)
	}
	if resp.MaxAge != 15*time.Minute {
		t.Errorf("MaxAge = %v, want 15m", resp.MaxAge)
	}
	if resp.ContentType != "application/rss+xml; charset=utf-8" {
		t.Errorf("ContentType = %q", resp.ContentType)
	}
	if gotUA.Load() != cfg.UserAgent {
		t.Errorf("User-Agent = %q", gotUA.Load())
	}
	if gotINM.Load() != "" || gotIMS.Load() != "" {
		t.Errorf("first fetch sent validators %q %q", gotINM.Load(), gotIMS.Load())
	}

	resp2, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/feed", ETag: resp.ETag, LastModified: resp.LastModified})
	if err != nil {
		t.Fatal(err)
	}
	if !resp2.NotModified || resp2.StatusCode != http.StatusNotModified || len(resp2.Body) != 0 {
		t.Fatalf("second fetch: status %d notModified %v body %d bytes", resp2.StatusCode, resp2.NotModified, len(resp2.Body))
	}
	if gotINM.Load() != etag || gotIMS.Load() != lastMod {
		t.Errorf("conditional headers = %q %q", gotINM.Load(), gotIMS.Load())
	}
	if resp2.ETag != etag || resp2.LastModified != lastMod {
		t.Errorf("304 must carry the validators over, got %q %q", resp2.ETag, resp2.LastModified)
	}
}

func TestFetchHTTPErrors(t *testing.T) {
	retryDate := time.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat)
	challenge := `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>` +
		`<meta http-equiv="refresh" content="390"></head><body><div id="challenge-error-text">Enable JavaScript and cookies to continue</div>` +
		`<script>window._cf_chl_opt={cvId: '3',cZone: "example.ma"};</script><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>`
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		kind       ErrorKind
		status     int
		retryAfter [2]time.Duration // accepted range
	}{
		{"404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, KindHTTPStatus, 404, [2]time.Duration{}},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }, KindHTTPStatus, 500, [2]time.Duration{}},
		{"429 seconds", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		}, KindHTTPStatus, 429, [2]time.Duration{120 * time.Second, 120 * time.Second}},
		{"503 http date", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", retryDate)
			w.WriteHeader(http.StatusServiceUnavailable)
		}, KindHTTPStatus, 503, [2]time.Duration{time.Hour + 55*time.Minute, 2 * time.Hour}},
		{"403 cloudflare challenge", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=UTF-8")
			w.Header().Set("Server", "cloudflare")
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusForbidden)
			w.Write(gzipBytes(t, []byte(challenge)))
		}, KindBotChallenge, 403, [2]time.Duration{}},
		{"403 cf-mitigated header", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cf-Mitigated", "challenge")
			w.WriteHeader(http.StatusForbidden)
		}, KindBotChallenge, 403, [2]time.Duration{}},
		{"403 plain", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "Forbidden", http.StatusForbidden) }, KindHTTPStatus, 403, [2]time.Duration{}},
	}
	f := newFetcher(t, testConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			_, err := f.Fetch(t.Context(), Request{URL: srv.URL})
			fe := mustFetchError(t, err, tt.kind)
			if fe.StatusCode != tt.status {
				t.Errorf("StatusCode = %d, want %d", fe.StatusCode, tt.status)
			}
			if fe.RetryAfter < tt.retryAfter[0] || fe.RetryAfter > tt.retryAfter[1] {
				t.Errorf("RetryAfter = %v, want within %v", fe.RetryAfter, tt.retryAfter)
			}
		})
	}
}

func TestFetchDripFeedIsCutByTotalTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.WriteHeader(http.StatusOK)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := 0; ; i++ {
			if _, err := w.Write([]byte{feedBody[i%len(feedBody)]}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	}))
	defer srv.Close()

	cfg := testConfig()
	cfg.TotalTimeout = 300 * time.Millisecond
	f := newFetcher(t, cfg)
	start := time.Now()
	_, err := f.Fetch(t.Context(), Request{URL: srv.URL})
	mustFetchError(t, err, KindTimeout)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("fetch took %v: the total timeout did not cut the body", d)
	}
}

func TestFetchSizeLimits(t *testing.T) {
	var bombCompressed int
	// 64 concatenated gzip members of 1 MiB of zeros each: a valid 64 MiB
	// stream of a few KiB, built without compressing 64 MiB in the test.
	bomb := bytes.Repeat(gzipBytes(t, make([]byte, 1<<20)), 64)
	bombCompressed = len(bomb)
	var endlessWritten atomic.Int64
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"endless body", func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte("<item>x</item>"), 1024)
			for {
				n, err := w.Write(chunk)
				endlessWritten.Add(int64(n))
				if err != nil {
					return
				}
			}
		}},
		{"declared length over limit", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(1<<20))
			w.Write(make([]byte, 1<<20))
		}},
		{"gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		}},
	}
	cfg := testConfig()
	cfg.MaxBodyBytes = 256 << 10
	f := newFetcher(t, cfg)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			_, err := f.Fetch(t.Context(), Request{URL: srv.URL})
			fe := mustFetchError(t, err, KindTooLarge)
			if fe.Limit != cfg.MaxBodyBytes || !strings.Contains(fe.Message(), "256 KiB") {
				t.Errorf("Limit %d, Message %q", fe.Limit, fe.Message())
			}
		})
	}
	if bombCompressed > int(cfg.MaxBodyBytes) {
		t.Fatalf("the bomb (%d bytes compressed) must fit the raw limit to test the decompressed limit", bombCompressed)
	}
}

func TestFetchCorruptGzip(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzipBytes(t, []byte(feedBody))
		w.Write(gz[:len(gz)/2])
	}))
	defer srv.Close()
	_, err := newFetcher(t, testConfig()).Fetch(t.Context(), Request{URL: srv.URL})
	mustFetchError(t, err, KindBadEncoding)
}

func TestFetchRedirects(t *testing.T) {
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/loop/a", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/loop/b", http.StatusFound)
	})
	mux.HandleFunc("/loop/b", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/loop/a", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/feed.xml", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, feedBody) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := newFetcher(t, testConfig())

	resp, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/moved"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.FinalURL != srv.URL+"/feed.xml" {
		t.Errorf("FinalURL = %q", resp.FinalURL)
	}

	_, err = f.Fetch(t.Context(), Request{URL: srv.URL + "/loop/a"})
	mustFetchError(t, err, KindTooManyRedirects)
	if got := hits.Load(); got != DefaultMaxRedirects+1 {
		t.Errorf("server saw %d requests, want %d (the original plus %d redirects)", got, DefaultMaxRedirects+1, DefaultMaxRedirects)
	}
}

// listenNoAccept opens a listener that counts connections, to prove that the
// guard refused before connecting: a refused dial never reaches accept.
func listenNoAccept(t *testing.T, network, addr string) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	var accepted atomic.Int32
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String(), &accepted
}

func TestFetchRedirectToPrivateAddressIsRefused(t *testing.T) {
	// 127.0.0.2 and ::1 are real loopback listeners outside the allow-list:
	// if the guard failed, they would see a connection.
	trap4, accepted4 := listenNoAccept(t, "tcp4", "127.0.0.2:0")
	targets := []string{
		"http://" + trap4 + "/feed",
		"http://10.0.0.1/feed",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:10.0.0.1]/feed",
		"http://[::ffff:169.254.169.254]/",
		"http://100.64.0.1/feed",
		"http://0.0.0.0:1/feed",
		"http://[fd00::1]/feed",
	}
	var accepted6 *atomic.Int32
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		var trap6 string
		trap6, accepted6 = listenNoAccept(t, "tcp6", "[::1]:0")
		targets = append(targets, "http://"+trap6+"/feed")
	}

	var target atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.Load().(string), http.StatusFound)
	}))
	defer srv.Close()
	f := newFetcher(t, testConfig())
	for _, to := range targets {
		t.Run(to, func(t *testing.T) {
			target.Store(to)
			start := time.Now()
			_, err := f.Fetch(t.Context(), Request{URL: srv.URL})
			mustFetchError(t, err, KindBlockedAddress)
			// A connect attempt to an unroutable 10.x would hang until the
			// connect timeout; refusal is immediate.
			if d := time.Since(start); d > time.Second {
				t.Errorf("refusal took %v: the guard must refuse before connecting", d)
			}
		})
	}
	if n := accepted4.Load(); n != 0 {
		t.Errorf("127.0.0.2 trap accepted %d connections", n)
	}
	if accepted6 != nil && accepted6.Load() != 0 {
		t.Errorf("::1 trap accepted %d connections", accepted6.Load())
	}
}

func TestFetchHostNameResolvingToLoopbackIsRefused(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, feedBody)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	byName := "http://localhost:" + port + "/feed"

	// The URL names no IP: only a check after DNS resolution can refuse it.
	_, err := newFetcher(t, Config{}).Fetch(t.Context(), Request{URL: byName})
	mustFetchError(t, err, KindBlockedAddress)
	if hits.Load() != 0 {
		t.Fatalf("server was reached %d times despite the guard", hits.Load())
	}

	resp, err := newFetcher(t, Config{AllowPrivate: true}).Fetch(t.Context(), Request{URL: byName})
	if err != nil {
		t.Fatalf("AllowPrivate must let loopback through: %v", err)
	}
	if string(resp.Body) != feedBody || hits.Load() != 1 {
		t.Errorf("body %q, hits %d", resp.Body, hits.Load())
	}
}

func TestDialGuard(t *testing.T) {
	guard := dialGuard(false, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	tests := []struct {
		addr    string
		allowed bool
	}{
		{"93.184.215.14:443", true},
		{"[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443", true},
		{"127.0.0.1:8080", true}, // allow-listed
		{"127.0.0.2:80", false},
		{"[::1]:80", false},
		{"10.1.2.3:80", false},
		{"172.16.0.1:80", false},
		{"192.168.1.1:80", false},
		{"169.254.169.254:80", false},
		{"100.64.0.1:80", false},
		{"100.127.255.254:80", false},
		{"100.128.0.1:80", true},
		{"0.0.0.0:80", false},
		{"224.0.0.1:80", false},
		{"255.255.255.255:80", false},
		{"[::]:80", false},
		{"[fe80::1%eth0]:80", false},
		{"[fc00::1]:80", false},
		{"[fd12:3456::1]:80", false},
		{"[ff02::1]:80", false},
		{"[::ffff:10.0.0.1]:80", false},
		{"[::ffff:127.0.0.1]:80", true}, // mapped form of the allow-listed address
		{"[::ffff:8.8.8.8]:53", true},
		{"[64:ff9b::a00:1]:80", false},  // NAT64 of 10.0.0.1
		{"[64:ff9b::808:808]:80", true}, // NAT64 of 8.8.8.8
		{"[2002:a00:1::1]:80", false},   // 6to4 of 10.0.0.1
		{"not-an-ip:80", false},
	}
	for _, tt := range tests {
		err := guard("tcp", tt.addr, nil)
		if (err == nil) != tt.allowed {
			t.Errorf("guard(%s) = %v, want allowed=%v", tt.addr, err, tt.allowed)
		}
	}
	if err := dialGuard(true, nil)("tcp", "10.0.0.1:80", nil); err != nil {
		t.Errorf("AllowPrivate must disable the guard: %v", err)
	}
}

func TestFetchConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = newFetcher(t, testConfig()).Fetch(t.Context(), Request{URL: "http://" + addr + "/"})
	mustFetchError(t, err, KindConnect)
}

func TestFetchCanceledByCaller(t *testing.T) {
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()
	_, err := newFetcher(t, testConfig()).Fetch(ctx, Request{URL: srv.URL})
	mustFetchError(t, err, KindCanceled)
}

func TestFetchPerHostConcurrency(t *testing.T) {
	const limit, total = 2, 6
	var inflight, maxInflight atomic.Int32
	arrived := make(chan struct{}, total)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		for {
			m := maxInflight.Load()
			if n <= m || maxInflight.CompareAndSwap(m, n) {
				break
			}
		}
		arrived <- struct{}{}
		<-release
		inflight.Add(-1)
		io.WriteString(w, feedBody)
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.PerHostConcurrency = limit
	f := newFetcher(t, cfg)

	var wg sync.WaitGroup
	errs := make(chan error, total)
	for range total {
		wg.Go(func() {
			_, err := f.Fetch(t.Context(), Request{URL: srv.URL})
			errs <- err
		})
	}
	// Release one request per arrival: with a working limit only `limit`
	// are ever inside the handler; without it the others pile in for free.
	for range limit {
		<-arrived
	}
	for range total - limit {
		release <- struct{}{}
		<-arrived
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := maxInflight.Load(); got != limit {
		t.Errorf("max in-flight requests to one host = %d, want %d", got, limit)
	}
	f.mu.Lock()
	left := len(f.hosts)
	f.mu.Unlock()
	if left != 0 {
		t.Errorf("%d host slots left after all fetches finished", left)
	}
}

func TestValidateURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://www.hespress.com/feed", true},
		{"http://www.aps.dz/xml/rss", true},
		{"  https://lorientlejour.com/rss  ", true},
		{"https://example.org:8443/rss", true},
		{"ftp://example.org/rss", false},
		{"file:///etc/passwd", false},
		{"javascript:alert(1)", false},
		{"https://user:pass@example.org/rss", false},
		{"https://user@example.org/rss", false},
		{"/relative/feed", false},
		{"https://", false},
		{"https://:443/", false},
		{"https://example.org:99999/", false},
		{"", false},
		{"http://[::1", false},
	}
	for _, tt := range tests {
		if err := ValidateURL(tt.url); (err == nil) != tt.ok {
			t.Errorf("ValidateURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func TestParseRetryAfterAndMaxAge(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"120", 2 * time.Minute},
		{" 30 ", 30 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"Sun, 01 Mar 2026 13:30:00 GMT", 90 * time.Minute},
		{"Sun, 01 Mar 2026 11:00:00 GMT", 0}, // in the past
		{"99999999", MaxBackoff},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	h := http.Header{}
	h.Set("Cache-Control", "no-transform, max-age=600")
	if got := maxAge(h, now); got != 10*time.Minute {
		t.Errorf("max-age: %v", got)
	}
	h = http.Header{}
	h.Set("Expires", "Sun, 01 Mar 2026 12:20:00 GMT")
	if got := maxAge(h, now); got != 20*time.Minute {
		t.Errorf("Expires: %v", got)
	}
	h.Set("Cache-Control", "max-age=0")
	if got := maxAge(h, now); got != 0 {
		t.Errorf("max-age=0 must win over Expires: %v", got)
	}
}

func TestClassify(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		err  error
		want ErrorKind
	}{
		{&net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, KindDNS},
		{&net.DNSError{Err: "i/o timeout", IsTimeout: true}, KindTimeout},
		{fmt.Errorf("wrap: %w", context.DeadlineExceeded), KindTimeout},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, KindConnect},
		{&net.OpError{Op: "dial", Err: &blockedAddressError{}}, KindBlockedAddress},
		{errors.New("something odd"), KindNetwork},
	}
	for _, tt := range tests {
		if got := classify(ctx, "http://x", tt.err).Kind; got != tt.want {
			t.Errorf("classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if got := classify(canceled, "http://x", context.Canceled).Kind; got != KindCanceled {
		t.Errorf("caller cancellation classified as %s", got)
	}
}
