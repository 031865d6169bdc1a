package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"coopdesk/internal/config"
	"coopdesk/internal/database"
	"coopdesk/worker"
	"coopdesk/worker/fetch"
	"coopdesk/worker/pipeline"
	"coopdesk/worker/tagging"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func init() {
	register("worker", "run the veille worker alone: fetch the due feeds on COOPDESK_WORKER_SCHEDULE until stopped", workerCmd)
}

func workerCmd(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "worker", "[--metrics-addr HOST:PORT]")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics at http://HOST:PORT/metrics (default: none)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	cfg, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Exclusive(ctx, func() error { return prepare(ctx, db) }); err != nil {
		return err
	}
	limitWorkerMemory(env)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	w, err := newWorker(ctx, cfg, db, reg, true)
	if err != nil {
		return err
	}
	defer w.Close()
	if *metricsAddr != "" {
		ln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", *metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				slog.Error("metrics server stopped", "err", err)
			}
		}()
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
			defer cancel()
			_ = srv.Shutdown(sctx)
			<-done
		}()
		slog.Info("worker metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	}
	stopDigests, err := startDigests(ctx, cfg, db)
	if err != nil {
		return err
	}
	defer stopDigests()
	return w.Run(ctx)
}

// workerMemoryLimit is the Go heap's soft limit in the worker and fetch commands, unless
// GOMEMLIMIT says otherwise: the worker's live heap is small and bursty (a parsed feed at a
// time), and without a limit the collector lets the heap grow to twice its peak.
const workerMemoryLimit = 96 << 20

func limitWorkerMemory(env Env) {
	if env.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(workerMemoryLimit)
	}
}

// newWorker builds the veille worker from the configuration; reg receives its metrics.
// Its tagging stage starts loading the répertoire at once, in the background (ctx bounds
// it), and rebuilds its tagger when the répertoire changes (checked once a minute),
// without stopping. Without
// tag (`fetch --no-tag`) articles are stored untagged, for `tag --retag --untagged`.
func newWorker(ctx context.Context, cfg *config.Config, db *database.DB, reg prometheus.Registerer, tag bool) (*worker.Worker, error) {
	var tagger pipeline.Tagger
	if tag {
		stage := tagging.NewStage(db, tagging.Options{Logger: slog.Default()})
		stage.Preload(ctx)
		tagger = stage
	}
	return worker.New(db, worker.Config{
		Tagger:      tagger,
		Schedule:    cfg.WorkerSchedule,
		Location:    cfg.TZ,
		Concurrency: cfg.WorkerConcurrency,
		LeaseTTL:    cfg.WorkerLease,
		Fetch:       fetch.Config{AllowPrivate: cfg.FetchAllowPrivate},
		Registerer:  reg,
		Logger:      slog.Default(),
	})
}
