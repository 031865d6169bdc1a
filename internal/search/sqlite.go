package search

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// sqliteBackend searches article_search, an FTS5 table (unicode61, remove_diacritics 2)
// whose columns hold the title and summary as coopdesk_index_text makes them: folded and
// stemmed in the article's language (the light French and English stemmers of this
// package; Arabic and others folded only). The table is contentless (its content option
// is the empty string, contentless_delete=1): snippets are cut from the articles
// themselves, so the index keeps no second copy of the text; it keeps only the article's
// id, an UNINDEXED column (contentless_unindexed=1).
//
// Its rowid is not the article's id but a key that sorts by publication date:
// unixepoch(published_at) << 31 | (id & 0x7fffffff) (seconds clamped to [0, 2³²)).
// FTS5 walks a term's matches in rowid order and seeks rowid ranges, so a search over
// recent articles reads only their part of the index, and "the newest matches first"
// stops early: the recency windows and RankCap of Search bound the work as on
// PostgreSQL. (With the article's id as rowid, every window cost a full ranking.)
//
// Triggers on articles keep it in sync, inside the writing transaction, whoever writes:
// crash-safe, and nothing to call from the store. They call coopdesk_index_text, a Go
// function that this package registers with the SQLite driver when it is linked in: any
// program that writes articles to a database migrated by Migrate must import it (the
// coopdesk binary does). A program that does not fails loudly ("no such function"),
// it never leaves the index silently stale.
type sqliteBackend struct{ db *sql.DB }

// bm25K squashes FTS5's bm25 (sign flipped: higher is better) into [0, 1).
const bm25K = 2.0

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("coopdesk_index_text", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		lang, _ := args[0].(string)
		var text string
		switch v := args[1].(type) {
		case string:
			text = v
		case []byte:
			text = string(v)
		}
		return IndexText(LanguageOf(lang), text), nil
	})
}

// placeholder numbers SQLite's parameters too (?NNN): the statements refer to some twice,
// and their text order differs from the order they are added in.
func (s *sqliteBackend) placeholder(n int) string { return "?" + strconv.Itoa(n) }

// searchKey is the SQL of the rowid of article_search for an article's published_at and
// id. unixepoch rounds fractional seconds to milliseconds: keyRange allows for it.
func searchKey(published, id string) string {
	return "((max(0, min(coalesce(unixepoch(" + published + "), 0), 4294967295)) << 31) | (" + id + " & 2147483647))"
}

// keyRange returns the rowids of article_search that hold every article published in
// [since, before) (zero times: unbounded), and a little more.
func keyRange(since, before time.Time) (lo, hi int64, bounded bool) {
	clamp := func(sec int64) int64 { return max(0, min(sec, 1<<32-1)) }
	lo, hi = 0, math.MaxInt64
	if !since.IsZero() {
		lo = clamp(since.Unix()) << 31
	}
	if !before.IsZero() && before.Unix() < 1<<32-3 {
		hi = clamp(before.Unix()+2) << 31
	}
	return lo, hi, lo > 0 || hi < math.MaxInt64
}

func (s *sqliteBackend) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("search migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var exists int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'article_search'").Scan(&exists); err != nil {
		return fmt.Errorf("search migrate: %w", err)
	}
	const indexed = "coopdesk_index_text(new.language, new.title), coopdesk_index_text(new.language, new.summary_text)"
	statements := []string{
		// The first index of this package (rowid = article id), replaced by article_search.
		`DROP TRIGGER IF EXISTS article_fts_insert`,
		`DROP TRIGGER IF EXISTS article_fts_update`,
		`DROP TRIGGER IF EXISTS article_fts_delete`,
		`DROP TABLE IF EXISTS article_fts`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5(title, body, article_id UNINDEXED,
			content='', contentless_delete=1, contentless_unindexed=1, tokenize='unicode61 remove_diacritics 2')`,
		`CREATE TRIGGER IF NOT EXISTS article_search_insert AFTER INSERT ON articles BEGIN
			INSERT INTO article_search(rowid, title, body, article_id) VALUES (` + searchKey("new.published_at", "new.id") + `, ` + indexed + `, new.id);
		END`,
		`CREATE TRIGGER IF NOT EXISTS article_search_update AFTER UPDATE OF title, summary_text, language, published_at ON articles BEGIN
			DELETE FROM article_search WHERE rowid = ` + searchKey("old.published_at", "old.id") + `;
			INSERT INTO article_search(rowid, title, body, article_id) VALUES (` + searchKey("new.published_at", "new.id") + `, ` + indexed + `, new.id);
		END`,
		`CREATE TRIGGER IF NOT EXISTS article_search_delete AFTER DELETE ON articles BEGIN
			DELETE FROM article_search WHERE rowid = ` + searchKey("old.published_at", "old.id") + `;
		END`,
	}
	if exists == 0 {
		// A new index over existing articles: fill it in the same transaction, in rowid
		// order (FTS5 builds its segments faster from sorted rowids).
		statements = append(statements, `INSERT INTO article_search(rowid, title, body, article_id)
			SELECT `+searchKey("published_at", "id")+` AS k, coopdesk_index_text(language, title), coopdesk_index_text(language, summary_text), id
			FROM articles ORDER BY k`,
			`INSERT INTO article_search(article_search) VALUES ('optimize')`)
	}
	for _, st := range statements {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("search migrate: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("search migrate: %w", err)
	}
	return nil
}

// prepare writes the FTS5 expression of expr. Every token is a double-quoted string of
// letters and digits (the parser left nothing else), so FTS5 sees no operator, column
// filter, prefix star or NEAR of the user's: only the AND, OR, NOT and parentheses
// written here.
func (s *sqliteBackend) prepare(_ context.Context, expr Expr) (string, error) {
	term := func(t Term) string {
		// One alternative per index form (French stem, English stem, folded), each a
		// phrase when the term is.
		variants := map[string]bool{}
		var alts []string
		for _, stemmer := range []func(string) string{stemFrench, stemEnglish, func(w string) string { return w }} {
			ws := make([]string, len(t.Words))
			for i, w := range t.Words {
				ws[i] = stemmer(w)
			}
			v := `"` + strings.Join(ws, " ") + `"`
			if !variants[v] {
				variants[v] = true
				alts = append(alts, v)
			}
		}
		if len(alts) == 1 {
			return alts[0]
		}
		return "(" + strings.Join(alts, " OR ") + ")"
	}
	var pos, neg []string
	for _, c := range expr.Clauses {
		alts := make([]string, len(c.Any))
		for i, t := range c.Any {
			alts[i] = term(t)
		}
		s := strings.Join(alts, " OR ")
		if len(alts) > 1 {
			s = "(" + s + ")"
		}
		if c.Not {
			neg = append(neg, s)
		} else {
			pos = append(pos, s)
		}
	}
	q := "(" + strings.Join(pos, " AND ") + ")"
	if len(neg) > 0 {
		q += " NOT (" + strings.Join(neg, " OR ") + ")"
	}
	return q, nil
}

func (s *sqliteBackend) rank(prepared string, args *argList, _ time.Time) (from, match, rank, newest string) {
	// Title words weigh twice summary words.
	return "article_search JOIN articles a ON a.id = article_search.article_id", "article_search MATCH " + args.add(prepared),
		"-bm25(article_search, 2.0, 1.0, 0.0)", "article_search.rowid DESC"
}

func (s *sqliteBackend) dateRange(since, before time.Time, args *argList) []string {
	lo, hi, bounded := keyRange(since, before)
	if !bounded {
		return nil
	}
	return []string{"article_search.rowid >= " + args.add(lo), "article_search.rowid < " + args.add(hi)}
}

func (s *sqliteBackend) relevance(r string) string {
	return fmt.Sprintf("1.0 / (1.0 + %g / max(%s, 1e-9))", bm25K, r)
}

func (s *sqliteBackend) recency(asOf, col string) string {
	return fmt.Sprintf("1.0 / (1.0 + max(0, julianday(%s) - julianday(%s)) / %g)", asOf, col, RecencyHalfLife.Hours()/24)
}

func (s *sqliteBackend) cheapWindows() bool { return true }

func (s *sqliteBackend) matchID() string { return "article_search.article_id" }
