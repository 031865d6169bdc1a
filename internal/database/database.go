// Package database opens coopdesk's database (embedded SQLite or PostgreSQL), sizes its
// connection pool, and migrates its schema.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"coopdesk/ent"
	"coopdesk/internal/auth"
	"coopdesk/internal/changelog"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"  // PostgreSQL driver
	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"
)

// DB is an open database: the ent client and the pool under it.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string // dialect.SQLite or dialect.Postgres
}

// Options tunes Open.
type Options struct {
	MaxOpenConns int // 0: 20 on PostgreSQL, 8 on SQLite
	MaxIdleConns int // 0: the same as MaxOpenConns
	// Statements, when set, counts every statement sent to the database (tests use it to
	// prove that a request's statement count does not grow with its rows).
	Statements *atomic.Int64
}

// Open connects to rawURL: sqlite:PATH or postgres://… (postgresql://…).
func Open(ctx context.Context, rawURL string, opt Options) (*DB, error) {
	var (
		driverName, dsn, dia string
		open, idle           int
	)
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(rawURL, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return nil, errors.New("database: sqlite URL needs a file path, e.g. sqlite:coopdesk.db")
		}
		driverName, dia = "sqlite", dialect.SQLite
		dsn = SQLiteDSN(path)
		open, idle = 8, 8
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		if _, err := url.Parse(rawURL); err != nil {
			return nil, fmt.Errorf("database: invalid PostgreSQL URL: %w", err)
		}
		driverName, dia, dsn = "postgres", dialect.Postgres, rawURL
		open, idle = 20, 20
	default:
		return nil, fmt.Errorf("database: unsupported URL %q (want sqlite:PATH or postgres://…)", rawURL)
	}
	if opt.MaxOpenConns > 0 {
		open, idle = opt.MaxOpenConns, opt.MaxOpenConns
	}
	if opt.MaxIdleConns > 0 {
		idle = opt.MaxIdleConns
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("database: open: %w", err)
	}
	// database/sql keeps two idle connections by default, which halves throughput under
	// concurrent GraphQL load: size the pool explicitly.
	db.SetMaxOpenConns(open)
	db.SetMaxIdleConns(idle)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: cannot reach %s: %w", redact(rawURL), err)
	}
	var drv dialect.Driver = entsql.OpenDB(dia, db)
	if opt.Statements != nil {
		drv = &countingDriver{Driver: drv, n: opt.Statements}
	}
	client := ent.NewClient(ent.Driver(drv))
	client.Use(auth.AuditHook(), changelog.Hook())
	return &DB{Client: client, SQL: db, Dialect: dia}, nil
}

// SQLiteDSN is the modernc.org/sqlite DSN for a database file: foreign keys on (ent's
// migration needs them), WAL for concurrent readers, a busy timeout instead of immediate
// "database is locked" errors, and times stored in SQLite's sortable text format.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_time_format=sqlite&_txlock=immediate"
}

// Close closes the client and the pool.
func (d *DB) Close() error { return d.Client.Close() }

// Ping checks that the database answers (for /readyz).
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }

// Exclusive runs fn while holding a database-wide lock on PostgreSQL (an advisory lock),
// so that several coopdesk processes starting at once migrate and seed one at a time. On
// SQLite, which one process serves, it just runs fn.
func (d *DB) Exclusive(ctx context.Context, fn func() error) error {
	if d.Dialect != dialect.Postgres {
		return fn()
	}
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("database lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", startupLock); err != nil {
		return fmt.Errorf("database lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", startupLock) //nolint:errcheck // released with the session anyway
	return fn()
}

// startupLock is the advisory lock key of Exclusive.
const startupLock = 7_294_117_001

// Migrate creates or updates the schema.
func (d *DB) Migrate(ctx context.Context) error {
	if err := d.Client.Schema.Create(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return d.backfill(ctx)
}

// backfills are data migrations that follow a schema change, each run once per database
// (recorded in coopdesk_backfills) and safe to run again if a crash interrupts one.
var backfills = []struct{ name, sql string }{
	// Tag rows carry a copy of their article's published_at for the dashboards' aggregates
	// (ent/schema/veille.go); rows written before the column existed get it here.
	{"2026-11-27-tag-published-at-group", `UPDATE article_group_tags SET published_at =
		(SELECT a.published_at FROM articles a WHERE a.id = article_group_tags.article_id)
		WHERE published_at IS NULL`},
	{"2026-11-27-tag-published-at-mention", `UPDATE article_mentions SET published_at =
		(SELECT a.published_at FROM articles a WHERE a.id = article_mentions.article_id)
		WHERE published_at IS NULL`},
}

func (d *DB) backfill(ctx context.Context) error {
	if _, err := d.SQL.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS coopdesk_backfills (
		name varchar(100) PRIMARY KEY, done_at timestamp NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: backfills table: %w", err)
	}
	done := map[string]bool{}
	rows, err := d.SQL.QueryContext(ctx, `SELECT name FROM coopdesk_backfills`)
	if err != nil {
		return fmt.Errorf("migrate: backfills: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: backfills: %w", err)
		}
		done[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: backfills: %w", err)
	}
	mark := `INSERT INTO coopdesk_backfills (name, done_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`
	if d.Dialect == dialect.Postgres {
		mark = strings.Replace(strings.Replace(mark, "?", "$1", 1), "?", "$2", 1)
	}
	for _, b := range backfills {
		if done[b.name] {
			continue
		}
		if _, err := d.SQL.ExecContext(ctx, b.sql); err != nil {
			return fmt.Errorf("migrate: backfill %s: %w", b.name, err)
		}
		if _, err := d.SQL.ExecContext(ctx, mark, b.name, time.Now().UTC()); err != nil {
			return fmt.Errorf("migrate: backfill %s: %w", b.name, err)
		}
	}
	return nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

// countingDriver counts the statements sent through it.
type countingDriver struct {
	dialect.Driver
	n *atomic.Int64
}

func (c *countingDriver) Exec(ctx context.Context, q string, args, v any) error {
	c.n.Add(1)
	return c.Driver.Exec(ctx, q, args, v)
}

func (c *countingDriver) Query(ctx context.Context, q string, args, v any) error {
	c.n.Add(1)
	return c.Driver.Query(ctx, q, args, v)
}

func (c *countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := c.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, n: c.n}, nil
}

func (c *countingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	type beginner interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	}
	b, ok := c.Driver.(beginner)
	if !ok {
		return c.Tx(ctx)
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, n: c.n}, nil
}

type countingTx struct {
	dialect.Tx
	n *atomic.Int64
}

func (c *countingTx) Exec(ctx context.Context, q string, args, v any) error {
	c.n.Add(1)
	return c.Tx.Exec(ctx, q, args, v)
}

func (c *countingTx) Query(ctx context.Context, q string, args, v any) error {
	c.n.Add(1)
	return c.Tx.Query(ctx, q, args, v)
}
