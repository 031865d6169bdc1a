package graph

import (
	"context"
	"fmt"

	"coopdesk/graph/model"
	"coopdesk/internal/auth"

	"github.com/99designs/gqlgen/graphql"
)

func roleOf(r model.Role) auth.Role {
	switch r {
	case model.RoleAdmin:
		return auth.Admin
	case model.RoleStaff:
		return auth.Staff
	}
	return auth.Viewer
}

// hasRole guards fields reserved to a role and above.
func hasRole(ctx context.Context, _ any, next graphql.Resolver, role model.Role) (any, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, errUnauthenticated
	}
	if !auth.Allows(p.Role, roleOf(role)) {
		return nil, coded(CodeForbidden, fmt.Sprintf("this needs the %s role; your token has %s", roleOf(role), p.Role))
	}
	return next(ctx)
}

// personalData hides contacts' personal data from viewers: they get null.
func personalData(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	p := auth.FromContext(ctx)
	if p == nil || !auth.Allows(p.Role, auth.Staff) {
		return nil, nil
	}
	return next(ctx)
}
