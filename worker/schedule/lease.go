// Package schedule decides which feeds a worker fetches now and makes sure no two workers
// fetch the same one: a feed is claimed with a row lease (lease_owner, lease_expires_at)
// that the store releases when it writes the feed's status, and that expires if the worker
// dies. On PostgreSQL the due rows are selected FOR UPDATE SKIP LOCKED, so several worker
// processes share the feeds without waiting on each other; on SQLite, which one process
// serves, the claim is a plain transaction.
package schedule

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// DefaultLeaseTTL outlives a fetch (30 s at most) plus parsing and storing by far, so a
// lease expires only when its worker died or lost its database.
const DefaultLeaseTTL = 5 * time.Minute

// Due is a claimed feed: what the pipeline needs to fetch it and to compute its status.
type Due struct {
	ID                 int
	URL                string
	Title              string
	SiteURL            string
	Language           string
	ETag, LastModified string
	IntervalMinutes    int
	ConsecutiveErrors  int
	CountryID          int // 0 when none
	// DueAt is the feed's next-fetch time when claimed (nil for a feed never fetched).
	DueAt *time.Time
	// TakenOver is true when the feed was claimed from an expired lease of another worker.
	TakenOver bool
}

// Leaser claims and releases feed leases for one worker.
type Leaser struct {
	db      *sql.DB
	dialect string
	owner   string
	ttl     time.Duration
	now     func() time.Time
}

// NewLeaser returns a Leaser whose leases last ttl (DefaultLeaseTTL when zero). owner names
// the worker ("" picks host:pid:random).
func NewLeaser(db *sql.DB, dia, owner string, ttl time.Duration) *Leaser {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	if owner == "" {
		owner = NewOwner()
	}
	return &Leaser{db: db, dialect: dia, owner: owner, ttl: ttl, now: time.Now}
}

// NewOwner returns a lease owner name unique to this process: host, pid and a random tag
// (a restarted process with a reused pid must not inherit its predecessor's leases).
func NewOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	owner := host + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b)
	if len(owner) > 200 {
		owner = owner[len(owner)-200:]
	}
	return owner
}

// Owner is the name written in lease_owner.
func (l *Leaser) Owner() string { return l.owner }

// TTL is how long a lease lasts.
func (l *Leaser) TTL() time.Duration { return l.ttl }

// Claim says which feeds to claim.
type Claim struct {
	// All claims every enabled feed, due or not (`coopdesk fetch --all`); otherwise only
	// feeds whose next-fetch time has come.
	All bool
	// FeedIDs claims these feeds, due or not, enabled or not (`fetch --feed`, refreshFeed).
	FeedIDs []int
	// AfterID continues a pass: only feeds with a larger id are claimed, so a pass visits
	// each feed once even when --all makes every feed eligible again.
	AfterID int
	// Limit is the most feeds claimed at once.
	Limit int
}

// ErrNoFeed is returned by ClaimFeed for an unknown feed id.
var ErrNoFeed = errors.New("no such feed")

// ErrLeased is returned by ClaimFeed when another worker is fetching the feed.
var ErrLeased = errors.New("the feed is being fetched by a worker")

// Claim leases up to c.Limit feeds in id order and returns them. Feeds leased by a live
// worker are skipped; expired leases are taken over.
func (l *Leaser) Claim(ctx context.Context, c Claim) ([]Due, error) {
	if c.Limit <= 0 {
		c.Limit = 1
	}
	now := l.now().UTC()
	b := entsql.Dialect(l.dialect)
	free := entsql.Or(entsql.IsNull("lease_expires_at"), entsql.LTE("lease_expires_at", now))
	where := []*entsql.Predicate{free, entsql.GT("id", c.AfterID)}
	switch {
	case len(c.FeedIDs) > 0:
		ids := make([]any, len(c.FeedIDs))
		for i, id := range c.FeedIDs {
			ids[i] = id
		}
		where = append(where, entsql.In("id", ids...))
	case c.All:
		where = append(where, entsql.EQ("enabled", true))
	default:
		where = append(where, entsql.EQ("enabled", true),
			entsql.Or(entsql.IsNull("next_fetch_at"), entsql.LTE("next_fetch_at", now)))
	}
	sel := b.Select("id", "url", "title", "site_url", "language", "etag", "last_modified",
		"interval_minutes", "consecutive_errors", "country_id", "next_fetch_at", "lease_owner").
		From(entsql.Table("feeds")).Where(entsql.And(where...)).OrderBy("id").Limit(c.Limit)
	if l.dialect == dialect.Postgres {
		sel.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
	}

	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim feeds: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	q, args := sel.Query()
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("claim feeds: %w", err)
	}
	var due []Due
	for rows.Next() {
		var (
			d                                           Due
			title, site, lang, etag, lastMod, prevOwner sql.NullString
			country                                     sql.NullInt64
			next                                        sql.NullTime
		)
		if err := rows.Scan(&d.ID, &d.URL, &title, &site, &lang, &etag, &lastMod, &d.IntervalMinutes,
			&d.ConsecutiveErrors, &country, &next, &prevOwner); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim feeds: %w", err)
		}
		d.Title, d.SiteURL, d.Language, d.ETag, d.LastModified = title.String, site.String, lang.String, etag.String, lastMod.String
		d.CountryID = int(country.Int64)
		if next.Valid {
			t := next.Time
			d.DueAt = &t
		}
		d.TakenOver = prevOwner.Valid && prevOwner.String != ""
		due = append(due, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim feeds: %w", err)
	}
	if len(due) == 0 {
		return nil, tx.Commit()
	}
	ids := make([]any, len(due))
	for i, d := range due {
		ids[i] = d.ID
	}
	q, args = b.Update("feeds").Set("lease_owner", l.owner).Set("lease_expires_at", now.Add(l.ttl)).
		Where(entsql.In("id", ids...)).Query()
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("claim feeds: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claim feeds: %w", err)
	}
	return due, nil
}

// ClaimFeed leases one feed, due or not. It fails with ErrNoFeed or ErrLeased.
func (l *Leaser) ClaimFeed(ctx context.Context, id int) (Due, error) {
	due, err := l.Claim(ctx, Claim{FeedIDs: []int{id}, Limit: 1})
	if err != nil {
		return Due{}, err
	}
	if len(due) == 1 {
		return due[0], nil
	}
	var one int
	q, args := entsql.Dialect(l.dialect).Select("id").From(entsql.Table("feeds")).Where(entsql.EQ("id", id)).Query()
	err = l.db.QueryRowContext(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return Due{}, ErrNoFeed
	}
	if err != nil {
		return Due{}, fmt.Errorf("claim feed %d: %w", id, err)
	}
	return Due{}, ErrLeased
}

// Release gives up this worker's leases on the feeds without touching their schedule:
// a fetch interrupted by shutdown is taken up again at the next pass of any worker.
func (l *Leaser) Release(ctx context.Context, ids ...int) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q, qargs := entsql.Dialect(l.dialect).Update("feeds").SetNull("lease_owner").SetNull("lease_expires_at").
		Where(entsql.And(entsql.In("id", args...), entsql.EQ("lease_owner", l.owner))).Query()
	if _, err := l.db.ExecContext(ctx, q, qargs...); err != nil {
		return fmt.Errorf("release leases: %w", err)
	}
	return nil
}
