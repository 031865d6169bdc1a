// Package fetch downloads news feeds over HTTP for the veille worker, politely
// and defensively: conditional GET, gzip, connect and total timeouts, a body
// size limit that also holds after decompression, a redirect limit, a per-host
// concurrency limit, Retry-After, and an SSRF guard at dial time.
//
// It knows nothing about feed formats or storage: it turns a URL plus the
// validators saved from the previous fetch into bytes and cache hints, or into
// a classified *Error whose Message can be shown to users.
package fetch

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config tunes a Fetcher. Zero fields take the defaults below.
type Config struct {
	// UserAgent names the crawler and how to reach its operators.
	UserAgent string
	// ConnectTimeout bounds DNS, TCP connect and the TLS handshake.
	ConnectTimeout time.Duration
	// TotalTimeout bounds the whole fetch, body included, so a server that
	// drips bytes cannot hold a worker slot.
	TotalTimeout time.Duration
	// MaxBodyBytes bounds the body after decompression.
	MaxBodyBytes int64
	// MaxRedirects is the number of redirects followed before giving up.
	MaxRedirects int
	// PerHostConcurrency bounds simultaneous fetches to one host name, since
	// many feeds of one outlet often live on the same server.
	PerHostConcurrency int
	// AllowPrivate disables the SSRF guard (COOPDESK_FETCH_ALLOW_PRIVATE=1).
	AllowPrivate bool
	// AllowedNetworks are exempt from the guard even when AllowPrivate is
	// false: tests use it to reach a loopback server while every other
	// private range stays refused.
	AllowedNetworks []netip.Prefix
}

// Defaults applied by New to zero Config fields.
const (
	DefaultUserAgent          = "coopdesk/1.0 (+veille; feed fetcher)"
	DefaultConnectTimeout     = 10 * time.Second
	DefaultTotalTimeout       = 30 * time.Second
	DefaultMaxBodyBytes       = 5 << 20
	DefaultMaxRedirects       = 5
	DefaultPerHostConcurrency = 2
)

// errorBodyPeek is how much of a non-2xx body is read to recognise a bot
// challenge page; those pages put their markers near the top.
const errorBodyPeek = 32 << 10

// Request names what to fetch and the validators saved from the last 200.
type Request struct {
	URL          string
	ETag         string
	LastModified string
}

// Response is a successful fetch: a 200 with a body, or a 304.
type Response struct {
	StatusCode  int
	NotModified bool // true on 304: Body is empty and the stored items are current
	// FinalURL is the URL after redirects. It differs from the request URL
	// when the feed moved; whether to adopt it is the caller's decision.
	FinalURL string
	// ETag and LastModified are the validators to store for the next
	// conditional request. On a 304 that omits them, the request's values are
	// carried over, so callers can always store these two fields as they are.
	ETag         string
	LastModified string
	ContentType  string // passed to parse.Parse for its charset parameter
	Body         []byte
	// MaxAge is the freshness the server announced (Cache-Control max-age,
	// else Expires), zero if none. A scheduling hint, not an obligation.
	MaxAge time.Duration
	// Duration is the wall time of the fetch, for metrics.
	Duration time.Duration
}

// Fetcher is safe for concurrent use. Create one per process.
type Fetcher struct {
	cfg    Config
	client *http.Client
	now    func() time.Time

	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	sem  chan struct{}
	refs int
}

// New returns a Fetcher with cfg's zero fields set to the defaults.
func New(cfg Config) *Fetcher {
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.TotalTimeout <= 0 {
		cfg.TotalTimeout = DefaultTotalTimeout
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = DefaultMaxRedirects
	}
	if cfg.PerHostConcurrency <= 0 {
		cfg.PerHostConcurrency = DefaultPerHostConcurrency
	}
	dialer := &net.Dialer{
		Timeout:   cfg.ConnectTimeout,
		KeepAlive: 30 * time.Second,
		Control:   dialGuard(cfg.AllowPrivate, cfg.AllowedNetworks),
	}
	transport := &http.Transport{
		// No proxy: a proxy would be dialed instead of the feed's host and
		// the guard would check the wrong address.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   cfg.ConnectTimeout,
		ResponseHeaderTimeout: cfg.TotalTimeout,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   cfg.PerHostConcurrency,
		IdleConnTimeout:       90 * time.Second,
		// Decompression is done by hand so that the size limit applies to
		// the decompressed bytes and a gzip bomb is cut.
		DisableCompression: true,
	}
	f := &Fetcher{
		cfg:   cfg,
		now:   time.Now,
		hosts: make(map[string]*hostSlot),
	}
	f.client = &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > cfg.MaxRedirects {
				return errTooManyRedirects
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to unsupported scheme %q", req.URL.Scheme)
			}
			return nil
		},
	}
	return f
}

// Close releases idle connections.
func (f *Fetcher) Close() {
	f.client.CloseIdleConnections()
}

// Fetch performs one conditional GET. It returns a Response for any 2xx and
// for 304, and an *Error for everything else. Whether a 2xx body is a feed is
// the parser's call.
func (f *Fetcher) Fetch(ctx context.Context, r Request) (*Response, error) {
	start := f.now()
	u, err := parseFeedURL(r.URL)
	if err != nil {
		return nil, &Error{Kind: KindInvalidURL, URL: r.URL, Err: err}
	}
	release, err := f.acquire(ctx, u.Hostname())
	if err != nil {
		return nil, &Error{Kind: KindCanceled, URL: r.URL, Err: err}
	}
	defer release()

	reqCtx, cancel := context.WithTimeout(ctx, f.cfg.TotalTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &Error{Kind: KindInvalidURL, URL: r.URL, Err: err}
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	// gzip only: brotli would need a module outside the standard library
	// and golang.org/x.
	req.Header.Set("Accept-Encoding", "gzip")
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}

	resp, err := f.client.Do(req)
	if err != nil {
		return nil, classify(ctx, r.URL, err)
	}
	defer resp.Body.Close()

	out := &Response{
		StatusCode:   resp.StatusCode,
		FinalURL:     resp.Request.URL.String(),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		ContentType:  resp.Header.Get("Content-Type"),
		MaxAge:       maxAge(resp.Header, f.now()),
	}

	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		if out.ETag == "" {
			out.ETag = r.ETag
		}
		if out.LastModified == "" {
			out.LastModified = r.LastModified
		}
		out.Duration = f.now().Sub(start)
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, f.statusError(ctx, r.URL, resp)
	}

	if resp.ContentLength > f.cfg.MaxBodyBytes && resp.Header.Get("Content-Encoding") == "" {
		return nil, &Error{Kind: KindTooLarge, URL: r.URL, Limit: f.cfg.MaxBodyBytes, Err: errTooLarge}
	}
	body, err := f.readBody(resp)
	if err != nil {
		var fe *Error
		if errors.As(err, &fe) {
			return nil, fe
		}
		e := classify(ctx, r.URL, err)
		e.Limit = f.cfg.MaxBodyBytes
		return nil, e
	}
	out.Body = body
	out.Duration = f.now().Sub(start)
	return out, nil
}

// decodedBody returns the response body with its Content-Encoding removed.
func decodedBody(resp *http.Response) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))) {
	case "", "identity":
		return resp.Body, nil
	case "gzip", "x-gzip":
		gz, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, &Error{Kind: KindBadEncoding, URL: resp.Request.URL.String(), Err: err}
		}
		return gz, nil
	default:
		return nil, &Error{Kind: KindBadEncoding, URL: resp.Request.URL.String(),
			Err: fmt.Errorf("unsupported Content-Encoding %q", resp.Header.Get("Content-Encoding"))}
	}
}

// readBody decompresses if needed and reads at most MaxBodyBytes, counted
// after decompression.
func (f *Fetcher) readBody(resp *http.Response) ([]byte, error) {
	r, err := decodedBody(resp)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(r, f.cfg.MaxBodyBytes+1))
	if err != nil {
		if isGzipCorruption(err) {
			return nil, &Error{Kind: KindBadEncoding, URL: resp.Request.URL.String(), Err: err}
		}
		return nil, err
	}
	if int64(len(body)) > f.cfg.MaxBodyBytes {
		return nil, errTooLarge
	}
	return body, nil
}

func isGzipCorruption(err error) bool {
	return errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}

// statusError builds the error for a non-2xx, non-304 answer.
func (f *Fetcher) statusError(ctx context.Context, rawURL string, resp *http.Response) *Error {
	e := &Error{Kind: KindHTTPStatus, URL: rawURL, StatusCode: resp.StatusCode,
		Err: fmt.Errorf("unexpected status %s", resp.Status)}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), f.now())
	}
	if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusServiceUnavailable ||
		resp.StatusCode == http.StatusTooManyRequests {
		// Error bodies are read only for these codes and only a little, so
		// a hostile server cannot make a 404 expensive.
		var peek []byte
		if r, err := decodedBody(resp); err == nil {
			peek, _ = io.ReadAll(io.LimitReader(r, errorBodyPeek))
		}
		if ctx.Err() == nil && isBotChallenge(resp.Header, peek) {
			e.Kind = KindBotChallenge
			e.Err = fmt.Errorf("anti-bot challenge page (status %s)", resp.Status)
		}
	}
	return e
}

// challengeMarkers are strings found in the interstitial pages of the common
// anti-bot services (Cloudflare, Sucuri, DDoS-Guard, Akamai, Imperva).
var challengeMarkers = []string{
	"cf-chl", "challenge-platform", "cf_chl_opt", "Just a moment...",
	"Attention Required! | Cloudflare", "cf-browser-verification",
	"Sucuri WebSite Firewall", "ddos-guard", "_Incapsula_Resource",
	"Checking your browser before accessing",
}

func isBotChallenge(h http.Header, body []byte) bool {
	if strings.EqualFold(h.Get("Cf-Mitigated"), "challenge") {
		return true
	}
	s := string(body)
	for _, m := range challengeMarkers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// acquire takes a slot for host, waiting while PerHostConcurrency fetches to
// it are in flight. Slots of idle hosts are dropped so the map does not grow
// with every host ever fetched.
func (f *Fetcher) acquire(ctx context.Context, host string) (func(), error) {
	host = strings.ToLower(host)
	f.mu.Lock()
	slot := f.hosts[host]
	if slot == nil {
		slot = &hostSlot{sem: make(chan struct{}, f.cfg.PerHostConcurrency)}
		f.hosts[host] = slot
	}
	slot.refs++
	f.mu.Unlock()

	unref := func() {
		f.mu.Lock()
		slot.refs--
		if slot.refs == 0 {
			delete(f.hosts, host)
		}
		f.mu.Unlock()
	}
	select {
	case slot.sem <- struct{}{}:
		return func() { <-slot.sem; unref() }, nil
	case <-ctx.Done():
		unref()
		return nil, ctx.Err()
	}
}

// ValidateURL checks that raw is an absolute http or https URL with a host
// and no credentials. It is the syntactic check for addFeed; the address
// check happens at dial time.
func ValidateURL(raw string) error {
	_, err := parseFeedURL(raw)
	return err
}

func parseFeedURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("empty URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("malformed URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return nil, errors.New("URL scheme must be http or https")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("URL must have a host")
	}
	if u.User != nil {
		return nil, errors.New("URL must not contain a user name or password")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("URL has an invalid port")
		}
	}
	return u, nil
}

// ParseRetryAfter reads a Retry-After value, either delay-seconds or an
// HTTP date, relative to now. Unparseable or past values give zero.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(MaxBackoff/time.Second) {
			return MaxBackoff
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// maxAge reads the freshness lifetime from Cache-Control, else Expires.
// no-cache and no-store give zero: they say nothing about how often the feed
// changes, only that intermediaries must revalidate.
func maxAge(h http.Header, now time.Time) time.Duration {
	for _, directive := range strings.Split(h.Get("Cache-Control"), ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
		if strings.EqualFold(name, "max-age") {
			secs, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
			if err != nil || secs <= 0 {
				return 0
			}
			if secs > int64(MaxBackoff/time.Second) {
				secs = int64(MaxBackoff / time.Second)
			}
			return time.Duration(secs) * time.Second
		}
	}
	if exp := h.Get("Expires"); exp != "" {
		if t, err := http.ParseTime(exp); err == nil && t.After(now) {
			d := t.Sub(now)
			return min(d, MaxBackoff)
		}
	}
	return 0
}
