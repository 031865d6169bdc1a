// Package errkind classifies the errors of coopdesk's domain packages, so that each door
// (GraphQL, the web pages, the CLI) maps a kind to its own wording once, instead of knowing
// every package's errors.
//
// A domain package declares its errors with a kind:
//
//	var ErrDuplicate = errkind.New(errkind.Conflict, "this participant is already registered")
//
// or gives its own error type a `Kind() errkind.Kind` method. Callers may wrap them with
// fmt.Errorf("…: %w", err); errors.Is and errors.As keep working. A door shows the text of a
// classified error chain to the user, so a domain package never puts driver or internal text
// into a classified error's message; anything unclassified is Internal: logged, never shown.
package errkind

import "errors"

// Kind is what went wrong, from the caller's point of view.
type Kind uint8

// The kinds. Internal is the zero value: an error nobody classified is an internal one.
const (
	// Internal: a fault of the server or its database; the caller can do nothing about it.
	Internal Kind = iota
	// Invalid: the input is wrong, and the message says how.
	Invalid
	// NotFound: the record asked for does not exist (or the caller may not know it does).
	NotFound
	// Conflict: the record already exists, or it changed meanwhile.
	Conflict
	// InUse: refused while other records depend on it; the message names them.
	InUse
	// Forbidden: the caller's role does not allow it.
	Forbidden
	// Unauthenticated: no valid credentials.
	Unauthenticated
	// InvalidTransition: the status machine does not allow this step.
	InvalidTransition
	// Unavailable: a temporary failure (the database went away); trying again may work.
	Unavailable
)

var names = [...]string{
	Internal:          "internal",
	Invalid:           "invalid",
	NotFound:          "not found",
	Conflict:          "conflict",
	InUse:             "in use",
	Forbidden:         "forbidden",
	Unauthenticated:   "unauthenticated",
	InvalidTransition: "invalid transition",
	Unavailable:       "unavailable",
}

func (k Kind) String() string {
	if int(k) < len(names) {
		return names[k]
	}
	return "unknown"
}

// Error is a classified error.
type Error struct {
	kind Kind
	msg  string
	// Fields names the input fields concerned, when there are some (GraphQL field names).
	Fields []string
	err    error
}

// New returns an error of kind k with the user-facing message msg.
func New(k Kind, msg string) *Error { return &Error{kind: k, msg: msg} }

// Wrap returns an error of kind k with the message msg whose cause is err: errors.Is and
// errors.As reach err, but err's text is not part of the message.
func Wrap(k Kind, msg string, err error) *Error { return &Error{kind: k, msg: msg, err: err} }

// WithFields returns a copy of e naming the input fields concerned.
func (e *Error) WithFields(fields ...string) *Error {
	c := *e
	c.Fields = fields
	return &c
}

func (e *Error) Error() string { return e.msg }

// Unwrap returns the cause given to Wrap, if any.
func (e *Error) Unwrap() error { return e.err }

// Kind returns e's kind.
func (e *Error) Kind() Kind { return e.kind }

// kinded is any error that knows its kind: *Error, or a domain type with a Kind method.
type kinded interface {
	error
	Kind() Kind
}

// Of returns the kind of the first error in err's chain that has one, and Internal when none
// has (or err is nil).
func Of(err error) Kind {
	var k kinded
	if errors.As(err, &k) {
		return k.Kind()
	}
	return Internal
}

// FieldsOf returns the input fields named by the first *Error in err's chain that names some.
func FieldsOf(err error) []string {
	for err != nil {
		if e, ok := err.(*Error); ok && len(e.Fields) > 0 {
			return e.Fields
		}
		err = errors.Unwrap(err)
	}
	return nil
}
