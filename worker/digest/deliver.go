package digest

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"os"
	"slices"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/countrygroup"
	entdigest "coopdesk/ent/digest"
	"coopdesk/ent/digestdelivery"
	"coopdesk/ent/digestsubscription"
	"coopdesk/ent/user"
	"coopdesk/worker/mail"
)

// Mailer opens SMTP sessions (mail.SMTP in production, a fake or a loopback server in tests).
type Mailer interface {
	Open(ctx context.Context) (mail.Session, error)
}

// Recipient is an address to send a digest to, with what its reader wants in it.
type Recipient struct {
	Address string
	Name    string
	UserID  int      // 0 for an address given by hand (coopdesk digest --to)
	Topics  []string // empty: every topic
}

// Subscribers returns the group's subscribers who have an e-mail address and an enabled
// account, in address order.
func Subscribers(ctx context.Context, client *ent.Client, groupID int) ([]Recipient, error) {
	subs, err := client.DigestSubscription.Query().
		Where(digestsubscription.HasGroupsWith(countrygroup.ID(groupID)),
			digestsubscription.HasUserWith(user.Disabled(false), user.EmailNEQ(""))).
		WithUser(func(q *ent.UserQuery) { q.Select(user.FieldID, user.FieldName, user.FieldEmail) }).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribers of group %d: %w", groupID, err)
	}
	var out []Recipient
	for _, s := range subs {
		if u := s.Edges.User; u != nil && strings.TrimSpace(u.Email) != "" {
			out = append(out, Recipient{Address: u.Email, Name: u.Name, UserID: u.ID, Topics: s.Topics})
		}
	}
	slices.SortFunc(out, func(a, b Recipient) int { return strings.Compare(a.Address, b.Address) })
	return out, nil
}

// Deliverer sends stored digests, at most once per (digest, address).
//
// The intent is recorded first: one DigestDelivery row per address (unique key), created
// before anything is sent. A worker reserves a batch of due rows by a conditional update
// (claimed_by, claimed_until: a lease), so that two workers never hold the same row; just
// before each message leaves, its row turns "sending" (again conditionally on the claim);
// the message goes out with a Message-ID derived from group, date and address; the row is
// then marked sent. Rows reserved by a worker that died are taken over once its lease has
// expired.
//
// A crash between sending and marking leaves that one row "sending". It is never sent
// again: once its lease has expired it is recorded as failed, "outcome unknown". That is
// the at-most-once choice: the promise is "never twice"; a missed digest is still
// on the web and in the Atom feed; and the window is the few milliseconds between the
// server's acknowledgement and the update, whereas at-least-once would resend a whole
// digest to someone who almost certainly got it. The same holds when the connection breaks
// while the message data is being written or acknowledged (mail.ErrUncertain).
//
// Failures that certainly left nothing on the server (connection refused, 4xx replies) are
// retried with exponential backoff up to MaxAttempts, then recorded as failed; permanent
// ones (5xx, invalid addresses) are recorded at once. Each recipient's outcome is its own:
// one bad address does not hold the others back.
type Deliverer struct {
	Client   *ent.Client
	Mailer   Mailer
	From     string         // COOPDESK_MAIL_FROM
	Location *time.Location // for dates in the messages
	Worker   string         // who claims, for the record; default host:pid

	Lease       time.Duration // how long a claim holds (default 10m)
	MaxAttempts int           // attempts per address before giving up (default 5)
	Backoff     time.Duration // first retry delay, doubled each time (default 1m)
	MaxBackoff  time.Duration // longest retry delay (default 30m)
	BatchSize   int           // rows claimed at once (default 50)
	// Poll is how often a Deliver waiting on rows that another worker holds looks again
	// (default 2s): it ends as soon as that worker has sent them, or takes them over once
	// its lease has run out.
	Poll time.Duration

	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default slog.Default()

	// afterSend, in tests, runs after a message left and before it is recorded; an error
	// stops Deliver there, as a crash would.
	afterSend func(address string) error
}

// Report sums up the deliveries of a digest after a Deliver.
type Report struct {
	Sent, Failed, Pending, Sending int
	Skipped                        []string // recipients with nothing in their view
	Failures                       []Failure
}

// Failure is a recipient whose digest could not be sent.
type Failure struct {
	Address string
	Error   string
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Deliverer) logger() *slog.Logger { return cmp.Or(d.Logger, slog.Default()) }

func (d *Deliverer) worker() string {
	if d.Worker != "" {
		return d.Worker
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

// Deliver records the intent to send row to each recipient (addresses already recorded
// for this digest are left as they are), then sends every due delivery of the digest,
// waiting out retry delays, until none is pending or ctx ends. Recipients whose view (their
// topics, their saved searches) is empty while the digest is not are skipped.
func (d *Deliverer) Deliver(ctx context.Context, row *ent.Digest, recipients []Recipient) (Report, error) {
	doc, err := d.decode(ctx, row)
	if err != nil {
		return Report{}, err
	}
	views, skipped, err := d.enqueue(ctx, row, doc, recipients)
	if err != nil {
		return Report{}, err
	}
	rep, err := d.send(ctx, row, doc, views)
	rep.Skipped = skipped
	return rep, err
}

// Resume sends the due deliveries already recorded for row (after a restart), without
// adding recipients; recipients only tell whose view each address gets.
func (d *Deliverer) Resume(ctx context.Context, row *ent.Digest, recipients []Recipient) (Report, error) {
	doc, err := d.decode(ctx, row)
	if err != nil {
		return Report{}, err
	}
	views := map[string]Recipient{}
	for _, r := range recipients {
		views[normalizeAddress(r.Address)] = r
	}
	return d.send(ctx, row, doc, views)
}

func (d *Deliverer) decode(ctx context.Context, row *ent.Digest) (*Digest, error) {
	if row.Edges.Group == nil || row.Items == nil {
		r, err := load(ctx, d.Client, row.ID)
		if err != nil {
			return nil, err
		}
		row = r
	}
	return Decode(row)
}

func normalizeAddress(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// MessageID is the Message-ID of a digest sent to an address: the same whoever sends it
// and however often, so that a client or server that sees it twice can tell.
func MessageID(groupSlug, date, address, from string) string {
	sum := sha256.Sum256([]byte(normalizeAddress(address)))
	domain := "coopdesk.invalid"
	if a, err := netmail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			domain = a.Address[i+1:]
		}
	}
	return fmt.Sprintf("digest.%s.%s.%s@%s", groupSlug, date, hex.EncodeToString(sum[:8]), domain)
}

func (d *Deliverer) enqueue(ctx context.Context, row *ent.Digest, doc *Digest, recipients []Recipient) (map[string]Recipient, []string, error) {
	views := map[string]Recipient{}
	var skipped []string
	var creates []*ent.DigestDeliveryCreate
	for _, r := range recipients {
		addr := normalizeAddress(r.Address)
		if addr == "" {
			continue
		}
		if _, dup := views[addr]; dup {
			continue
		}
		if !doc.Empty() && doc.For(View{Topics: r.Topics, UserID: r.UserID}).Empty() {
			skipped = append(skipped, addr)
			continue
		}
		views[addr] = r
		c := d.Client.DigestDelivery.Create().SetDigestID(row.ID).
			SetMessageID(MessageID(doc.GroupSlug, doc.Date, addr, d.From))
		if _, err := mail.ParseAddress(addr); err != nil || len(addr) > 254 {
			// Recorded as a failure at once: staff see it next to the others.
			c.SetAddress(truncate(addr, 254)).SetStatus(digestdelivery.StatusFailed).
				SetLastError(fmt.Sprintf("invalid e-mail address %q: not sent", truncate(addr, 200)))
		} else {
			c.SetAddress(addr)
		}
		creates = append(creates, c)
	}
	for chunk := range slices.Chunk(creates, 500) {
		err := d.Client.DigestDelivery.CreateBulk(chunk...).
			OnConflictColumns(digestdelivery.FieldDigestID, digestdelivery.FieldAddress).
			DoNothing().Exec(ctx)
		// An insert whose rows all conflicted may report no rows: nothing new to record.
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, nil, fmt.Errorf("record deliveries of digest %d: %w", row.ID, err)
		}
	}
	return views, skipped, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func (d *Deliverer) backoff(attempts int) time.Duration {
	b := cmp.Or(d.Backoff, time.Minute)
	limit := cmp.Or(d.MaxBackoff, 30*time.Minute)
	for i := 1; i < attempts && b < limit; i++ {
		b *= 2
	}
	return min(b, limit)
}

// uncertainError is what a row whose outcome cannot be known records.
const uncertainError = "outcome unknown (interrupted while sending); not retried so as never to send twice"

func (d *Deliverer) send(ctx context.Context, row *ent.Digest, doc *Digest, views map[string]Recipient) (Report, error) {
	log := d.logger().With("group", doc.GroupSlug, "date", doc.Date)
	lease := cmp.Or(d.Lease, 10*time.Minute)
	batch := cmp.Or(d.BatchSize, 50)
	renderings := map[string]Rendering{}
	for {
		if err := ctx.Err(); err != nil {
			return d.report(context.WithoutCancel(ctx), row.ID), err
		}
		now := d.now()
		// A row left "sending" past its lease belongs to a worker that died mid-send.
		stale, err := d.Client.DigestDelivery.Update().
			Where(digestdelivery.DigestID(row.ID), digestdelivery.StatusEQ(digestdelivery.StatusSending),
				digestdelivery.ClaimedUntilLT(now)).
			SetStatus(digestdelivery.StatusFailed).SetLastError(uncertainError).
			Save(ctx)
		if err != nil {
			return Report{}, fmt.Errorf("deliveries of digest %d: %w", row.ID, err)
		}
		if stale > 0 {
			log.Warn("digest deliveries interrupted while sending, not retried", "count", stale)
		}
		// Due: pending, past its retry time, and not reserved by a live claim.
		due := digestdelivery.And(digestdelivery.DigestID(row.ID), digestdelivery.StatusEQ(digestdelivery.StatusPending),
			digestdelivery.Or(digestdelivery.NextAttemptAtIsNil(), digestdelivery.NextAttemptAtLTE(now)),
			digestdelivery.Or(digestdelivery.ClaimedUntilIsNil(), digestdelivery.ClaimedUntilLT(now)))
		ids, err := d.Client.DigestDelivery.Query().Where(due).
			Order(ent.Asc(digestdelivery.FieldID)).Limit(batch).IDs(ctx)
		if err != nil {
			return Report{}, fmt.Errorf("deliveries of digest %d: %w", row.ID, err)
		}
		if len(ids) == 0 {
			wake, ok, err := d.nextWake(ctx, row.ID, now)
			if err != nil {
				return Report{}, err
			}
			if !ok {
				break
			}
			if err := sleep(ctx, min(wake.Sub(now), cmp.Or(d.Poll, 2*time.Second))); err != nil {
				return d.report(context.WithoutCancel(ctx), row.ID), err
			}
			continue
		}
		// Reserve a batch: the conditional update is atomic per row, so of two workers
		// reserving the same rows each row goes to one only. Reserved rows stay pending;
		// each becomes "sending" just before its message leaves, so that a crash strands
		// at most the one message in flight, and the rest are taken over once the lease
		// has expired.
		token := claimToken(d.worker())
		n, err := d.Client.DigestDelivery.Update().
			Where(digestdelivery.IDIn(ids...), due).
			SetClaimedBy(token).SetClaimedUntil(now.Add(lease)).
			Save(ctx)
		if err != nil {
			return Report{}, fmt.Errorf("claim deliveries of digest %d: %w", row.ID, err)
		}
		if n == 0 {
			continue // another worker was faster
		}
		claimed, err := d.Client.DigestDelivery.Query().
			Where(digestdelivery.DigestID(row.ID), digestdelivery.ClaimedBy(token), digestdelivery.StatusEQ(digestdelivery.StatusPending)).
			Order(ent.Asc(digestdelivery.FieldID)).All(ctx)
		if err != nil {
			return Report{}, fmt.Errorf("claimed deliveries of digest %d: %w", row.ID, err)
		}
		if err := d.sendClaimed(ctx, log, doc, views, renderings, token, claimed); err != nil {
			return d.report(context.WithoutCancel(ctx), row.ID), err
		}
	}
	if err := d.recordRecipients(ctx, row.ID); err != nil {
		return Report{}, err
	}
	return d.report(ctx, row.ID), nil
}

// nextWake says when an unfinished delivery of the digest may next change: a pending one
// at its retry time or when the lease of the worker holding it runs out, one being sent
// when its lease runs out. ok is false when every delivery is sent or failed.
func (d *Deliverer) nextWake(ctx context.Context, digestID int, now time.Time) (wake time.Time, ok bool, err error) {
	pending, err := d.Client.DigestDelivery.Query().
		Where(digestdelivery.DigestID(digestID),
			digestdelivery.StatusIn(digestdelivery.StatusPending, digestdelivery.StatusSending)).
		Select(digestdelivery.FieldNextAttemptAt, digestdelivery.FieldClaimedUntil).All(ctx)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("deliveries of digest %d: %w", digestID, err)
	}
	for i, p := range pending {
		at := now
		if p.NextAttemptAt != nil && p.NextAttemptAt.After(at) {
			at = *p.NextAttemptAt
		}
		if p.ClaimedUntil != nil && p.ClaimedUntil.After(at) {
			at = *p.ClaimedUntil
		}
		if i == 0 || at.Before(wake) {
			wake = at
		}
	}
	return wake, len(pending) > 0, nil
}

func claimToken(worker string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return truncate(worker, 180) + "/" + hex.EncodeToString(b)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// sendClaimed sends the reserved rows over one SMTP session, recording each outcome before
// the next message leaves.
func (d *Deliverer) sendClaimed(ctx context.Context, log *slog.Logger, doc *Digest, views map[string]Recipient,
	renderings map[string]Rendering, token string, claimed []*ent.DigestDelivery) error {
	session, err := d.Mailer.Open(ctx)
	if err != nil {
		log.Warn("SMTP server unreachable", "err", err)
		for _, dl := range claimed {
			if rerr := d.record(ctx, log, token, dl, dl.Attempts+1, err); rerr != nil {
				return rerr
			}
		}
		return nil
	}
	defer session.Close()
	lease := cmp.Or(d.Lease, 10*time.Minute)
	for _, dl := range claimed {
		r, ok := views[dl.Address]
		if !ok {
			r = Recipient{Address: dl.Address}
		}
		rendering, err := d.rendering(doc, r, renderings)
		if err != nil {
			return err
		}
		msg := mail.Message{
			From: d.From, To: dl.Address, Subject: rendering.Subject, MessageID: dl.MessageID,
			Date: d.now(), Text: rendering.Text, HTML: rendering.HTML,
			Headers: map[string]string{
				"List-Id":        fmt.Sprintf("Veille %s <%s.digest.coopdesk>", doc.GroupName, doc.GroupSlug),
				"Auto-Submitted": "auto-generated",
				"Precedence":     "bulk",
			},
		}
		// The point of no return: from here a crash leaves the row "sending".
		n, err := d.Client.DigestDelivery.Update().
			Where(digestdelivery.ID(dl.ID), digestdelivery.ClaimedBy(token), digestdelivery.StatusEQ(digestdelivery.StatusPending)).
			SetStatus(digestdelivery.StatusSending).SetClaimedUntil(d.now().Add(lease)).AddAttempts(1).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("claim delivery to %s: %w", dl.Address, err)
		}
		if n == 0 {
			continue // our reservation expired and another worker took it over
		}
		sendErr := session.Send(ctx, msg)
		if sendErr == nil && d.afterSend != nil {
			if err := d.afterSend(dl.Address); err != nil {
				return err
			}
		}
		// Recorded even if ctx just ended: the message left, the row must say so.
		if err := d.record(context.WithoutCancel(ctx), log, token, dl, dl.Attempts+1, sendErr); err != nil {
			return err
		}
	}
	return nil
}

func (d *Deliverer) rendering(doc *Digest, r Recipient, cache map[string]Rendering) (Rendering, error) {
	topics := slices.Clone(r.Topics)
	slices.Sort(topics)
	ownSearches := false
	for _, s := range doc.SavedSearches {
		ownSearches = ownSearches || (s.UserID == r.UserID && r.UserID != 0)
	}
	key := strings.Join(topics, ",")
	if ownSearches {
		key += fmt.Sprintf("|%d", r.UserID)
	}
	if cached, ok := cache[key]; ok {
		return cached, nil
	}
	rendering, err := Render(doc.For(View{Topics: r.Topics, UserID: r.UserID}), d.Location)
	if err != nil {
		return Rendering{}, err
	}
	cache[key] = rendering
	return rendering, nil
}

// record stores the outcome of one claimed delivery; the claim token in the condition
// makes sure only the claimant writes it.
func (d *Deliverer) record(ctx context.Context, log *slog.Logger, token string, dl *ent.DigestDelivery, attempts int, sendErr error) error {
	now := d.now()
	u := d.Client.DigestDelivery.Update().
		Where(digestdelivery.ID(dl.ID), digestdelivery.ClaimedBy(token)).
		SetAttempts(attempts).ClearClaimedUntil()
	maxAttempts := cmp.Or(d.MaxAttempts, 5)
	switch class := mail.Class(sendErr); {
	case class == nil:
		u.SetStatus(digestdelivery.StatusSent).SetSentAt(now).SetLastError("").ClearNextAttemptAt()
	case class == mail.ErrUncertain:
		log.Error("digest delivery outcome unknown, not retried", "address", dl.Address, "err", sendErr)
		u.SetStatus(digestdelivery.StatusFailed).SetLastError(truncate(uncertainError+": "+sendErr.Error(), 1000))
	case class == mail.ErrPermanent:
		log.Warn("digest delivery refused", "address", dl.Address, "err", sendErr)
		u.SetStatus(digestdelivery.StatusFailed).SetLastError(truncate(sendErr.Error(), 1000))
	case attempts >= maxAttempts:
		log.Warn("digest delivery failed, giving up", "address", dl.Address, "attempts", attempts, "err", sendErr)
		u.SetStatus(digestdelivery.StatusFailed).
			SetLastError(truncate(fmt.Sprintf("gave up after %d attempts: %v", attempts, sendErr), 1000))
	default:
		next := now.Add(d.backoff(attempts))
		log.Info("digest delivery failed, will retry", "address", dl.Address, "attempts", attempts, "retry_at", next, "err", sendErr)
		u.SetStatus(digestdelivery.StatusPending).SetNextAttemptAt(next).SetLastError(truncate(sendErr.Error(), 1000))
	}
	if _, err := u.Save(ctx); err != nil {
		return fmt.Errorf("record delivery to %s: %w", dl.Address, err)
	}
	return nil
}

// recordRecipients keeps on the digest the addresses it was sent to and when it first was.
func (d *Deliverer) recordRecipients(ctx context.Context, digestID int) error {
	sent, err := d.Client.DigestDelivery.Query().
		Where(digestdelivery.DigestID(digestID), digestdelivery.StatusEQ(digestdelivery.StatusSent)).
		Order(ent.Asc(digestdelivery.FieldSentAt)).
		Select(digestdelivery.FieldAddress, digestdelivery.FieldSentAt).All(ctx)
	if err != nil {
		return fmt.Errorf("recipients of digest %d: %w", digestID, err)
	}
	if len(sent) == 0 {
		return nil
	}
	addrs := make([]string, len(sent))
	for i, s := range sent {
		addrs[i] = s.Address
	}
	slices.Sort(addrs)
	u := d.Client.Digest.Update().Where(entdigest.ID(digestID)).SetRecipients(addrs)
	if err := u.Exec(ctx); err != nil {
		return fmt.Errorf("recipients of digest %d: %w", digestID, err)
	}
	// sent_at is the first send: set once, whoever gets here first.
	err = d.Client.Digest.Update().Where(entdigest.ID(digestID), entdigest.SentAtIsNil()).
		SetSentAt(*sent[0].SentAt).Exec(ctx)
	if err != nil {
		return fmt.Errorf("sent time of digest %d: %w", digestID, err)
	}
	return nil
}

func (d *Deliverer) report(ctx context.Context, digestID int) Report {
	var rep Report
	rows, err := d.Client.DigestDelivery.Query().Where(digestdelivery.DigestID(digestID)).
		Order(ent.Asc(digestdelivery.FieldAddress)).
		Select(digestdelivery.FieldAddress, digestdelivery.FieldStatus, digestdelivery.FieldLastError).All(ctx)
	if err != nil {
		return rep
	}
	for _, r := range rows {
		switch r.Status {
		case digestdelivery.StatusSent:
			rep.Sent++
		case digestdelivery.StatusFailed:
			rep.Failed++
			rep.Failures = append(rep.Failures, Failure{Address: r.Address, Error: r.LastError})
		case digestdelivery.StatusPending:
			rep.Pending++
		case digestdelivery.StatusSending:
			rep.Sending++
		}
	}
	return rep
}
