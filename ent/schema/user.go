package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a member of staff (or a dashboard account) who uses the API through tokens.
type User struct{ ent.Schema }

// Mixin of User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		name("name", 200),
		field.String("email").Optional().MaxLen(254).Match(emailPattern).
			Annotations(entgql.Directives(entgql.NewDirective("personalData")), entgql.Skip(entgql.SkipWhereInput)),
		field.Enum("role").Values("admin", "staff", "viewer").Default("viewer").
			Annotations(entgql.OrderField("ROLE")),
		field.Bool("disabled").Default(false),
	}
}

// Edges of User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("tokens", APIToken.Type).Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("assigned_dossiers", Dossier.Type).Annotations(listEdge()),
		edge.To("coordinated_groups", CountryGroup.Type),
		edge.To("subscriptions", DigestSubscription.Type).Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("saved_searches", SavedSearch.Type).Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of User.
func (User) Indexes() []ent.Index {
	return []ent.Index{index.Fields("email").Unique()}
}

// Annotations of User: only admins list and manage users.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField().Directives(entgql.NewDirective("hasRole", roleArg("ADMIN"))),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// APIToken is a bearer token; only its SHA-256 digest is stored.
type APIToken struct{ ent.Schema }

// Mixin of APIToken.
func (APIToken) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of APIToken.
func (APIToken) Fields() []ent.Field {
	return []ent.Field{
		name("name", 200),
		field.String("hash").NotEmpty().Unique().Immutable().Sensitive().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("prefix").NotEmpty().MaxLen(16).Immutable(),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("expires_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Edges of APIToken.
func (APIToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("tokens").Unique().Required().Immutable(),
	}
}

// Indexes of APIToken.
func (APIToken) Indexes() []ent.Index {
	return []ent.Index{index.Edges("user")}
}

// Annotations of APIToken: tokens are created by the CLI or an admin mutation, never listed
// to non-admins.
func (APIToken) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField().Directives(entgql.NewDirective("hasRole", roleArg("ADMIN"))),
		entgql.RelayConnection(),
	}
}
