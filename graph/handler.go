package graph

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"coopdesk/internal/auth"
	"coopdesk/internal/database"
	"coopdesk/internal/search"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Options are the GraphQL server's limits and switches.
type Options struct {
	Introspection bool
	// AllowPrivateFeeds: see Resolver.
	AllowPrivateFeeds bool
	// Location is the time zone of digest dates.
	Location  *time.Location
	MaxDepth  int
	MaxCost   int
	MaxTokens int
	// Observe, when set, is told each operation's name, type, outcome and duration (metrics).
	Observe func(operation, kind string, errors int, d time.Duration)
}

// NewHandler builds the GraphQL-over-HTTP handler (POST and GET) on db.
func NewHandler(db *database.DB, opt Options) *handler.Server {
	client := db.Client
	schema := NewExecutableSchema(Config{
		Resolvers: &Resolver{Client: client, DB: db, Search: search.New(db), AllowPrivateFeeds: opt.AllowPrivateFeeds, Location: opt.Location},
		Directives: DirectiveRoot{
			HasRole:      hasRole,
			PersonalData: personalData,
		},
	})
	srv := handler.New(schema)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if opt.MaxTokens > 0 {
		srv.SetParserTokenLimit(opt.MaxTokens)
	}
	if opt.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(Limits{MaxDepth: opt.MaxDepth, MaxCost: opt.MaxCost})
	srv.Use(roleGuard{})
	srv.Use(transactioner{entgql.Transactioner{TxOpener: client}})
	srv.SetErrorPresenter(PresentError)
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		slog.ErrorContext(ctx, "graphql: panic", "panic", fmt.Sprint(v), "path", graphql.GetPath(ctx).String(), "stack", string(debug.Stack()))
		return coded(CodeInternal, "internal error; it has been logged")
	})
	srv.AroundFields(DefaultPage)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(withLoaders(ctx, client))
	})
	srv.AroundOperations(recordOutcome)
	if opt.Observe != nil {
		srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
			oc := graphql.GetOperationContext(ctx)
			start := time.Now()
			name, kind := oc.OperationName, "query"
			if oc.Operation != nil {
				kind = string(oc.Operation.Operation)
				if name == "" {
					name = oc.Operation.Name
				}
			}
			h := next(ctx)
			return func(ctx context.Context) *graphql.Response {
				resp := h(ctx)
				if resp != nil {
					opt.Observe(name, kind, len(resp.Errors), time.Since(start))
				}
				return resp
			}
		})
	}
	return srv
}

// roleGuard requires a token for every operation and the staff role for mutations.
type roleGuard struct{}

func (roleGuard) ExtensionName() string                          { return "RoleGuard" }
func (roleGuard) Validate(schema graphql.ExecutableSchema) error { return nil }

func (roleGuard) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	p := auth.FromContext(ctx)
	if p == nil {
		return errUnauthenticated
	}
	if oc.Operation != nil && oc.Operation.Operation == ast.Mutation && !auth.Allows(p.Role, auth.Staff) {
		return coded(CodeForbidden, fmt.Sprintf("changes need the staff or admin role; your token has %s", p.Role))
	}
	return nil
}

// transactioner runs each mutation in one transaction (entgql.Transactioner), and passes
// through the responses of requests that never became an operation (a malformed body),
// on which entgql's version panics.
type transactioner struct{ entgql.Transactioner }

func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	return t.Transactioner.InterceptResponse(ctx, next)
}
