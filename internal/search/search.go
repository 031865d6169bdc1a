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
// The work is bounded: at most RankCap matches, the most recent, are ranked (see RankCap
// for what a very common word loses). Windows are cheap on both engines: PostgreSQL reads
// a dense window by date, a sparse query through GIN, a group's recent articles through
// the tags' copy of published_at; SQLite's FTS5 rowid sorts by date (see sqliteBackend).
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

	groupIDs []int // the ids of Groups, resolved by Search
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
	// Capped: the query matched more than RankCap articles and only the RankCap most
	// recent were ranked (see RankCap); narrowing the query or the dates reaches older ones.
	Capped bool
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
	// yields the articles as "a", the condition that they match the prepared query, the
	// expression of their rank (positive, higher is better), and the ORDER BY of the
	// matches newest first that the index can follow (the candidates of a capped ranking).
	// When walkSince is not zero, the FROM item reads the articles published since then
	// through the date index and tests each (the window is known to be dense with
	// matches, where the full-text index would read far more than the window).
	rank(prepared string, args *argList, walkSince time.Time) (from, match, rank, newest string)
	// dateRange returns conditions on the full-text index alone, implied by a.published_at
	// in [since, before) (zero: unbounded), that let the index skip what is outside (FTS5's
	// rowid), or nothing.
	dateRange(since, before time.Time, args *argList) []string
	// matchID is the SQL of the id of a matching article in the FROM item of rank.
	matchID() string
	// cheapWindows says whether a window costs what it holds (FTS5 seeks rowid ranges),
	// so that sparse matches are better found by widening windows than all at once (a
	// GIN index scan costs the same for any window).
	cheapWindows() bool
	// relevance squashes the rank expression r into [0, 1).
	relevance(r string) string
	// recency returns the SQL expression of the recency factor of the time column col
	// relative to the time of the argument asOf.
	recency(asOf, col string) string
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

// A ranked search tries a recency window of firstWindow first, at most maxWindows
// windows, none wider than maxWindow, before it ranks all the matches (up to RankCap).
const (
	firstWindow = 2 * 24 * time.Hour
	maxWindows  = 4
	maxWindow   = 400 * 24 * time.Hour
)

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
	if len(f.Groups) > 0 {
		if f.groupIDs, err = e.groupIDs(ctx, f.Groups); err != nil {
			return Page{}, err
		}
		if len(f.groupIDs) == 0 {
			return Page{}, nil // no such group: nothing is tagged with it
		}
	}
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
		capped   bool
	)
	if expr.Empty() {
		rows, _, err = e.window(ctx, "", f, asOf, time.Time{}, after, n, false)
	} else if prepared, err = e.backend.prepare(ctx, expr); err == nil && prepared != "" {
		rows, capped, err = e.ranked(ctx, prepared, f, asOf, after, n)
	}
	if err != nil {
		return Page{}, err
	}
	page := Page{HasNextPage: len(rows) > first, Capped: capped}
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

// RankCap bounds the work of a ranked search: only the RankCap most recent matches (of the
// query and filter) are ranked. A query that matches fewer articles is ranked exactly
// (relevance × recency over all its matches); a very common one (a word in half the
// articles) ranks its RankCap most recent matches, a few days of a large veille, and
// lists nothing older: an old article that would outscore them all (a perfect title match
// weeks old) is not found, and paging stops after RankCap hits. Narrowing the query or
// the dates (filter from/to) brings older articles back. Because relevance is below 1,
// such an article would have to be older than the candidates yet outscore the page,
// which the recency factor makes rare: on the benchmark veille (1,000,000 articles), the
// first page of the common queries is the same with RankCap 500, 1,000, 2,000 or none.
var RankCap = 1000

// ranked finds the n best matches after the cursor by widening recency windows until the
// n-th best of the window outscores every article older than the window, or until a
// window holds RankCap matches (the ranking is then that of the RankCap most recent
// matches, the same set whichever window reached it, so that pages stay consistent).
func (e *engine) ranked(ctx context.Context, prepared string, f Filter, asOf time.Time, after *cursor, n int) (rows []scored, capped bool, err error) {
	dense := true // the first window is short: read it by date whatever the query
	tryWindow := func(age time.Duration) (rows []scored, capped, final bool, err error) {
		since := asOf.Add(-age)
		if f.From != nil && !since.After(*f.From) {
			return nil, false, true, nil // the filter's range is inside the window: rank it all
		}
		rows, candidates, err := e.window(ctx, prepared, f, asOf, since, after, n, dense && age <= walkMax)
		// Dense: at least denseMatches a day in this window.
		dense = float64(candidates) >= denseMatches*age.Hours()/24
		return rows, candidates >= RankCap, false, err
	}
	w := firstWindow
	for range maxWindows + 1 {
		rows, capped, final, err := tryWindow(w)
		if err != nil {
			return nil, false, err
		}
		if final {
			break
		}
		if capped {
			return rows, true, nil
		}
		if len(rows) < n {
			// Too few matches this recent. Widen to where n matches are expected (twice
			// over), unless they are so sparse that one scan of all of them is cheaper
			// than more windows.
			// (A group filter makes windows cheaper on PostgreSQL too, unless the window
			// found nothing: the short ones start from the group's tags, and in the wide
			// ones fewer matches are checked against the group's tags than in a scan of
			// all of them.)
			sparse := len(rows) < n/4
			if len(f.Groups) > 0 {
				sparse = len(rows) == 0
			}
			if w >= maxWindow || !e.backend.cheapWindows() && sparse {
				break
			}
			grow := 8.0
			if sparse {
				grow = 32 // fewer, wider windows: each repeats the full-text index scan
			}
			if len(rows) > 0 {
				grow = min(grow, 2*float64(n)/float64(len(rows)))
			}
			w = min(maxWindow, time.Duration(float64(w)*grow))
			continue
		}
		if rows[n-1].score >= recencyFactor(w) {
			return rows, false, nil
		}
		// The n-th score s found so far only grows with the window, and nothing older than
		// RecencyHalfLife·(1/s − 1) can reach s: rank exactly that window.
		needDays := RecencyHalfLife.Hours() / 24 * (1/rows[n-1].score - 1)
		if needDays > 20*365 {
			break
		}
		w = time.Duration(needDays*24*float64(time.Hour)) + time.Second
	}
	rows, candidates, err := e.window(ctx, prepared, f, asOf, time.Time{}, after, n, false)
	return rows, candidates >= RankCap, err
}

// A window is read by date, testing every article, when the window before it held at
// least denseMatches matches a day and it spans at most walkMax: at a million articles,
// walkMax is ~27,000 articles, a few tens of milliseconds, where the full-text index of a
// word in a few percent of the articles (or of words that often come together, which the
// planner takes for independent) reads tens of thousands of entries.
const (
	denseMatches = 5.0
	walkMax      = 30 * 24 * time.Hour
)

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

// groupIDs returns the ids of the country groups of the slugs (those that exist).
func (e *engine) groupIDs(ctx context.Context, slugs []string) ([]int, error) {
	args := &argList{ph: e.backend.placeholder}
	rs, err := e.db.SQL.QueryContext(ctx, "SELECT id FROM country_groups WHERE slug IN ("+args.list(anys(slugs)...)+") ORDER BY id", args.args...)
	if err != nil {
		return nil, fmt.Errorf("search articles: groups: %w", err)
	}
	defer rs.Close()
	var ids []int
	for rs.Next() {
		var id int
		if err := rs.Scan(&id); err != nil {
			return nil, fmt.Errorf("search articles: groups: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("search articles: groups: %w", err)
	}
	return ids, nil
}

// groupWalkMax is the widest window in which a group filter starts from the group's
// tags (a few hundred a day) rather than from the matching articles.
const groupWalkMax = 30 * 24 * time.Hour

// groupWalk says whether a window since `since` starts from the tags of f's groups.
func groupWalk(f Filter, asOf, since time.Time) bool {
	return len(f.Groups) > 0 && !since.IsZero() && asOf.Sub(since) <= groupWalkMax
}

// filterSQL returns the conditions of f on the article "a", published since `since`
// (zero: any time), in a search made at asOf. id is the SQL of the article's id that the
// group filter tests (the full-text index's copy of it lets SQLite test the group before
// it reads the article).
func filterSQL(f Filter, asOf, since time.Time, id string, args *argList) []string {
	var where []string
	if len(f.Groups) > 0 {
		ids := args.list(anys(f.groupIDs)...)
		if !groupWalk(f, asOf, since) {
			// Wide windows: the group's tags are too many to start from; the matches,
			// found by the full-text index or the date index, are checked one by one.
			where = append(where, "EXISTS (SELECT 1 FROM article_group_tags gt WHERE gt.article_id = "+id+" AND NOT gt.removed AND gt.group_id IN ("+ids+"))")
		} else {
			// Tag rows carry a copy of their article's published_at: in a window, the
			// group's tags are a range of the index (group_id, published_at) WHERE NOT
			// removed, and the database starts from them (a few hundred rows a day for a
			// group) rather than from every article of the window. A row whose copy is
			// still NULL (written before the copy existed and not backfilled yet) is found
			// by the same index and judged by its article's date, checked by the caller.
			// (Group ids are constants here, so that the planner sees the index ranges.)
			where = append(where, id+" IN (SELECT gt.article_id FROM article_group_tags gt WHERE NOT gt.removed AND gt.group_id IN ("+ids+
				") AND gt.published_at >= "+args.add(since.UTC())+
				" UNION ALL SELECT gt.article_id FROM article_group_tags gt WHERE NOT gt.removed AND gt.group_id IN ("+ids+") AND gt.published_at IS NULL)")
		}
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
// cursor, among the RankCap most recent matches of the window, and how many matches it
// ranked (RankCap: the window holds RankCap matches or more). An empty prepared query
// matches every article with score 0, newest first. walk: read the window by date
// (see rank).
func (e *engine) window(ctx context.Context, prepared string, f Filter, asOf, since time.Time, after *cursor, n int, walk bool) ([]scored, int, error) {
	args := &argList{ph: e.backend.placeholder}
	var (
		inner strings.Builder
		where []string
		order string
	)
	if prepared == "" {
		inner.WriteString("SELECT a.id, a.published_at, 0.0 AS score, 0 AS candidates FROM articles a")
	} else {
		var walkSince time.Time
		if walk && !groupWalk(f, asOf, since) {
			walkSince = since
		}
		from, match, rank, newest := e.backend.rank(prepared, args, walkSince)
		recency := e.backend.recency(args.add(asOf), "r.published_at")
		fmt.Fprintf(&inner, "SELECT r.id, r.published_at, (%s) * (%s) AS score, count(*) OVER () AS candidates FROM (SELECT a.id, a.published_at, %s AS rank FROM %s",
			e.backend.relevance("r.rank"), recency, rank, from)
		where = append(where, match)
		order = newest
	}
	lo, hi := since, time.Time{}
	if f.From != nil && f.From.After(lo) {
		lo = *f.From
	}
	if f.To != nil {
		hi = *f.To
	}
	id := "a.id"
	if prepared != "" {
		id = e.backend.matchID()
	}
	where = append(where, filterSQL(f, asOf, lo, id, args)...)
	if !since.IsZero() {
		where = append(where, "a.published_at >= "+args.add(since.UTC()))
	}
	if prepared != "" {
		where = append(where, e.backend.dateRange(lo, hi, args)...)
	}
	if len(where) > 0 {
		inner.WriteString(" WHERE ")
		inner.WriteString(strings.Join(where, " AND "))
	}
	if prepared != "" {
		inner.WriteString(" ORDER BY " + order + " LIMIT " + args.add(RankCap) + ") r")
	}
	// The rows before the cursor are not filtered out but sorted last (and dropped below),
	// so that the count of candidates comes back even when no row is left after the cursor.
	keep := "1 = 1"
	if after != nil {
		sc, pub, id := args.add(after.score), args.add(after.published), args.add(after.id)
		keep = fmt.Sprintf("(s.score < %[1]s OR (s.score = %[1]s AND (s.published_at < %[2]s OR (s.published_at = %[2]s AND s.id < %[3]s))))", sc, pub, id)
	}
	q := "SELECT s.id, s.published_at, s.score, s.candidates, " + keep + " AS keep FROM (" + inner.String() + ") s"
	if after != nil && prepared == "" {
		q += " WHERE " + keep // no candidates to count: filter
	}
	q += " ORDER BY 5 DESC, s.score DESC, s.published_at DESC, s.id DESC LIMIT " + args.add(n)
	rs, err := e.db.SQL.QueryContext(ctx, q, args.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("search articles: %w", err)
	}
	defer rs.Close()
	var (
		out        []scored
		candidates int
	)
	for rs.Next() {
		var (
			s    scored
			kept bool
		)
		if err := rs.Scan(&s.id, &s.published, &s.score, &candidates, &kept); err != nil {
			return nil, 0, fmt.Errorf("search articles: %w", err)
		}
		if kept {
			s.published = s.published.UTC()
			out = append(out, s)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, 0, fmt.Errorf("search articles: %w", err)
	}
	return out, candidates, nil
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
