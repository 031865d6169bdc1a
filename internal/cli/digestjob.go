package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"coopdesk/internal/config"
	"coopdesk/internal/database"
	"coopdesk/internal/search"
	"coopdesk/worker/digest"

	"github.com/robfig/cron/v3"
)

// startDigests schedules the daily digests (COOPDESK_DIGEST_CRON in COOPDESK_TZ) and returns
// a function that stops the schedule and waits for a run in progress.
func startDigests(ctx context.Context, cfg *config.Config, db *database.DB) (stop func(), err error) {
	daily, err := digest.NewDaily(db.Client, cfg.TZ, cfg.SMTPURL, cfg.MailFrom, search.DigestMatcher{Engine: search.New(db), Client: db.Client})
	if err != nil {
		return nil, fmt.Errorf("digest schedule: %w", err)
	}
	c := cron.New(cron.WithLocation(cfg.TZ), cron.WithParser(cron.NewParser(
		cron.SecondOptional|cron.Minute|cron.Hour|cron.Dom|cron.Month|cron.Dow|cron.Descriptor)),
		cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	if _, err := c.AddFunc(cfg.DigestCron, func() {
		if err := daily.RunDaily(ctx, time.Now()); err != nil {
			slog.Error("daily digests", "err", err)
		}
	}); err != nil {
		return nil, fmt.Errorf("COOPDESK_DIGEST_CRON %q: %w", cfg.DigestCron, err)
	}
	c.Start()
	slog.Info("daily digests scheduled", "cron", cfg.DigestCron, "tz", cfg.TZ.String())
	return func() { <-c.Stop().Done() }, nil
}
