// Package dashboard computes the aggregates of coopdesk's dashboards: dossiers by status
// and call, partnerships by partner country, group, theme and status, articles per
// country group per day, the most mentioned local authorities, and feed health. Each is
// computed by the database in one statement (or a few), grouped there: the cost of an
// aggregate depends on the rows its indexes select, never on a loop over rows in Go.
// The same statements run on SQLite and PostgreSQL.
package dashboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopdesk/internal/database"

	"entgo.io/ent/dialect"
)

// MaxDays bounds the range of ArticlesPerGroupPerDay.
const MaxDays = 366

// Errors of invalid arguments; their messages are for the user.
var (
	ErrInvalidRange = fmt.Errorf("the period must start before it ends and span at most %d days", MaxDays)
	ErrInvalidLimit = errors.New("the limit must be between 1 and 100")
)

// Count is a number of records for a key (a status, a call, a country code, a slug), with
// the key's label where it has one.
type Count struct {
	Key   string
	Label string
	Count int
}

// DossierStats counts the dossiers.
type DossierStats struct {
	ByStatus        []Count // by status, sorted by status
	ByCall          []Count // by call for applications, sorted by call
	ByCallAndStatus []CallStatusCount
}

// CallStatusCount is the number of dossiers of a call in a status.
type CallStatusCount struct {
	Call, Status string
	Count        int
}

// Dossiers counts dossiers by call and status in one statement; the per-status and per-call
// totals are sums of its few rows.
func Dossiers(ctx context.Context, db *database.DB) (DossierStats, error) {
	var st DossierStats
	rows, err := db.SQL.QueryContext(ctx, `SELECT call, status, count(*) FROM dossiers GROUP BY call, status ORDER BY call, status`)
	if err != nil {
		return st, fmt.Errorf("dashboard: dossiers: %w", err)
	}
	defer rows.Close()
	byStatus, byCall := map[string]int{}, map[string]int{}
	for rows.Next() {
		var c CallStatusCount
		if err := rows.Scan(&c.Call, &c.Status, &c.Count); err != nil {
			return st, fmt.Errorf("dashboard: dossiers: %w", err)
		}
		st.ByCallAndStatus = append(st.ByCallAndStatus, c)
		byStatus[c.Status] += c.Count
		byCall[c.Call] += c.Count
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("dashboard: dossiers: %w", err)
	}
	st.ByStatus, st.ByCall = sortedCounts(byStatus), sortedCounts(byCall)
	return st, nil
}

func sortedCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Key: k, Count: n})
	}
	slices.SortFunc(out, func(a, b Count) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// PartnershipStats counts the partnerships. A partnership with partner authorities in two
// countries counts once in each (and once per group); the totals of ByCountry, ByGroup
// and ByTheme may therefore exceed the number of partnerships.
type PartnershipStats struct {
	ByStatus  []Count // key: status
	ByCountry []Count // key: ISO code of a partner authority's country; label: French name
	ByGroup   []Count // key: group slug (through the partner countries); label: group name
	ByTheme   []Count // key: theme slug; label: theme label
}

// Partnerships counts partnerships by status, partner country, group and theme: four
// statements, largest count first (then by key).
func Partnerships(ctx context.Context, db *database.DB) (PartnershipStats, error) {
	var st PartnershipStats
	queries := []struct {
		dst *[]Count
		sql string
	}{
		{&st.ByStatus, `SELECT status, '', count(*) FROM partnerships GROUP BY status`},
		{&st.ByCountry, `SELECT c.code, c.name_fr, count(DISTINCT pa.partnership_id)
			FROM partnership_partner_authorities pa
			JOIN local_authorities la ON la.id = pa.local_authority_id
			JOIN countries c ON c.id = la.country_id
			GROUP BY c.code, c.name_fr`},
		{&st.ByGroup, `SELECT g.slug, g.name, count(DISTINCT pa.partnership_id)
			FROM partnership_partner_authorities pa
			JOIN local_authorities la ON la.id = pa.local_authority_id
			JOIN country_group_countries cgc ON cgc.country_id = la.country_id
			JOIN country_groups g ON g.id = cgc.country_group_id
			GROUP BY g.slug, g.name`},
		{&st.ByTheme, `SELECT t.slug, t.label, count(DISTINCT pt.partnership_id)
			FROM partnership_themes pt JOIN themes t ON t.id = pt.theme_id
			GROUP BY t.slug, t.label`},
	}
	for _, q := range queries {
		counts, err := queryCounts(ctx, db.SQL, q.sql+" ORDER BY 3 DESC, 1")
		if err != nil {
			return st, fmt.Errorf("dashboard: partnerships: %w", err)
		}
		*q.dst = counts
	}
	return st, nil
}

func queryCounts(ctx context.Context, db *sql.DB, q string, args ...any) ([]Count, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Count{}
	for rows.Next() {
		var (
			c     Count
			label sql.NullString
		)
		if err := rows.Scan(&c.Key, &label, &c.Count); err != nil {
			return nil, err
		}
		c.Label = label.String
		out = append(out, c)
	}
	return out, rows.Err()
}

// GroupDay is the number of articles tagged with a group and published on a day.
type GroupDay struct {
	Day   string // YYYY-MM-DD in the location asked for
	Group string // slug
	Count int
}

// ArticlesPerGroupPerDay counts the articles of each country group (non-removed tags)
// published on each day of [from, to), days being calendar days in loc (COOPDESK_TZ).
// Days and groups without articles are left out. The day boundaries are computed here,
// with loc's daylight saving changes, and sent as a list, so that both engines count
// the same local days in one statement (SQLite knows no time zones).
func ArticlesPerGroupPerDay(ctx context.Context, db *database.DB, from, to time.Time, loc *time.Location) ([]GroupDay, error) {
	if loc == nil {
		loc = time.UTC
	}
	if !from.Before(to) || to.Sub(from) > MaxDays*24*time.Hour+time.Hour {
		return nil, ErrInvalidRange
	}
	ph := placeholders(db)
	var (
		values []string
		args   []any
	)
	from, to = from.In(loc), to.In(loc)
	for day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc); day.Before(to); day = day.AddDate(0, 0, 1) {
		start, end := day, day.AddDate(0, 0, 1)
		if start.Before(from) {
			start = from
		}
		if end.After(to) {
			end = to
		}
		args = append(args, day.Format("2006-01-02"), start.UTC(), end.UTC())
		n := len(args)
		values = append(values, fmt.Sprintf("(%s, %s, %s)", ph.text(n-2), ph.time(n-1), ph.time(n)))
	}
	// Tag rows carry a copy of their article's published_at: each (day, group) count is
	// an index-only range scan of articlegrouptag_group_id_published_at (group_id,
	// published_at) WHERE NOT removed, without reading the articles. Rows whose copy is
	// still NULL (written before the copy existed and not backfilled yet) count by their
	// article's date, found through the same index (group_id = g AND published_at IS
	// NULL): nothing to read once every copy is filled.
	args = append(args, from.UTC(), to.UTC())
	n := len(args)
	q := `WITH days(day, day_start, day_end) AS (VALUES ` + strings.Join(values, ", ") + `),
		counts(day, group_id, n) AS (
			SELECT d.day, g.id, (SELECT count(*) FROM article_group_tags t
				WHERE t.group_id = g.id AND NOT t.removed AND t.published_at >= d.day_start AND t.published_at < d.day_end)
			FROM days d CROSS JOIN country_groups g
			UNION ALL
			SELECT d.day, g.id, count(*)
			FROM country_groups g
			JOIN article_group_tags t ON t.group_id = g.id AND NOT t.removed AND t.published_at IS NULL
			JOIN articles a ON a.id = t.article_id
			JOIN days d ON a.published_at >= d.day_start AND a.published_at < d.day_end
			WHERE a.published_at >= ` + ph.time(n-1) + ` AND a.published_at < ` + ph.time(n) + `
			GROUP BY d.day, g.id
		)
		SELECT c.day, g.slug, sum(c.n)
		FROM counts c JOIN country_groups g ON g.id = c.group_id
		GROUP BY c.day, g.slug
		HAVING sum(c.n) > 0
		ORDER BY c.day, g.slug`
	rows, err := db.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("dashboard: articles per group per day: %w", err)
	}
	defer rows.Close()
	out := []GroupDay{}
	for rows.Next() {
		var g GroupDay
		if err := rows.Scan(&g.Day, &g.Group, &g.Count); err != nil {
			return nil, fmt.Errorf("dashboard: articles per group per day: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dashboard: articles per group per day: %w", err)
	}
	return out, nil
}

// AuthorityCount is the number of articles that mention a local authority.
type AuthorityCount struct {
	AuthorityID int
	Name        string
	Country     string // ISO code
	Articles    int
}

// TopMentionedAuthorities returns the limit local authorities mentioned by the most
// articles published in [from, to) (non-removed mentions), most mentioned first, then by
// name.
func TopMentionedAuthorities(ctx context.Context, db *database.DB, from, to time.Time, limit int) ([]AuthorityCount, error) {
	if !from.Before(to) {
		return nil, ErrInvalidRange
	}
	if limit < 1 || limit > 100 {
		return nil, ErrInvalidLimit
	}
	ph := placeholders(db)
	// Counting first and naming after keeps the join to authorities to the top rows. The
	// mentions carry a copy of their article's published_at: the count is an index-only
	// range scan of articlemention_published_at_authority_id (published_at, authority_id)
	// WHERE NOT removed. Rows whose copy is still NULL count by their article's date
	// (the same index finds them; none once the copies are backfilled).
	q := `SELECT la.id, la.name, c.code, top.n FROM (
			SELECT authority_id, sum(n) AS n FROM (
				SELECT m.authority_id, count(*) AS n
				FROM article_mentions m
				WHERE NOT m.removed AND m.published_at >= ` + ph.time(1) + ` AND m.published_at < ` + ph.time(2) + `
				GROUP BY m.authority_id
				UNION ALL
				SELECT m.authority_id, count(*)
				FROM article_mentions m JOIN articles a ON a.id = m.article_id
				WHERE NOT m.removed AND m.published_at IS NULL
					AND a.published_at >= ` + ph.time(1) + ` AND a.published_at < ` + ph.time(2) + `
				GROUP BY m.authority_id
			) u GROUP BY authority_id
		) top
		JOIN local_authorities la ON la.id = top.authority_id
		JOIN countries c ON c.id = la.country_id
		ORDER BY top.n DESC, la.name, la.id
		LIMIT ` + ph.plain(3)
	rows, err := db.SQL.QueryContext(ctx, q, from.UTC(), to.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("dashboard: mentioned authorities: %w", err)
	}
	defer rows.Close()
	out := []AuthorityCount{}
	for rows.Next() {
		var a AuthorityCount
		if err := rows.Scan(&a.AuthorityID, &a.Name, &a.Country, &a.Articles); err != nil {
			return nil, fmt.Errorf("dashboard: mentioned authorities: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dashboard: mentioned authorities: %w", err)
	}
	return out, nil
}

// FeedHealthStats sorts the feeds by health. Every feed is in exactly one count.
type FeedHealthStats struct {
	OK       int // enabled, fetched, and the last fetch succeeded
	Pending  int // enabled, never fetched yet
	Failing  int // enabled, and the last fetch failed (consecutive_errors > 0)
	Disabled int
	// FailingFeeds are the failing feeds that have failed the most times in a row.
	FailingFeeds []FailingFeed
}

// FailingFeed is a failing feed.
type FailingFeed struct {
	ID                int
	URL               string
	Title             string
	Country           string // ISO code, "" when unknown
	LastStatus        string // the error kind
	LastError         string
	ConsecutiveErrors int
	LastFetchedAt     *time.Time
}

// FeedHealth counts feeds by health (one statement) and lists the failing ones, at most
// limit, the longest failing first (a second statement).
func FeedHealth(ctx context.Context, db *database.DB, limit int) (FeedHealthStats, error) {
	var st FeedHealthStats
	if limit < 1 || limit > 100 {
		return st, ErrInvalidLimit
	}
	err := db.SQL.QueryRowContext(ctx, `SELECT
			coalesce(sum(CASE WHEN enabled AND consecutive_errors = 0 AND last_fetched_at IS NOT NULL THEN 1 ELSE 0 END), 0),
			coalesce(sum(CASE WHEN enabled AND consecutive_errors = 0 AND last_fetched_at IS NULL THEN 1 ELSE 0 END), 0),
			coalesce(sum(CASE WHEN enabled AND consecutive_errors > 0 THEN 1 ELSE 0 END), 0),
			coalesce(sum(CASE WHEN NOT enabled THEN 1 ELSE 0 END), 0)
		FROM feeds`).Scan(&st.OK, &st.Pending, &st.Failing, &st.Disabled)
	if err != nil {
		return st, fmt.Errorf("dashboard: feed health: %w", err)
	}
	rows, err := db.SQL.QueryContext(ctx, `SELECT f.id, f.url, f.title, c.code, f.last_status, f.last_error, f.consecutive_errors, f.last_fetched_at
		FROM feeds f LEFT JOIN countries c ON c.id = f.country_id
		WHERE f.enabled AND f.consecutive_errors > 0
		ORDER BY f.consecutive_errors DESC, f.id
		LIMIT `+placeholders(db).plain(1), limit)
	if err != nil {
		return st, fmt.Errorf("dashboard: failing feeds: %w", err)
	}
	defer rows.Close()
	st.FailingFeeds = []FailingFeed{}
	for rows.Next() {
		var (
			f                                 FailingFeed
			title, country, status, lastError sql.NullString
			fetched                           sql.NullTime
		)
		if err := rows.Scan(&f.ID, &f.URL, &title, &country, &status, &lastError, &f.ConsecutiveErrors, &fetched); err != nil {
			return st, fmt.Errorf("dashboard: failing feeds: %w", err)
		}
		f.Title, f.Country, f.LastStatus, f.LastError = title.String, country.String, status.String, lastError.String
		if fetched.Valid {
			t := fetched.Time.UTC()
			f.LastFetchedAt = &t
		}
		st.FailingFeeds = append(st.FailingFeeds, f)
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("dashboard: failing feeds: %w", err)
	}
	return st, nil
}

// placeholder writes parameters for the dialect: numbered on both ($n, ?n), and typed on
// PostgreSQL where the statement alone does not tell the type (VALUES lists).
type placeholder struct{ postgres bool }

func placeholders(db *database.DB) placeholder {
	return placeholder{postgres: db.Dialect == dialect.Postgres}
}

func (p placeholder) plain(n int) string {
	if p.postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?" + strconv.Itoa(n)
}

func (p placeholder) time(n int) string {
	if p.postgres {
		return p.plain(n) + "::timestamptz"
	}
	return p.plain(n)
}

func (p placeholder) text(n int) string {
	if p.postgres {
		return p.plain(n) + "::text"
	}
	return p.plain(n)
}
