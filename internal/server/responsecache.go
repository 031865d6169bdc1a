package server

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"coopdesk/graph"
	"coopdesk/internal/auth"
	"coopdesk/internal/database"

	"entgo.io/ent/dialect"
	"github.com/prometheus/client_golang/prometheus"
)

// responseCache answers a read query that the same user asked before, while the database
// has not changed since, from memory: dashboards poll the same queries all day.
//
// "Not changed" is PostgreSQL's current snapshot (pg_current_snapshot: the transactions
// finished and in progress), which changes when, and only when, a writing transaction ends,
// whichever process ran it (other servers, the workers, imports); equal snapshots see equal
// data. Vacuum, checkpoints and reads do not move it. One cheap statement per request
// replaces the query's, and concurrent requests share it (see versions). The snapshot is
// read before the query runs, so a write that lands meanwhile can only make the entry look
// older than it is, never newer. Entries also expire after a few seconds, for answers that
// depend on the clock (overdue milestones, a digest preview). Only successful query
// operations are kept, per user and role, so nobody ever sees another user's view;
// concurrent misses of one entry compute it once. On SQLite, which has no such
// cross-connection marker, nothing is cached.
type responseCache struct {
	versions *versions
	results  *prometheus.CounterVec // by result: hit, miss, shared, uncacheable
	ttl      time.Duration
	maxBytes int

	mu       sync.Mutex
	order    *list.List // front: most recently used
	items    map[string]*list.Element
	size     int
	inflight map[string]*fill
}

type cachedResponse struct {
	key         string
	version     string
	at          time.Time
	contentType string
	body        []byte
}

// fill is one computation of a missing entry that other requests for it wait for.
type fill struct {
	done chan struct{}
	resp *cachedResponse // nil: not cacheable, the waiters compute their own answer
}

func newResponseCache(v *versions, results *prometheus.CounterVec, ttl time.Duration, maxBytes int) *responseCache {
	if v == nil || ttl <= 0 || maxBytes <= 0 {
		return nil
	}
	return &responseCache{versions: v, results: results, ttl: ttl, maxBytes: maxBytes, order: list.New(),
		items: map[string]*list.Element{}, inflight: map[string]*fill{}}
}

// middleware must run after authentication.
func (c *responseCache) middleware(next http.Handler) http.Handler {
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		if p == nil || (r.Method != http.MethodPost && r.Method != http.MethodGet) {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			// Too large or broken: let the GraphQL handler say so.
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
			next.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		for _, part := range []string{strconv.Itoa(p.UserID), string(p.Role), r.Method, r.URL.RawQuery,
			r.Header.Get("Accept"), r.Header.Get("Content-Type")} {
			h.Write([]byte(part))
			h.Write([]byte{0})
		}
		h.Write(body)
		key := hex.EncodeToString(h.Sum(nil))
		version, err := c.versions.get(r.Context())
		if err != nil {
			slog.WarnContext(r.Context(), "response cache: no database version", "err", err)
			next.ServeHTTP(w, r)
			return
		}
		hit, wait, mine := c.lookup(key, version)
		switch {
		case hit != nil:
			c.count("hit")
			serve(w, hit)
		case mine != nil:
			c.compute(w, r, next, key, version, mine)
		default:
			select {
			case <-wait.done:
			case <-r.Context().Done():
				return
			}
			if wait.resp == nil { // not cacheable: answer this request on its own
				c.count("uncacheable")
				next.ServeHTTP(w, r)
				return
			}
			c.count("shared")
			serve(w, wait.resp)
		}
	})
}

func serve(w http.ResponseWriter, e *cachedResponse) {
	w.Header().Set("Content-Type", e.contentType)
	w.Header().Set("X-Coopdesk-Cache", "hit")
	_, _ = w.Write(e.body)
}

// compute runs the query for a missing entry, stores a cacheable answer and wakes the
// requests waiting for it.
func (c *responseCache) compute(w http.ResponseWriter, r *http.Request, next http.Handler, key, version string, f *fill) {
	defer func() {
		c.mu.Lock()
		delete(c.inflight, key+"\x00"+version)
		c.mu.Unlock()
		close(f.done)
	}()
	rec := &capture{ResponseWriter: w, status: http.StatusOK}
	ctx, outcome := graph.WithOutcome(r.Context())
	next.ServeHTTP(rec, r.WithContext(ctx))
	if rec.status == http.StatusOK && outcome.CacheableQuery() && rec.buf.Len() < c.maxBytes/16 {
		f.resp = &cachedResponse{key: key, version: version, at: time.Now(), contentType: rec.Header().Get("Content-Type"), body: bytes.Clone(rec.buf.Bytes())}
		c.put(f.resp)
		c.count("miss")
		return
	}
	c.count("uncacheable")
}

func (c *responseCache) count(result string) {
	if c.results != nil {
		c.results.WithLabelValues(result).Inc()
	}
}

// lookup returns a fresh entry, or a computation to wait for, or a new computation that
// the caller must run.
func (c *responseCache) lookup(key, version string) (hit *cachedResponse, wait, mine *fill) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*cachedResponse)
		if e.version == version && time.Since(e.at) <= c.ttl {
			c.order.MoveToFront(el)
			return e, nil, nil
		}
		c.remove(el)
	}
	if f, ok := c.inflight[key+"\x00"+version]; ok {
		return nil, f, nil
	}
	f := &fill{done: make(chan struct{})}
	c.inflight[key+"\x00"+version] = f
	return nil, nil, f
}

func (c *responseCache) put(e *cachedResponse) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		c.remove(el)
	}
	c.items[e.key] = c.order.PushFront(e)
	c.size += len(e.body)
	for c.size > c.maxBytes && c.order.Len() > 0 {
		c.remove(c.order.Back())
	}
}

func (c *responseCache) remove(el *list.Element) {
	e := el.Value.(*cachedResponse)
	c.order.Remove(el)
	delete(c.items, e.key)
	c.size -= len(e.body)
}

// capture copies the response while writing it through.
type capture struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (c *capture) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *capture) Write(b []byte) (int, error) {
	c.buf.Write(b)
	return c.ResponseWriter.Write(b)
}

// versions reads the database's current snapshot for the response and token caches, one
// statement for all the requests that arrive while the previous one runs: a request joins
// the next read, never one that began before it arrived, so every request sees every write
// committed before it came in.
type versions struct {
	db *database.DB

	mu      sync.Mutex
	running bool
	next    *versionRead
}

type versionRead struct {
	done    chan struct{}
	version string
	err     error
}

type versionKey struct{}

func newVersions(db *database.DB) *versions {
	if db.Dialect != dialect.Postgres {
		return nil
	}
	return &versions{db: db}
}

// get returns the snapshot, read at most once per request (the token and response caches
// share it through the context).
func (v *versions) get(ctx context.Context) (string, error) {
	if s, ok := ctx.Value(versionKey{}).(string); ok {
		return s, nil
	}
	v.mu.Lock()
	if v.next == nil {
		v.next = &versionRead{done: make(chan struct{})}
	}
	rd := v.next
	if !v.running {
		v.running = true
		v.next = nil
		go v.read(rd)
	}
	v.mu.Unlock()
	select {
	case <-rd.done:
		return rd.version, rd.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// read runs one statement, then the one that requests queued meanwhile, until none waits.
func (v *versions) read(rd *versionRead) {
	for rd != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		rd.err = v.db.SQL.QueryRowContext(ctx, "SELECT pg_current_snapshot()::text").Scan(&rd.version)
		cancel()
		close(rd.done)
		v.mu.Lock()
		rd, v.next = v.next, nil
		if rd == nil {
			v.running = false
		}
		v.mu.Unlock()
	}
}

// withVersion stores the request's snapshot in its context.
func withVersion(ctx context.Context, version string) context.Context {
	return context.WithValue(ctx, versionKey{}, version)
}

// tokenCache remembers authenticated tokens while the database snapshot is unchanged:
// revoking a token, disabling a user or changing a role is a write, which changes the
// snapshot, so a cached principal is never staler than one statement away from the truth.
type tokenCache struct {
	mu    sync.Mutex
	items map[string]tokenEntry
}

type tokenEntry struct {
	version   string
	principal *auth.Principal
	expires   *time.Time
}

const tokenCacheMax = 10_000

func (t *tokenCache) get(digest, version string) *auth.Principal {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.items[digest]
	if !ok || e.version != version || e.expires != nil && time.Now().After(*e.expires) {
		return nil
	}
	return e.principal
}

func (t *tokenCache) put(digest, version string, p *auth.Principal, expires *time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.items == nil || len(t.items) >= tokenCacheMax {
		t.items = map[string]tokenEntry{}
	}
	t.items[digest] = tokenEntry{version: version, principal: p, expires: expires}
}
