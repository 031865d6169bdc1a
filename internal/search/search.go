// Package search is the veille's full-text search: one Engine interface with a
// PostgreSQL implementation (a stored tsvector per article in the article's language
// configuration, unaccent, a GIN index, websearch_to_tsquery) and an SQLite one (an FTS5
// table kept in sync by triggers), the query syntax both share (words, "phrases",
// -exclusion, OR), the filters of the veille (groups, countries, topics, feeds,
// authorities, dates), ranking by relevance with a recency boost, highlighted snippets,
// and users' saved searches.
//
// Ranking. An article's score is relevance × recency, where relevance is the engine's
// rank squashed into [0, 1) and recency is 1 / (1 + age / RecencyHalfLife), so an
// article RecencyHalfLife old weighs half as much as today's. Because relevance is below
// 1, an article older than A scores below 1/(1+A/RecencyHalfLife): Search first ranks a
// recent window only and widens it until the page's last hit outscores anything older.
// The result is exactly the global ranking, but a common word ranks a few thousand recent
// matches, not every match since the veille began. Ties are broken by date, then id.
package search

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"coopdesk/internal/database"

	"entgo.io/ent/dialect"
)

// RecencyHalfLife is the age at which an article's recency factor is one half.
const RecencyHalfLife = 7 * 24 * time.Hour

// Page sizes.
const (
	DefaultFirst = 20
	MaxFirst     = 100
)

// Errors of Search besides the query errors of Parse; their messages are for the user.
var (
	ErrInvalidFirst  = fmt.Errorf("first must be between 1 and %d", MaxFirst)
	ErrInvalidCursor = errors.New("the cursor is not valid for this search: start again from the first page")
	ErrInvalidFilter = errors.New("invalid search filter")
)

// Filter narrows a search. Empty fields do not filter; values within a field are
// alternatives (any group, any country…), fields combine (groups and countries…).
type Filter struct {
	Groups      []string   `json:"groups,omitempty"`      // country group slugs (non-removed tags)
	Countries   []string   `json:"countries,omitempty"`   // ISO 3166-1 alpha-2 of a feed that carried the article
	Topics      []string   `json:"topics,omitempty"`      // topic names (non-removed tags)
	Feeds       []int      `json:"feeds,omitempty"`       // feeds that carried the article
	Authorities []int      `json:"authorities,omitempty"` // local authorities mentioned (non-removed)
	From        *time.Time `json:"from,omitempty"`        // published at or after
	To          *time.Time `json:"to,omitempty"`          // published before (exclusive)
}

// Request is one page of a search.
type Request struct {
	// Query in the search syntax. An empty query lists the latest articles that match
	// the filter, newest first, each with score 0 and the start of its summary as
	// snippet.
	Query  string
	Filter Filter
	First  int    // 0 means DefaultFirst; at most MaxFirst
	After  string // EndCursor of the previous page, or ""
	// Now is the reference time of recency (zero: the current time). Later pages take it
	// from the cursor, so that scores do not drift between pages.
	Now time.Time
}

// Hit is an article found.
type Hit struct {
	ArticleID   int
	Score       float64
	Snippet     string // HTML: the matched passage, terms in <mark>, everything else escaped
	PublishedAt time.Time
	Cursor      string
}

// Page is a page of hits, best first.
type Page struct {
	Hits        []Hit
	HasNextPage bool
	EndCursor   string // "" when Hits is empty
}

// Engine searches the veille's articles.
type Engine interface {
	// Migrate creates the search index and what keeps it in sync, idempotently. Call it
	// after ent's migration, at every start.
	Migrate(ctx context.Context) error
	// Search returns one page of the articles matching req.
	Search(ctx context.Context, req Request) (Page, error)
}

// New returns the engine of db's dialect.
func New(db *database.DB) Engine {
	e := &engine{db: db}
	if db.Dialect == dialect.Postgres {
		e.backend = &postgresBackend{db: db.SQL}
	} else {
		e.backend = &sqliteBackend{db: db.SQL}
	}
	return e
}

// backend is what differs between the engines.
type backend interface {
	migrate(ctx context.Context) error
	placeholder(n int) string
	// prepare translates a non-empty query for the engine (a tsquery, an FTS5 MATCH
	// expression). It returns "" when the query can match nothing.
	prepare(ctx context.Context, expr Expr) (string, error)
	// rank returns the SQL of the full-text part of a window query: a FROM item that
	// yields the articles as "a", the condition that they match the prepared query, and
	// the expression of their rank (positive, higher is better).
	rank(prepared string, args *argList) (from, match, rank string)
	// relevance squashes the rank expression r into [0, 1).
	relevance(r string) string
	// recency returns the SQL expression of the recency factor of the time column col
	// relative to the time of the argument asOf.
	recency(asOf, col string) string
	// windowed says whether narrowing the dates makes a ranked query cheaper: not when
	// the full-text index drives the query whatever the dates (FTS5).
	windowed() bool
}

type engine struct {
	db      *database.DB
	backend backend
}

func (e *engine) Migrate(ctx context.Context) error { return e.backend.migrate(ctx) }

// cursor is the position after a hit, with what the search must keep between pages.
type cursor struct {
	asOf      time.Time
	score     float64
	published time.Time
	id        int
	search    uint32 // hash of the query and filter the cursor belongs to
}

func (c cursor) encode() string {
	b := make([]byte, 0, 44)
	b = binary.BigEndian.AppendUint32(b, c.search)
	b = binary.BigEndian.AppendUint64(b, uint64(c.asOf.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.score))
	b = binary.BigEndian.AppendUint64(b, uint64(c.published.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(c.id))
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, search uint32) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 36 {
		return cursor{}, ErrInvalidCursor
	}
	c := cursor{
		search:    binary.BigEndian.Uint32(b),
		asOf:      time.Unix(0, int64(binary.BigEndian.Uint64(b[4:]))).UTC(),
		score:     math.Float64frombits(binary.BigEndian.Uint64(b[12:])),
		published: time.Unix(0, int64(binary.BigEndian.Uint64(b[20:]))).UTC(),
		id:        int(binary.BigEndian.Uint64(b[28:])),
	}
	if c.search != search || math.IsNaN(c.score) {
		return cursor{}, ErrInvalidCursor
	}
	return c, nil
}

// fingerprint identifies a search for its cursors.
func fingerprint(expr Expr, f Filter) uint32 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s|%q|%q|%q|%v|%v", expr.String(), f.Groups, f.Countries, f.Topics, f.Feeds, f.Authorities)
	if f.From != nil {
		fmt.Fprint(h, "|", f.From.UnixNano())
	}
	if f.To != nil {
		fmt.Fprint(h, "|", f.To.UnixNano())
	}
	return h.Sum32()
}

// normalizeFilter sorts and deduplicates the filter's lists so that equal filters have
// equal fingerprints, and checks its values.
func normalizeFilter(f Filter) (Filter, error) {
	clean := func(in []string, lower bool) []string {
		out := make([]string, 0, len(in))
		for _, s := range in {
			s = strings.TrimSpace(s)
			if lower {
				s = strings.ToLower(s)
			} else {
				s = strings.ToUpper(s)
			}
			if s != "" {
				out = append(out, s)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	f.Groups, f.Topics, f.Countries = clean(f.Groups, true), clean(f.Topics, true), clean(f.Countries, false)
	f.Feeds, f.Authorities = slices.Compact(slices.Sorted(slices.Values(f.Feeds))), slices.Compact(slices.Sorted(slices.Values(f.Authorities)))
	for _, l := range [][]string{f.Groups, f.Topics, f.Countries} {
		if len(l) > 100 {
			return f, fmt.Errorf("%w: at most 100 values per field", ErrInvalidFilter)
		}
	}
	if len(f.Feeds) > 100 || len(f.Authorities) > 100 {
		return f, fmt.Errorf("%w: at most 100 values per field", ErrInvalidFilter)
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return f, fmt.Errorf("%w: from must be before to", ErrInvalidFilter)
	}
	return f, nil
}

// windows are the successive recency windows of a ranked search, before the last one,
// which has no lower bound.
var windows = []time.Duration{2 * 24 * time.Hour, 14 * 24 * time.Hour, 60 * 24 * time.Hour, 365 * 24 * time.Hour}

func (e *engine) Search(ctx context.Context, req Request) (Page, error) {
	expr, err := Parse(req.Query)
	if err != nil {
		return Page{}, err
	}
	first := req.First
	if first == 0 {
		first = DefaultFirst
	}
	if first < 1 || first > MaxFirst {
		return Page{}, ErrInvalidFirst
	}
	f, err := normalizeFilter(req.Filter)
	if err != nil {
		return Page{}, err
	}
	fp := fingerprint(expr, f)
	asOf := req.Now
	if asOf.IsZero() {
		asOf = time.Now()
	}
	asOf = asOf.UTC().Truncate(time.Second)
	var after *cursor
	if req.After != "" {
		c, err := decodeCursor(req.After, fp)
		if err != nil {
			return Page{}, err
		}
		after, asOf = &c, c.asOf
	}
	n := first + 1 // one more tells whether there is a next page
	var (
		rows     []scored
		prepared string
	)
	if expr.Empty() {
		rows, err = e.window(ctx, "", f, asOf, time.Time{}, after, n)
	} else if prepared, err = e.backend.prepare(ctx, expr); err == nil && prepared != "" {
		if e.backend.windowed() {
			rows, err = e.ranked(ctx, prepared, f, asOf, after, n)
		} else {
			rows, err = e.window(ctx, prepared, f, asOf, time.Time{}, after, n)
		}
	}
	if err != nil {
		return Page{}, err
	}
	page := Page{HasNextPage: len(rows) > first}
	if page.HasNextPage {
		rows = rows[:first]
	}
	texts, err := e.texts(ctx, rows)
	if err != nil {
		return Page{}, err
	}
	positive := expr.positiveWords()
	for _, r := range rows {
		t := texts[r.id]
		c := cursor{asOf: asOf, score: r.score, published: r.published, id: r.id, search: fp}
		page.Hits = append(page.Hits, Hit{
			ArticleID:   r.id,
			Score:       r.score,
			Snippet:     Snippet(t.title, t.summary, LanguageOf(t.language), positive),
			PublishedAt: r.published,
			Cursor:      c.encode(),
		})
	}
	if len(page.Hits) > 0 {
		page.EndCursor = page.Hits[len(page.Hits)-1].Cursor
	}
	return page, nil
}

// ranked finds the n best matches after the cursor by widening recency windows until
// the n-th best of the window outscores every article older than the window.
func (e *engine) ranked(ctx context.Context, prepared string, f Filter, asOf time.Time, after *cursor, n int) ([]scored, error) {
	tryWindow := func(age time.Duration) (rows []scored, full, final bool, err error) {
		since := asOf.Add(-age)
		if f.From != nil && !since.After(*f.From) {
			return nil, false, true, nil // the filter's range is inside the window: rank it all
		}
		rows, err = e.window(ctx, prepared, f, asOf, since, after, n)
		return rows, len(rows) == n, false, err
	}
	for _, w := range windows {
		rows, full, final, err := tryWindow(w)
		if err != nil || final {
			if err != nil {
				return nil, err
			}
			break
		}
		if !full {
			continue // too few matches this recent: widen
		}
		if rows[n-1].score >= recencyFactor(w) {
			return rows, nil
		}
		// The n-th score s found so far only grows with the window, and nothing older than
		// RecencyHalfLife·(1/s − 1) can reach s: rank exactly that window.
		needDays := RecencyHalfLife.Hours() / 24 * (1/rows[n-1].score - 1)
		if needDays > 20*365 {
			break
		}
		need := time.Duration(needDays*24*float64(time.Hour)) + time.Second
		rows, full, final, err = tryWindow(need)
		if err != nil {
			return nil, err
		}
		if !final && full && rows[n-1].score >= recencyFactor(need) {
			return rows, nil
		}
		break
	}
	return e.window(ctx, prepared, f, asOf, time.Time{}, after, n)
}

func recencyFactor(age time.Duration) float64 {
	return 1 / (1 + float64(age)/float64(RecencyHalfLife))
}

type scored struct {
	id        int
	published time.Time
	score     float64
}

// argList collects the arguments of a statement and numbers their placeholders.
type argList struct {
	args []any
	ph   func(int) string
}

func (a *argList) add(v any) string {
	a.args = append(a.args, v)
	return a.ph(len(a.args))
}

func (a *argList) list(vs ...any) string {
	ps := make([]string, len(vs))
	for i, v := range vs {
		ps[i] = a.add(v)
	}
	return strings.Join(ps, ", ")
}

func anys[T any](in []T) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = v
	}
	return out
}

// filterSQL returns the conditions of f on the article "a".
func filterSQL(f Filter, args *argList) []string {
	var where []string
	if len(f.Groups) > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM article_group_tags gt JOIN country_groups g ON g.id = gt.group_id"+
			" WHERE gt.article_id = a.id AND NOT gt.removed AND g.slug IN ("+args.list(anys(f.Groups)...)+"))")
	}
	if len(f.Countries) > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM article_sources src JOIN feeds fd ON fd.id = src.feed_id JOIN countries c ON c.id = fd.country_id"+
			" WHERE src.article_id = a.id AND c.code IN ("+args.list(anys(f.Countries)...)+"))")
	}
	if len(f.Topics) > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM article_topics tp WHERE tp.article_id = a.id AND NOT tp.removed AND tp.topic IN ("+args.list(anys(f.Topics)...)+"))")
	}
	if len(f.Feeds) > 0 {
		ids := args.list(anys(f.Feeds)...)
		where = append(where, "(a.feed_id IN ("+ids+") OR EXISTS (SELECT 1 FROM article_sources fs WHERE fs.article_id = a.id AND fs.feed_id IN ("+ids+")))")
	}
	if len(f.Authorities) > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM article_mentions m WHERE m.article_id = a.id AND NOT m.removed AND m.authority_id IN ("+args.list(anys(f.Authorities)...)+"))")
	}
	if f.From != nil {
		where = append(where, "a.published_at >= "+args.add(f.From.UTC()))
	}
	if f.To != nil {
		where = append(where, "a.published_at < "+args.add(f.To.UTC()))
	}
	return where
}

// window returns the n best matches published since `since` (zero: any time) after the
// cursor. An empty prepared query matches every article with score 0.
func (e *engine) window(ctx context.Context, prepared string, f Filter, asOf, since time.Time, after *cursor, n int) ([]scored, error) {
	args := &argList{ph: e.backend.placeholder}
	var (
		inner strings.Builder
		where []string
	)
	if prepared == "" {
		inner.WriteString("SELECT a.id, a.published_at, 0.0 AS score FROM articles a")
	} else {
		from, match, rank := e.backend.rank(prepared, args)
		recency := e.backend.recency(args.add(asOf), "r.published_at")
		fmt.Fprintf(&inner, "SELECT r.id, r.published_at, (%s) * (%s) AS score FROM (SELECT a.id, a.published_at, %s AS rank FROM %s",
			e.backend.relevance("r.rank"), recency, rank, from)
		where = append(where, match)
	}
	where = append(where, filterSQL(f, args)...)
	if !since.IsZero() {
		where = append(where, "a.published_at >= "+args.add(since.UTC()))
	}
	if len(where) > 0 {
		inner.WriteString(" WHERE ")
		inner.WriteString(strings.Join(where, " AND "))
	}
	if prepared != "" {
		inner.WriteString(") r")
	}
	q := "SELECT s.id, s.published_at, s.score FROM (" + inner.String() + ") s"
	if after != nil {
		sc, pub, id := args.add(after.score), args.add(after.published), args.add(after.id)
		q += fmt.Sprintf(" WHERE (s.score < %[1]s OR (s.score = %[1]s AND (s.published_at < %[2]s OR (s.published_at = %[2]s AND s.id < %[3]s))))", sc, pub, id)
	}
	q += " ORDER BY s.score DESC, s.published_at DESC, s.id DESC LIMIT " + args.add(n)
	rs, err := e.db.SQL.QueryContext(ctx, q, args.args...)
	if err != nil {
		return nil, fmt.Errorf("search articles: %w", err)
	}
	defer rs.Close()
	var out []scored
	for rs.Next() {
		var s scored
		if err := rs.Scan(&s.id, &s.published, &s.score); err != nil {
			return nil, fmt.Errorf("search articles: %w", err)
		}
		s.published = s.published.UTC()
		out = append(out, s)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("search articles: %w", err)
	}
	return out, nil
}

type articleText struct{ title, summary, language string }

// texts loads the title and summary of the hits, for their snippets.
func (e *engine) texts(ctx context.Context, rows []scored) (map[int]articleText, error) {
	out := make(map[int]articleText, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	args := &argList{ph: e.backend.placeholder}
	ids := make([]int, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	sort.Ints(ids)
	q := "SELECT id, title, summary_text, language FROM articles WHERE id IN (" + args.list(anys(ids)...) + ")"
	rs, err := e.db.SQL.QueryContext(ctx, q, args.args...)
	if err != nil {
		return nil, fmt.Errorf("search articles: load texts: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var (
			id                int
			title             string
			summary, language sql.NullString
		)
		if err := rs.Scan(&id, &title, &summary, &language); err != nil {
			return nil, fmt.Errorf("search articles: load texts: %w", err)
		}
		out[id] = articleText{title: title, summary: summary.String, language: language.String}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("search articles: load texts: %w", err)
	}
	return out, nil
}
