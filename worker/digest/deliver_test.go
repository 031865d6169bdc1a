package digest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/digestdelivery"
	"coopdesk/internal/testdb"
	"coopdesk/worker/mail"
)

const sender = "Veille coopdesk <veille@coopdesk.example>"

type parsedMessage struct {
	header        netmail.Header
	subject       string
	to            string
	types         []string
	text, html    string
	topLevelMedia string
}

// parseMessage reads a received message the way a mail client would.
func parseMessage(t testing.TB, data []byte) parsedMessage {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	var p parsedMessage
	p.header = m.Header
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	p.to = m.Header.Get("To")
	media, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type: %v", err)
	}
	p.topLevelMedia = media
	if !strings.HasPrefix(media, "multipart/") {
		t.Fatalf("content type %s, want multipart/alternative", media)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		body, err := io.ReadAll(part) // quoted-printable is decoded by the reader
		if err != nil {
			t.Fatalf("part body: %v", err)
		}
		ct, cparams, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if cparams["charset"] != "" && !strings.EqualFold(cparams["charset"], "utf-8") {
			t.Errorf("charset %s", cparams["charset"])
		}
		p.types = append(p.types, ct)
		switch ct {
		case "text/plain":
			p.text = string(body)
		case "text/html":
			p.html = string(body)
		}
	}
	return p
}

func byRecipient(t testing.TB, msgs []received) map[string]parsedMessage {
	t.Helper()
	out := map[string]parsedMessage{}
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Fatalf("message to %v: want one recipient per message", m.To)
		}
		if _, dup := out[m.To[0]]; dup {
			t.Errorf("%s received the digest twice", m.To[0])
		}
		out[m.To[0]] = parseMessage(t, m.Data)
	}
	return out
}

// storedDigest builds and stores the test day's maroc digest with news in two topics.
func storedDigest(t testing.TB, f *fixture) *ent.Digest {
	t.Helper()
	f.article(articleSpec{title: "Le conseil régional adopte son budget", feed: 0, topic: "politique",
		groups: map[string]float64{"maroc": 0.9}})
	f.article(articleSpec{title: "Le port de Tanger s’agrandit", feed: 1, topic: "economie",
		groups: map[string]float64{"maroc": 0.8}})
	row, _, err := BuildAndStore(f.ctx, f.c, "maroc", day, Options{Location: paris, Now: morning})
	if err != nil {
		t.Fatal(err)
	}
	return row
}

func deliveries(t testing.TB, f *fixture, digestID int) map[string]*ent.DigestDelivery {
	t.Helper()
	rows, err := f.c.DigestDelivery.Query().Where(digestdelivery.DigestID(digestID)).All(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ent.DigestDelivery{}
	for _, r := range rows {
		out[r.Address] = r
	}
	return out
}

func TestDigestDelivery(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		f := newFixture(t, db)
		row := storedDigest(t, f)
		srv := startSMTP(t, "127.0.0.1:0")
		srv.rejectRcpt["refuse@example.org"] = true
		f.subscriber("Awa", "awa@example.org", []string{"economie"}, "maroc")
		f.subscriber("Ben", "Ben@Example.org", nil, "maroc", "liban")
		f.subscriber("Chloé", "jean..dupont@example.org", nil, "maroc")
		f.subscriber("Dan", "refuse@example.org", nil, "maroc")
		f.subscriber("Eve", "eve@example.org", []string{"securite"}, "maroc")
		f.subscriber("Fay", "fay@example.org", nil, "tunisie")
		recipients, err := Subscribers(f.ctx, f.c, row.GroupID)
		if err != nil {
			t.Fatal(err)
		}
		recipients = append(recipients, Recipient{Address: "extra@example.org"}, Recipient{Address: "awa@example.org"})
		d := &Deliverer{Client: f.c, Mailer: mailerFor(t, srv.addr), From: sender, Location: paris, Backoff: 10 * time.Millisecond}
		rep, err := d.Deliver(f.ctx, row, recipients)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Sent != 3 || rep.Failed != 2 || rep.Pending != 0 || !slices.Equal(rep.Skipped, []string{"eve@example.org"}) {
			t.Errorf("report %+v", rep)
		}
		got := byRecipient(t, srv.received())
		if len(got) != 3 {
			t.Fatalf("received by %v, want awa, ben and extra", slices.Collect(func(yield func(string) bool) {
				for k := range got {
					yield(k)
				}
			}))
		}
		for addr, m := range got {
			if !slices.Equal(m.types, []string{"text/plain", "text/html"}) || m.topLevelMedia != "multipart/alternative" {
				t.Errorf("%s: %s with parts %v, want multipart/alternative of text/plain then text/html", addr, m.topLevelMedia, m.types)
			}
			if want := "<" + MessageID("maroc", day, addr, sender) + ">"; m.header.Get("Message-Id") != want {
				t.Errorf("%s: Message-ID %q, want %q", addr, m.header.Get("Message-Id"), want)
			}
			if !strings.Contains(m.header.Get("From"), "veille@coopdesk.example") || m.header.Get("List-Id") == "" {
				t.Errorf("%s: From %q, List-Id %q", addr, m.header.Get("From"), m.header.Get("List-Id"))
			}
			if !strings.HasPrefix(m.subject, "Veille Maroc — jeudi 26 novembre 2026") {
				t.Errorf("%s: subject %q", addr, m.subject)
			}
		}
		awa, ben := got["awa@example.org"], got["ben@example.org"]
		if !strings.Contains(awa.html, "Le port de Tanger") || strings.Contains(awa.html, "conseil régional") ||
			!strings.Contains(awa.text, "ÉCONOMIE") || strings.Contains(awa.text, "POLITIQUE") {
			t.Errorf("Awa (économie only) got:\n%s", awa.text)
		}
		if !strings.Contains(ben.html, "Le port de Tanger") || !strings.Contains(ben.html, "conseil régional") ||
			!strings.Contains(ben.text, "* Le conseil régional adopte son budget") {
			t.Errorf("Ben (all topics) got:\n%s", ben.text)
		}
		rows := deliveries(t, f, row.ID)
		if r := rows["jean..dupont@example.org"]; r == nil || r.Status != digestdelivery.StatusFailed ||
			!strings.Contains(r.LastError, "invalid e-mail address") || r.Attempts != 0 {
			t.Errorf("invalid address: %+v", r)
		}
		if r := rows["refuse@example.org"]; r == nil || r.Status != digestdelivery.StatusFailed ||
			!strings.Contains(r.LastError, "550") || r.Attempts != 1 {
			t.Errorf("refused address: %+v", r)
		}
		if r := rows["awa@example.org"]; r.Status != digestdelivery.StatusSent || r.SentAt == nil || r.Attempts != 1 {
			t.Errorf("sent row: %+v", r)
		}
		stored, err := f.c.Digest.Get(f.ctx, row.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(stored.Recipients, []string{"awa@example.org", "ben@example.org", "extra@example.org"}) || stored.SentAt == nil {
			t.Errorf("digest recipients %v, sent at %v", stored.Recipients, stored.SentAt)
		}

		// Asking again sends nothing more, and the stored digest is frozen.
		if _, err := d.Deliver(f.ctx, row, recipients); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.received()); n != 3 {
			t.Errorf("%d messages after a second Deliver, want still 3", n)
		}
		f.article(articleSpec{title: "Nouvelle après l’envoi", feed: 0, groups: map[string]float64{"maroc": 0.9}, fetched: morning.Add(-time.Minute)})
		again, frozen, err := BuildAndStore(f.ctx, f.c, "maroc", day, Options{Location: paris, Now: morning})
		if err != nil || !frozen || again.HTML != row.HTML {
			t.Errorf("rebuild after sending: frozen=%v err=%v, changed=%v", frozen, err, again.HTML != row.HTML)
		}
	})
}

// laterServer is a mailer whose server is down at first and started after the first
// refused connection, on the same address.
type laterServer struct {
	t     testing.TB
	addr  string
	inner *mail.SMTP
	mu    sync.Mutex
	opens int
	srv   *smtpServer
}

func (l *laterServer) Open(ctx context.Context) (mail.Session, error) {
	s, err := l.inner.Open(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.opens++
	if err != nil && l.srv == nil {
		l.srv = startSMTP(l.t, l.addr)
	}
	return s, err
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestDigestDeliveryRetries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		f := newFixture(t, db)
		row := storedDigest(t, f)
		one := []Recipient{{Address: "awa@example.org"}, {Address: "ben@example.org"}}

		t.Run("server started later", func(t *testing.T) {
			addr := freeAddr(t)
			later := &laterServer{t: t, addr: addr, inner: mailerFor(t, addr)}
			d := &Deliverer{Client: f.c, Mailer: later, From: sender, Backoff: 20 * time.Millisecond}
			rep, err := d.Deliver(f.ctx, row, one)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Sent != 2 || later.opens < 2 || len(later.srv.received()) != 2 {
				t.Errorf("report %+v after %d connections, %d received", rep, later.opens, len(later.srv.received()))
			}
			if r := deliveries(t, f, row.ID)["awa@example.org"]; r.Attempts != 2 || r.LastError != "" {
				t.Errorf("row after a retry: attempts %d, last error %q", r.Attempts, r.LastError)
			}
		})

		t.Run("busy server", func(t *testing.T) {
			srv := startSMTP(t, "127.0.0.1:0")
			srv.refuseMail = 2
			d := &Deliverer{Client: f.c, Mailer: mailerFor(t, srv.addr), From: sender, Backoff: 10 * time.Millisecond}
			rep, err := d.Deliver(f.ctx, row, []Recipient{{Address: "cleo@example.org"}})
			if err != nil {
				t.Fatal(err)
			}
			r := deliveries(t, f, row.ID)["cleo@example.org"]
			if r.Status != digestdelivery.StatusSent || r.Attempts != 3 || len(srv.received()) != 1 {
				t.Errorf("after two 451: %+v, report %+v", r, rep)
			}
		})

		t.Run("server never answers", func(t *testing.T) {
			addr := freeAddr(t)
			d := &Deliverer{Client: f.c, Mailer: mailerFor(t, addr), From: sender, Backoff: 5 * time.Millisecond, MaxAttempts: 3}
			rep, err := d.Deliver(f.ctx, row, []Recipient{{Address: "dan@example.org"}, {Address: "eve@example.org"}})
			if err != nil {
				t.Fatal(err)
			}
			rows := deliveries(t, f, row.ID)
			for _, a := range []string{"dan@example.org", "eve@example.org"} {
				if r := rows[a]; r.Status != digestdelivery.StatusFailed || r.Attempts != 3 || !strings.Contains(r.LastError, "gave up after 3 attempts") {
					t.Errorf("%s: %+v", a, r)
				}
			}
			if rep.Pending != 0 || rep.Sent != 3 {
				t.Errorf("report %+v: the earlier sends stay, nothing pending", rep)
			}
		})
	})
}

func TestDigestDeliveryTwoWorkersRace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		f := newFixture(t, db)
		row := storedDigest(t, f)
		srv := startSMTP(t, "127.0.0.1:0")
		var recipients []Recipient
		for i := range 24 {
			recipients = append(recipients, Recipient{Address: fmt.Sprintf("membre%02d@example.org", i)})
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, name := range []string{"worker-a", "worker-b"} {
			d := &Deliverer{Client: f.c, Mailer: mailerFor(t, srv.addr), From: sender, Worker: name, BatchSize: 3, Poll: 10 * time.Millisecond}
			wg.Go(func() {
				<-start
				_, errs[i] = d.Deliver(f.ctx, row, recipients)
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		got := byRecipient(t, srv.received()) // fails on any address received twice
		if len(got) != len(recipients) {
			t.Errorf("%d addresses received the digest, want %d", len(got), len(recipients))
		}
		claimants := map[string]bool{}
		for _, r := range deliveries(t, f, row.ID) {
			if r.Status != digestdelivery.StatusSent || r.Attempts != 1 {
				t.Errorf("%s: %s after %d attempts", r.Address, r.Status, r.Attempts)
			}
			claimants[strings.SplitN(r.ClaimedBy, "/", 2)[0]] = true
		}
		t.Logf("rows claimed by %v", claimants)
	})
}

var errCrash = errors.New("simulated crash")

func TestDigestDeliveryCrashBetweenSendAndRecord(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		f := newFixture(t, db)
		row := storedDigest(t, f)
		srv := startSMTP(t, "127.0.0.1:0")
		recipients := []Recipient{{Address: "awa@example.org"}, {Address: "ben@example.org"}, {Address: "cleo@example.org"}}
		// The crashing worker holds a short lease so that the test need not wait long.
		crashing := &Deliverer{Client: f.c, Mailer: mailerFor(t, srv.addr), From: sender, Worker: "doomed",
			Lease: 300 * time.Millisecond, BatchSize: 10,
			afterSend: func(addr string) error {
				if addr == "ben@example.org" {
					return errCrash
				}
				return nil
			}}
		if _, err := crashing.Deliver(f.ctx, row, recipients); !errors.Is(err, errCrash) {
			t.Fatalf("crash: %v", err)
		}
		rows := deliveries(t, f, row.ID)
		if rows["ben@example.org"].Status != digestdelivery.StatusSending || rows["cleo@example.org"].Status != digestdelivery.StatusPending {
			t.Fatalf("after the crash: ben %s, cleo %s; want sending (in flight) and pending (reserved, not sent)",
				rows["ben@example.org"].Status, rows["cleo@example.org"].Status)
		}

		// A restart waits for the dead worker's lease, then sends what it had reserved and
		// records the message in flight as failed with an unknown outcome, never resending it.
		restart := &Deliverer{Client: f.c, Mailer: mailerFor(t, srv.addr), From: sender, Worker: "restart", Poll: 10 * time.Millisecond}
		rep, err := restart.Deliver(f.ctx, row, recipients)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Sent != 2 || rep.Failed != 1 || rep.Sending != 0 || rep.Failures[0].Address != "ben@example.org" ||
			!strings.Contains(rep.Failures[0].Error, "outcome unknown") {
			t.Errorf("after the restart: %+v", rep)
		}
		got := byRecipient(t, srv.received()) // fails on any address received twice
		if len(got) != 3 {
			t.Errorf("%d addresses received it, want 3, each once", len(got))
		}
	})
}

func TestDigestRunDaily(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		f := newFixture(t, db)
		f.article(articleSpec{title: "Le conseil régional adopte son budget", feed: 0, topic: "politique",
			groups: map[string]float64{"maroc": 0.9}})
		f.subscriber("Awa", "awa@example.org", nil, "maroc", "liban")
		srv := startSMTP(t, "127.0.0.1:0")
		daily := func(worker string) *Daily {
			return &Daily{Client: f.c, Location: paris, Deliverer: &Deliverer{Client: f.c, Mailer: mailerFor(t, srv.addr),
				From: sender, Location: paris, Worker: worker}}
		}
		// Two workers fire at the same scheduled time.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, w := range []string{"a", "b"} {
			wg.Go(func() { errs[i] = daily(w).RunDaily(f.ctx, morning) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		n, err := f.c.Digest.Query().Count(f.ctx)
		if err != nil || n != 4 {
			t.Fatalf("%d digests stored (%v), want one per group", n, err)
		}
		got := byRecipient(t, srv.received())
		if m, ok := got["awa@example.org"]; len(got) != 1 || !ok || !strings.HasPrefix(m.subject, "Veille Maroc") {
			t.Errorf("received %d messages; want only the maroc digest (liban has no news)", len(srv.received()))
		}
		liban, err := Load(f.ctx, f.c, "liban", day)
		if err != nil || !strings.Contains(liban.Text, "Rien de nouveau") || liban.SentAt != nil {
			t.Errorf("liban: %v, sent at %v", err, liban.SentAt)
		}
	})
}
