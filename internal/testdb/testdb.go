// Package testdb gives tests a fresh, migrated database on each engine: a new SQLite file
// and, when PostgreSQL is reachable, a new PostgreSQL schema. Without PostgreSQL its tests
// skip with a message, except in CI (CI=true), where they fail.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"coopdesk/internal/database"
)

// DefaultPostgresURL is where tests look for PostgreSQL unless COOPDESK_TEST_POSTGRES_URL
// says otherwise.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Engines are the database engines every store test runs on.
var Engines = []string{"sqlite", "postgres"}

// DB is a test database.
type DB struct {
	*database.DB
	URL        string        // the URL coopdesk would be configured with
	Statements *atomic.Int64 // statements sent since Open
}

// Options tunes Open.
type Options struct {
	MaxOpenConns int
}

// Each runs fn as a subtest on every engine, each with its own fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine, Options{}))
		})
	}
}

// Open returns a fresh migrated database on engine, removed when the test ends.
func Open(tb testing.TB, engine string, opt Options) *DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var rawURL string
	switch engine {
	case "sqlite":
		rawURL = "sqlite:" + filepath.Join(tb.TempDir(), "coopdesk.db")
	case "postgres":
		rawURL = PostgresSchema(tb)
	default:
		tb.Fatalf("testdb: unknown engine %q", engine)
	}
	n := &atomic.Int64{}
	db, err := database.Open(ctx, rawURL, database.Options{Statements: n, MaxOpenConns: opt.MaxOpenConns})
	if err != nil {
		tb.Fatalf("testdb: open %s: %v", engine, err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("testdb: migrate %s: %v", engine, err)
	}
	n.Store(0)
	return &DB{DB: db, URL: rawURL, Statements: n}
}

// PostgresURL returns the base URL of the test PostgreSQL server, or skips the test (fails
// it in CI) when the server is not reachable.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("COOPDESK_TEST_POSTGRES_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	db, err := sql.Open("postgres", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = db.PingContext(ctx)
		cancel()
		db.Close()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL is required in CI but unreachable at %s: %v", base, err)
		}
		tb.Skipf("PostgreSQL unreachable at %s (%v): skipping; set COOPDESK_TEST_POSTGRES_URL or start PostgreSQL", base, err)
	}
	return base
}

// PostgresSchema creates a fresh schema on the test server and returns a URL whose
// search_path selects it; the schema is dropped when the test ends.
func PostgresSchema(tb testing.TB) string {
	tb.Helper()
	base := PostgresURL(tb)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	db, err := sql.Open("postgres", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("testdb: create schema: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("postgres", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Name describes the database for messages.
func (d *DB) Name() string { return fmt.Sprintf("%s (%s)", d.Dialect, d.URL) }
