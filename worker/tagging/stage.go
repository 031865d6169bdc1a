// Package tagging wires the tagger (worker/tag, pure) into coopdesk: it loads the
// répertoire's authorities and partner-country units from the database, is the worker
// pipeline's tagging stage (pipeline.Tagger), writes group tags, mentions and topics with
// their score, method and evidence, re-tags stored articles, and records staff
// corrections (TagArticle, UntagArticle), which automatic tagging never overwrites or
// deletes and which ExportLabelled turns into labelled examples for the quality set.
//
// The stage keeps its Tagger in a tag.Holder: when the répertoire changes (a cheap
// detector of counts and latest updates, checked at most once a minute as feeds are
// tagged, or Reload called explicitly) a new Tagger is built and swapped in while the
// worker keeps running.
package tagging

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"coopdesk/ent"
	"coopdesk/internal/database"
	"coopdesk/worker/pipeline"
	"coopdesk/worker/store"
	"coopdesk/worker/tag"
)

// DefaultCheckEvery is how often the stage looks for répertoire changes.
const DefaultCheckEvery = time.Minute

// MaxTextRunes bounds the article text given to the tagger after the title. The subject
// of a news item is in its headline and lede; the tail of a WordPress body is "related
// articles" and boilerplate that only adds false evidence. The worker, --retag and
// `coopdesk tag` all cut the same way, so that they agree on one article.
const MaxTextRunes = 2000

// Options tunes a Stage.
type Options struct {
	// Rules are rules given to the tagger besides the staff's (TagRule rows, read at every
	// build).
	Rules []tag.Rule
	// CheckEvery is how often Tag checks the répertoire for changes (0: one minute;
	// negative: never; call Reload instead).
	CheckEvery time.Duration
	Logger     *slog.Logger
	// Now replaces the clock (tests).
	Now func() time.Time
}

// Stage is the tagging stage of the worker pipeline and the code path of `coopdesk tag`.
// It is safe for concurrent use.
type Stage struct {
	db     *database.DB
	opt    Options
	holder *tag.Holder
	snap   atomic.Pointer[snapshot]

	loadMu    sync.Mutex // one build at a time
	lastCheck atomic.Int64
	checking  atomic.Bool
}

// NewStage returns a stage reading the répertoire from db. It loads nothing yet: Load
// does, or the first Tag call, so that building the worker needs no database round trip.
func NewStage(db *database.DB, opt Options) *Stage {
	if opt.CheckEvery == 0 {
		opt.CheckEvery = DefaultCheckEvery
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Stage{db: db, opt: opt, holder: &tag.Holder{}}
}

// Preload starts building the tagger in the background, so that the worker's first
// feeds are fetched and parsed meanwhile (loading the répertoire and building the
// automaton take a few hundred milliseconds); the first Tag waits for the build, or makes
// it again if it failed.
func (s *Stage) Preload(ctx context.Context) {
	s.loadMu.Lock() // here, so that a Tag arriving before the goroutine runs waits for it
	go func() {
		defer s.loadMu.Unlock()
		if s.holder.Load() != nil {
			return
		}
		if err := s.load(ctx, ""); err != nil && ctx.Err() == nil {
			s.opt.Logger.Warn("tagger not built in advance: the first feed to tag tries again", "err", err)
		}
	}()
}

// Holder returns the stage's tagger holder.
func (s *Stage) Holder() *tag.Holder { return s.holder }

// Load builds the tagger from the répertoire now, whatever changed.
func (s *Stage) Load(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	return s.load(ctx, "")
}

// Reload rebuilds the tagger if the répertoire changed since the last build, and says
// whether it did. Tagging goes on with the current tagger meanwhile; on error too.
func (s *Stage) Reload(ctx context.Context) (bool, error) {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	v, err := version(ctx, s.db.SQL)
	if err != nil {
		return false, err
	}
	if cur := s.snap.Load(); cur != nil && cur.version == v {
		return false, nil
	}
	return true, s.load(ctx, v)
}

func (s *Stage) load(ctx context.Context, v string) error {
	start := time.Now()
	if v == "" {
		var err error
		if v, err = version(ctx, s.db.SQL); err != nil {
			return err
		}
	}
	snap, auths, err := loadSnapshot(ctx, s.db.Client)
	if err != nil {
		return err
	}
	snap.version = v
	stored, ids, err := storedRules(ctx, s.db.Client)
	if err != nil {
		return err
	}
	t, skipped, err := buildTagger(auths, append(slices.Clone(s.opt.Rules), stored...), ids)
	if err != nil {
		return fmt.Errorf("build tagger: %w", err)
	}
	for _, r := range skipped {
		s.opt.Logger.Warn("tag rule left out", "rule", r)
	}
	// The snapshot first: a Tagger naming an authority is never paired with ids older
	// than it (the reverse is harmless: ids are checked when written).
	s.snap.Store(&snap)
	s.holder.Store(t)
	s.lastCheck.Store(s.opt.Now().UnixNano())
	s.opt.Logger.Info("tagger built", "authorities", snap.auths, "rules", len(s.opt.Rules)+len(stored)-len(skipped), "patterns", t.Patterns(),
		"duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// ready makes sure a tagger is built, and at most once per CheckEvery looks for
// répertoire changes. The check runs in the caller (one query; a rebuild only when
// something changed) while the other goroutines tag on with the current tagger.
func (s *Stage) ready(ctx context.Context) error {
	if s.holder.Load() == nil {
		s.loadMu.Lock()
		defer s.loadMu.Unlock()
		if s.holder.Load() != nil {
			return nil
		}
		return s.load(ctx, "")
	}
	if s.opt.CheckEvery < 0 {
		return nil
	}
	now := s.opt.Now().UnixNano()
	if now-s.lastCheck.Load() < int64(s.opt.CheckEvery) || !s.checking.CompareAndSwap(false, true) {
		return nil
	}
	defer s.checking.Store(false)
	s.lastCheck.Store(now)
	if _, err := s.Reload(ctx); err != nil && ctx.Err() == nil {
		s.opt.Logger.Warn("tagger not rebuilt: tagging with the previous répertoire", "err", err)
	}
	return nil
}

// TagText tags one article's text with the current tagger, building it first if needed.
func (s *Stage) TagText(ctx context.Context, title, text, lang, country string) (tag.Result, error) {
	if err := s.ready(ctx); err != nil {
		return tag.Result{}, err
	}
	return s.holder.Tag(input(title, text, lang, country)), nil
}

// input is the tagger's view of an article: its title and the start of its text.
func input(title, text, lang, country string) tag.Input {
	return tag.Input{Title: title, Summary: cut(text, MaxTextRunes), Lang: lang, Country: strings.ToUpper(strings.TrimSpace(country))}
}

// cut keeps the first n runes of s, ending on a word boundary when there is one near.
func cut(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	if j := strings.LastIndexAny(s[:i], " \n\t"); j > i-100 && j > 0 {
		i = j
	}
	return s[:i]
}

// Tag is the pipeline stage: it tags the items of one feed with the feed's language and
// country and returns their tags, written by the store in its transaction.
func (s *Stage) Tag(ctx context.Context, feed pipeline.Feed, items []store.Item) (store.Tagging, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	t := s.holder.Load()
	snap := s.snap.Load()
	tg := &tagging{stage: s, results: make([]tag.Result, len(items)), snaps: make([]*snapshot, len(items))}
	for i := range items {
		a := &items[i].Article
		tg.results[i] = t.Tag(input(a.Title, a.Text, feed.Language, feed.Country))
		tg.snaps[i] = snap
	}
	return tg, nil
}

// tagging is the stage's result for one feed batch, or for several joined.
type tagging struct {
	stage   *Stage
	results []tag.Result
	snaps   []*snapshot // the répertoire of each result (joined batches may differ)
}

// Join returns the tags of this batch followed by next's, so that the store writes
// several feeds' tags in one statement. It reports false when next is not the stage's.
func (tg *tagging) Join(next store.Tagging) (store.Tagging, bool) {
	n, ok := next.(*tagging)
	if !ok || n.stage != tg.stage {
		return nil, false
	}
	return &tagging{stage: tg.stage, results: slices.Concat(tg.results, n.results), snaps: slices.Concat(tg.snaps, n.snaps)}, true
}

// Save writes the tags of the articles that need them: those the store has just inserted
// (store.TaggedArticle.Inserted), and those whose tagged_at is NULL, i.e. rewritten by
// this batch (the store resets tagged_at when it rewrites an article) or stored
// untagged before. An existing article that this feed also carries keeps the tags of the
// text that is stored.
func (tg *tagging) Save(ctx context.Context, client *ent.Client, articles []store.TaggedArticle) error {
	if len(articles) != len(tg.results) {
		return fmt.Errorf("tagging: %d articles for %d tagged items", len(articles), len(tg.results))
	}
	now := tg.stage.opt.Now()
	dialect := tg.stage.db.Dialect
	var inserted, batch []articleResult
	seen := make(map[int]bool, len(articles))
	for i, a := range articles {
		if seen[a.ID] { // the same article twice in a batch: tagged once
			continue
		}
		seen[a.ID] = true
		r := articleResult{id: a.ID, res: tg.results[i], snap: tg.snaps[i]}
		if a.Inserted {
			r.published = a.PublishedAt
			inserted = append(inserted, r)
		} else {
			batch = append(batch, r)
		}
	}
	if len(inserted) > 0 {
		var err error
		if dialect == "postgres" {
			err = writeInserted(ctx, client, inserted, now)
		} else {
			err = writeTags(ctx, client, dialect, inserted, now)
		}
		if err != nil {
			return err
		}
	}
	if len(batch) == 0 {
		return nil
	}
	if dialect == "postgres" {
		var err error
		if batch, err = writeFresh(ctx, client, batch, now); err != nil || len(batch) == 0 {
			return err
		}
	}
	ids := make([]int, len(batch))
	for i, a := range batch {
		ids[i] = a.id
	}
	pending, err := untagged(ctx, client, dialect, ids)
	if err != nil {
		return err
	}
	rest := batch[:0]
	for _, a := range batch {
		if u, ok := pending[a.id]; ok {
			a.hadTags, a.published = u.hadTags, u.published
			rest = append(rest, a)
		}
	}
	return write(ctx, client, dialect, rest, now)
}
