// Package graph is coopdesk's GraphQL layer: the gqlgen executable schema (generated) and
// the resolvers, which stay thin and call ent or the domain packages.
package graph

//go:generate sh -c "cd .. && go run ./internal/gqlgencmd"
