package auth

import (
	"context"

	"coopdesk/ent"
)

// AuditHook attributes every create and update to the request's user: the created_by and
// updated_by edges of the records that have them are set here, never from client input.
func AuditHook() ent.Hook {
	type creator interface{ SetCreatedByID(int) }
	type updater interface{ SetUpdatedByID(int) }
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if p := FromContext(ctx); p != nil && p.UserID != 0 {
				if m.Op().Is(ent.OpCreate) {
					if c, ok := m.(creator); ok {
						c.SetCreatedByID(p.UserID)
					}
				}
				if m.Op().Is(ent.OpCreate | ent.OpUpdate | ent.OpUpdateOne) {
					if u, ok := m.(updater); ok {
						u.SetUpdatedByID(p.UserID)
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}
