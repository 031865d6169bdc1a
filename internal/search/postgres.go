package search

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
)

// postgresBackend searches articles.search_vector, a stored generated tsvector: the title
// (weight A) and summary (weight B), folded by coopdesk_search_fold (unaccent, Arabic
// letter variants and harakat) and parsed with the configuration of the article's
// language (coopdesk_search_config: french, english, or simple for Arabic and the rest).
// PostgreSQL computes it on every insert and update, so nothing else keeps it in sync.
type postgresBackend struct{ db *sql.DB }

// migrateLock is the first key of the search migration's advisory locks.
const migrateLock = 729_411_707

// relevanceK squashes ts_rank into [0, 1): rank/(rank+k). With normalisation 1 (divided
// by 1 + log of the length) a title match ranks about 0.1 to 0.13 and a summary match
// about 0.04, hence relevances of about 0.7 and 0.45. The smaller k, the more recency
// weighs and the narrower the windows Search must rank: this one makes a title match
// worth about three and a half days of recency.
const relevanceK = 0.05

func (p *postgresBackend) placeholder(n int) string { return "$" + strconv.Itoa(n) }

func (p *postgresBackend) migrate(ctx context.Context) error {
	extSchema, err := p.createExtension(ctx)
	if err != nil {
		return err
	}
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("search migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	// Processes starting together migrate one at a time (CREATE OR REPLACE FUNCTION is not
	// safe against a concurrent twin); the lock is per schema, so that building a big
	// database in one schema does not hold up the others.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", migrateLock); err != nil {
		return fmt.Errorf("search migrate: lock: %w", err)
	}
	arabicFrom, arabicTo := arabicTranslateArgs()
	ext := pq.QuoteIdentifier(extSchema)
	statements := []string{
		// unaccent() is STABLE (it reads its dictionary through the search_path): a
		// generated column needs an IMMUTABLE expression, hence this wrapper, which names
		// the dictionary explicitly so that its result cannot depend on the search_path.
		// translate() compares each character with each of its ≈ 30 Arabic ones: on
		// Latin text it cost 40 µs per summary, 60 % of an insert's vector; a regular
		// expression over their range (unaccent() never yields Arabic) spares it.
		fmt.Sprintf(`CREATE OR REPLACE FUNCTION coopdesk_search_fold(t text) RETURNS text
			LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
			AS $f$ SELECT CASE WHEN t ~ %s THEN translate(%s.unaccent(%s::regdictionary, t), %s, %s)
				ELSE %[2]s.unaccent(%[3]s::regdictionary, t) END $f$`,
			pq.QuoteLiteral(arabicRange(arabicFrom)), ext, pq.QuoteLiteral(extSchema+".unaccent"), pq.QuoteLiteral(arabicFrom), pq.QuoteLiteral(arabicTo)),
		// The article's language picks the configuration: stemming for French (also
		// articles without a language: the veille's sources mostly are) and English, and
		// only folding for Arabic and any other language.
		`CREATE OR REPLACE FUNCTION coopdesk_search_config(lang text) RETURNS regconfig
			LANGUAGE sql IMMUTABLE PARALLEL SAFE
			AS $f$ SELECT CASE lower(split_part(replace(coalesce(lang, ''), '_', '-'), '-', 1))
				WHEN '' THEN 'pg_catalog.french'::regconfig
				WHEN 'fr' THEN 'pg_catalog.french'::regconfig
				WHEN 'en' THEN 'pg_catalog.english'::regconfig
				ELSE 'pg_catalog.simple'::regconfig END $f$`,
	}
	// ALTER TABLE and CREATE INDEX lock the table even when there is nothing to do: at
	// every start, check first. Adding the column computes every article's tsvector (about
	// ten minutes for a million articles on two busy cores, see docs/benchmarks.md).
	var done bool
	err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'articles'::regclass AND attname = 'search_vector' AND NOT attisdropped)
		AND EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'article_search_vector')`).Scan(&done)
	if err != nil {
		return fmt.Errorf("search migrate: %w", err)
	}
	if !done {
		statements = append(statements,
			`ALTER TABLE articles ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (
				setweight(to_tsvector(coopdesk_search_config(language), coopdesk_search_fold(title)), 'A') ||
				setweight(to_tsvector(coopdesk_search_config(language), coopdesk_search_fold(coalesce(summary_text, ''))), 'B')
			) STORED`,
			`CREATE INDEX IF NOT EXISTS article_search_vector ON articles USING gin (search_vector)`)
	}
	for _, s := range statements {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("search migrate: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("search migrate: %w", err)
	}
	return nil
}

// createExtension creates unaccent if it is missing and returns its schema. The extension
// is database-wide (public unless it existed elsewhere), and CREATE EXTENSION IF NOT
// EXISTS is not safe against a concurrent twin: a database-wide advisory lock orders them.
// The functions refer to it by its schema, so that they work whatever the search_path
// (the tests give every database its own schema).
func (p *postgresBackend) createExtension(ctx context.Context) (string, error) {
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("search migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, 0)", migrateLock); err != nil {
		return "", fmt.Errorf("search migrate: lock: %w", err)
	}
	var extSchema string
	err = tx.QueryRowContext(ctx, "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'").Scan(&extSchema)
	if err == sql.ErrNoRows {
		if _, err := tx.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public"); err != nil {
			return "", fmt.Errorf("search migrate: create extension unaccent (the database user needs the right to, or an administrator must create it): %w", err)
		}
		extSchema = "public"
	} else if err != nil {
		return "", fmt.Errorf("search migrate: find extension unaccent: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("search migrate: %w", err)
	}
	return extSchema, nil
}

// tsquery returns the tsquery of expr. Each term is searched in the three configurations
// an article may be indexed with, since the query does not say its language; the words
// reach websearch_to_tsquery as parameters, already reduced to letters and digits (a
// phrase in quotes that this code adds), so no operator of the user's can reach it.
func (p *postgresBackend) tsquery(expr Expr, args *argList) string {
	term := func(t Term) string {
		text := t.Words[0]
		if t.Phrase() {
			text = `"` + strings.Join(t.Words, " ") + `"`
		}
		ph := args.add(text)
		return fmt.Sprintf("(websearch_to_tsquery('pg_catalog.french', coopdesk_search_fold(%[1]s)) || "+
			"websearch_to_tsquery('pg_catalog.english', coopdesk_search_fold(%[1]s)) || "+
			"websearch_to_tsquery('pg_catalog.simple', coopdesk_search_fold(%[1]s)))", ph)
	}
	var parts []string
	var nots []string
	for _, c := range expr.Clauses {
		alts := make([]string, len(c.Any))
		for i, t := range c.Any {
			alts[i] = term(t)
		}
		s := strings.Join(alts, " || ")
		if len(alts) > 1 {
			s = "(" + s + ")"
		}
		if c.Not {
			nots = append(nots, "!!"+s)
		} else {
			parts = append(parts, s)
		}
	}
	return "(" + strings.Join(append(parts, nots...), " && ") + ")"
}

// prepare has PostgreSQL build the tsqueries once per search; the window statements then
// take them as constant parameters, which the GIN index scan and ts_rank use as they are.
// Two queries: the one that matches, and the one that ranks, which ORs the positive
// terms: ts_rank scores an AND query with a missing alternative, or with a negation,
// close to zero, while an OR query sums the evidence of what the article does contain.
func (p *postgresBackend) prepare(ctx context.Context, expr Expr) (string, error) {
	args := &argList{ph: p.placeholder}
	match := p.tsquery(expr, args)
	var positive Expr
	for _, c := range expr.Clauses {
		if !c.Not {
			positive.Clauses = append(positive.Clauses, Clause{Any: c.Any})
		}
	}
	var any Expr
	for _, c := range positive.Clauses {
		if len(any.Clauses) == 0 {
			any.Clauses = []Clause{{}}
		}
		any.Clauses[0].Any = append(any.Clauses[0].Any, c.Any...)
	}
	rank := p.tsquery(any, args)
	var m, r string
	if err := p.db.QueryRowContext(ctx, "SELECT ("+match+")::text, ("+rank+")::text", args.args...).Scan(&m, &r); err != nil {
		return "", fmt.Errorf("search articles: build query: %w", err)
	}
	if m == "" {
		return "", nil
	}
	return m + "\x00" + r, nil
}

// rank: the planner chooses per query between the GIN index (few matches: find them all,
// then sort the newest) and the published_at index walked backwards, testing each
// article until RankCap match (a very common word: about 2·RankCap articles read). With
// walkSince, the articles of the window are read by date behind an optimisation fence
// (OFFSET 0): the planner estimates words as independent, and a GIN scan of words that
// come together ("inondations écoles santé") reads a hundred thousand entries for a
// window of fifteen thousand articles.
func (p *postgresBackend) rank(prepared string, args *argList, walkSince time.Time) (from, match, rank, newest string) {
	m, r, _ := strings.Cut(prepared, "\x00")
	mq, rq := args.add(m)+"::tsquery", args.add(r)+"::tsquery"
	from = "articles a"
	if !walkSince.IsZero() {
		from = "(SELECT * FROM articles WHERE published_at >= " + args.add(walkSince.UTC()) + " ORDER BY published_at DESC, id DESC OFFSET 0) a"
	}
	return from, "a.search_vector @@ " + mq, fmt.Sprintf("ts_rank('{0.1, 0.2, 0.4, 1.0}', a.search_vector, %s, 1)", rq),
		"a.published_at DESC, a.id DESC"
}

// dateRange: the conditions on a.published_at are all the planner needs.
func (p *postgresBackend) dateRange(_, _ time.Time, _ *argList) []string { return nil }

func (p *postgresBackend) relevance(r string) string {
	return fmt.Sprintf("1.0 / (1.0 + %g / GREATEST(%s, 1e-9))", relevanceK, r)
}

func (p *postgresBackend) recency(asOf, col string) string {
	return fmt.Sprintf("1.0 / (1.0 + GREATEST(0, EXTRACT(EPOCH FROM (%s::timestamptz - %s))::float8) / %d)",
		asOf, col, int64(RecencyHalfLife/time.Second))
}

func (p *postgresBackend) cheapWindows() bool { return false }

func (p *postgresBackend) matchID() string { return "a.id" }
