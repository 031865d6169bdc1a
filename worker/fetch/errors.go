package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ErrorKind classifies a failed fetch. The values are stable strings meant to
// be stored as a feed's last status and used as a metrics label; worker/parse
// uses the same vocabulary for the failures it detects (not_a_feed, malformed).
type ErrorKind string

const (
	KindInvalidURL       ErrorKind = "invalid_url"
	KindDNS              ErrorKind = "dns"
	KindConnect          ErrorKind = "connect"
	KindTLS              ErrorKind = "tls"
	KindTimeout          ErrorKind = "timeout"
	KindNetwork          ErrorKind = "network"
	KindHTTPStatus       ErrorKind = "http_status"
	KindTooLarge         ErrorKind = "too_large"
	KindTooManyRedirects ErrorKind = "too_many_redirects"
	KindBlockedAddress   ErrorKind = "blocked_address"
	KindBotChallenge     ErrorKind = "bot_challenge"
	KindBadEncoding      ErrorKind = "bad_encoding"
	KindCanceled         ErrorKind = "canceled"
)

// Error is the only error type Fetch returns. Error() is for logs (it names the
// URL and the cause); Message() is the short plain-words text for the API's
// lastError, which must not leak addresses, stacks or Go error strings.
type Error struct {
	Kind       ErrorKind
	URL        string
	StatusCode int // set for http_status and bot_challenge
	// RetryAfter is the server's Retry-After on 429 and 503, zero otherwise.
	// Feed it to NextAttempt.
	RetryAfter time.Duration
	Limit      int64 // the byte limit, for too_large
	Err        error // underlying cause, for logs
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("fetch %s: %s", e.URL, e.Kind)
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Message returns a short sentence suitable for showing to users.
func (e *Error) Message() string {
	switch e.Kind {
	case KindInvalidURL:
		return "The feed address is not a valid http or https URL."
	case KindDNS:
		return "The feed's host name could not be resolved."
	case KindConnect:
		return "Could not connect to the feed's server."
	case KindTLS:
		return "The feed's server has an invalid certificate or a failed secure handshake."
	case KindTimeout:
		return "The feed's server did not answer in time."
	case KindHTTPStatus:
		text := http.StatusText(e.StatusCode)
		if text == "" {
			return fmt.Sprintf("The feed's server answered HTTP %d.", e.StatusCode)
		}
		msg := fmt.Sprintf("The feed's server answered HTTP %d (%s).", e.StatusCode, text)
		if e.RetryAfter > 0 {
			msg += fmt.Sprintf(" It asked to retry after %s.", e.RetryAfter.Round(time.Second))
		}
		return msg
	case KindTooLarge:
		return fmt.Sprintf("The feed is larger than the %s limit.", formatBytes(e.Limit))
	case KindTooManyRedirects:
		return "The feed's address redirects too many times."
	case KindBlockedAddress:
		return "The feed's address points to a private or local network, which is not allowed."
	case KindBotChallenge:
		return "The feed's site answers with an anti-bot challenge page instead of the feed."
	case KindBadEncoding:
		return "The feed's server sent a corrupt compressed response."
	case KindCanceled:
		return "The fetch was interrupted."
	default:
		return "A network error occurred while fetching the feed."
	}
}

// KindOf returns the kind of a fetch error, or "" when err is not one.
func KindOf(err error) ErrorKind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return ""
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

var (
	errTooManyRedirects = errors.New("too many redirects")
	errTooLarge         = errors.New("body exceeds the size limit")
)

// classify turns a transport-level error into an *Error. parent is the
// caller's context: a deadline we imposed is a timeout, the caller's own
// cancellation is not the feed's fault and is reported as canceled.
func classify(parent context.Context, rawURL string, err error) *Error {
	e := &Error{URL: rawURL, Err: err}
	var (
		blocked *blockedAddressError
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
		recErr  tls.RecordHeaderError
		opErr   *net.OpError
		netErr  net.Error
	)
	switch {
	case parent.Err() != nil:
		e.Kind = KindCanceled
	case errors.As(err, &blocked):
		e.Kind = KindBlockedAddress
	case errors.Is(err, errTooManyRedirects):
		e.Kind = KindTooManyRedirects
	case errors.Is(err, errTooLarge):
		e.Kind = KindTooLarge
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind = KindTimeout
	case errors.As(err, &dnsErr):
		e.Kind = KindDNS
		if dnsErr.IsTimeout {
			e.Kind = KindTimeout
		}
	case errors.As(err, &certErr), errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &recErr):
		e.Kind = KindTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = KindTimeout
	case errors.As(err, &opErr) && opErr.Op == "dial":
		e.Kind = KindConnect
	default:
		e.Kind = KindNetwork
	}
	return e
}
