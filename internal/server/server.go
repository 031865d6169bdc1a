// Package server is coopdesk's HTTP front: routes, authentication, metrics, health checks
// and graceful shutdown around the GraphQL handler and the IDE.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"coopdesk/graph"
	"coopdesk/internal/auth"
	"coopdesk/internal/config"
	"coopdesk/internal/database"
	"coopdesk/internal/server/ide"
)

// Server is the HTTP server of coopdesk.
type Server struct {
	db      *database.DB
	cfg     *config.Config
	metrics *Metrics
	handler http.Handler
	// versions and tokens are set on PostgreSQL when the response cache is on.
	versions *versions
	tokens   tokenCache
}

// New builds the server's routes on db.
func New(db *database.DB, cfg *config.Config) *Server {
	s := &Server{db: db, cfg: cfg, metrics: NewMetrics(db.SQL, db.Dialect)}
	gql := graph.NewHandler(db, graph.Options{
		Introspection:     cfg.Introspection,
		AllowPrivateFeeds: cfg.FetchAllowPrivate,
		Location:          cfg.TZ,
		MaxDepth:          cfg.QueryDepthLimit,
		MaxCost:           cfg.QueryCostLimit,
		MaxTokens:         cfg.QueryTokenLimit,
		Observe:           s.metrics.ObserveOperation,
	})
	mux := http.NewServeMux()
	route := func(pattern, name string, h http.Handler) {
		mux.Handle(pattern, s.metrics.instrument(name, h))
	}
	if cfg.ResponseCacheTTL > 0 && cfg.ResponseCacheBytes > 0 {
		s.versions = newVersions(db)
	}
	cache := newResponseCache(s.versions, s.metrics.cacheResults, cfg.ResponseCacheTTL, cfg.ResponseCacheBytes)
	route("/graphql", "/graphql", s.requireToken(limitBody(cache.middleware(gql))))
	route("GET /healthz", "/healthz", http.HandlerFunc(healthz))
	route("GET /readyz", "/readyz", http.HandlerFunc(s.readyz))
	route("GET /metrics", "/metrics", s.requireToken(s.metrics.Handler()))
	route("GET /meetings/{file}", "/meetings", s.requireTokenOrQuery(http.HandlerFunc(s.meetingPage)))
	// Digest pages authenticate themselves: feed readers send ?token= instead of a header.
	route("GET /digests/", "/digests", DigestRoutes(db.Client))
	route("/", "/", ide.Handler())
	s.handler = securityHeaders(mux)
	return s
}

// Metrics returns the server's metrics, for other parts to register theirs.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Handler returns the server's root handler (tests serve it with httptest).
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on ln until ctx is done, then shuts down gracefully: the listener closes at
// once and in-flight requests get cfg.ShutdownTimeout to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(shutdownCtx)
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		slog.WarnContext(ctx, "readyz: database unreachable", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
}

// requireToken authenticates the bearer token; anonymous or invalid requests get 401 in
// the GraphQL error format.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := auth.BearerToken(r)
		if token == "" {
			unauthorized(w, "a valid API token is required: send it as Authorization: Bearer <token>")
			return
		}
		ctx := r.Context()
		digest, version := "", ""
		if s.versions != nil {
			if v, err := s.versions.get(ctx); err == nil {
				digest, version = auth.Digest(token), v
				ctx = withVersion(ctx, v)
			}
		}
		var p *auth.Principal
		var err error
		if version != "" {
			p = s.tokens.get(digest, version)
		}
		if p == nil {
			p, err = auth.Authenticate(ctx, s.db.Client, token)
			if err == nil && version != "" {
				s.tokens.put(digest, version, p, p.Expires)
			}
		}
		if err != nil {
			if !errors.Is(err, auth.ErrInvalidToken) {
				slog.ErrorContext(r.Context(), "authenticate", "err", err)
				writeJSON(w, http.StatusServiceUnavailable, errorBody("SERVICE_UNAVAILABLE", "authentication is unavailable right now"))
				return
			}
			unauthorized(w, "the API token is invalid, revoked or expired")
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(ctx, p)))
	})
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="coopdesk"`)
	writeJSON(w, http.StatusUnauthorized, errorBody(graph.CodeUnauthenticated, msg))
}

func errorBody(code, msg string) map[string]any {
	return map[string]any{"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxRequestBody bounds GraphQL request bodies; queries are small, variables too.
const maxRequestBody = 1 << 20

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets headers that are right for every response. The IDE page sets its
// own Content-Security-Policy (with a nonce), so none is set here.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
