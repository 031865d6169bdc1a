package cli

import (
	"context"
	"coopdesk/internal/search"
	"errors"
	"fmt"
	"strings"
	"time"

	"coopdesk/internal/config"
	"coopdesk/worker/digest"
	"coopdesk/worker/mail"
)

func init() {
	register("digest", "build, store and print a group's daily digest, and send it: digest --group SLUG [--date YYYY-MM-DD] [--format text|html|md] [--send] [--to ADDRESS…]", digestCmd)
}

// addresses collects repeated --to flags (each may also hold a comma-separated list).
type addresses []string

func (a *addresses) String() string { return strings.Join(*a, ",") }

func (a *addresses) Set(s string) error {
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*a = append(*a, p)
		}
	}
	return nil
}

func digestCmd(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "digest", "--group SLUG [--date YYYY-MM-DD] [--format text|html|md] [--send] [--to ADDRESS…]")
	group := fs.String("group", "", "country group slug, e.g. maroc (required)")
	date := fs.String("date", "", "digest date in COOPDESK_TZ (default: today)")
	format := fs.String("format", "text", "what to print: text, html or md")
	send := fs.Bool("send", false, "send the digest to the group's subscribers and to each --to address")
	var to addresses
	fs.Var(&to, "to", "also send to this address (repeatable; implies --send)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *group == "" {
		return fmt.Errorf("%w: --group is required, e.g. --group maroc", errUsage)
	}
	switch *format {
	case "text", "html", "md":
	default:
		return fmt.Errorf("%w: --format wants text, html or md, got %q", errUsage, *format)
	}
	if len(to) > 0 {
		*send = true
	}
	for _, a := range to {
		if _, err := mail.ParseAddress(a); err != nil {
			return fmt.Errorf("%w: --to: %v", errUsage, err)
		}
	}
	cfg, err := config.Load(env.Getenv)
	if err != nil {
		return err
	}
	now := time.Now()
	if *date == "" {
		*date = digest.DateOf(now, cfg.TZ)
	}
	day, err := digest.ParseDate(*date, cfg.TZ)
	if err != nil {
		return fmt.Errorf("%w: --date: %v", errUsage, err)
	}
	if day.After(now) {
		return fmt.Errorf("%w: --date %s is in the future; the digest of a day can be built from that day on", errUsage, *date)
	}
	var mailer *mail.SMTP
	if *send {
		// Checked before anything is built, so that a missing setting costs nothing.
		smtpCfg, err := mail.ParseURL(cfg.SMTPURL)
		if err != nil {
			return err
		}
		if _, err := mail.ParseAddress(senderAddress(cfg.MailFrom)); err != nil {
			return fmt.Errorf("COOPDESK_MAIL_FROM: want the sender address of digests, got %q", cfg.MailFrom)
		}
		mailer = mail.New(smtpCfg)
	}

	_, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Exclusive(ctx, func() error { return prepare(ctx, db) }); err != nil {
		return err
	}
	row, frozen, err := digest.BuildAndStore(ctx, db.Client, *group, *date, digest.Options{Location: cfg.TZ, Now: now, SavedSearches: search.DigestMatcher{Engine: search.New(db), Client: db.Client}})
	if errors.Is(err, digest.ErrUnknownGroup) {
		return fmt.Errorf("%w: --group: %v", errUsage, err)
	}
	if err != nil {
		return err
	}
	if frozen {
		fmt.Fprintf(env.Stderr, "digest %s %s was already being sent: showing the stored version, unchanged\n", *group, *date)
	}
	switch *format {
	case "html":
		fmt.Fprint(env.Stdout, row.HTML)
	case "md":
		fmt.Fprint(env.Stdout, row.Markdown)
	default:
		fmt.Fprint(env.Stdout, row.Text)
	}
	if !*send {
		return nil
	}
	recipients, err := digest.Subscribers(ctx, db.Client, row.GroupID)
	if err != nil {
		return err
	}
	for _, a := range to {
		recipients = append(recipients, digest.Recipient{Address: a})
	}
	if len(recipients) == 0 {
		fmt.Fprintf(env.Stderr, "digest %s %s: no subscriber and no --to address: nothing sent\n", *group, *date)
		return nil
	}
	d := &digest.Deliverer{Client: db.Client, Mailer: mailer, From: cfg.MailFrom, Location: cfg.TZ}
	rep, err := d.Deliver(ctx, row, recipients)
	fmt.Fprintf(env.Stderr, "digest %s %s: %d sent, %d failed, %d pending", *group, *date, rep.Sent, rep.Failed, rep.Pending)
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(env.Stderr, ", %d skipped (nothing in their topics)", len(rep.Skipped))
	}
	fmt.Fprintln(env.Stderr)
	for _, f := range rep.Failures {
		fmt.Fprintf(env.Stderr, "  %s: %s\n", f.Address, f.Error)
	}
	if err != nil {
		return fmt.Errorf("send digest: %w", err)
	}
	if rep.Failed > 0 {
		return fmt.Errorf("digest %s %s: %d of %d deliveries failed", *group, *date, rep.Failed, rep.Sent+rep.Failed+rep.Pending)
	}
	return nil
}

// senderAddress extracts the address of "Name <address>" or returns s.
func senderAddress(s string) string {
	if i, j := strings.LastIndexByte(s, '<'), strings.LastIndexByte(s, '>'); i >= 0 && j > i {
		return s[i+1 : j]
	}
	return s
}
