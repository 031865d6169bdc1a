package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// inbox is a loopback SMTP server that keeps the recipients of what it receives.
type inbox struct {
	mu  sync.Mutex
	rcp []string
}

func (in *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &inboxSession{in: in}, nil }

type inboxSession struct {
	in *inbox
	to []string
}

func (s *inboxSession) Reset()                               { s.to = nil }
func (s *inboxSession) Logout() error                        { return nil }
func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *inboxSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.in.mu.Lock()
	s.in.rcp = append(s.in.rcp, s.to...)
	s.in.mu.Unlock()
	return nil
}

// TestDigestCommand builds, prints and sends a digest in-process on SQLite, and checks the
// usage errors (exit status 2).
func TestDigestCommand(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in := &inbox{}
	srv := smtp.NewServer(in)
	srv.Domain = "localhost"
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	defer func() { srv.Close(); <-done }()

	today := time.Now().In(mustParis(t)).Format(time.DateOnly)
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		env := Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			switch k {
			case "COOPDESK_DATABASE_URL":
				return "sqlite:" + filepath.Join(dir, "c.db")
			case "COOPDESK_SMTP_URL":
				return "smtp://" + ln.Addr().String()
			case "COOPDESK_MAIL_FROM":
				return "Veille <veille@coopdesk.example>"
			case "COOPDESK_LOG_LEVEL":
				return "error"
			}
			return ""
		}}
		code := Run(context.Background(), append([]string{"digest"}, args...), env)
		return code, out.String(), errb.String()
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--date", today}, "--group is required"},
		{[]string{"--group", "maroc", "--date", "26/11/2026"}, "malformed date"},
		{[]string{"--group", "maroc", "--date", "2026-02-30"}, "no such day"},
		{[]string{"--group", "maroc", "--date", "2999-01-01"}, "in the future"},
		{[]string{"--group", "maroc", "--format", "pdf"}, "--format wants text, html or md"},
		{[]string{"--group", "maroc", "--to", "pas une adresse"}, "invalid e-mail address"},
		{[]string{"--group", "atlantide", "--date", today}, `unknown group "atlantide" (known groups: algerie, liban, maroc, tunisie)`},
	} {
		code, _, errOut := run(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("digest %v: exit %d, %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}

	code, out, errOut := run("--group", "liban", "--date", today, "--format", "md")
	if code != 0 || !strings.HasPrefix(out, "# Veille Liban — ") || !strings.Contains(out, "Rien de nouveau") {
		t.Errorf("md: exit %d, %q, %s", code, out, errOut)
	}
	code, out, errOut = run("--group", "liban", "--date", today, "--to", "awa@example.org", "--to", "ben@example.org,awa@example.org")
	if code != 0 || !strings.Contains(out, "VEILLE LIBAN") || !strings.Contains(errOut, "2 sent, 0 failed") {
		t.Errorf("send: exit %d, %q, %s", code, out, errOut)
	}
	// Sending again reaches nobody twice.
	code, _, errOut = run("--group", "liban", "--date", today, "--send", "--to", "awa@example.org")
	if code != 0 || !strings.Contains(errOut, "already being sent") {
		t.Errorf("second send: exit %d, %s", code, errOut)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if strings.Join(in.rcp, ",") != "awa@example.org,ben@example.org" {
		t.Errorf("received by %v, want awa and ben once each", in.rcp)
	}
}

func mustParis(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
