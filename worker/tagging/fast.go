package tagging

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"coopdesk/ent"

	"github.com/lib/pq"
)

// writeFresh is the PostgreSQL path of Save for the common case, articles just stored
// and never tagged: one statement marks them tagged and inserts their group tags,
// mentions and topics (data-modifying CTEs), so that the stage costs one round trip in
// the store's transaction, which new-article batches take one at a time. An article
// that has tag rows already (a rewritten one) or was tagged already (another feed's) is
// left out and returned in rest; the inserts only take rows whose target still exists,
// so that a group or authority deleted since the tagger was built cannot fail the feed.
func writeFresh(ctx context.Context, client *ent.Client, batch []articleResult, now time.Time) (rest []articleResult, err error) {
	q, args, err := freshQuery(batch, now, true)
	if err != nil || q == "" {
		return batch, err
	}
	rows, err := client.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("tagging: write tags: %w", err)
	}
	defer rows.Close()
	done := make(map[int]bool, len(batch))
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("tagging: write tags: %w", err)
		}
		done[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tagging: write tags: %w", err)
	}
	for _, a := range batch {
		if !done[a.id] {
			rest = append(rest, a)
		}
	}
	return rest, nil
}

// freshQuery builds writeFresh's statement. Rows travel as one array per column
// (unnest), so that the statement is the same text whatever the batch's size: a
// VALUES list of hundreds of rows costs more to parse and plan than to execute. Group
// tags and mentions copy the article's published_at from the rows the UPDATE returns.
//
// With claim, the statement first marks the batch's articles tagged (those whose
// tagged_at is NULL and that have no tag row) and writes the tags of those only, copying
// their published_at; it returns their ids. Without, the articles are ones just inserted
// with tagged_at set (store.TaggedArticle.Inserted): the statement writes their tags,
// with the published_at of the batch, and leaves the article rows alone.
func freshQuery(batch []articleResult, now time.Time, claim bool) (string, []any, error) {
	groups, mentions, topics, _ := rowsOf(batch)
	var b strings.Builder
	args := []any{now.UTC()}
	if claim {
		ids := make([]int64, len(batch))
		for i, a := range batch {
			ids[i] = int64(a.id)
		}
		args = append(args, pq.Array(ids))
		b.WriteString("WITH u AS (UPDATE articles SET tagged_at = $1 WHERE id = ANY($2::bigint[]) AND tagged_at IS NULL")
		for _, t := range []string{"article_group_tags", "article_mentions", "article_topics"} {
			b.WriteString(" AND NOT EXISTS (SELECT 1 FROM " + t + " t WHERE t.article_id = articles.id)")
		}
		b.WriteString(" RETURNING id, published_at)")
	}
	first := !claim
	for i, t := range []struct {
		table, target, targetType, parent string
		published                         bool
		rows                              []tagRow
	}{
		{"article_group_tags", "group_id", "bigint", "country_groups", true, groups},
		{"article_mentions", "authority_id", "bigint", "local_authorities", true, mentions},
		{"article_topics", "topic", "varchar", "", false, topics},
	} {
		if !claim {
			// Rows of new articles meet no stored row; unique in the statement too, they
			// need no ON CONFLICT (a speculative insertion per row).
			t.rows = uniqueRows(t.rows)
		}
		if len(t.rows) == 0 {
			continue
		}
		var (
			scores    = make(pq.Float64Array, len(t.rows))
			methods   = make(pq.StringArray, len(t.rows))
			evidence  = make(pq.StringArray, len(t.rows)) // "" for none
			articles  = make(pq.Int64Array, len(t.rows))
			published = make(pq.Int64Array, len(t.rows)) // microseconds since the epoch
			ids       pq.Int64Array
			names     pq.StringArray
			buf       []byte
		)
		for k, r := range t.rows {
			scores[k], methods[k], articles[k] = r.score, r.method, int64(r.article)
			published[k] = r.published.UnixMicro()
			if len(r.evidence) > 0 {
				buf = appendJSONStrings(buf[:0], r.evidence)
				evidence[k] = string(buf)
			}
			switch v := r.target.(type) {
			case int:
				ids = append(ids, int64(v))
			case string:
				names = append(names, v)
			default:
				return "", nil, fmt.Errorf("tagging: target %v of %s: unexpected type %T", v, t.table, v)
			}
		}
		var targets any = ids
		if t.targetType == "varchar" {
			targets = names
		}
		if len(ids)+len(names) != len(t.rows) || (t.targetType == "varchar") != (len(names) > 0) {
			return "", nil, fmt.Errorf("tagging: targets of %s do not match its column", t.table)
		}
		n := len(args)
		// Arrays of numbers and of plain strings encode and parse much faster than
		// arrays of timestamps or of nullable values: published_at travels as
		// microseconds (exact: the interval product stays in integers below 2^53), a
		// missing evidence as an empty string.
		args = append(args, scores, methods, evidence, articles, targets)
		cols, vals, extra, alias, from := "", "", "", "", "JOIN u ON u.id = v.article WHERE true"
		if t.published {
			cols, vals = ", published_at", ", u.published_at"
		}
		if !claim {
			from = "WHERE true"
			if t.published {
				args = append(args, published)
				vals, extra, alias = ", timestamptz 'epoch' + v.published * interval '1 microsecond'", fmt.Sprintf(", $%d::int8[]", len(args)), ", published"
			}
		}
		sep := ", "
		if first {
			sep, first = "WITH ", false
		}
		fmt.Fprintf(&b, "%si%d AS (INSERT INTO %s (score, method, evidence, removed, created_at, article_id, %s%s) "+
			"SELECT v.score, v.method, NULLIF(v.evidence, '')::jsonb, false, $1, v.article, v.target%s "+
			"FROM unnest($%d::float8[], $%d::varchar[], $%d::text[], $%d::bigint[], $%d::%s[]%s) AS v(score, method, evidence, article, target%s) "+
			from, sep, i, t.table, t.target, cols, vals, n+1, n+2, n+3, n+4, n+5, t.targetType, extra, alias)
		if t.parent != "" {
			// The targets that still exist, looked up once by primary key (an InitPlan):
			// a semi-join lets the planner, which expects 100 rows of any unnest, hash the
			// whole parent table (34,000 authorities) at every statement.
			distinct := slices.Clone(ids)
			slices.Sort(distinct)
			args = append(args, slices.Compact(distinct))
			fmt.Fprintf(&b, " AND v.target = ANY(ARRAY(SELECT p.id FROM %s p WHERE p.id = ANY($%d::bigint[])))", t.parent, len(args))
		}
		if claim {
			b.WriteString(" ON CONFLICT (article_id, " + t.target + ") DO NOTHING")
		}
		b.WriteString(")")
	}
	switch {
	case claim:
		b.WriteString(" SELECT id FROM u")
	case first: // no rows at all
		return "", nil, nil
	default:
		b.WriteString(" SELECT 1")
	}
	return b.String(), args, nil
}

// writeInserted writes the tags of articles inserted by the store's transaction with
// tagged_at set (store.TaggedArticle.Inserted), in one statement.
func writeInserted(ctx context.Context, client *ent.Client, batch []articleResult, now time.Time) error {
	q, args, err := freshQuery(batch, now, false)
	if err != nil || q == "" {
		return err
	}
	if _, err := client.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("tagging: write tags: %w", err)
	}
	return nil
}

// appendJSONStrings appends the JSON array of ss to buf. Evidence terms are text of
// printable characters: they go between quotes as they are; a string with a control
// character, a quote, a backslash or invalid UTF-8 goes through encoding/json.
func appendJSONStrings(buf []byte, ss []string) []byte {
	buf = append(buf, '[')
	for i, s := range ss {
		if i > 0 {
			buf = append(buf, ',')
		}
		if plainJSON(s) {
			buf = append(append(append(buf, '"'), s...), '"')
			continue
		}
		j, _ := json.Marshal(s) // a string always marshals
		buf = append(buf, j...)
	}
	return append(buf, ']')
}

// plainJSON reports whether s is valid between quotes in JSON as it is.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.ValidString(s)
}

// uniqueRows keeps the first row of each (article, target).
func uniqueRows(rows []tagRow) []tagRow {
	type key struct {
		article int
		target  any
	}
	seen := make(map[key]bool, len(rows))
	return slices.DeleteFunc(rows, func(r tagRow) bool {
		k := key{r.article, r.target}
		if seen[k] {
			return true
		}
		seen[k] = true
		return false
	})
}
