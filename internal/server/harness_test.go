package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"coopdesk/ent/user"
	"coopdesk/internal/auth"
	"coopdesk/internal/config"
	"coopdesk/internal/search"
	"coopdesk/internal/seed"
	"coopdesk/internal/server"
	"coopdesk/internal/testdb"
)

// api is a real coopdesk HTTP server on loopback over a fresh database, with one token per
// role.
type api struct {
	t                     testing.TB
	db                    *testdb.DB
	srv                   *httptest.Server
	admin, staff, viewer  string
	adminID, staffID, vID int
}

func testConfig(tb testing.TB, getenv map[string]string) *config.Config {
	cfg, err := config.Load(func(k string) string { return getenv[k] })
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

func newAPI(tb testing.TB, db *testdb.DB, env map[string]string) *api {
	tb.Helper()
	ctx := context.Background()
	if _, err := seed.Minimal(ctx, db.Client); err != nil {
		tb.Fatal(err)
	}
	if err := search.New(db.DB).Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	a := &api{t: tb, db: db}
	var err error
	mk := func(name string, role user.Role) (string, int) {
		token, u, err2 := auth.CreateUserWithToken(ctx, db.Client, name, role)
		if err2 != nil {
			tb.Fatal(err2)
		}
		return token, u.ID
	}
	a.admin, a.adminID = mk("Admin", auth.Admin)
	a.staff, a.staffID = mk("Salomé Staff", auth.Staff)
	a.viewer, a.vID = mk("Dashboard", auth.Viewer)
	_ = err
	s := server.New(db.DB, testConfig(tb, env))
	a.srv = httptest.NewServer(s.Handler())
	tb.Cleanup(a.srv.Close)
	return a
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
	Path       []any          `json:"path"`
}

type gqlResponse struct {
	Status int
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
	Raw    string
}

func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// do posts a GraphQL request with token (none if empty).
func (a *api) do(token, query string, vars map[string]any) gqlResponse {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return a.send(req)
}

func (a *api) send(req *http.Request) gqlResponse {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := gqlResponse{Status: resp.StatusCode, Raw: string(raw)}
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	return out
}

// ok runs a query that must succeed and returns its data.
func (a *api) ok(token, query string, vars map[string]any) map[string]any {
	a.t.Helper()
	r := a.do(token, query, vars)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		a.t.Fatalf("query failed (%d): %s\nquery: %s", r.Status, r.Raw, query)
	}
	return r.Data
}

// fails runs a query that must fail with code and returns the response.
func (a *api) fails(token, code, query string, vars map[string]any) gqlResponse {
	a.t.Helper()
	r := a.do(token, query, vars)
	if r.code() != code {
		a.t.Fatalf("want error code %s, got %q: %s\nquery: %s", code, r.code(), r.Raw, query)
	}
	return r
}

// get walks a decoded JSON value by keys and indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func num(v any, path ...any) int {
	f, _ := get(v, path...).(float64)
	return int(f)
}

func openDB(tb testing.TB, engine string) *testdb.DB {
	return testdb.Open(tb, engine, testdb.Options{})
}

func mustInt(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
