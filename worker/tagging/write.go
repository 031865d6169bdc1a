package tagging

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/articlegrouptag"
	"coopdesk/ent/articletopic"
	"coopdesk/ent/localauthority"
	"coopdesk/worker/tag"

	entsql "entgo.io/ent/dialect/sql"
)

// chunk bounds multi-row statements well below both engines' parameter limits.
const chunk = 400

// staff is the method of staff corrections, the rows automatic tagging never touches.
const staff = string(articlegrouptag.MethodStaffCorrection)

// Topic converts a tagger topic slug ("administration-decentralisation") to the spelling
// of the database enum ("administration_decentralisation"); it reports false for a slug
// the enum does not have.
func Topic(slug string) (articletopic.Topic, bool) {
	t := articletopic.Topic(strings.ReplaceAll(strings.TrimSpace(strings.ToLower(slug)), "-", "_"))
	return t, articletopic.TopicValidator(t) == nil
}

type articleResult struct {
	id      int
	res     tag.Result
	snap    *snapshot // the répertoire res was computed with
	hadTags bool      // the article may have automatic tags to replace
	// published is the article's published_at, copied onto its group tags and mentions
	// (the dashboards' aggregates read it there).
	published time.Time
}

// untaggedArticle is what untagged reads of an article that needs tags.
type untaggedArticle struct {
	hadTags   bool
	published time.Time
}

// untagged returns, among ids, the articles whose tagged_at is NULL, each with whether it
// has any tag row already (a rewritten article; a new one has none and needs no delete)
// and its published_at.
func untagged(ctx context.Context, client *ent.Client, dialect string, ids []int) (map[int]untaggedArticle, error) {
	out := make(map[int]untaggedArticle, len(ids))
	uniq := slices.Clone(ids)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	for part := range slices.Chunk(uniq, chunk) {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		q, qargs := entsql.Dialect(dialect).Select("id", "published_at").AppendSelectExpr(entsql.Expr(
			"EXISTS (SELECT 1 FROM article_group_tags t WHERE t.article_id = articles.id) OR " +
				"EXISTS (SELECT 1 FROM article_mentions t WHERE t.article_id = articles.id) OR " +
				"EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = articles.id)")).
			From(entsql.Table("articles")).Where(entsql.And(entsql.In("id", args...), entsql.IsNull("tagged_at"))).Query()
		rows, err := client.QueryContext(ctx, q, qargs...)
		if err != nil {
			return nil, fmt.Errorf("tagging: find untagged articles: %w", err)
		}
		for rows.Next() {
			var (
				id int
				a  untaggedArticle
			)
			if err := rows.Scan(&id, &a.published, &a.hadTags); err != nil {
				rows.Close()
				return nil, fmt.Errorf("tagging: find untagged articles: %w", err)
			}
			out[id] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("tagging: find untagged articles: %w", err)
		}
	}
	return out, nil
}

// tagRow is one row of article_group_tags, article_mentions or article_topics.
type tagRow struct {
	article   int
	target    any // group id, authority id or topic
	score     float64
	method    string
	evidence  []string
	published time.Time // the article's published_at (group tags and mentions keep a copy)
}

// write replaces the automatic tags of the batch's articles with their results and sets
// tagged_at. Staff corrections stay as they are: the delete skips them and the inserts
// do nothing on their (article, target) key, so a tag staff removed (removed = true) is
// not added back and one they added is not downgraded.
func write(ctx context.Context, client *ent.Client, dialect string, batch []articleResult, now time.Time) error {
	if len(batch) == 0 {
		return nil
	}
	if err := writeTags(ctx, client, dialect, batch, now); err != nil {
		return err
	}
	ids := make([]any, len(batch))
	for i, a := range batch {
		ids[i] = a.id
	}
	for part := range slices.Chunk(ids, chunk) {
		q, args := entsql.Dialect(dialect).Update("articles").Set("tagged_at", now.UTC()).Where(entsql.In("id", part...)).Query()
		if _, err := client.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("tagging: set tagged_at: %w", err)
		}
	}
	return nil
}

// writeTags is write without setting tagged_at: for articles inserted with it set.
func writeTags(ctx context.Context, client *ent.Client, dialect string, batch []articleResult, now time.Time) error {
	now = now.UTC()
	b := entsql.Dialect(dialect)
	var replace []any
	for _, a := range batch {
		if a.hadTags {
			replace = append(replace, a.id)
		}
	}
	for part := range slices.Chunk(replace, chunk) {
		for _, table := range []string{"article_group_tags", "article_mentions", "article_topics"} {
			q, args := b.Delete(table).Where(entsql.And(entsql.In("article_id", part...), entsql.NEQ("method", staff))).Query()
			if _, err := client.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("tagging: clear automatic tags: %w", err)
			}
		}
	}

	groups, mentions, topics, authIDs := rowsOf(batch)
	if len(authIDs) > 0 {
		// An authority deleted since the tagger was built must not fail the feed's
		// transaction on its foreign key: keep the mentions of existing rows only.
		slices.Sort(authIDs)
		authIDs = slices.Compact(authIDs)
		exist := make(map[int]bool, len(authIDs))
		for part := range slices.Chunk(authIDs, chunk) {
			ids, err := client.LocalAuthority.Query().Where(localauthority.IDIn(part...)).IDs(ctx)
			if err != nil {
				return fmt.Errorf("tagging: check mentioned authorities: %w", err)
			}
			for _, id := range ids {
				exist[id] = true
			}
		}
		mentions = slices.DeleteFunc(mentions, func(r tagRow) bool { return !exist[r.target.(int)] })
	}
	if len(groups) > 0 {
		// Likewise for a country group deleted since.
		ids, err := client.CountryGroup.Query().IDs(ctx)
		if err != nil {
			return fmt.Errorf("tagging: check country groups: %w", err)
		}
		groups = slices.DeleteFunc(groups, func(r tagRow) bool { return !slices.Contains(ids, r.target.(int)) })
	}
	for _, t := range []struct {
		table, target string
		published     bool
		rows          []tagRow
	}{{"article_group_tags", "group_id", true, groups}, {"article_mentions", "authority_id", true, mentions}, {"article_topics", "topic", false, topics}} {
		if err := insertRows(ctx, client, b, t.table, t.target, t.published, t.rows, now); err != nil {
			return err
		}
	}
	// The staff corrections kept above carry the article's published_at of when they were
	// made: bring them in line, should the article's date have changed since.
	for part := range slices.Chunk(replace, chunk) {
		for _, table := range []string{"article_group_tags", "article_mentions"} {
			published := entsql.ExprFunc(func(b *entsql.Builder) {
				b.WriteString("(SELECT a.published_at FROM articles a WHERE a.id = " + table + ".article_id)")
			})
			q, args := b.Update(table).Set("published_at", published).
				Where(entsql.And(entsql.In("article_id", part...), entsql.EQ("method", staff))).Query()
			if _, err := client.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("tagging: date staff corrections: %w", err)
			}
		}
	}
	return nil
}

// rowsOf turns the batch's results into rows, and lists the authorities they mention.
func rowsOf(batch []articleResult) (groups, mentions, topics []tagRow, authIDs []int) {
	for _, a := range batch {
		for _, g := range a.res.Groups {
			id := a.snap.groups[g.Slug]
			if id == 0 || articlegrouptag.MethodValidator(articlegrouptag.Method(g.Method)) != nil {
				continue // a group not in the database (yet), or a method the enum lacks
			}
			groups = append(groups, tagRow{article: a.id, target: id, score: g.Score, method: g.Method, evidence: g.Evidence, published: a.published})
		}
		for _, r := range a.snap.mentionRows(a.id, a.res) {
			r.published = a.published
			mentions = append(mentions, r)
			authIDs = append(authIDs, r.target.(int))
		}
		for _, t := range a.res.Topics {
			topic, ok := Topic(t.Slug)
			if !ok {
				continue
			}
			// The topic enum shares the tag methods; keyword matching is closest to a
			// lexicon (gazetteer) match. A "keyword" method would need a schema change.
			topics = append(topics, tagRow{article: a.id, target: string(topic), score: t.Score, method: tag.MethodGazetteer, evidence: t.Evidence})
		}
	}
	return groups, mentions, topics, authIDs
}

// mentionRows turns the tagger's mentions of one article into rows against LocalAuthority
// ids: an authority by its id, a gazetteer place by the partner-country unit row of its
// name, plus the répertoire authorities named after that place (a place mention of
// "Sfax" is also a mention of the partnership's Municipalité de Sfax). Countries are not
// LocalAuthority rows and give none.
func (snap *snapshot) mentionRows(articleID int, res tag.Result) []tagRow {
	var rows []tagRow
	for _, m := range res.Mentions {
		switch m.Kind {
		case tag.KindAuthority:
			rows = mergeMention(rows, tagRow{article: articleID, target: m.AuthorityID, score: m.Score, method: tag.MethodAuthorityName, evidence: m.Evidence})
		case tag.KindPlace:
			if id := snap.units.resolve(m); id != 0 {
				rows = mergeMention(rows, tagRow{article: articleID, target: id, score: m.Score, method: tag.MethodGazetteer, evidence: m.Evidence})
			}
			seen := map[int]bool{}
			for _, n := range append([]string{m.Name}, m.Evidence...) {
				for _, id := range snap.byPlace[m.Country][tag.Normalize(n)] {
					if !seen[id] {
						seen[id] = true
						rows = mergeMention(rows, tagRow{article: articleID, target: id, score: m.Score, method: tag.MethodAuthorityName, evidence: m.Evidence})
					}
				}
			}
		}
	}
	return rows
}

// mergeMention adds row to the mentions of one article, merging it with a
// mention of the same authority: a partnership's partner can also be a gazetteer unit
// (the gouvernorat of Sfax), and (article, authority) is unique.
func mergeMention(rows []tagRow, row tagRow) []tagRow {
	for i := range rows {
		r := &rows[i]
		if r.target != row.target {
			continue
		}
		if row.method == tag.MethodAuthorityName {
			r.method = row.method
		}
		r.score = max(r.score, row.score)
		for _, e := range row.evidence {
			if !slices.Contains(r.evidence, e) {
				r.evidence = append(slices.Clip(r.evidence), e)
			}
		}
		return rows
	}
	return append(rows, row)
}

func insertRows(ctx context.Context, client *ent.Client, b *entsql.DialectBuilder, table, target string, published bool, rows []tagRow, now time.Time) error {
	for part := range slices.Chunk(rows, chunk) {
		ins := b.Insert(table).Columns("score", "method", "evidence", "removed", "created_at", "article_id", target)
		if published {
			ins.Columns("published_at")
		}
		for _, r := range part {
			var ev any
			if len(r.evidence) > 0 {
				j, err := json.Marshal(r.evidence)
				if err != nil {
					return err
				}
				ev = string(j)
			}
			values := []any{r.score, r.method, ev, false, now, r.article, r.target}
			if published {
				values = append(values, r.published.UTC())
			}
			ins.Values(values...)
		}
		q, args := ins.OnConflict(entsql.ConflictColumns("article_id", target), entsql.DoNothing()).Query()
		if _, err := client.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("tagging: write %s: %w", table, err)
		}
	}
	return nil
}

// Mention is a mention as `coopdesk tag` reports it: the tagger's mention with the
// LocalAuthority row it resolves to (authority_id; none for countries and unknown
// places), and the répertoire authorities named after a place.
type Mention struct {
	Kind        string   `json:"kind"` // country, place or authority
	Name        string   `json:"name"`
	Code        string   `json:"code,omitempty"`
	Country     string   `json:"country"`
	AuthorityID int      `json:"authority_id,omitempty"`
	Score       float64  `json:"score"`
	Evidence    []string `json:"evidence"`
}

// Mentions resolves the mentions of res against the current répertoire, as the worker
// stores them.
func (s *Stage) Mentions(res tag.Result) []Mention {
	snap := s.snap.Load()
	out := make([]Mention, 0, len(res.Mentions))
	if snap == nil {
		return out
	}
	have := map[int]bool{}
	for _, m := range res.Mentions {
		id := m.AuthorityID
		if m.Kind == tag.KindPlace {
			id = snap.units.resolve(m)
		}
		if m.Kind != tag.KindCountry && id != 0 {
			have[id] = true
		}
		out = append(out, Mention{Kind: m.Kind, Name: m.Name, Code: m.Code, Country: m.Country, AuthorityID: id, Score: m.Score, Evidence: m.Evidence})
	}
	for _, r := range snap.mentionRows(0, res) {
		id := r.target.(int)
		if !have[id] {
			have[id] = true
			out = append(out, Mention{Kind: tag.KindAuthority, Name: snap.authNames[id], Country: countryOf(res, r.evidence), AuthorityID: id, Score: r.score, Evidence: r.evidence})
		}
	}
	return out
}

// countryOf is the country of the place mention whose evidence a derived mention shares.
func countryOf(res tag.Result, evidence []string) string {
	for _, m := range res.Mentions {
		if m.Kind == tag.KindPlace && len(evidence) > 0 && slices.Contains(m.Evidence, evidence[0]) {
			return m.Country
		}
	}
	return ""
}
