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
)

// responseCache answers a read query that the same user asked before, while the database
// has not changed since, from memory: dashboards poll the same queries all day.
//
// "Not changed" is PostgreSQL's WAL position (pg_current_wal_lsn), which every committed
// write moves, whichever process made it (other servers, the workers, imports): one cheap
// statement per request replaces the query's. The position is read before the query runs,
// so a write that lands meanwhile can only make the entry look older than it is, never
// newer. Entries also expire after a few seconds, for answers that depend on the clock
// (overdue milestones, a digest preview). Only successful query operations are kept, per
// user and role, so nobody ever sees another user's view. On SQLite, which has no such
// cross-connection change marker, nothing is cached.
type responseCache struct {
	db       *database.DB
	ttl      time.Duration
	maxBytes int

	mu    sync.Mutex
	order *list.List // front: most recently used
	items map[string]*list.Element
	size  int
}

type cachedResponse struct {
	key         string
	version     string
	at          time.Time
	contentType string
	body        []byte
}

func newResponseCache(db *database.DB, ttl time.Duration, maxBytes int) *responseCache {
	if db.Dialect != dialect.Postgres || ttl <= 0 || maxBytes <= 0 {
		return nil
	}
	return &responseCache{db: db, ttl: ttl, maxBytes: maxBytes, order: list.New(), items: map[string]*list.Element{}}
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
		version, err := c.version(r.Context())
		if err != nil {
			slog.WarnContext(r.Context(), "response cache: no database version", "err", err)
			next.ServeHTTP(w, r)
			return
		}
		if hit := c.get(key, version); hit != nil {
			w.Header().Set("Content-Type", hit.contentType)
			w.Header().Set("X-Coopdesk-Cache", "hit")
			_, _ = w.Write(hit.body)
			return
		}
		rec := &capture{ResponseWriter: w, status: http.StatusOK}
		ctx, outcome := graph.WithOutcome(r.Context())
		next.ServeHTTP(rec, r.WithContext(ctx))
		if rec.status == http.StatusOK && outcome.CacheableQuery() && rec.buf.Len() < c.maxBytes/16 {
			c.put(&cachedResponse{key: key, version: version, at: time.Now(), contentType: rec.Header().Get("Content-Type"), body: bytes.Clone(rec.buf.Bytes())})
		}
	})
}

func (c *responseCache) version(ctx context.Context) (string, error) {
	var v string
	err := c.db.SQL.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&v)
	return v, err
}

func (c *responseCache) get(key, version string) *cachedResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil
	}
	e := el.Value.(*cachedResponse)
	if e.version != version || time.Since(e.at) > c.ttl {
		c.remove(el)
		return nil
	}
	c.order.MoveToFront(el)
	return e
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
