package tagging

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"coopdesk/ent"

	entsql "entgo.io/ent/dialect/sql"
)

// RetagOptions selects the stored articles Retag tags again.
type RetagOptions struct {
	// Since keeps the articles published at or after it (zero: all).
	Since time.Time
	// Untagged keeps the articles never tagged (tagged_at NULL): those stored while
	// tagging failed.
	Untagged bool
	// BatchSize is the number of articles tagged and written per transaction (0: 500).
	BatchSize int
	// Progress, when set, is called after each batch with the articles done and the total.
	Progress func(done, total int)
}

// RetagResult sums up a Retag.
type RetagResult struct {
	Articles int
	Duration time.Duration
}

// Retag tags stored articles again with the current répertoire, in batches of one
// transaction each, keeping staff corrections. It rebuilds the tagger first if the
// répertoire changed. Batches already written stay written if ctx is canceled.
func (s *Stage) Retag(ctx context.Context, opt RetagOptions) (RetagResult, error) {
	start := time.Now()
	var res RetagResult
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	if s.holder.Load() == nil {
		if err := s.Load(ctx); err != nil {
			return res, err
		}
	} else if _, err := s.Reload(ctx); err != nil {
		return res, err
	}
	ph := placeholders(s.db.Dialect)
	var where []string
	var args []any
	if !opt.Since.IsZero() {
		args = append(args, opt.Since.UTC())
		where = append(where, "a.published_at >= "+ph(len(args)))
	}
	if opt.Untagged {
		where = append(where, "a.tagged_at IS NULL")
	}
	cond := ""
	if len(where) > 0 {
		cond = " AND " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.SQL.QueryRowContext(ctx, "SELECT COUNT(*) FROM articles a WHERE 1 = 1"+cond, args...).Scan(&total); err != nil {
		return res, fmt.Errorf("retag: count articles: %w", err)
	}
	if opt.Progress != nil {
		opt.Progress(0, total)
	}
	q := "SELECT a.id, a.published_at, a.title, COALESCE(a.summary_text, ''), COALESCE(a.language, ''), COALESCE(c.code, '') " +
		"FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id LEFT JOIN countries c ON c.id = f.country_id " +
		"WHERE 1 = 1" + cond + " AND a.id > " + ph(len(args)+1) + " ORDER BY a.id LIMIT " + strconv.Itoa(opt.BatchSize)
	after := 0
	for {
		batch, last, err := s.retagBatch(ctx, q, append(args[:len(args):len(args)], after))
		if err != nil {
			return res, err
		}
		if len(batch) == 0 {
			break
		}
		if err := s.inTx(ctx, func(client *ent.Client) error {
			return write(ctx, client, s.db.Dialect, batch, s.opt.Now())
		}); err != nil {
			return res, fmt.Errorf("retag: %w", err)
		}
		after = last
		res.Articles += len(batch)
		if opt.Progress != nil {
			opt.Progress(res.Articles, max(total, res.Articles))
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}

// retagBatch reads one batch of articles and tags it; last is the batch's highest id.
func (s *Stage) retagBatch(ctx context.Context, q string, args []any) (batch []articleResult, last int, err error) {
	rows, err := s.db.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("retag: read articles: %w", err)
	}
	defer rows.Close()
	t, snap := s.holder.Load(), s.snap.Load()
	for rows.Next() {
		var (
			id                         int
			published                  time.Time
			title, text, lang, country string
		)
		if err := rows.Scan(&id, &published, &title, &text, &lang, &country); err != nil {
			return nil, 0, fmt.Errorf("retag: read articles: %w", err)
		}
		// Retagged articles may have automatic tags: always replace.
		batch = append(batch, articleResult{id: id, res: t.Tag(input(title, text, lang, country)), snap: snap, hadTags: true, published: published})
		last = id
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("retag: read articles: %w", err)
	}
	return batch, last, nil
}

// inTx runs fn on a client bound to a new transaction, built as the store builds its
// own (the database's wrapped driver does not hand ExecContext through ent's Tx).
func (s *Stage) inTx(ctx context.Context, fn func(*ent.Client) error) error {
	tx, err := s.db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	client := ent.NewClient(ent.Driver(entsql.NewDriver(s.db.Dialect, entsql.Conn{ExecQuerier: tx})))
	if err := fn(client); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// placeholders returns the dialect's n-th bind parameter.
func placeholders(dialect string) func(n int) string {
	if dialect == "postgres" {
		return func(n int) string { return "$" + strconv.Itoa(n) }
	}
	return func(int) string { return "?" }
}
