// Package store writes what the veille worker fetched: articles, their sources, their
// stories, their tags (the tagging stage's), and the feed's fetch status. A feed batch is
// written in one transaction, which it shares with the other feeds' batches ready at the
// same moment (group commit, see group.go): each batch commits whole or not at all.
//
// Writes are idempotent and rest on unique keys, so a crash at any point loses nothing the
// next fetch cannot recover and never creates a duplicate:
//   - one canonical URL is one article (articles.url is unique; INSERT … ON CONFLICT DO
//     NOTHING), however many feeds carry it;
//   - one item of one feed is one source (article_sources (feed_id, guid) is unique), the
//     guid column holding normalize.Article.Key;
//   - the feed's validators (ETag, Last-Modified) commit in the same transaction as its
//     items: a 304 can never hide items that were not stored;
//   - an article inserted with its tags gets tagged_at in the same INSERT, one that is not
//     (the tagging stage failed) keeps it NULL for a later catch-up.
//
// The store never changes a stored article's published_at (a changed item rewrites the
// text only): the copies of it on tag rows (worker/tagging) stay right.
//
// Items whose content hash equals the stored one are not written at all. Near-duplicates
// (one dispatch reprinted by several outlets) join the story of the first article whose
// SimHash is close enough within a window of a few days; every article belongs to a story,
// a story of size 1 being a single article.
package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"coopdesk/ent"
	"coopdesk/worker/normalize"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
)

// DefaultStoryWindow is how far apart two articles' dates may be for them to be one story.
const DefaultStoryWindow = 3 * 24 * time.Hour

// rowsPerStatement bounds multi-row statements well below both engines' parameter limits.
const rowsPerStatement = 400

// rowsPerArray bounds the rows of an unnest statement (PostgreSQL): a group's rows go in one,
// while a feed of 10,000 items does not encode all its texts into one message at once.
const rowsPerArray = 1000

// Column limits of the schema (PostgreSQL enforces varchar lengths in characters).
const (
	maxURL      = 2000
	maxGUID     = 2000
	maxTitle    = 1000
	maxAuthor   = 300
	maxLanguage = 8
	maxFeedText = 500
	maxError    = 1000
	maxETag     = 500
	maxLastMod  = 100
	maxStatus   = 64
)

// Store writes feed batches. It is safe for concurrent use by the pipelines of one process.
type Store struct {
	db      *sql.DB
	dialect string
	now     func() time.Time
	stories *storyIndex
	newMu   sync.Mutex // held while new articles are matched to stories
	group   committer
	// storyMax is the highest story id this process knows: the stories other processes
	// create after it are loaded into the index before each match (guarded by newMu).
	storyMax int

	sweepMu   sync.Mutex
	sweptUpTo time.Time // where the last sweep of empty stories stopped
}

// Options tunes New.
type Options struct {
	// StoryWindow bounds the date difference between articles grouped into one story.
	StoryWindow time.Duration
	// Now replaces the clock (tests).
	Now func() time.Time
	// Writers is how many group transactions may run at once (default: 2 on PostgreSQL,
	// where each runs on its own connection and backend, so on another core; 1 on SQLite,
	// whose writes are serial anyway).
	Writers int
}

// New returns a Store writing through db, whose ent dialect is dia (dialect.Postgres or
// dialect.SQLite).
func New(db *sql.DB, dia string, opt Options) *Store {
	if opt.StoryWindow <= 0 {
		opt.StoryWindow = DefaultStoryWindow
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Writers <= 0 {
		opt.Writers = 1
		if dia == dialect.Postgres {
			opt.Writers = 2
		}
	}
	return &Store{db: db, dialect: dia, now: opt.Now, stories: newStoryIndex(opt.StoryWindow), group: committer{writers: opt.Writers}}
}

// Item is one normalised item of a feed, with the link as the feed gave it.
type Item struct {
	normalize.Article
	Link string
}

// Plan is what Save will do with one feed's items, decided by comparing them with the
// stored sources. Build it with Classify.
type Plan struct {
	FeedID    int
	Language  string // the feed's language, copied to new articles
	FetchedAt time.Time
	// New items have no source in this feed yet; Changed ones have one whose content
	// hash differs. Unchanged items are only counted: they cost no write.
	New       []Item
	Changed   []Changed
	Unchanged int
}

// Changed is an item already stored for the feed whose content changed.
type Changed struct {
	Item
	ArticleID int
}

// Writes returns the items Save writes, New first then Changed: the tagging stage sees
// these, and Tagging.Save receives their article ids in the same order.
func (p *Plan) Writes() []Item {
	out := make([]Item, 0, len(p.New)+len(p.Changed))
	out = append(out, p.New...)
	for _, c := range p.Changed {
		out = append(out, c.Item)
	}
	return out
}

// Tagging is the result of the tagging stage for one plan. Save calls it inside the
// store transaction once the articles have ids, so that an article and its tags commit
// together or not at all. client is bound to that transaction; articles are the plan's
// Writes, in order.
type Tagging interface {
	Save(ctx context.Context, client *ent.Client, articles []TaggedArticle) error
}

// TaggedArticle is the article an item of Plan.Writes was stored as.
type TaggedArticle struct {
	ID int
	// Inserted is set when this very item created the article, in the transaction that
	// calls Tagging.Save: the article has no tag yet and its tagged_at is already set
	// (one write of the article row instead of two), so Save must write its tags.
	// Otherwise Save decides from tagged_at (NULL: needs tags) as for any stored article.
	Inserted bool
	// PublishedAt is the inserted article's published_at (zero when not Inserted).
	PublishedAt time.Time
}

// FeedUpdate is the fetch status written to the feed with its batch (or alone).
type FeedUpdate struct {
	ID int
	// Owner is the lease owner: the update applies only while the lease is held, and
	// releases it.
	Owner             string
	Status            string // ok, not_modified, empty, or an error kind
	Error             string // plain-words message; "" when healthy (stored as NULL)
	ConsecutiveErrors int
	// ETag and LastModified replace the stored validators when SetValidators is true.
	SetValidators      bool
	ETag, LastModified string
	FetchedAt          time.Time
	NextFetchAt        time.Time
	// Title, SiteURL and Language fill the feed's own fields when those are empty.
	Title, SiteURL, Language string
}

// Counts sums up a Save.
type Counts struct {
	New       int // items new to this feed
	Updated   int // items whose content changed
	Unchanged int
	// ArticlesCreated counts new article rows; New−ArticlesCreated items joined an
	// article another feed (or another key of this feed) already carried.
	ArticlesCreated int
	// ArticleWrites counts article rows inserted or updated.
	ArticleWrites int
	// StoriesJoined counts new articles grouped into an existing story.
	StoriesJoined int
}

// ErrLeaseLost is returned (after committing the items, which are idempotent) when the
// feed's lease had passed to another worker, whose status update wins.
var ErrLeaseLost = errors.New("store: the feed's lease was taken over by another worker")

func (s *Store) builder() *entsql.DialectBuilder { return entsql.Dialect(s.dialect) }

// Classify splits items (already deduplicated by Key) into new, changed and unchanged for
// feed feedID.
func (s *Store) Classify(ctx context.Context, feedID int, language string, fetchedAt time.Time, items []Item) (*Plan, error) {
	p := &Plan{FeedID: feedID, Language: language, FetchedAt: fetchedAt}
	type stored struct {
		article int
		hash    string
	}
	existing := make(map[string]stored, len(items))
	for chunk := range slices.Chunk(items, rowsPerStatement) {
		keys := make([]any, len(chunk))
		for i, it := range chunk {
			keys[i] = truncate(it.Key, maxGUID)
		}
		q, args := s.builder().Select("guid", "article_id", "content_hash").From(entsql.Table("article_sources")).
			Where(entsql.And(entsql.EQ("feed_id", feedID), entsql.In("guid", keys...))).Query()
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("store: read sources of feed %d: %w", feedID, err)
		}
		for rows.Next() {
			var (
				guid string
				st   stored
			)
			if err := rows.Scan(&guid, &st.article, &st.hash); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: read sources of feed %d: %w", feedID, err)
			}
			existing[guid] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: read sources of feed %d: %w", feedID, err)
		}
	}
	for _, it := range items {
		st, ok := existing[truncate(it.Key, maxGUID)]
		switch {
		case !ok:
			p.New = append(p.New, it)
		case st.hash == it.ContentHash:
			p.Unchanged++
		default:
			p.Changed = append(p.Changed, Changed{Item: it, ArticleID: st.article})
		}
	}
	return p, nil
}

// saveAlone writes one plan and the feed's status in a transaction of their own,
// retrying a few times when the database fails (a dropped connection, a deadlock): every
// statement is idempotent. It is the path of a batch whose group transaction failed.
func (s *Store) saveAlone(ctx context.Context, r *request, failed error) (Counts, error) {
	err, first := failed, 0
	if failed != nil {
		first = 1
	}
	for attempt := first; attempt < 4; attempt++ {
		if attempt > 0 {
			slog.Warn("store: retrying feed batch", "feed", r.plan.FeedID, "attempt", attempt+1, "err", err)
			select {
			case <-ctx.Done():
				return Counts{}, ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 200 * time.Millisecond):
			}
		}
		var out []outcome
		out, err = s.saveGroup(ctx, []*request{r})
		if err == nil {
			return out[0].counts, out[0].err
		}
		if ctx.Err() != nil {
			return Counts{}, err
		}
	}
	return Counts{}, err
}

// SaveStatus writes the feed's status alone: a fetch that failed or was not modified.
func (s *Store) SaveStatus(ctx context.Context, fu FeedUpdate) error {
	_, err := s.Save(ctx, &Plan{FeedID: fu.ID}, fu, nil)
	return err
}

// saveGroup writes the plans and feed statuses of reqs in one transaction: all commit or
// none does. It returns each request's outcome (ErrLeaseLost for a feed whose lease had
// passed to another worker; its items are committed all the same), or the error that
// rolled the transaction back.
func (s *Store) saveGroup(ctx context.Context, reqs []*request) (out []outcome, err error) {
	plans := make([]*Plan, 0, len(reqs))
	for _, r := range reqs {
		if len(r.plan.New) > 0 {
			plans = append(plans, r.plan)
		}
	}
	out = make([]outcome, len(reqs))
	counts := make([]*Counts, len(reqs))
	for i, r := range reqs {
		out[i].counts.Unchanged = r.plan.Unchanged
		counts[i] = &out[i].counts
	}
	var batch *newBatch
	if len(plans) > 0 {
		var (
			newCounts []*Counts
			tagged    []bool
		)
		for i, r := range reqs {
			if len(r.plan.New) > 0 {
				newCounts = append(newCounts, counts[i])
				tagged = append(tagged, r.tagging != nil)
			}
		}
		// Stories first, committed on their own, so that the transactions of several
		// writers can each reference the stories of the others (see assignStories).
		if batch, err = s.assignStories(ctx, plans, newCounts, tagged); err != nil {
			return nil, err
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		if batch != nil {
			s.stories.dropPending(batch.token)
			s.dropStories(ctx, batch, false)
		}
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
			if batch != nil {
				s.stories.dropPending(batch.token)
				s.dropStories(ctx, batch, false)
				s.forgetMissing(ctx, batch)
			}
		}
	}()
	ids := make([][]TaggedArticle, len(reqs))
	var added []recentArticle
	if batch != nil {
		var newIDs [][]TaggedArticle
		newIDs, added, err = s.insertNew(ctx, tx, batch)
		if err != nil {
			return nil, err
		}
		k := 0
		for i, r := range reqs {
			if len(r.plan.New) > 0 {
				ids[i] = newIDs[k]
				k++
			}
		}
	}
	for i, r := range reqs {
		for _, ch := range r.plan.Changed {
			n, err := s.updateChanged(ctx, tx, r.plan, ch)
			if err != nil {
				return nil, err
			}
			counts[i].Updated++
			counts[i].ArticleWrites += n
			ids[i] = append(ids[i], TaggedArticle{ID: ch.ArticleID})
		}
	}
	if err := s.saveTags(ctx, tx, reqs, ids); err != nil {
		return nil, err
	}
	fus := make([]FeedUpdate, len(reqs))
	for i, r := range reqs {
		fus[i] = r.fu
	}
	held, err := s.updateFeeds(ctx, tx, fus)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: commit feed batches: %w", err)
	}
	if batch != nil {
		s.stories.commitPending(batch.token, added)
		s.dropStories(ctx, batch, true)
	}
	for i := range reqs {
		if !held[i] {
			out[i].err = ErrLeaseLost
		}
	}
	return out, nil
}

// saveTags writes the tagging stage's results of the requests, joined into as few
// Tagging.Save calls as their kinds allow (one, in the worker).
func (s *Store) saveTags(ctx context.Context, tx *sql.Tx, reqs []*request, ids [][]TaggedArticle) error {
	var (
		joined    Tagging
		joinedIDs []TaggedArticle
		feeds     []int
	)
	flush := func() error {
		if joined == nil || len(joinedIDs) == 0 {
			return nil
		}
		client := ent.NewClient(ent.Driver(entsql.NewDriver(s.dialect, entsql.Conn{ExecQuerier: tx})))
		if err := joined.Save(ctx, client, joinedIDs); err != nil {
			return fmt.Errorf("store: save tags of feeds %v: %w", feeds, err)
		}
		joined, joinedIDs, feeds = nil, nil, nil
		return nil
	}
	for i, r := range reqs {
		if r.tagging == nil || len(ids[i]) == 0 {
			continue
		}
		if joined != nil {
			if j, ok := joined.(JoinableTagging); ok {
				if both, ok := j.Join(r.tagging); ok {
					joined, joinedIDs, feeds = both, append(joinedIDs, ids[i]...), append(feeds, r.plan.FeedID)
					continue
				}
			}
			if err := flush(); err != nil {
				return err
			}
		}
		joined, joinedIDs, feeds = r.tagging, slices.Clone(ids[i]), []int{r.plan.FeedID}
	}
	return flush()
}

// articleURL is the article's unique URL: its canonical link, else (an item with no usable
// link) a URN naming the feed and the item's key, which no other feed can share.
func articleURL(feedID int, it Item) string {
	if it.URL != "" && len(it.URL) <= maxURL && utf8.RuneCountInString(it.URL) <= maxURL {
		return it.URL
	}
	sum := sha256.Sum256([]byte(it.Key))
	return "urn:coopdesk:feed:" + strconv.Itoa(feedID) + ":item:" + hex.EncodeToString(sum[:16])
}

type newArticle struct {
	url       string
	item      *Item
	plan      *Plan // the first plan of the group that carries the URL: its feed inserts it
	counts    *Counts
	tagged    bool // the plan's tags are written in the transaction: insert with tagged_at set
	story     int  // existing story joined, or the story created for it
	created   bool // story created for it (by assignStories)
	articleID int
	inserted  bool
}

// newBatch is the new items of a group's plans, one candidate article per URL, with the
// story each joins or was created for.
type newBatch struct {
	plans  []*Plan
	counts []*Counts // counts[i] is plans[i]'s
	byURL  map[string]*newArticle
	urls   []string // sorted
	token  uint64   // of the story index entries pending until the transaction ends
}

// assignStories picks the story of each new article: that of a recent similar article
// (stored, or pending in a transaction of this process, or earlier in this batch), else a
// new story. New stories are inserted and committed at once, with size 0, outside the
// batch's transaction: a transaction can then reference a story that another one created,
// which is what lets several connections write new articles at the same time while
// concurrent reprints of one dispatch still join one story. The choice and the insert
// happen under s.newMu, so that two batches cannot both create a story for one dispatch.
// A story whose article is finally not inserted (the transaction failed, or the article
// existed) is deleted again by dropStories, or else by the sweep of Refresh.
// tagged[i] says whether plans[i]'s tags are written in the transaction.
func (s *Store) assignStories(ctx context.Context, plans []*Plan, counts []*Counts, tagged []bool) (*newBatch, error) {
	// One candidate article per URL; sorted so that concurrent transactions inserting
	// overlapping URL sets take their locks in the same order and cannot deadlock.
	n := 0
	for _, p := range plans {
		n += len(p.New)
	}
	b := &newBatch{plans: plans, counts: counts, byURL: make(map[string]*newArticle, n), urls: make([]string, 0, n)}
	for k, p := range plans {
		for i := range p.New {
			u := articleURL(p.FeedID, p.New[i])
			if _, ok := b.byURL[u]; !ok {
				b.byURL[u] = &newArticle{url: u, item: &p.New[i], plan: p, counts: counts[k], tagged: tagged[k]}
				b.urls = append(b.urls, u)
			}
		}
	}
	slices.Sort(b.urls)

	s.newMu.Lock()
	defer s.newMu.Unlock()
	// Matching and creating happen in one short transaction under a database-wide lock,
	// after loading the stories other processes created meanwhile: a worker's batch joins
	// the story another worker made a moment ago for the same dispatch. Committed before
	// the lock is released, stories become visible in the order of their ids.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin stories: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if s.dialect == dialect.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", storyLock); err != nil {
			return nil, fmt.Errorf("store: lock stories: %w", err)
		}
	}
	if err := s.loadStories(ctx, tx); err != nil {
		return nil, err
	}
	var local []recentArticle // this batch, for reprints within it
	var create []*newArticle
	for _, u := range b.urls {
		na := b.byURL[u]
		sig := groupable(na.item.Article)
		if sig != 0 {
			if id := s.stories.match(sig, na.item.PublishedAt, local); id != 0 {
				na.story = id
				continue
			}
		}
		na.created = true
		create = append(create, na)
		if sig != 0 {
			local = append(local, recentArticle{sig: sig, published: na.item.PublishedAt.Unix(), story: -len(create)})
		}
	}
	createdIDs, err := s.createStories(ctx, tx, create)
	if err != nil {
		return nil, err
	}
	if len(createdIDs) != len(create) {
		return nil, fmt.Errorf("store: created %d stories for %d articles", len(createdIDs), len(create))
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: commit stories: %w", err)
	}
	for _, id := range createdIDs {
		s.storyMax = max(s.storyMax, id)
	}
	for i, na := range create {
		na.story = createdIDs[i]
	}
	// Articles that joined a story created earlier in this batch.
	for _, u := range b.urls {
		if na := b.byURL[u]; na.story < 0 {
			na.story = createdIDs[-na.story-1]
		}
	}
	// Make the stories visible to this process's other batches at once, so that two
	// feeds stored concurrently group their reprints; dropped again on rollback.
	var pending []recentArticle
	for _, u := range b.urls {
		na := b.byURL[u]
		if sig := groupable(na.item.Article); sig != 0 {
			pending = append(pending, recentArticle{sig: sig, published: na.item.PublishedAt.Unix(), story: na.story})
		}
	}
	b.token = s.stories.addPending(pending)
	return b, nil
}

// insertNew stores the new items of a batch in tx: articles (or the existing article of
// the same URL), story sizes, sources. It returns the article of every new item of each
// plan, in order, and the groupable articles inserted.
func (s *Store) insertNew(ctx context.Context, tx *sql.Tx, b *newBatch) ([][]TaggedArticle, []recentArticle, error) {
	byURL, urls := b.byURL, b.urls
	// Articles: insert the URLs not stored yet; the others already exist.
	if err := s.insertArticles(ctx, tx, urls, byURL); err != nil {
		return nil, nil, err
	}
	var missing []any
	for _, u := range urls {
		if !byURL[u].inserted {
			missing = append(missing, u)
		}
	}
	for chunk := range slices.Chunk(missing, rowsPerStatement) {
		q, args := s.builder().Select("id", "url").From(entsql.Table("articles")).Where(entsql.In("url", chunk...)).Query()
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("store: find articles: %w", err)
		}
		for rows.Next() {
			var (
				id int
				u  string
			)
			if err := rows.Scan(&id, &u); err != nil {
				rows.Close()
				return nil, nil, err
			}
			if na := byURL[u]; na != nil {
				na.articleID = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("store: find articles: %w", err)
		}
	}

	// Story sizes: +1 for each inserted article that joined a story; −1 for a story
	// created for an article that existed (left empty, for dropStories to delete).
	grow := map[int]int{}
	var added []recentArticle
	for _, u := range urls {
		na := byURL[u]
		if na.articleID == 0 {
			return nil, nil, fmt.Errorf("store: article %s of feed %d neither inserted nor found", u, na.plan.FeedID)
		}
		if !na.inserted {
			if na.created {
				grow[na.story]--
			}
			continue
		}
		na.counts.ArticlesCreated++
		na.counts.ArticleWrites++
		if !na.created {
			grow[na.story]++
			na.counts.StoriesJoined++
		}
		if sig := groupable(na.item.Article); sig != 0 {
			added = append(added, recentArticle{sig: sig, published: na.item.PublishedAt.Unix(), story: na.story, article: na.articleID})
		}
	}
	if err := s.growStories(ctx, tx, grow); err != nil {
		return nil, nil, err
	}

	// Sources: one per item of each feed.
	ids := make([][]TaggedArticle, len(b.plans))
	sources := make([]source, 0, len(urls))
	for k, p := range b.plans {
		ids[k] = make([]TaggedArticle, len(p.New))
		for i := range p.New {
			it := &p.New[i]
			na := byURL[articleURL(p.FeedID, *it)]
			ids[k][i] = TaggedArticle{ID: na.articleID}
			if na.inserted && na.item == it && na.tagged {
				ids[k][i].Inserted, ids[k][i].PublishedAt = true, it.PublishedAt
			}
			sources = append(sources, source{p, it})
		}
		b.counts[k].New = len(p.New)
	}
	if err := s.insertSources(ctx, tx, sources, byURL); err != nil {
		return nil, nil, err
	}
	return ids, added, nil
}

// source is one item of a feed's batch, to be written as an article source.
type source struct {
	plan *Plan
	item *Item
}

// The inserts of a group: on PostgreSQL one statement each, whose rows travel as one array
// per column (unnest), so that the statement's text is the same whatever the number of
// rows (a VALUES list of hundreds of rows costs PostgreSQL more to parse and plan than to
// execute); elsewhere multi-row VALUES in chunks. Rows come back from RETURNING in the
// order they were given, as with VALUES.

// createStories inserts a story of size 1 for each article of create (the article is
// inserted in the batch's transaction, after) and returns their ids. A story's signature
// is its first article's, 0 when that one is too short to group.
func (s *Store) createStories(ctx context.Context, tx *sql.Tx, create []*newArticle) ([]int, error) {
	if len(create) == 0 {
		return nil, nil
	}
	if s.dialect == dialect.Postgres {
		ids := make([]int, 0, len(create))
		for chunk := range slices.Chunk(create, rowsPerArray) {
			sigs, seen := make([]int64, len(chunk)), make([]string, len(chunk))
			for i, na := range chunk {
				sigs[i], seen[i] = int64(groupable(na.item.Article)), pgTime(na.plan.FetchedAt)
			}
			part, err := queryInts(ctx, tx, `INSERT INTO stories (signature, first_seen_at, size)
				SELECT v.signature, v.first_seen_at, 1 FROM unnest($1::bigint[], $2::timestamptz[]) AS v(signature, first_seen_at)
				RETURNING id`, pq.Array(sigs), pq.Array(seen))
			if err != nil {
				return nil, fmt.Errorf("store: create stories: %w", err)
			}
			ids = append(ids, part...)
		}
		return ids, nil
	}
	ids := make([]int, 0, len(create))
	for chunk := range slices.Chunk(create, rowsPerStatement) {
		ins := s.builder().Insert("stories").Columns("signature", "first_seen_at", "size")
		for _, na := range chunk {
			ins.Values(int64(groupable(na.item.Article)), na.plan.FetchedAt.UTC(), 1)
		}
		q, args := ins.Returning("id").Query()
		part, err := queryInts(ctx, tx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("store: create stories: %w", err)
		}
		ids = append(ids, part...)
	}
	return ids, nil
}

// insertArticles inserts the articles of urls that are not stored yet, and sets the id
// of those it inserted.
func (s *Store) insertArticles(ctx context.Context, tx *sql.Tx, urls []string, byURL map[string]*newArticle) error {
	now := s.now().UTC()
	taggedAt := func(na *newArticle) any {
		if na.tagged {
			return now
		}
		return nil
	}
	if s.dialect == dialect.Postgres {
		for chunk := range slices.Chunk(urls, rowsPerArray) {
			if err := s.insertArticlesPostgres(ctx, tx, chunk, byURL, now); err != nil {
				return err
			}
		}
		return nil
	}
	for chunk := range slices.Chunk(urls, rowsPerStatement) {
		ins := s.builder().Insert("articles").Columns("url", "guid", "title", "summary_html", "summary_text",
			"author", "language", "published_at", "fetched_at", "content_hash", "simhash", "feed_id", "story_id", "tagged_at")
		for _, u := range chunk {
			na := byURL[u]
			a, p := na.item.Article, na.plan
			ins.Values(u, truncate(a.Key, maxGUID), truncate(a.Title, maxTitle), a.ContentHTML, a.Text,
				truncate(a.Author, maxAuthor), truncate(p.Language, maxLanguage), a.PublishedAt.UTC(), p.FetchedAt.UTC(),
				a.ContentHash, int64(groupable(a)), p.FeedID, na.story, taggedAt(na))
		}
		ins.OnConflict(entsql.ConflictColumns("url"), entsql.DoNothing()).Returning("id", "url")
		q, args := ins.Query()
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: insert articles: %w", err)
		}
		if err := scanInserted(rows, byURL); err != nil {
			return err
		}
	}
	return nil
}

// insertArticlesPostgres is insertArticles for one unnest statement.
func (s *Store) insertArticlesPostgres(ctx context.Context, tx *sql.Tx, urls []string, byURL map[string]*newArticle, now time.Time) error {
	n := len(urls)
	tagged := make([]sql.NullString, n)
	var (
		guids, titles, htmls, texts = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		authors, langs, hashes      = make([]string, n), make([]string, n), make([]string, n)
		published, fetched          = make([]string, n), make([]string, n)
		simhashes, feeds, stories   = make([]int64, n), make([]int64, n), make([]int64, n)
	)
	for i, u := range urls {
		na := byURL[u]
		a, p := &na.item.Article, na.plan
		guids[i], titles[i], htmls[i], texts[i] = truncate(a.Key, maxGUID), truncate(a.Title, maxTitle), a.ContentHTML, a.Text
		authors[i], langs[i], hashes[i] = truncate(a.Author, maxAuthor), truncate(p.Language, maxLanguage), a.ContentHash
		published[i], fetched[i] = pgTime(a.PublishedAt), pgTime(p.FetchedAt)
		simhashes[i], feeds[i], stories[i] = int64(groupable(*a)), int64(p.FeedID), int64(na.story)
		if na.tagged {
			tagged[i] = sql.NullString{String: pgTime(now), Valid: true}
		}
	}
	rows, err := tx.QueryContext(ctx, `INSERT INTO articles (url, guid, title, summary_html, summary_text, author, language,
			published_at, fetched_at, content_hash, simhash, feed_id, story_id, tagged_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::timestamptz[], $9::timestamptz[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::timestamptz[])
		ON CONFLICT (url) DO NOTHING RETURNING id, url`,
		pq.Array(urls), pq.Array(guids), pq.Array(titles), pq.Array(htmls), pq.Array(texts), pq.Array(authors),
		pq.Array(langs), pq.Array(published), pq.Array(fetched), pq.Array(hashes), pq.Array(simhashes),
		pq.Array(feeds), pq.Array(stories), pq.Array(tagged))
	if err != nil {
		return fmt.Errorf("store: insert articles: %w", err)
	}
	return scanInserted(rows, byURL)
}

// scanInserted reads the (id, url) rows of inserted articles and closes rows.
func scanInserted(rows *sql.Rows, byURL map[string]*newArticle) error {
	defer rows.Close()
	for rows.Next() {
		var (
			id int
			u  string
		)
		if err := rows.Scan(&id, &u); err != nil {
			return fmt.Errorf("store: insert articles: %w", err)
		}
		if na := byURL[u]; na != nil {
			na.articleID, na.inserted = id, true
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: insert articles: %w", err)
	}
	return nil
}

// insertSources writes one source per item (nothing for an item of a feed already stored).
func (s *Store) insertSources(ctx context.Context, tx *sql.Tx, sources []source, byURL map[string]*newArticle) error {
	if s.dialect == dialect.Postgres {
		for chunk := range slices.Chunk(sources, rowsPerArray) {
			if err := insertSourcesPostgres(ctx, tx, chunk, byURL); err != nil {
				return err
			}
		}
		return nil
	}
	for chunk := range slices.Chunk(sources, rowsPerStatement) {
		ins := s.builder().Insert("article_sources").Columns("guid", "link", "seen_at", "content_hash", "feed_id", "article_id")
		for _, src := range chunk {
			it, p := src.item, src.plan
			ins.Values(truncate(it.Key, maxGUID), truncate(it.Link, maxURL), p.FetchedAt.UTC(), it.ContentHash, p.FeedID,
				byURL[articleURL(p.FeedID, *it)].articleID)
		}
		q, args := ins.OnConflict(entsql.ConflictColumns("feed_id", "guid"), entsql.DoNothing()).Query()
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: insert sources: %w", err)
		}
	}
	return nil
}

// insertSourcesPostgres is insertSources for one unnest statement.
func insertSourcesPostgres(ctx context.Context, tx *sql.Tx, sources []source, byURL map[string]*newArticle) error {
	n := len(sources)
	var (
		guids, links, seen, hashes = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		feeds, articles            = make([]int64, n), make([]int64, n)
	)
	for i, src := range sources {
		it, p := src.item, src.plan
		guids[i], links[i], seen[i], hashes[i] = truncate(it.Key, maxGUID), truncate(it.Link, maxURL), pgTime(p.FetchedAt), it.ContentHash
		feeds[i], articles[i] = int64(p.FeedID), int64(byURL[articleURL(p.FeedID, *it)].articleID)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO article_sources (guid, link, seen_at, content_hash, feed_id, article_id)
		SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::bigint[], $6::bigint[])
		ON CONFLICT (feed_id, guid) DO NOTHING`,
		pq.Array(guids), pq.Array(links), pq.Array(seen), pq.Array(hashes), pq.Array(feeds), pq.Array(articles))
	if err != nil {
		return fmt.Errorf("store: insert sources: %w", err)
	}
	return nil
}

// pgTime writes t for a PostgreSQL timestamptz array.
func pgTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// growStories adds n[id] to the size of each story in one statement, in id order.
func (s *Store) growStories(ctx context.Context, tx *sql.Tx, n map[int]int) error {
	ids := make([]int, 0, len(n))
	for id, d := range n {
		if d != 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	for chunk := range slices.Chunk(ids, rowsPerStatement) {
		// UPDATE … FROM (SELECT … UNION ALL …) is understood by PostgreSQL and SQLite alike.
		var b entsql.Builder
		b.SetDialect(s.dialect)
		b.WriteString("UPDATE stories SET size = stories.size + d.n FROM (SELECT ")
		for i, id := range chunk {
			if i > 0 {
				b.WriteString(" UNION ALL SELECT ")
			}
			b.WriteString("CAST(").Arg(id).WriteString(" AS BIGINT) AS id, CAST(").Arg(n[id]).WriteString(" AS INTEGER) AS n")
		}
		b.WriteString(") AS d WHERE stories.id = d.id")
		q, args := b.Query()
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: grow stories: %w", err)
		}
	}
	return nil
}

// updateChanged rewrites a changed item: its source's hash always, its article only when
// this feed is the article's first feed (another feed's edits do not overwrite it). The
// article's tags are reset so the tagging stage sees it again.
func (s *Store) updateChanged(ctx context.Context, tx *sql.Tx, p *Plan, ch Changed) (int, error) {
	a := ch.Article
	q, args := s.builder().Update("articles").
		Set("title", truncate(a.Title, maxTitle)).Set("summary_html", a.ContentHTML).Set("summary_text", a.Text).
		Set("author", truncate(a.Author, maxAuthor)).Set("content_hash", a.ContentHash).
		Set("simhash", int64(groupable(a))).SetNull("tagged_at").
		Where(entsql.And(entsql.EQ("id", ch.ArticleID), entsql.EQ("feed_id", p.FeedID), entsql.NEQ("content_hash", a.ContentHash))).Query()
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("store: update article %d: %w", ch.ArticleID, err)
	}
	n, _ := res.RowsAffected()
	q, args = s.builder().Update("article_sources").Set("content_hash", a.ContentHash).Set("link", truncate(ch.Link, maxURL)).
		Where(entsql.And(entsql.EQ("feed_id", p.FeedID), entsql.EQ("guid", truncate(a.Key, maxGUID)))).Query()
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return 0, fmt.Errorf("store: update source of article %d: %w", ch.ArticleID, err)
	}
	return int(n), nil
}

// updateFeeds writes the feeds' statuses and releases their leases; it reports for each
// whether the lease was still ours. On PostgreSQL it is one statement for all.
func (s *Store) updateFeeds(ctx context.Context, tx *sql.Tx, fus []FeedUpdate) ([]bool, error) {
	if s.dialect == dialect.Postgres && len(fus) > 1 {
		return s.updateFeedsPostgres(ctx, tx, fus)
	}
	held := make([]bool, len(fus))
	for i, fu := range fus {
		var err error
		if held[i], err = s.updateFeed(ctx, tx, fu); err != nil {
			return nil, err
		}
	}
	return held, nil
}

// updateFeed writes the status and releases the lease; it reports whether the lease was
// still ours.
func (s *Store) updateFeed(ctx context.Context, tx *sql.Tx, fu FeedUpdate) (bool, error) {
	u := s.builder().Update("feeds").
		Set("last_status", truncate(fu.Status, maxStatus)).
		Set("consecutive_errors", fu.ConsecutiveErrors).
		Set("last_fetched_at", fu.FetchedAt.UTC()).
		Set("next_fetch_at", fu.NextFetchAt.UTC()).
		Set("updated_at", s.now().UTC()).
		SetNull("lease_owner").SetNull("lease_expires_at")
	if fu.Error == "" {
		u.SetNull("last_error")
	} else {
		u.Set("last_error", truncate(fu.Error, maxError))
	}
	if fu.SetValidators {
		u.Set("etag", truncate(fu.ETag, maxETag)).Set("last_modified", truncate(fu.LastModified, maxLastMod))
	}
	fill := func(col, v string, limit int) {
		if v = strings.TrimSpace(v); v != "" {
			u.Set(col, entsql.ExprFunc(func(b *entsql.Builder) {
				b.WriteString("CASE WHEN ").Ident(col).WriteString(" IS NULL OR ").Ident(col).WriteString(" = '' THEN ").
					Arg(truncate(v, limit)).WriteString(" ELSE ").Ident(col).WriteString(" END")
			}))
		}
	}
	fill("title", fu.Title, maxFeedText)
	fill("site_url", fu.SiteURL, maxURL)
	fill("language", primaryLanguage(fu.Language), maxLanguage)
	u.Where(entsql.And(entsql.EQ("id", fu.ID), entsql.EQ("lease_owner", fu.Owner)))
	q, args := u.Query()
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("store: update feed %d: %w", fu.ID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// feedsUpdate is updateFeed for several feeds at once on PostgreSQL: the values travel as
// one array per column, so that the statement's text does not depend on their number.
const feedsUpdate = `UPDATE feeds AS f SET
	last_status = v.status, consecutive_errors = v.errors, last_fetched_at = v.fetched_at,
	next_fetch_at = v.next_fetch_at, updated_at = $1, lease_owner = NULL, lease_expires_at = NULL,
	last_error = NULLIF(v.error, ''),
	etag = CASE WHEN v.set_validators THEN v.etag ELSE f.etag END,
	last_modified = CASE WHEN v.set_validators THEN v.last_modified ELSE f.last_modified END,
	title = CASE WHEN v.title <> '' AND (f.title IS NULL OR f.title = '') THEN v.title ELSE f.title END,
	site_url = CASE WHEN v.site_url <> '' AND (f.site_url IS NULL OR f.site_url = '') THEN v.site_url ELSE f.site_url END,
	language = CASE WHEN v.language <> '' AND (f.language IS NULL OR f.language = '') THEN v.language ELSE f.language END
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[], $7::timestamptz[], $8::text[],
	$9::boolean[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
	AS v(id, owner, status, errors, fetched_at, next_fetch_at, error, set_validators, etag, last_modified, title, site_url, language)
WHERE f.id = v.id AND f.lease_owner = v.owner
RETURNING f.id`

func (s *Store) updateFeedsPostgres(ctx context.Context, tx *sql.Tx, fus []FeedUpdate) ([]bool, error) {
	n := len(fus)
	var (
		ids, errs                             = make([]int64, n), make([]int64, n)
		owners, statuses, fetched, next, msgs = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		setValidators                         = make([]bool, n)
		etags, lastMods, titles, sites, langs = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	)
	for i, fu := range fus {
		ids[i], owners[i], statuses[i], errs[i] = int64(fu.ID), fu.Owner, truncate(fu.Status, maxStatus), int64(fu.ConsecutiveErrors)
		fetched[i], next[i] = pgTime(fu.FetchedAt), pgTime(fu.NextFetchAt)
		msgs[i] = truncate(fu.Error, maxError)
		setValidators[i], etags[i], lastMods[i] = fu.SetValidators, truncate(fu.ETag, maxETag), truncate(fu.LastModified, maxLastMod)
		titles[i] = truncate(strings.TrimSpace(fu.Title), maxFeedText)
		sites[i] = truncate(strings.TrimSpace(fu.SiteURL), maxURL)
		langs[i] = truncate(primaryLanguage(fu.Language), maxLanguage)
	}
	rows, err := tx.QueryContext(ctx, feedsUpdate, s.now().UTC(), pq.Array(ids), pq.Array(owners), pq.Array(statuses),
		pq.Array(errs), pq.Array(fetched), pq.Array(next), pq.Array(msgs), pq.Array(setValidators), pq.Array(etags),
		pq.Array(lastMods), pq.Array(titles), pq.Array(sites), pq.Array(langs))
	if err != nil {
		return nil, fmt.Errorf("store: update feeds: %w", err)
	}
	defer rows.Close()
	updated := make(map[int]bool, n)
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: update feeds: %w", err)
		}
		updated[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: update feeds: %w", err)
	}
	held := make([]bool, n)
	for i, fu := range fus {
		held[i] = updated[fu.ID]
	}
	return held, nil
}

// primaryLanguage keeps the primary subtag of a BCP 47 tag, lower case ("fr-FR" → "fr").
func primaryLanguage(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i > 0 {
		tag = tag[:i]
	}
	if len(tag) > maxLanguage {
		return ""
	}
	return tag
}

func queryInts(ctx context.Context, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, q string, args ...any) ([]int, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// groupable returns the signature to group and store, or 0 when it rests on too little text.
func groupable(a normalize.Article) uint64 {
	if a.Shingles < normalize.MinShingles {
		return 0
	}
	return a.Signature
}

// truncate cuts s to at most n characters (PostgreSQL's varchar unit), on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// Refresh loads into the story index the groupable articles other workers stored since the
// last refresh (or within the story window, the first time). Call it before each pass.
func (s *Store) Refresh(ctx context.Context) error {
	if err := s.stories.refresh(ctx, s); err != nil {
		return err
	}
	return s.sweepStories(ctx)
}

// storyLock is the first key of the advisory lock under which stories are matched and
// created, database-wide (the second is the schema).
const storyLock = 729_411_708

// loadStories adds to the index the groupable stories created by other processes since
// the last call (within the story window, the first time), read in tx under the lock.
func (s *Store) loadStories(ctx context.Context, tx *sql.Tx) error {
	now := s.now()
	where := entsql.GT("id", s.storyMax)
	if s.storyMax == 0 {
		where = entsql.GTE("first_seen_at", now.Add(-s.stories.window).UTC())
		var top sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT max(id) FROM stories").Scan(&top); err != nil {
			return fmt.Errorf("store: load stories: %w", err)
		}
		defer func(top int) { s.storyMax = max(s.storyMax, top) }(int(top.Int64))
	}
	q, args := s.builder().Select("id", "signature", "first_seen_at").From(entsql.Table("stories")).Where(where).Query()
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: load stories: %w", err)
	}
	defer rows.Close()
	var loaded []recentArticle
	for rows.Next() {
		var (
			id  int
			sig int64
			at  time.Time
		)
		if err := rows.Scan(&id, &sig, &at); err != nil {
			return fmt.Errorf("store: load stories: %w", err)
		}
		s.storyMax = max(s.storyMax, id)
		if sig != 0 {
			loaded = append(loaded, recentArticle{sig: uint64(sig), published: at.Unix(), story: id})
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: load stories: %w", err)
	}
	s.stories.add(loaded)
	return nil
}

// forgetMissing removes from the index the stories of batch's articles that no longer
// exist: another process deleted a story it had made for a batch that failed, after this
// one loaded it. Without this, the articles that join it would fail at every retry.
func (s *Store) forgetMissing(ctx context.Context, b *newBatch) {
	var joined []any
	for _, u := range b.urls {
		if na := b.byURL[u]; !na.created && na.story > 0 {
			joined = append(joined, na.story)
		}
	}
	if len(joined) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	present := map[int]bool{}
	for chunk := range slices.Chunk(joined, rowsPerStatement) {
		q, args := s.builder().Select("id").From(entsql.Table("stories")).Where(entsql.In("id", chunk...)).Query()
		ids, err := queryInts(ctx, s.db, q, args...)
		if err != nil {
			return
		}
		for _, id := range ids {
			present[id] = true
		}
	}
	var gone []int
	for _, id := range joined {
		if !present[id.(int)] {
			gone = append(gone, id.(int))
		}
	}
	s.stories.forget(gone)
}

// storyUnused says that no article belongs to the story.
var storyUnused = entsql.P(func(b *entsql.Builder) {
	b.WriteString("NOT EXISTS (SELECT 1 FROM articles WHERE articles.story_id = stories.id)")
})

// dropStories deletes, at once and best-effort, the stories that assignStories created for
// batch and that no article joined: after the commit, those of articles that turned out
// to exist (their size went back to 0); after a rollback, all those it created (still of
// size 1). The size condition is checked again on the row as a concurrent writer that
// joined the story leaves it, so a joined story stays; a writer whose article comes after
// the delete fails its foreign key check and writes its batch again, with a new story.
// What is left behind (a crash, a failed delete), Refresh sweeps later.
func (s *Store) dropStories(ctx context.Context, b *newBatch, committed bool) {
	var ids []any
	for _, u := range b.urls {
		if na := b.byURL[u]; na.created && (!committed || !na.inserted) {
			ids = append(ids, na.story)
		}
	}
	size := 1
	if committed {
		size = 0
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for chunk := range slices.Chunk(ids, rowsPerStatement) {
		q, args := s.builder().Delete("stories").Where(entsql.And(entsql.In("id", chunk...), entsql.EQ("size", size), storyUnused)).Query()
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			slog.Warn("store: empty stories left for the sweep", "err", err)
			return
		}
	}
}

// Empty stories are swept once they are older than storySweepDelay: by then no
// transaction that could still add an article to them is running. The first sweep of a
// process looks back storySweepFirst (what a crash left, for a worker restarted within
// the day; older leftovers stay, harmless rows of size 1 that no article joins); the next
// ones from where the last one stopped, a few minutes of stories each.
const (
	storySweepDelay = time.Hour
	storySweepFirst = 24 * time.Hour
)

// sweepStories deletes the stories that assignStories created and no article joined, and
// that dropStories could not delete (it runs after a crash too).
func (s *Store) sweepStories(ctx context.Context) error {
	upTo := s.now().Add(-storySweepDelay).UTC()
	s.sweepMu.Lock()
	from := s.sweptUpTo.Add(-storySweepDelay)
	if s.sweptUpTo.IsZero() {
		from = upTo.Add(-storySweepFirst)
	}
	s.sweepMu.Unlock()
	q, args := s.builder().Delete("stories").Where(entsql.And(entsql.GTE("first_seen_at", from), entsql.LT("first_seen_at", upTo),
		storyUnused)).Query()
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: sweep empty stories: %w", err)
	}
	s.sweepMu.Lock()
	s.sweptUpTo = upTo
	s.sweepMu.Unlock()
	return nil
}

// recentArticle is a groupable article of the story window, held in memory.
type recentArticle struct {
	sig       uint64
	published int64 // Unix seconds
	story     int   // negative: the i-th story to be created in the current batch
	article   int
	token     uint64 // non-zero while the transaction that added it is uncommitted
}

// storyIndex holds the signatures of the articles of the story window. Each process keeps
// its own, refreshed at each pass: two workers storing reprints of one dispatch in the
// same minute may make two stories, a rare miss preferred to a global lock.
type storyIndex struct {
	mu      sync.Mutex
	window  time.Duration
	entries []recentArticle
	// sigs holds entries[i].sig at i: match scans it alone (8 bytes an entry instead of
	// 40), which matters since every new article is compared with the whole window.
	sigs     []uint64
	seen     map[int]bool
	loadedAt time.Time
	tokens   uint64
}

func newStoryIndex(window time.Duration) *storyIndex {
	return &storyIndex{window: window, seen: map[int]bool{}}
}

// match returns the story of the closest similar article, searching the index and then
// the batch's own articles (local), or 0.
func (x *storyIndex) match(sig uint64, published time.Time, local []recentArticle) int {
	win := int64(x.window / time.Second)
	pub := published.Unix()
	best, bestDist := 0, normalize.SimilarityThreshold+1
	consider := func(e *recentArticle, d int) {
		if dp := pub - e.published; dp <= win && dp >= -win {
			best, bestDist = e.story, d
		}
	}
	x.mu.Lock()
	for i, s := range x.sigs {
		if d := bits.OnesCount64(sig ^ s); d < bestDist {
			consider(&x.entries[i], d)
		}
	}
	x.mu.Unlock()
	for i := range local {
		if d := normalize.Hamming(sig, local[i].sig); d < bestDist {
			consider(&local[i], d)
		}
	}
	return best
}

// resync rebuilds sigs after entries changed otherwise than by appends.
func (x *storyIndex) resync() {
	x.sigs = x.sigs[:0]
	for i := range x.entries {
		x.sigs = append(x.sigs, x.entries[i].sig)
	}
}

// addPending adds the entries of an uncommitted transaction and returns their token.
func (x *storyIndex) addPending(entries []recentArticle) uint64 {
	if len(entries) == 0 {
		return 0
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.tokens++
	for _, e := range entries {
		e.token = x.tokens
		x.entries = append(x.entries, e)
		x.sigs = append(x.sigs, e.sig)
	}
	return x.tokens
}

// add adds committed entries.
func (x *storyIndex) add(entries []recentArticle) {
	if len(entries) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range entries {
		x.entries = append(x.entries, e)
		x.sigs = append(x.sigs, e.sig)
	}
}

// forget removes the entries of stories that no longer exist.
func (x *storyIndex) forget(stories []int) {
	if len(stories) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.entries = slices.DeleteFunc(x.entries, func(e recentArticle) bool { return slices.Contains(stories, e.story) })
	x.resync()
}

// dropPending removes the entries of a transaction that rolled back.
func (x *storyIndex) dropPending(token uint64) {
	if token == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.entries = slices.DeleteFunc(x.entries, func(e recentArticle) bool { return e.token == token })
	x.resync()
}

// commitPending replaces the entries of a committed transaction with the articles it
// inserted: the candidates that turned out to exist are dropped with the stories made
// for them (see dropStories), so that no later article joins a deleted story. The
// inserted articles are marked seen, so that a refresh does not load them twice.
func (x *storyIndex) commitPending(token uint64, inserted []recentArticle) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if token != 0 {
		x.entries = slices.DeleteFunc(x.entries, func(e recentArticle) bool { return e.token == token })
	}
	for _, a := range inserted {
		a.token = 0
		x.entries = append(x.entries, a)
		x.seen[a.article] = true
	}
	x.resync()
}

func (x *storyIndex) refresh(ctx context.Context, s *Store) error {
	now := s.now()
	x.mu.Lock()
	since := now.Add(-x.window)
	if !x.loadedAt.IsZero() {
		// Overlap the previous load: transactions commit out of order.
		since = x.loadedAt.Add(-10 * time.Minute)
	}
	x.mu.Unlock()
	q, args := s.builder().Select("id", "simhash", "story_id", "published_at").From(entsql.Table("articles")).
		Where(entsql.And(entsql.GTE("fetched_at", since.UTC()), entsql.GTE("published_at", now.Add(-x.window).UTC()),
			entsql.NEQ("simhash", 0), entsql.NotNull("story_id"))).Query()
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: load recent signatures: %w", err)
	}
	defer rows.Close()
	var loaded []recentArticle
	for rows.Next() {
		var (
			a   recentArticle
			sig int64
			pub time.Time
		)
		if err := rows.Scan(&a.article, &sig, &a.story, &pub); err != nil {
			return fmt.Errorf("store: load recent signatures: %w", err)
		}
		a.sig, a.published = uint64(sig), pub.Unix()
		loaded = append(loaded, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: load recent signatures: %w", err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	// Drop what left the window.
	oldest := now.Add(-x.window).Unix()
	kept := x.entries[:0]
	for _, e := range x.entries {
		if e.published >= oldest {
			kept = append(kept, e)
		} else {
			delete(x.seen, e.article)
		}
	}
	x.entries = kept
	x.resync()
	for _, a := range loaded {
		if !x.seen[a.article] {
			x.seen[a.article] = true
			x.entries = append(x.entries, a)
			x.sigs = append(x.sigs, a.sig)
		}
	}
	x.loadedAt = now
	return nil
}
