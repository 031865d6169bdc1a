// Package worker is the veille worker: on a robfig/cron schedule it runs passes that claim
// the due feeds (worker/schedule), run each through the pipeline (worker/pipeline: fetch,
// parse, normalise, dedup, tag, store) with bounded concurrency, and stop gracefully. It
// also holds the catalogue's domain functions (AddFeed, UpdateFeed, RefreshFeed, OPML
// import and export) that the CLI and the GraphQL API call.
package worker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"coopdesk/internal/database"
	"coopdesk/worker/fetch"
	"coopdesk/worker/pipeline"
	"coopdesk/worker/schedule"
	"coopdesk/worker/store"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"
	"golang.org/x/sync/semaphore"
)

// Config tunes a Worker. Zero fields take defaults.
type Config struct {
	// Schedule is the cron spec of passes (seconds optional, descriptors such as
	// "@every 1m" accepted), in Location. Each pass fetches the feeds that are due.
	Schedule string
	Location *time.Location
	// Concurrency bounds the feeds processed at once.
	Concurrency int
	// LeaseTTL is how long a claimed feed stays leased if its worker dies.
	LeaseTTL time.Duration
	// Owner names this worker in leases ("" picks host:pid:random).
	Owner string
	Fetch fetch.Config
	// Tagger is the tagging stage; nil skips it.
	Tagger pipeline.Tagger
	// Registerer receives the worker's metrics (nil: not registered).
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// MemoryBudget bounds the feed bodies in process at once (see pipeline.Pipeline.Memory);
	// default DefaultMemoryBudget.
	MemoryBudget int64
}

// Defaults.
const (
	DefaultSchedule    = "@every 1m"
	DefaultConcurrency = 8
	// DefaultMemoryBudget lets ordinary feeds (tens to hundreds of KB) run at full
	// concurrency while the 5 MiB ones go one or two at a time.
	DefaultMemoryBudget = 6 << 20
)

// Worker fetches the veille's feeds.
type Worker struct {
	db       *database.DB
	cfg      Config
	fetcher  *fetch.Fetcher
	leaser   *schedule.Leaser
	store    *store.Store
	pipeline *pipeline.Pipeline
	metrics  *pipeline.Metrics
	log      *slog.Logger
	passMu   sync.Mutex
}

// New builds a Worker on db.
func New(db *database.DB, cfg Config) (*Worker, error) {
	if cfg.Schedule == "" {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MemoryBudget <= 0 {
		cfg.MemoryBudget = DefaultMemoryBudget
	}
	if _, err := cronParser.Parse(cfg.Schedule); err != nil {
		return nil, fmt.Errorf("worker schedule %q: %w", cfg.Schedule, err)
	}
	w := &Worker{
		db:      db,
		cfg:     cfg,
		fetcher: fetch.New(cfg.Fetch),
		leaser:  schedule.NewLeaser(db.SQL, db.Dialect, cfg.Owner, cfg.LeaseTTL),
		store:   store.New(db.SQL, db.Dialect, store.Options{}),
		metrics: pipeline.NewMetrics(cfg.Registerer),
		log:     cfg.Logger,
	}
	w.pipeline = &pipeline.Pipeline{
		Fetcher: w.fetcher, Store: w.store, Leaser: w.leaser, Tagger: cfg.Tagger,
		Metrics: w.metrics, Logger: cfg.Logger,
		Memory: semaphore.NewWeighted(cfg.MemoryBudget), MemoryBudget: cfg.MemoryBudget,
	}
	return w, nil
}

// LoopbackOnly is a fetch.Config.AllowedNetworks value for tests: loopback feeds are
// reachable while every other private range stays refused.
var LoopbackOnly = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Owner is the name this worker writes in leases.
func (w *Worker) Owner() string { return w.leaser.Owner() }

// Close releases the fetcher's idle connections.
func (w *Worker) Close() { w.fetcher.Close() }

// Run runs a pass now and then on the schedule until ctx is done. Then it stops: the
// fetches in flight are interrupted and their leases released (nothing half-written
// stays: each feed's batch is one transaction), and Run returns once every pass has ended.
func (w *Worker) Run(ctx context.Context) error {
	c := cron.New(cron.WithLocation(w.cfg.Location), cron.WithParser(cronParser),
		cron.WithLogger(cron.DiscardLogger))
	if _, err := c.AddFunc(w.cfg.Schedule, func() { w.scheduledPass(ctx) }); err != nil {
		return fmt.Errorf("worker schedule %q: %w", w.cfg.Schedule, err)
	}
	w.log.Info("worker started", "owner", w.Owner(), "schedule", w.cfg.Schedule, "tz", w.cfg.Location.String(),
		"concurrency", w.cfg.Concurrency, "lease", w.leaser.TTL())
	c.Start()
	w.scheduledPass(ctx)
	<-ctx.Done()
	<-c.Stop().Done() // waits for a scheduled pass still running
	w.log.Info("worker stopped", "owner", w.Owner())
	return nil
}

// scheduledPass runs a pass unless one is still running (a slow pass is not doubled up).
func (w *Worker) scheduledPass(ctx context.Context) {
	if ctx.Err() != nil || !w.passMu.TryLock() {
		return
	}
	defer w.passMu.Unlock()
	res, err := w.pass(ctx, PassOptions{})
	if err != nil && ctx.Err() == nil {
		w.log.Error("worker pass failed", "err", err, "feeds", res.Feeds)
		return
	}
	if res.Feeds > 0 {
		w.log.Info("worker pass", "feeds", res.Feeds, "new", res.Counts.New, "updated", res.Counts.Updated,
			"unchanged", res.Counts.Unchanged, "failed", res.Failed, "duration", res.Duration.Round(time.Millisecond))
	}
}

// PassOptions says which feeds a pass fetches.
type PassOptions struct {
	// All fetches every enabled feed, due or not (still with conditional requests).
	All bool
	// FeedIDs fetches these feeds, due or not.
	FeedIDs []int
}

// PassResult sums up a pass.
type PassResult struct {
	Feeds    int
	Failed   int            // feeds whose fetch failed (their status says why)
	ByStatus map[string]int // feeds by last status
	Counts   store.Counts   // items, summed over the feeds
	Duration time.Duration
}

// Pass claims the feeds opt selects, processes them with bounded concurrency and returns
// when all are done or ctx is canceled.
func (w *Worker) Pass(ctx context.Context, opt PassOptions) (PassResult, error) {
	w.passMu.Lock()
	defer w.passMu.Unlock()
	return w.pass(ctx, opt)
}

func (w *Worker) pass(ctx context.Context, opt PassOptions) (PassResult, error) {
	start := time.Now()
	res := PassResult{ByStatus: map[string]int{}}
	if err := w.store.Refresh(ctx); err != nil {
		w.log.Warn("story index not refreshed", "err", err)
	}
	if codes, err := w.countryCodes(ctx); err == nil {
		w.pipeline.SetCountries(codes)
	} else {
		w.log.Warn("country codes not loaded", "err", err)
	}

	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		jobs = make(chan schedule.Due)
	)
	for range w.cfg.Concurrency {
		wg.Go(func() {
			for d := range jobs {
				r := w.pipeline.Process(ctx, d)
				mu.Lock()
				res.Feeds++
				res.ByStatus[r.Status]++
				if r.Err != nil && r.Status != pipeline.StatusCanceled {
					res.Failed++
				}
				res.Counts.New += r.Counts.New
				res.Counts.Updated += r.Counts.Updated
				res.Counts.Unchanged += r.Counts.Unchanged
				res.Counts.ArticlesCreated += r.Counts.ArticlesCreated
				res.Counts.ArticleWrites += r.Counts.ArticleWrites
				res.Counts.StoriesJoined += r.Counts.StoriesJoined
				mu.Unlock()
			}
		})
	}
	err := w.dispatch(ctx, opt, jobs)
	close(jobs)
	wg.Wait()
	if n, cerr := w.feedsInError(ctx); cerr == nil {
		w.metrics.SetFeedsInError(n)
	}
	w.metrics.ObservePass(err)
	res.Duration = time.Since(start)
	return res, err
}

// dispatch claims feeds a few at a time, as workers free up, so that a lease is held only
// while its feed waits for a slot or is processed.
func (w *Worker) dispatch(ctx context.Context, opt PassOptions, jobs chan<- schedule.Due) error {
	after := 0
	for ctx.Err() == nil {
		due, err := w.leaser.Claim(ctx, schedule.Claim{All: opt.All, FeedIDs: opt.FeedIDs, AfterID: after, Limit: w.cfg.Concurrency})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if len(due) == 0 {
			return nil
		}
		now := time.Now()
		for i, d := range due {
			var wait time.Duration
			if d.DueAt != nil {
				wait = now.Sub(*d.DueAt)
			}
			w.metrics.ObserveClaim(wait, d.TakenOver)
			if d.TakenOver {
				w.log.Info("took over an expired lease", "feed", d.ID, "url", d.URL)
			}
			select {
			case jobs <- d:
			case <-ctx.Done():
				ids := make([]int, 0, len(due)-i)
				for _, rest := range due[i:] {
					ids = append(ids, rest.ID)
				}
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				if err := w.leaser.Release(rctx, ids...); err != nil {
					w.log.Warn("leases not released: they will expire", "feeds", ids, "err", err)
				}
				cancel()
				return nil
			}
			after = d.ID
		}
	}
	return nil
}

// RefreshFeed fetches one feed now, whatever its schedule, and returns the outcome (the
// feed's status is stored as for any fetch). It fails with a clear error when the feed
// does not exist or a worker is fetching it at this moment.
func (w *Worker) RefreshFeed(ctx context.Context, id int) (pipeline.Result, error) {
	d, err := w.leaser.ClaimFeed(ctx, id)
	switch {
	case errors.Is(err, schedule.ErrNoFeed):
		return pipeline.Result{}, fmt.Errorf("refresh feed %d: %w", id, ErrFeedNotFound)
	case errors.Is(err, schedule.ErrLeased):
		return pipeline.Result{}, fmt.Errorf("refresh feed %d: %w", id, ErrFeedBusy)
	case err != nil:
		return pipeline.Result{}, err
	}
	if codes, err := w.countryCodes(ctx); err == nil {
		w.pipeline.SetCountries(codes)
	}
	return w.pipeline.Process(ctx, d), nil
}

func (w *Worker) countryCodes(ctx context.Context) (map[int]string, error) {
	q, args := entsql.Dialect(w.db.Dialect).Select("id", "code").From(entsql.Table("countries")).Query()
	rows, err := w.db.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	codes := map[int]string{}
	for rows.Next() {
		var (
			id   int
			code string
		)
		if err := rows.Scan(&id, &code); err != nil {
			return nil, err
		}
		codes[id] = code
	}
	return codes, rows.Err()
}

func (w *Worker) feedsInError(ctx context.Context) (int, error) {
	q, args := entsql.Dialect(w.db.Dialect).Select(entsql.Count("*")).From(entsql.Table("feeds")).
		Where(entsql.And(entsql.EQ("enabled", true), entsql.GT("consecutive_errors", 0))).Query()
	var n sql.NullInt64
	err := w.db.SQL.QueryRowContext(ctx, q, args...).Scan(&n)
	return int(n.Int64), err
}
