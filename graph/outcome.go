package graph

import (
	"context"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Outcome tells the HTTP layer what the GraphQL request turned out to be, for the response
// cache: only a query that succeeded may be replayed.
type Outcome struct {
	query  atomic.Bool
	failed atomic.Bool
}

type outcomeKey struct{}

// WithOutcome returns a context in which the handler records the request's outcome.
func WithOutcome(ctx context.Context) (context.Context, *Outcome) {
	o := &Outcome{}
	return context.WithValue(ctx, outcomeKey{}, o), o
}

// CacheableQuery reports whether the request was a query operation without errors.
func (o *Outcome) CacheableQuery() bool { return o.query.Load() && !o.failed.Load() }

func recordOutcome(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	o, _ := ctx.Value(outcomeKey{}).(*Outcome)
	if o == nil {
		return next(ctx)
	}
	if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Query {
		o.query.Store(true)
	}
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if resp == nil || len(resp.Errors) > 0 {
			o.failed.Store(true)
		}
		return resp
	}
}
