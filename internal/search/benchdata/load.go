package benchdata

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"coopdesk/ent/localauthority"
	"coopdesk/internal/database"
	"coopdesk/internal/search"
)

// Stats describes how a benchmark database was built.
type Stats struct {
	Articles  int
	Load      time.Duration // inserting the articles, without the search index
	Migrate   time.Duration // search.Migrate over the loaded articles (index build)
	GINBuild  time.Duration // PostgreSQL: CREATE INDEX of the GIN index alone
	IndexSize int64         // PostgreSQL: the GIN index and the tsvector column; SQLite: FTS5's shadow tables
	TableSize int64         // the articles table (PostgreSQL with its TOAST, without indexes)
	Reused    bool          // the database came from an earlier run
}

func (s Stats) String() string {
	return fmt.Sprintf("articles=%d load=%s search-migrate=%s gin-build=%s index=%.1f MiB articles-table=%.1f MiB reused=%v",
		s.Articles, s.Load.Round(time.Second), s.Migrate.Round(time.Second), s.GINBuild.Round(time.Second),
		float64(s.IndexSize)/(1<<20), float64(s.TableSize)/(1<<20), s.Reused)
}

// Postgres returns a PostgreSQL database of n generated articles, migrated and indexed,
// in schema bench_v<Version>_<n> of the server at baseURL, building it if needed.
func Postgres(ctx context.Context, baseURL string, n int, logf func(string, ...any)) (*database.DB, Stats, error) {
	schema := fmt.Sprintf("bench_v%d_%d", Version, n)
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, Stats{}, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := database.Open(ctx, u.String(), database.Options{})
	if err != nil {
		return nil, Stats{}, err
	}
	var st Stats
	err = db.SQL.QueryRowContext(ctx, "SELECT articles, load_ms, migrate_ms, gin_ms, index_bytes, table_bytes FROM bench_info").
		Scan(&st.Articles, ms(&st.Load), ms(&st.Migrate), ms(&st.GINBuild), &st.IndexSize, &st.TableSize)
	if err == nil && st.Articles == n {
		st.Reused = true
		if err := remigrate(ctx, db, &st, logf); err != nil {
			db.Close()
			return nil, Stats{}, err
		}
		return db, st, nil
	}
	logf("building %s with %d articles (kept for later runs)", schema, n)
	for _, s := range []string{"DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema} {
		if _, err := db.SQL.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, Stats{}, fmt.Errorf("benchdata: %s: %w", s, err)
		}
	}
	st, err = build(ctx, db, n, logf)
	if err != nil {
		db.Close()
		return nil, Stats{}, err
	}
	return db, st, nil
}

// SQLite returns an SQLite database of n generated articles in dir, building it if needed.
func SQLite(ctx context.Context, dir string, n int, logf func(string, ...any)) (*database.DB, Stats, error) {
	path := filepath.Join(dir, fmt.Sprintf("coopdesk-bench-v%d-%d.db", Version, n))
	open := func() (*database.DB, error) { return database.Open(ctx, "sqlite:"+path, database.Options{}) }
	if _, err := os.Stat(path); err == nil {
		db, err := open()
		if err != nil {
			return nil, Stats{}, err
		}
		var st Stats
		err = db.SQL.QueryRowContext(ctx, "SELECT articles, load_ms, migrate_ms, gin_ms, index_bytes, table_bytes FROM bench_info").
			Scan(&st.Articles, ms(&st.Load), ms(&st.Migrate), ms(&st.GINBuild), &st.IndexSize, &st.TableSize)
		if err == nil && st.Articles == n {
			st.Reused = true
			if err := remigrate(ctx, db, &st, logf); err != nil {
				db.Close()
				return nil, Stats{}, err
			}
			return db, st, nil
		}
		db.Close()
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, Stats{}, err
		}
	}
	logf("building %s with %d articles (kept for later runs)", path, n)
	db, err := open()
	if err != nil {
		return nil, Stats{}, err
	}
	st, err := build(ctx, db, n, logf)
	if err != nil {
		db.Close()
		return nil, Stats{}, err
	}
	return db, st, nil
}

// remigrate runs search.Migrate on a kept database, as a server start would: it creates
// what the search package added since the database was built (a new index is built over
// the loaded articles then, and the kept figures of the index are updated).
func remigrate(ctx context.Context, db *database.DB, st *Stats, logf func(string, ...any)) error {
	start := time.Now()
	if err := search.New(db).Migrate(ctx); err != nil {
		return err
	}
	d := time.Since(start)
	if d < 2*time.Second {
		return nil // nothing was built
	}
	logf("search.Migrate on the kept database: %s (index objects added since it was built)", d.Round(time.Second))
	st.Migrate = d
	if err := measure(ctx, db, st); err != nil {
		return err
	}
	ph := "?"
	if db.Dialect == "postgres" {
		ph = "$1"
	}
	_, err := db.SQL.ExecContext(ctx, "UPDATE bench_info SET migrate_ms = "+ph, st.Migrate.Milliseconds())
	if err == nil {
		_, err = db.SQL.ExecContext(ctx, "UPDATE bench_info SET index_bytes = "+ph, st.IndexSize)
	}
	return err
}

// measure records the size of the search index and of the articles table: on PostgreSQL
// the GIN index and the tsvector column (estimated from its values' sizes), on SQLite
// FTS5's shadow tables.
func measure(ctx context.Context, db *database.DB, st *Stats) error {
	if db.Dialect == "postgres" {
		return db.SQL.QueryRowContext(ctx, `SELECT pg_relation_size('article_search_vector')
			+ (SELECT coalesce(sum(pg_column_size(search_vector)), 0) FROM articles),
			pg_table_size('articles')`).Scan(&st.IndexSize, &st.TableSize)
	}
	if err := db.SQL.QueryRowContext(ctx, "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'article_search%'").Scan(&st.IndexSize); err != nil {
		return fmt.Errorf("benchdata: FTS5 size: %w", err)
	}
	return db.SQL.QueryRowContext(ctx, "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = 'articles'").Scan(&st.TableSize)
}

type msScanner struct{ d *time.Duration }

func (m msScanner) Scan(v any) error {
	switch x := v.(type) {
	case int64:
		*m.d = time.Duration(x) * time.Millisecond
	default:
		return fmt.Errorf("benchdata: duration of type %T", v)
	}
	return nil
}

func ms(d *time.Duration) sql.Scanner { return msScanner{d} }

// build migrates db, loads the reference data and n articles, then creates the search
// index over them (timed), as an upgrade of a live database would.
func build(ctx context.Context, db *database.DB, n int, logf func(string, ...any)) (Stats, error) {
	st := Stats{Articles: n}
	if err := db.Migrate(ctx); err != nil {
		return st, err
	}
	c := db.Client
	countryIDs := map[string]int{}
	for _, code := range CountryCodes {
		countryIDs[code] = c.Country.Create().SetCode(code).SetNameFr("Pays " + code).SetNameEn("Country " + code).SaveX(ctx).ID
	}
	groupNames := slices.Sorted(func(yield func(string) bool) {
		for g := range Groups {
			if !yield(g) {
				return
			}
		}
	})
	for _, g := range groupNames {
		create := c.CountryGroup.Create().SetSlug(g).SetName(g)
		for _, code := range Groups[g] {
			create.AddCountryIDs(countryIDs[code])
		}
		create.SaveX(ctx)
	}
	feedIDs := make([]int, Feeds)
	for f := range Feeds {
		create := c.Feed.Create().SetURL(fmt.Sprintf("https://feed%d.example/rss", f)).SetLanguage("fr").
			SetCountryID(countryIDs[CountryCodes[f%Countries]])
		switch {
		case f%17 == 5:
			create.SetEnabled(false)
		case f%7 == 3:
			create.SetConsecutiveErrors(3).SetLastStatus("http_error").SetLastError("HTTP 503")
		default:
			create.SetLastStatus("ok")
		}
		feedIDs[f] = create.SaveX(ctx).ID
	}
	authorities := make([]int, Authorities)
	for i := range Authorities {
		code := CountryCodes[i%Countries]
		authorities[i] = c.LocalAuthority.Create().SetName(fmt.Sprintf("%s %d", places[i%len(places)], i)).
			SetLevel(localauthority.LevelCommune).SetCountryID(countryIDs[code]).SaveX(ctx).ID
	}
	for i, t := range themes[:12] {
		c.Theme.Create().SetSlug(fmt.Sprintf("theme-%d", i)).SetLabel(t).SaveX(ctx)
	}

	start := time.Now()
	if err := loadArticles(ctx, db, n, feedIDs, logf); err != nil {
		return st, err
	}
	if err := loadTagsAndRecords(ctx, db); err != nil {
		return st, err
	}
	st.Load = time.Since(start)
	logf("loaded in %s; building the search index", st.Load.Round(time.Second))

	start = time.Now()
	if err := search.New(db).Migrate(ctx); err != nil {
		return st, err
	}
	st.Migrate = time.Since(start)
	logf("search.Migrate over %d articles: %s", n, st.Migrate.Round(time.Second))

	if db.Dialect == "postgres" {
		start = time.Now()
		for _, s := range []string{"DROP INDEX article_search_vector", "CREATE INDEX article_search_vector ON articles USING gin (search_vector)"} {
			if _, err := db.SQL.ExecContext(ctx, s); err != nil {
				return st, fmt.Errorf("benchdata: %s: %w", s, err)
			}
		}
		st.GINBuild = time.Since(start)
		if _, err := db.SQL.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			return st, err
		}
	} else {
		if _, err := db.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
			return st, err
		}
	}
	if err := measure(ctx, db, &st); err != nil {
		return st, err
	}
	insert := `INSERT INTO bench_info VALUES (?, ?, ?, ?, ?, ?)`
	if db.Dialect == "postgres" {
		insert = `INSERT INTO bench_info VALUES ($1, $2, $3, $4, $5, $6)`
	}
	_, err := db.SQL.ExecContext(ctx, `CREATE TABLE bench_info (articles integer, load_ms bigint, migrate_ms bigint, gin_ms bigint, index_bytes bigint, table_bytes bigint)`)
	if err == nil {
		_, err = db.SQL.ExecContext(ctx, insert, n, st.Load.Milliseconds(), st.Migrate.Milliseconds(), st.GINBuild.Milliseconds(), st.IndexSize, st.TableSize)
	}
	if err != nil {
		return st, fmt.Errorf("benchdata: record stats: %w", err)
	}
	return st, nil
}

// loadArticles inserts the articles: PostgreSQL through COPY, SQLite through one
// prepared statement in large transactions.
func loadArticles(ctx context.Context, db *database.DB, n int, feedIDs []int, logf func(string, ...any)) error {
	const batch = 50_000
	cols := "url, guid, title, summary_text, language, published_at, fetched_at, content_hash, simhash, feed_id"
	for from := 0; from < n; from += batch {
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmtText := "INSERT INTO articles (" + cols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		if db.Dialect == "postgres" {
			stmtText = "COPY articles (" + cols + ") FROM STDIN"
		}
		stmt, err := tx.PrepareContext(ctx, stmtText)
		if err != nil {
			tx.Rollback() //nolint:errcheck
			return fmt.Errorf("benchdata: prepare: %w", err)
		}
		for i := from; i < min(from+batch, n); i++ {
			a := Make(i, n)
			key := fmt.Sprint(i)
			if _, err := stmt.ExecContext(ctx, "https://bench.example/"+key, key, a.Title, a.Summary, "fr",
				a.PublishedAt, a.PublishedAt, key, int64(0), feedIDs[a.Feed]); err != nil {
				tx.Rollback() //nolint:errcheck
				return fmt.Errorf("benchdata: insert article %d: %w", i, err)
			}
		}
		if db.Dialect == "postgres" {
			if _, err := stmt.ExecContext(ctx); err != nil {
				tx.Rollback() //nolint:errcheck
				return fmt.Errorf("benchdata: copy: %w", err)
			}
		}
		if err := stmt.Close(); err != nil {
			tx.Rollback() //nolint:errcheck
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		if (from/batch)%4 == 3 {
			logf("%d articles", from+batch)
		}
	}
	return nil
}

// loadTagsAndRecords tags every article with its feed's country's group, mentions an
// authority in a third of them (tag rows carry the article's published_at, as the
// worker's tagging writers fill it), and adds dossiers and partnerships for the dashboards.
// Ids of a type are consecutive in a fresh database (but start where ent's global ids
// put them), hence the offsets from the smallest.
func loadTagsAndRecords(ctx context.Context, db *database.DB) error {
	now := "CURRENT_TIMESTAMP"
	statements := []string{
		`INSERT INTO article_group_tags (score, method, removed, created_at, article_id, group_id, published_at)
			SELECT 1, 'source_country', false, ` + now + `, a.id, cgc.country_group_id, a.published_at
			FROM articles a JOIN feeds f ON f.id = a.feed_id JOIN country_group_countries cgc ON cgc.country_id = f.country_id`,
		// A staff correction removing a tag here and there.
		`UPDATE article_group_tags SET removed = true WHERE article_id % 50 = 0`,
		`INSERT INTO article_mentions (score, method, removed, created_at, article_id, authority_id, published_at)
			SELECT 1, 'authority_name', false, ` + now + `, a.id, (SELECT min(id) FROM local_authorities) + (a.id * 7919) % 500, a.published_at
			FROM articles a WHERE a.id % 3 = 0`,
		`INSERT INTO article_topics (score, method, removed, created_at, article_id, topic)
			SELECT 1, 'gazetteer', false, ` + now + `, a.id,
				CASE a.id % 6 WHEN 0 THEN 'politique' WHEN 1 THEN 'administration_decentralisation' WHEN 2 THEN 'territorial_local'
				WHEN 3 THEN 'economie' WHEN 4 THEN 'securite' ELSE 'societe' END
			FROM articles a`,
	}
	// Dossiers and partnerships: a few thousand, as a national association would have.
	if db.Dialect == "postgres" {
		statements = append(statements,
			`INSERT INTO dossiers (created_at, updated_at, title, call, support_kind, status, applicant_id)
				SELECT now(), now(), 'Dossier ' || g, 'DCOL ' || (2020 + g % 7), CASE WHEN g % 3 = 0 THEN 'strategy' ELSE 'project' END,
					(ARRAY['draft','submitted','admissible','inadmissible','under_review','accepted','rejected','deferred','in_accompaniment','completed','abandoned'])[1 + g % 11],
					(SELECT min(id) FROM local_authorities) + g % 500
				FROM generate_series(1, 5000) g`,
			`INSERT INTO partnerships (created_at, updated_at, title, kind, status)
				SELECT now(), now(), 'Partenariat ' || g, (ARRAY['jumelage','convention_cooperation','action_ponctuelle','reseau_programme'])[1 + g % 4],
					(ARRAY['active','dormant','ended','project'])[1 + g % 4]
				FROM generate_series(1, 3000) g`,
			`INSERT INTO partnership_partner_authorities (partnership_id, local_authority_id)
				SELECT p.id, (SELECT min(id) FROM local_authorities) + (p.id * 31) % 500 FROM partnerships p`,
			`INSERT INTO partnership_french_authorities (partnership_id, local_authority_id)
				SELECT p.id, (SELECT min(id) FROM local_authorities) + 20 * ((p.id * 13) % 25) FROM partnerships p`,
			`INSERT INTO partnership_themes (partnership_id, theme_id)
				SELECT p.id, (SELECT min(id) FROM themes) + (p.id + k) % 12 FROM partnerships p, generate_series(0, 1) k`,
		)
	}
	for _, s := range statements {
		if _, err := db.SQL.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("benchdata: %s: %w", strings.Fields(s)[0]+" "+strings.Fields(s)[2], err)
		}
	}
	return nil
}
