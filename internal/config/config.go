// Package config is coopdesk's one typed registry of settings: every option with its
// environment variable, default and validation, read once at start. Nothing else reads the
// environment.
package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting of coopdesk.
type Config struct {
	DatabaseURL        string         // COOPDESK_DATABASE_URL
	Addr               string         // COOPDESK_ADDR
	FetchAllowPrivate  bool           // COOPDESK_FETCH_ALLOW_PRIVATE
	SMTPURL            string         // COOPDESK_SMTP_URL
	MailFrom           string         // COOPDESK_MAIL_FROM
	TZ                 *time.Location // COOPDESK_TZ
	Introspection      bool           // COOPDESK_INTROSPECTION
	MaxOpenConns       int            // COOPDESK_DB_MAX_OPEN_CONNS
	MaxIdleConns       int            // COOPDESK_DB_MAX_IDLE_CONNS
	QueryCostLimit     int            // COOPDESK_QUERY_COST_LIMIT
	QueryDepthLimit    int            // COOPDESK_QUERY_DEPTH_LIMIT
	QueryTokenLimit    int            // COOPDESK_QUERY_TOKEN_LIMIT
	ShutdownTimeout    time.Duration  // COOPDESK_SHUTDOWN_TIMEOUT
	DigestCron         string         // COOPDESK_DIGEST_CRON
	LogLevel           string         // COOPDESK_LOG_LEVEL
	WorkerSchedule     string         // COOPDESK_WORKER_SCHEDULE
	WorkerConcurrency  int            // COOPDESK_WORKER_CONCURRENCY
	WorkerLease        time.Duration  // COOPDESK_WORKER_LEASE
	ResponseCacheTTL   time.Duration  // COOPDESK_RESPONSE_CACHE_TTL
	ResponseCacheBytes int            // COOPDESK_RESPONSE_CACHE_MB
}

// Option describes one setting, for documentation and --help.
type Option struct {
	Env, Default, Help string
}

// Options lists every setting with its default, in the order of the README.
var Options = []Option{
	{"COOPDESK_DATABASE_URL", "sqlite:coopdesk.db", "database: sqlite:PATH or postgres://…"},
	{"COOPDESK_ADDR", "127.0.0.1:8080", "HTTP listen address"},
	{"COOPDESK_FETCH_ALLOW_PRIVATE", "0", "1 lets the feed fetcher reach loopback and private addresses"},
	{"COOPDESK_SMTP_URL", "", "smtp://user:pass@host:port for digest delivery"},
	{"COOPDESK_MAIL_FROM", "", "sender address of digests"},
	{"COOPDESK_TZ", "Europe/Paris", "time zone of schedules and digest dates"},
	{"COOPDESK_INTROSPECTION", "1", "0 turns GraphQL introspection off"},
	{"COOPDESK_DB_MAX_OPEN_CONNS", "", "database pool size (default 20 on PostgreSQL, 8 on SQLite)"},
	{"COOPDESK_DB_MAX_IDLE_CONNS", "", "idle connections kept (default: the pool size)"},
	{"COOPDESK_QUERY_COST_LIMIT", "200000", "largest GraphQL query cost (page sizes multiplied by nesting)"},
	{"COOPDESK_QUERY_DEPTH_LIMIT", "12", "deepest GraphQL selection"},
	{"COOPDESK_QUERY_TOKEN_LIMIT", "5000", "most tokens in a GraphQL document"},
	{"COOPDESK_SHUTDOWN_TIMEOUT", "15s", "how long in-flight requests get on shutdown"},
	{"COOPDESK_DIGEST_CRON", "0 7 * * *", "when the daily digests are built and sent"},
	{"COOPDESK_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"COOPDESK_RESPONSE_CACHE_TTL", "5s", "how long a repeated read query may be answered from memory while the database is unchanged (PostgreSQL; 0 turns it off)"},
	{"COOPDESK_RESPONSE_CACHE_MB", "64", "memory for cached query answers"},
	{"COOPDESK_WORKER_SCHEDULE", "@every 1m", "when the veille worker looks for due feeds (cron spec, in COOPDESK_TZ)"},
	{"COOPDESK_WORKER_CONCURRENCY", "8", "feeds a worker fetches at once"},
	{"COOPDESK_WORKER_LEASE", "5m", "how long a claimed feed stays leased if its worker dies"},
}

// FromEnv reads the configuration from the process environment.
func FromEnv() (*Config, error) { return Load(os.Getenv) }

// Load reads the configuration through getenv, applying defaults and validating values.
func Load(getenv func(string) string) (*Config, error) {
	get := func(key string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		for _, o := range Options {
			if o.Env == key {
				return o.Default
			}
		}
		return ""
	}
	var errs []string
	boolean := func(key string) bool {
		switch strings.ToLower(get(key)) {
		case "1", "true", "yes", "on":
			return true
		case "0", "false", "no", "off", "":
			return false
		}
		errs = append(errs, fmt.Sprintf("%s: want 0 or 1, got %q", key, get(key)))
		return false
	}
	integer := func(key string, min int) int {
		v := get(key)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			errs = append(errs, fmt.Sprintf("%s: want a whole number ≥ %d, got %q", key, min, v))
		}
		return n
	}
	c := &Config{
		DatabaseURL:       get("COOPDESK_DATABASE_URL"),
		Addr:              get("COOPDESK_ADDR"),
		FetchAllowPrivate: boolean("COOPDESK_FETCH_ALLOW_PRIVATE"),
		SMTPURL:           get("COOPDESK_SMTP_URL"),
		MailFrom:          get("COOPDESK_MAIL_FROM"),
		Introspection:     boolean("COOPDESK_INTROSPECTION"),
		MaxOpenConns:      integer("COOPDESK_DB_MAX_OPEN_CONNS", 1),
		MaxIdleConns:      integer("COOPDESK_DB_MAX_IDLE_CONNS", 0),
		QueryCostLimit:    integer("COOPDESK_QUERY_COST_LIMIT", 1),
		QueryDepthLimit:   integer("COOPDESK_QUERY_DEPTH_LIMIT", 2),
		QueryTokenLimit:   integer("COOPDESK_QUERY_TOKEN_LIMIT", 10),
		DigestCron:        get("COOPDESK_DIGEST_CRON"),
		LogLevel:          get("COOPDESK_LOG_LEVEL"),
		WorkerSchedule:    get("COOPDESK_WORKER_SCHEDULE"),
		WorkerConcurrency: integer("COOPDESK_WORKER_CONCURRENCY", 1),
	}
	tz, err := time.LoadLocation(get("COOPDESK_TZ"))
	if err != nil {
		errs = append(errs, fmt.Sprintf("COOPDESK_TZ: unknown time zone %q", get("COOPDESK_TZ")))
		tz = time.UTC
	}
	c.TZ = tz
	d, err := time.ParseDuration(get("COOPDESK_SHUTDOWN_TIMEOUT"))
	if err != nil || d <= 0 {
		errs = append(errs, fmt.Sprintf("COOPDESK_SHUTDOWN_TIMEOUT: want a duration such as 15s, got %q", get("COOPDESK_SHUTDOWN_TIMEOUT")))
	}
	c.ShutdownTimeout = d
	if ttl, err := time.ParseDuration(get("COOPDESK_RESPONSE_CACHE_TTL")); err != nil || ttl < 0 {
		errs = append(errs, fmt.Sprintf("COOPDESK_RESPONSE_CACHE_TTL: want a duration such as 5s or 0, got %q", get("COOPDESK_RESPONSE_CACHE_TTL")))
	} else {
		c.ResponseCacheTTL = ttl
	}
	c.ResponseCacheBytes = integer("COOPDESK_RESPONSE_CACHE_MB", 0) << 20
	lease, err := time.ParseDuration(get("COOPDESK_WORKER_LEASE"))
	if err != nil || lease < time.Second {
		errs = append(errs, fmt.Sprintf("COOPDESK_WORKER_LEASE: want a duration of at least 1s such as 5m, got %q", get("COOPDESK_WORKER_LEASE")))
	}
	c.WorkerLease = lease
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Sprintf("COOPDESK_DATABASE_URL: want sqlite:PATH or postgres://…, got %q", c.DatabaseURL))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Sprintf("COOPDESK_LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}
