package graph

import (
	"context"
	"time"

	"coopdesk/ent"
	"coopdesk/internal/countrygroup"

	"github.com/vikstrous/dataloadgen"
)

// loaders batch per request the lookups that entgql cannot eager-load (computed lists such
// as a group's members), so that a list of groups costs a fixed number of statements.
type loaders struct {
	members *dataloadgen.Loader[int, []countrygroup.Member]
	desks   *dataloadgen.Loader[int, []*ent.Organization]
}

type loadersKey struct{}

func withLoaders(ctx context.Context, client *ent.Client) context.Context {
	l := &loaders{
		members: dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([][]countrygroup.Member, []error) {
			m, err := countrygroup.Members(ctx, client, ids)
			return byKey(ids, m, err)
		}, dataloadgen.WithWait(200*time.Microsecond)),
		desks: dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([][]*ent.Organization, []error) {
			m, err := countrygroup.Desks(ctx, client, ids)
			return byKey(ids, m, err)
		}, dataloadgen.WithWait(200*time.Microsecond)),
	}
	return context.WithValue(ctx, loadersKey{}, l)
}

func loadersFrom(ctx context.Context, client *ent.Client) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	return withLoaders(ctx, client).Value(loadersKey{}).(*loaders)
}

func byKey[V any](ids []int, m map[int]V, err error) ([]V, []error) {
	out := make([]V, len(ids))
	if err != nil {
		errs := make([]error, len(ids))
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}
	for i, id := range ids {
		out[i] = m[id]
	}
	return out, nil
}
