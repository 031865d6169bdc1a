package digest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/countrygroup"
	entdigest "coopdesk/ent/digest"
	"coopdesk/ent/digestdelivery"
	"coopdesk/worker/mail"
)

// Daily is the morning job: every group's digest for the day, built, stored and sent.
type Daily struct {
	Client        *ent.Client
	Location      *time.Location    // COOPDESK_TZ
	SavedSearches SavedSearchRunner // nil: no saved-search section
	// Deliverer sends the digests; nil builds and stores them only (no SMTP configured).
	Deliverer *Deliverer
	Logger    *slog.Logger
}

// resumeDays is how far back RunDaily finishes deliveries that a restart interrupted:
// older news is not worth an e-mail.
const resumeDays = 2

// RunDaily builds and stores each group's digest for the day of now (in Location), then
// sends each to its subscribers, the groups in parallel so that one group's retries do not
// hold the others back. now is the cutoff, truncated to the minute: pass the cron's
// scheduled time (or time.Now() from the cron job), so that two workers firing together
// build the same digest. Deliveries of the last two days left pending by a restart are
// finished too. A group with no news gets its "rien de nouveau" digest stored but not
// e-mailed.
func (d *Daily) RunDaily(ctx context.Context, now time.Time) error {
	log := cmp.Or(d.Logger, slog.Default())
	loc := cmp.Or(d.Location, time.UTC)
	// Workers whose cron fired in the same minute cut at the same instant.
	now = now.Truncate(time.Minute)
	date := DateOf(now, loc)
	groups, err := d.Client.CountryGroup.Query().Order(ent.Asc(countrygroup.FieldSlug)).All(ctx)
	if err != nil {
		return fmt.Errorf("daily digests: groups: %w", err)
	}
	var (
		errs []error
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	opt := Options{Location: loc, Now: now, SavedSearches: d.SavedSearches}
	for _, g := range groups {
		start := time.Now()
		row, frozen, err := BuildAndStore(ctx, d.Client, g.Slug, date, opt)
		if err != nil {
			log.Error("digest not built", "group", g.Slug, "date", date, "err", err)
			fail(err)
			continue
		}
		log.Info("digest built", "group", g.Slug, "date", date, "items", row.ItemCount, "frozen", frozen, "duration", time.Since(start))
		if d.Deliverer == nil {
			continue
		}
		wg.Go(func() {
			if err := d.deliverGroup(ctx, log, g, row); err != nil {
				fail(err)
			}
		})
	}
	wg.Wait()
	if d.Deliverer != nil {
		if err := d.resume(ctx, log, date, loc); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (d *Daily) deliverGroup(ctx context.Context, log *slog.Logger, g *ent.CountryGroup, row *ent.Digest) error {
	doc, err := Decode(row)
	if err != nil {
		return err
	}
	if doc.Empty() {
		log.Info("digest has no news: stored, not e-mailed", "group", g.Slug, "date", row.Date)
		return nil
	}
	recipients, err := Subscribers(ctx, d.Client, g.ID)
	if err != nil {
		return err
	}
	rep, err := d.Deliverer.Deliver(ctx, row, recipients)
	log.Info("digest delivered", "group", g.Slug, "date", row.Date, "sent", rep.Sent, "failed", rep.Failed,
		"pending", rep.Pending, "skipped", len(rep.Skipped))
	if err != nil {
		return fmt.Errorf("deliver digest %s %s: %w", g.Slug, row.Date, err)
	}
	return nil
}

// resume finishes the pending deliveries of recent earlier digests.
func (d *Daily) resume(ctx context.Context, log *slog.Logger, date string, loc *time.Location) error {
	day, err := ParseDate(date, loc)
	if err != nil {
		return err
	}
	oldest := DateOf(day.AddDate(0, 0, -resumeDays), loc)
	rows, err := d.Client.Digest.Query().
		Where(entdigest.DateGTE(oldest), entdigest.DateLT(date),
			entdigest.HasDeliveriesWith(digestdelivery.StatusEQ(digestdelivery.StatusPending))).
		WithGroup().All(ctx)
	if err != nil {
		return fmt.Errorf("digests to resume: %w", err)
	}
	var errs []error
	for _, row := range rows {
		recipients, err := Subscribers(ctx, d.Client, row.GroupID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rep, err := d.Deliverer.Resume(ctx, row, recipients)
		log.Info("digest deliveries resumed", "group", row.Edges.Group.Slug, "date", row.Date, "sent", rep.Sent, "failed", rep.Failed)
		if err != nil {
			errs = append(errs, fmt.Errorf("resume digest %s: %w", row.Date, err))
		}
	}
	return errors.Join(errs...)
}

// NewDaily returns the morning job for a configuration: with smtpURL and from set, digests
// are built and sent; with smtpURL empty, built and stored only.
func NewDaily(client *ent.Client, loc *time.Location, smtpURL, from string, savedSearches SavedSearchRunner) (*Daily, error) {
	d := &Daily{Client: client, Location: loc, SavedSearches: savedSearches}
	if smtpURL == "" {
		return d, nil
	}
	cfg, err := mail.ParseURL(smtpURL)
	if err != nil {
		return nil, err
	}
	if from == "" {
		return nil, errors.New("COOPDESK_MAIL_FROM: the sender address of digests is required when COOPDESK_SMTP_URL is set")
	}
	d.Deliverer = &Deliverer{Client: client, Mailer: mail.New(cfg), From: from, Location: loc}
	return d, nil
}
