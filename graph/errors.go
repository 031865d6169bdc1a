package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"coopdesk/ent"
	"coopdesk/internal/auth"
	"coopdesk/internal/deletion"
	"coopdesk/internal/dossier"
	"coopdesk/internal/errkind"
	"coopdesk/internal/meeting"
	"coopdesk/internal/search"
	"coopdesk/internal/training"
	"coopdesk/worker"
	"coopdesk/worker/digest"
	"coopdesk/worker/tagging"

	"github.com/99designs/gqlgen/graphql"
	"github.com/lib/pq"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Error codes carried in extensions.code.
const (
	CodeUnauthenticated   = "UNAUTHENTICATED"
	CodeForbidden         = "FORBIDDEN"
	CodeNotFound          = "NOT_FOUND"
	CodeBadInput          = "BAD_USER_INPUT"
	CodeConflict          = "ALREADY_EXISTS"
	CodeInvalidTransition = "INVALID_TRANSITION"
	CodeInternal          = "INTERNAL_SERVER_ERROR"
	CodeInUse             = "IN_USE"
)

var (
	errUnauthenticated = coded(CodeUnauthenticated, "a valid API token is required (Authorization: Bearer …)")
)

func coded(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var (
	sqliteUnique = regexp.MustCompile(`UNIQUE constraint failed: ([\w., ]+)`)
	pgKey        = regexp.MustCompile(`Key \(([^)]+)\)=`)
)

// PresentError turns any resolver error into a clear, typed GraphQL error. Database and
// internal details are logged, never sent to the client.
func PresentError(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Extensions["code"] != nil {
		return withPath(ctx, gqlErr)
	}
	out := presentKind(err)
	if out == nil {
		out = presentDomain(err)
	}
	if out == nil {
		if gqlErr != nil {
			// Parse and validation errors from gqlgen: keep them, they carry no internals.
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			if _, ok := gqlErr.Extensions["code"]; !ok {
				gqlErr.Extensions["code"] = CodeBadInput
			}
			if strings.Contains(gqlErr.Message, "strconv.") {
				// An ID or number that does not parse: say so without Go's wording.
				gqlErr.Message = "invalid value: an ID or a number was expected"
			}
			return withPath(ctx, gqlErr)
		}
		slog.ErrorContext(ctx, "graphql: internal error", "err", err, "path", graphql.GetPath(ctx).String())
		out = coded(CodeInternal, "internal error; it has been logged")
	}
	return withPath(ctx, out)
}

func withPath(ctx context.Context, e *gqlerror.Error) *gqlerror.Error {
	if e.Path == nil {
		e.Path = graphql.GetPath(ctx)
	}
	return e
}

func presentDomain(err error) *gqlerror.Error {
	var (
		transition *dossier.TransitionError
		validation *ent.ValidationError
		notFound   *ent.NotFoundError
		notSingle  *ent.NotSingularError
		constraint *ent.ConstraintError
		inUse      *deletion.InUseError
		incomplete *dossier.IncompleteError
	)
	switch {
	case errors.As(err, &transition):
		return coded(CodeInvalidTransition, transition.Error())
	case errors.As(err, &inUse):
		return coded(CodeInUse, inUse.Error())
	case errors.As(err, &incomplete):
		return coded(CodeBadInput, incomplete.Error())
	case errors.Is(err, meeting.ErrAgendaMismatch), errors.Is(err, training.ErrNoParticipant):
		return coded(CodeBadInput, err.Error())
	case errors.Is(err, training.ErrDuplicate):
		return coded(CodeConflict, err.Error())
	case errors.Is(err, worker.ErrInvalidFeed), errors.Is(err, tagging.ErrBadRule):
		return coded(CodeBadInput, err.Error())
	case errors.Is(err, worker.ErrDuplicateFeed):
		e := coded(CodeConflict, "already exists: "+err.Error())
		e.Extensions["fields"] = []string{"url"}
		return e
	case errors.Is(err, worker.ErrFeedNotFound):
		return coded(CodeNotFound, err.Error())
	case errors.Is(err, worker.ErrFeedBusy):
		return coded(CodeConflict, err.Error())
	case errors.Is(err, digest.ErrUnknownGroup), errors.Is(err, digest.ErrBadDate), errors.Is(err, digest.ErrUnknownTopic), errors.Is(err, digest.ErrNoEmail):
		return coded(CodeBadInput, err.Error())
	case errors.Is(err, search.ErrQueryTooLong), errors.Is(err, search.ErrTooManyTerms), errors.Is(err, search.ErrNoWords),
		errors.Is(err, search.ErrOnlyStopWords), errors.Is(err, search.ErrOnlyExcluded), errors.Is(err, search.ErrInvalidFirst),
		errors.Is(err, search.ErrInvalidCursor), errors.Is(err, search.ErrInvalidFilter), errors.Is(err, search.ErrSavedSearchName):
		return coded(CodeBadInput, err.Error())
	case errors.Is(err, search.ErrSavedSearchTaken):
		return coded(CodeConflict, "already exists: "+err.Error())
	case errors.Is(err, search.ErrSavedSearchNotFound):
		return coded(CodeNotFound, err.Error())
	case errors.Is(err, search.ErrNotSignedIn):
		return coded(CodeUnauthenticated, err.Error())
	case errors.Is(err, tagging.ErrArticleNotFound):
		return coded(CodeNotFound, err.Error())
	case errors.Is(err, tagging.ErrInvalidKind), errors.Is(err, tagging.ErrUnknownValue):
		return coded(CodeBadInput, err.Error())
	case errors.Is(err, dossier.ErrConcurrentChange):
		return coded(CodeConflict, err.Error())
	case errors.Is(err, auth.ErrInvalidToken):
		return coded(CodeUnauthenticated, err.Error())
	case errors.As(err, &validation):
		return coded(CodeBadInput, validationMessage(validation))
	case errors.As(err, &notFound):
		return coded(CodeNotFound, fmt.Sprintf("no %s with this id", humanLabel(notFound)))
	case errors.As(err, &notSingle):
		return coded(CodeBadInput, "the request matched several records where one was expected")
	case errors.As(err, &constraint):
		return constraintError(constraint)
	}
	if strings.Contains(err.Error(), "cannot start a transaction") {
		return nil
	}
	return nil
}

// codeOfKind is the one mapping of domain error kinds to GraphQL error codes.
var codeOfKind = map[errkind.Kind]string{
	errkind.Invalid:           CodeBadInput,
	errkind.NotFound:          CodeNotFound,
	errkind.Conflict:          CodeConflict,
	errkind.InUse:             CodeInUse,
	errkind.Forbidden:         CodeForbidden,
	errkind.Unauthenticated:   CodeUnauthenticated,
	errkind.InvalidTransition: CodeInvalidTransition,
}

// presentKind maps an error classified by its domain package (see errkind); nil when the
// error carries no kind.
func presentKind(err error) *gqlerror.Error {
	code, ok := codeOfKind[errkind.Of(err)]
	if !ok {
		return nil
	}
	e := coded(code, err.Error())
	if fields := errkind.FieldsOf(err); fields != nil {
		e.Extensions["fields"] = fields
	}
	return e
}

func humanLabel(e *ent.NotFoundError) string {
	// "ent: country not found" → "country"
	msg := strings.TrimPrefix(e.Error(), "ent: ")
	return strings.TrimSuffix(msg, " not found")
}

func validationMessage(v *ent.ValidationError) string {
	name := v.Name
	inner := errors.Unwrap(v)
	reason := "is not valid"
	if inner != nil {
		r := inner.Error()
		switch {
		case strings.Contains(r, "value is less than the required length"), strings.Contains(r, "empty"):
			reason = "must not be empty"
		case strings.Contains(r, "value is greater than the required length"):
			reason = "is too long"
		case strings.Contains(r, "does not match regex"), strings.Contains(r, "format"):
			reason = "is not in the expected format"
		case strings.Contains(r, "invalid enum value"):
			reason = "is not one of the allowed values"
		case strings.Contains(r, "value out of range"):
			reason = "is out of range"
		}
	}
	return fmt.Sprintf("field %q %s", camel(name), reason)
}

func constraintError(c *ent.ConstraintError) *gqlerror.Error {
	msg := c.Error()
	var pqErr *pq.Error
	if errors.As(c, &pqErr) {
		switch pqErr.Code {
		case "23505":
			if m := pgKey.FindStringSubmatch(pqErr.Detail); m != nil {
				return duplicate(strings.Split(m[1], ", "))
			}
			return duplicate(nil)
		case "23503":
			return coded(CodeBadInput, "the record refers to another record that does not exist, or is still referred to by others")
		}
	}
	if m := sqliteUnique.FindStringSubmatch(msg); m != nil {
		var cols []string
		for _, qualified := range strings.Split(m[1], ",") {
			qualified = strings.TrimSpace(qualified)
			if i := strings.LastIndex(qualified, "."); i >= 0 {
				qualified = qualified[i+1:]
			}
			cols = append(cols, qualified)
		}
		return duplicate(cols)
	}
	if strings.Contains(msg, "FOREIGN KEY constraint failed") {
		return coded(CodeBadInput, "the record refers to another record that does not exist, or is still referred to by others")
	}
	return coded(CodeConflict, "the change conflicts with existing records")
}

func duplicate(cols []string) *gqlerror.Error {
	var fields []string
	for _, c := range cols {
		c = strings.TrimSuffix(c, "_id")
		fields = append(fields, camel(c))
	}
	e := coded(CodeConflict, "already exists: another record has the same "+strings.Join(fields, " + "))
	if len(fields) == 0 {
		e.Message = "already exists: another record has the same unique value"
	}
	e.Extensions["fields"] = fields
	return e
}

// camel turns a column name (name_fr) into its GraphQL field name (nameFr).
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
