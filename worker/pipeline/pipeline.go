// Package pipeline runs one claimed feed through the veille's stages, in a straight line:
// fetch → parse → normalise → deduplicate → tag → store, and turns every outcome into the
// feed's status: last_status, last_error (nil when healthy), consecutive_errors and the
// next fetch time. A failing feed is retried with exponential backoff up to once a day,
// forever: it is never silently dead.
package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"coopdesk/worker/fetch"
	"coopdesk/worker/normalize"
	"coopdesk/worker/parse"
	"coopdesk/worker/schedule"
	"coopdesk/worker/store"

	"golang.org/x/sync/semaphore"
)

// Statuses written to feeds.last_status besides the error kinds of worker/fetch and
// worker/parse.
const (
	StatusOK          = "ok"           // fetched and stored
	StatusEmpty       = "empty"        // a valid feed without items
	StatusNotModified = "not_modified" // 304: the stored items are current
	StatusCanceled    = "canceled"     // interrupted by shutdown; nothing written, lease released
	StatusStoreError  = "store_error"  // the database failed; the lease expires and the feed is retried
)

// Feed is what the tagging stage knows of an article's source feed.
type Feed struct {
	ID       int
	URL      string
	Language string // the feed's language, may be empty
	Country  string // ISO 3166-1 alpha-2 of the feed's country, may be empty
}

// Tagger is the tagging stage (#6). The pipeline calls it between dedup and store with the
// items of one feed that are new or changed (unchanged items are not tagged again). It
// must not write: it returns a store.Tagging whose Save runs inside the store transaction
// once the articles have ids, so that articles and their tags commit together. A Tagger
// is shared by the pipeline's goroutines and must be safe for concurrent use. When Tag
// fails the articles are stored untagged (tagged_at stays NULL) for a later catch-up.
type Tagger interface {
	Tag(ctx context.Context, feed Feed, items []store.Item) (store.Tagging, error)
}

// Pipeline processes claimed feeds. It is safe for concurrent use.
type Pipeline struct {
	Fetcher *fetch.Fetcher
	Store   *store.Store
	Leaser  *schedule.Leaser
	Tagger  Tagger   // nil skips tagging
	Metrics *Metrics // nil records nothing
	Logger  *slog.Logger
	Now     func() time.Time
	// Memory bounds the bytes of feed bodies being parsed, normalised and stored at once
	// (nil: unbounded). A parsed feed takes several times its body in memory, so a few
	// huge feeds processed together (10,000 items each) would otherwise multiply the
	// worker's peak; a body larger than the whole budget takes all of it.
	Memory *semaphore.Weighted
	// MemoryBudget is Memory's size.
	MemoryBudget int64

	mu        sync.RWMutex
	countries map[int]string
}

// SetCountries gives the ISO codes of country ids, passed to the tagging stage.
func (p *Pipeline) SetCountries(codes map[int]string) {
	p.mu.Lock()
	p.countries = codes
	p.mu.Unlock()
}

func (p *Pipeline) country(id int) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.countries[id]
}

// Result sums up one feed's processing.
type Result struct {
	FeedID      int
	URL         string
	Status      string
	Err         error // the cause, for logs; nil when healthy
	Message     string
	Counts      store.Counts
	NextFetchAt time.Time
	Duration    time.Duration
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pipeline) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// Process fetches, parses, normalises, tags and stores one claimed feed and writes its
// status, releasing its lease. It logs the outcome once.
func (p *Pipeline) Process(ctx context.Context, d schedule.Due) Result {
	start := p.now()
	r := p.process(ctx, d, start)
	r.FeedID, r.URL = d.ID, d.URL
	r.Duration = p.now().Sub(start)
	p.Metrics.observe(r)
	log := p.logger().With("feed", d.ID, "url", d.URL, "status", r.Status, "duration", r.Duration.Round(time.Millisecond))
	switch {
	case r.Status == StatusCanceled:
		log.Info("fetch interrupted")
	case r.Status == StatusStoreError:
		log.Error("feed not stored", "err", r.Err)
	case r.Err != nil:
		log.Warn("feed failed", "err", r.Err, "next_fetch_at", r.NextFetchAt)
	default:
		log.Debug("feed fetched", "new", r.Counts.New, "updated", r.Counts.Updated, "unchanged", r.Counts.Unchanged, "next_fetch_at", r.NextFetchAt)
	}
	return r
}

func (p *Pipeline) process(ctx context.Context, d schedule.Due, fetchedAt time.Time) Result {
	resp, err := p.Fetcher.Fetch(ctx, fetch.Request{URL: d.URL, ETag: d.ETag, LastModified: d.LastModified})
	if err != nil {
		if ctx.Err() != nil {
			return p.canceled(d, err)
		}
		var fe *fetch.Error
		errors.As(err, &fe)
		return p.fail(ctx, d, fetchedAt, string(fe.Kind), fe.Message(), fe.RetryAfter, err)
	}
	if resp.NotModified {
		next := p.nextSuccess(d, fetchedAt, 0, resp.MaxAge)
		fu := p.update(d, fetchedAt, StatusNotModified, next)
		fu.SetValidators, fu.ETag, fu.LastModified = true, resp.ETag, resp.LastModified
		return p.save(ctx, d, &store.Plan{FeedID: d.ID}, fu, nil, Result{Status: StatusNotModified, NextFetchAt: next})
	}

	if p.Memory != nil {
		weight := min(max(int64(len(resp.Body)), 1), p.MemoryBudget)
		if err := p.Memory.Acquire(ctx, weight); err != nil {
			return p.canceled(d, err)
		}
		defer p.Memory.Release(weight)
	}
	parseStart := p.now()
	feed, err := parse.Parse(resp.Body, resp.ContentType, fetchedAt)
	resp.Body = nil // the parsed feed holds what is needed; let the bytes go
	if err != nil {
		var pe *parse.Error
		errors.As(err, &pe)
		return p.fail(ctx, d, fetchedAt, string(pe.Kind), pe.Message(), 0, err)
	}
	base := feed.SiteURL
	if base == "" {
		base = resp.FinalURL
	}
	items := normalize.DedupItems(feed.Items)
	articles := make([]normalize.Article, 0, len(items))
	links := make(map[string]string, len(items))
	for _, it := range items {
		a, err := normalize.Normalize(base, it, fetchedAt)
		if err != nil {
			continue // an item with nothing to show
		}
		articles = append(articles, a)
		if _, ok := links[a.Key]; !ok {
			links[a.Key] = it.Link
		}
	}
	articles = normalize.Dedup(articles)
	storeItems := make([]store.Item, len(articles))
	for i, a := range articles {
		storeItems[i] = store.Item{Article: a, Link: links[a.Key]}
	}
	feed.Items, items, articles = nil, nil, nil
	p.Metrics.observeStage("parse", p.now().Sub(parseStart))

	lang := d.Language
	if lang == "" {
		lang = feed.Language
	}
	storeStart := p.now()
	plan, err := p.Store.Classify(ctx, d.ID, lang, fetchedAt, storeItems)
	if err != nil {
		if ctx.Err() != nil {
			return p.canceled(d, err)
		}
		return Result{Status: StatusStoreError, Err: err}
	}
	var tagging store.Tagging
	if writes := plan.Writes(); p.Tagger != nil && len(writes) > 0 {
		tagging, err = p.Tagger.Tag(ctx, Feed{ID: d.ID, URL: d.URL, Language: lang, Country: p.country(d.CountryID)}, writes)
		if err != nil {
			p.logger().Warn("tagging failed: storing untagged", "feed", d.ID, "url", d.URL, "err", err)
			tagging = nil
		}
	}
	status := StatusOK
	if len(storeItems) == 0 {
		status = StatusEmpty
	}
	next := p.nextSuccess(d, fetchedAt, feed.TTL, resp.MaxAge)
	fu := p.update(d, fetchedAt, status, next)
	fu.SetValidators, fu.ETag, fu.LastModified = true, resp.ETag, resp.LastModified
	fu.Title, fu.SiteURL, fu.Language = feed.Title, feed.SiteURL, feed.Language
	r := p.save(ctx, d, plan, fu, tagging, Result{Status: status, NextFetchAt: next})
	p.Metrics.observeStage("store", p.now().Sub(storeStart))
	return r
}

func (p *Pipeline) update(d schedule.Due, fetchedAt time.Time, status string, next time.Time) store.FeedUpdate {
	return store.FeedUpdate{ID: d.ID, Owner: p.Leaser.Owner(), Status: status, FetchedAt: fetchedAt, NextFetchAt: next}
}

func (p *Pipeline) save(ctx context.Context, d schedule.Due, plan *store.Plan, fu store.FeedUpdate, tagging store.Tagging, r Result) Result {
	counts, err := p.Store.Save(ctx, plan, fu, tagging)
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		p.logger().Warn("lease lost: another worker took the feed over", "feed", d.ID, "url", d.URL)
		r.Counts = counts
	case err != nil && ctx.Err() != nil:
		return p.canceled(d, err)
	case err != nil:
		return Result{Status: StatusStoreError, Err: err}
	default:
		r.Counts = counts
	}
	return r
}

// fail records a failed fetch: one more consecutive error, the next attempt backed off
// with jitter (or later when the server asked).
func (p *Pipeline) fail(ctx context.Context, d schedule.Due, fetchedAt time.Time, kind, message string, retryAfter time.Duration, cause error) Result {
	n := d.ConsecutiveErrors + 1
	next := fetchedAt.Add(fetch.NextAttempt(n, retryAfter, nil))
	fu := p.update(d, fetchedAt, kind, next)
	fu.Error, fu.ConsecutiveErrors = message, n
	r := p.save(ctx, d, &store.Plan{FeedID: d.ID}, fu, nil, Result{Status: kind, Err: cause, Message: message, NextFetchAt: next})
	return r
}

// canceled releases the lease of a fetch interrupted by shutdown, on a context of its own
// since the pass's is done: the next pass of any worker takes the feed up again at once.
func (p *Pipeline) canceled(d schedule.Due, cause error) Result {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Leaser.Release(ctx, d.ID); err != nil {
		p.logger().Warn("lease not released: it will expire", "feed", d.ID, "url", d.URL, "err", err)
	}
	return Result{Status: StatusCanceled, Err: cause}
}

// nextSuccess schedules the next fetch of a healthy feed: its interval, or longer when the
// publisher asks (RSS <ttl>, Cache-Control max-age), plus up to a tenth of it at random so
// that feeds added together drift apart.
func (p *Pipeline) nextSuccess(d schedule.Due, fetchedAt time.Time, ttl, maxAge time.Duration) time.Time {
	interval := time.Duration(max(d.IntervalMinutes, 5)) * time.Minute
	base := min(max(interval, ttl, maxAge), fetch.MaxBackoff)
	jitter := time.Duration(rand.Int64N(int64(base/10) + 1))
	return fetchedAt.Add(base + jitter)
}
