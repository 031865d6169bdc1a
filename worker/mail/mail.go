// Package mail sends coopdesk's e-mails over SMTP (COOPDESK_SMTP_URL) and says, for every
// failure, whether the message certainly did not leave (retry later or give up) or may have
// left (never retry: the digest's promise is "never twice").
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one e-mail: a plain-text body and, when HTML is set, an HTML alternative
// (multipart/alternative, text first so that the richest part comes last as RFC 2046 wants).
type Message struct {
	From      string // address, optionally with a display name: "Veille <veille@example.org>"
	To        string // one bare address
	Subject   string
	MessageID string // without angle brackets; deterministic ids let clients drop duplicates
	Date      time.Time
	Text      string
	HTML      string
	Headers   map[string]string // extra headers, e.g. List-Id
}

// Outcome classes of a failed send.
var (
	// ErrTemporary: the message did not leave (connection refused, 4xx reply): try again later.
	ErrTemporary = errors.New("temporary failure")
	// ErrPermanent: the message did not leave and never will as it is (5xx reply, invalid address).
	ErrPermanent = errors.New("permanent failure")
	// ErrUncertain: the connection broke while the message was being handed over: it may
	// have been delivered. Retrying risks a duplicate.
	ErrUncertain = errors.New("uncertain outcome")
)

// Class returns ErrTemporary, ErrPermanent or ErrUncertain for an error returned by a
// Session, and nil for nil. Unclassified errors count as temporary: they come from before
// any message data was written.
func Class(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUncertain):
		return ErrUncertain
	case errors.Is(err, ErrPermanent):
		return ErrPermanent
	default:
		return ErrTemporary
	}
}

// Config is where and how to send.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	// ImplicitTLS is smtps:// (TLS from the first byte); otherwise STARTTLS is used when
	// the server offers it (opportunistic), plain SMTP when it does not.
	ImplicitTLS bool
	Timeout     time.Duration
	TLSConfig   *tls.Config // optional, e.g. a test CA
}

// ParseURL reads smtp://user:pass@host:port (port 25 by default) or smtps://… (465).
func ParseURL(raw string) (Config, error) {
	if strings.TrimSpace(raw) == "" {
		return Config{}, errors.New("SMTP is not configured: set COOPDESK_SMTP_URL to smtp://user:pass@host:port")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("COOPDESK_SMTP_URL: not a URL: %w", err)
	}
	c := Config{Host: u.Hostname(), Timeout: 30 * time.Second}
	switch u.Scheme {
	case "smtp":
		c.Port = 25
	case "smtps":
		c.Port, c.ImplicitTLS = 465, true
	default:
		return Config{}, fmt.Errorf("COOPDESK_SMTP_URL: want smtp:// or smtps://, got %q", u.Scheme+"://")
	}
	if c.Host == "" {
		return Config{}, errors.New("COOPDESK_SMTP_URL: the host is missing")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return Config{}, fmt.Errorf("COOPDESK_SMTP_URL: bad port %q", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c, nil
}

// SMTP opens sessions on one server.
type SMTP struct {
	cfg Config
}

// New returns an SMTP sender; nothing is dialled until Open.
func New(cfg Config) *SMTP {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg}
}

// Session is one SMTP connection on which messages are sent one at a time, so that the
// caller can record each outcome before the next message leaves.
type Session interface {
	Send(ctx context.Context, m Message) error
	Close() error
}

// Open connects (and says EHLO, STARTTLS when offered, AUTH when configured). A failure
// here is always ErrTemporary: nothing was sent.
func (s *SMTP) Open(ctx context.Context) (Session, error) {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSPolicy(gomail.TLSOpportunistic),
	}
	if s.cfg.ImplicitTLS {
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.cfg.TLSConfig))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp %s:%d: %w: %w", s.cfg.Host, s.cfg.Port, ErrTemporary, err)
	}
	if err := c.DialWithContext(ctx); err != nil {
		return nil, fmt.Errorf("smtp %s:%d: connect: %w: %w", s.cfg.Host, s.cfg.Port, ErrTemporary, err)
	}
	return &session{client: c}, nil
}

type session struct {
	client *gomail.Client
}

func (s *session) Close() error { return s.client.Close() }

// Send hands one message over. A reply of the server before the data was accepted decides
// between temporary (4xx) and permanent (5xx); a broken connection while the data was being
// written or acknowledged is uncertain.
func (s *session) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("send to %s: %w: %w", m.To, ErrTemporary, err)
	}
	msg, err := build(m)
	if err != nil {
		return fmt.Errorf("send to %s: %w: %w", m.To, ErrPermanent, err)
	}
	err = s.client.Send(msg)
	if msg.IsDelivered() {
		// The server acknowledged the data; a later RSET failure does not undo that.
		return nil
	}
	if err == nil {
		return nil
	}
	return fmt.Errorf("send to %s: %w: %w", m.To, classify(err), err)
}

func classify(err error) error {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return ErrTemporary
	}
	code := se.ErrorCode()
	switch se.Reason {
	case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
		return ErrPermanent
	case gomail.ErrWriteContent, gomail.ErrSMTPDataClose:
		if code == 0 {
			return ErrUncertain
		}
	}
	switch {
	case code >= 500:
		return ErrPermanent
	default:
		return ErrTemporary
	}
}

// build turns m into a go-mail message: UTF-8, quoted-printable, the given Message-ID.
func build(m Message) (*gomail.Msg, error) {
	if _, err := ParseAddress(m.To); err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithNoDefaultUserAgent())
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("sender %q: %w", m.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	if m.Date.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(m.Date)
	}
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// ParseAddress checks that s is one bare e-mail address (no display name, no list) and
// returns it trimmed.
func ParseAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", fmt.Errorf("invalid e-mail address %q", s)
	}
	return s, nil
}
