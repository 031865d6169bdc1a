package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want Config
		err  string
	}{
		{raw: "smtp://relay.example:587", want: Config{Host: "relay.example", Port: 587}},
		{raw: "smtp://veille:s%40cret@relay.example", want: Config{Host: "relay.example", Port: 25, Username: "veille", Password: "s@cret"}},
		{raw: "smtps://relay.example", want: Config{Host: "relay.example", Port: 465, ImplicitTLS: true}},
		{raw: "", err: "SMTP is not configured"},
		{raw: "http://relay.example", err: "want smtp:// or smtps://"},
		{raw: "smtp://relay.example:0", err: "bad port"},
		{raw: "smtp://:25", err: "host is missing"},
	} {
		got, err := ParseURL(c.raw)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error with %q", c.raw, err, c.err)
			}
			continue
		}
		got.Timeout = 0
		if err != nil || got != c.want {
			t.Errorf("%q: %+v %v, want %+v", c.raw, got, err, c.want)
		}
	}
}

func TestParseAddress(t *testing.T) {
	for _, ok := range []string{"awa@example.org", " ben.x+veille@mairie-rabat.ma "} {
		if _, err := ParseAddress(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "awa", "awa@localhost", "Awa <awa@example.org>", "jean..dupont@example.org", "a@b.org, c@d.org"} {
		if _, err := ParseAddress(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// tlsServer is a go-smtp server offering STARTTLS with a self-signed certificate and
// requiring AUTH PLAIN.
type tlsServer struct {
	mu       sync.Mutex
	tls      bool
	user     string
	data     string
	rejectTo string
}

func (s *tlsServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &authSession{s: s, c: c}, nil
}

type authSession struct {
	s    *tlsServer
	c    *smtp.Conn
	auth bool
}

func (ss *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (ss *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "veille" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		ss.auth = true
		ss.s.mu.Lock()
		ss.s.user = user
		ss.s.mu.Unlock()
		return nil
	}), nil
}
func (ss *authSession) Reset()        {}
func (ss *authSession) Logout() error { return nil }
func (ss *authSession) Mail(string, *smtp.MailOptions) error {
	if !ss.auth {
		return &smtp.SMTPError{Code: 530, Message: "authentication required"}
	}
	_, isTLS := ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.tls = isTLS
	ss.s.mu.Unlock()
	return nil
}
func (ss *authSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == ss.s.rejectTo {
		return &smtp.SMTPError{Code: 550, Message: "no such user"}
	}
	return nil
}
func (ss *authSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	ss.s.mu.Lock()
	ss.s.data = string(b)
	ss.s.mu.Unlock()
	return err
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestSTARTTLSAndAuth sends over a server that offers STARTTLS and requires AUTH: the
// session upgrades, authenticates with the URL's credentials, and tells a refused
// recipient (permanent) from a delivered message.
func TestSTARTTLSAndAuth(t *testing.T) {
	cert, pool := selfSigned(t)
	be := &tlsServer{rejectTo: "nobody@example.org"}
	srv := smtp.NewServer(be)
	srv.Domain = "127.0.0.1"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	defer func() { srv.Close(); <-done }()

	cfg, err := ParseURL("smtp://veille:s3cret@" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	s, err := New(cfg).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	msg := Message{From: "Veille <veille@coopdesk.example>", To: "awa@example.org", Subject: "Veille Algérie — jeudi",
		MessageID: "digest.algerie.2026-11-26.x@coopdesk.example", Text: "Bonjour", HTML: "<p>Bonjour</p>"}
	if err := s.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	be.mu.Lock()
	if !be.tls || be.user != "veille" || !strings.Contains(be.data, "Message-ID: <digest.algerie.2026-11-26.x@coopdesk.example>") ||
		!strings.Contains(be.data, "multipart/alternative") {
		t.Errorf("tls=%v user=%q data:\n%s", be.tls, be.user, be.data)
	}
	be.mu.Unlock()
	msg.To = "nobody@example.org"
	if err := s.Send(context.Background(), msg); Class(err) != ErrPermanent {
		t.Errorf("refused recipient: %v (%v), want permanent", err, Class(err))
	}
	msg.To = "awa@example.org"
	if err := s.Send(context.Background(), msg); err != nil {
		t.Errorf("the session goes on after a refusal: %v", err)
	}

	// A refused connection is temporary.
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := closed.Addr().String()
	closed.Close()
	bad, _ := ParseURL("smtp://" + addr)
	if _, err := New(bad).Open(context.Background()); Class(err) != ErrTemporary {
		t.Errorf("refused connection: %v, want temporary", err)
	}
}
