package graph

import (
	"context"

	"coopdesk/ent"
)

// Resolver is the root resolver; it holds what resolvers need and nothing else.
type Resolver struct {
	Client *ent.Client
}

// client returns the transaction of the current mutation (see entgql.Transactioner) or the
// plain client for queries.
func (r *Resolver) client(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.Client
}
