package errkind

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

type transitionError struct{}

func (transitionError) Error() string { return "cannot go from draft to accepted" }
func (transitionError) Kind() Kind    { return InvalidTransition }

func TestOf(t *testing.T) {
	notFound := New(NotFound, "no such feed")
	cases := []struct {
		name string
		err  error
		want Kind
	}{
		{"nil", nil, Internal},
		{"plain error", errors.New("driver: bad connection"), Internal},
		{"classified", notFound, NotFound},
		{"wrapped", fmt.Errorf("refresh 12: %w", notFound), NotFound},
		{"domain type", fmt.Errorf("dossier 4: %w", transitionError{}), InvalidTransition},
		{"cause hidden but reachable", Wrap(Unavailable, "the database is unavailable", io.ErrUnexpectedEOF), Unavailable},
	}
	for _, c := range cases {
		if got := Of(c.err); got != c.want {
			t.Errorf("%s: Of = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWrapKeepsCauseOutOfMessage(t *testing.T) {
	err := Wrap(Unavailable, "the database is unavailable; try again", errors.New("pq: terminating connection"))
	if err.Error() != "the database is unavailable; try again" {
		t.Fatalf("message = %q", err.Error())
	}
	if !errors.Is(fmt.Errorf("x: %w", err), err) || errors.Unwrap(err) == nil {
		t.Fatal("the cause must stay reachable")
	}
}

func TestFields(t *testing.T) {
	base := New(Conflict, "already exists")
	err := fmt.Errorf("create user: %w", base.WithFields("email"))
	if got := FieldsOf(err); len(got) != 1 || got[0] != "email" {
		t.Fatalf("FieldsOf = %v", got)
	}
	if FieldsOf(base) != nil {
		t.Fatal("WithFields must not change the original")
	}
	if !errors.Is(err, err) || Of(err) != Conflict {
		t.Fatal("kind lost")
	}
}
