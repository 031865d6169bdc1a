// Package schema declares coopdesk's data model: every entity, edge, index and GraphQL
// annotation. Everything in ent/ and graph/ outside this folder is generated from it.
package schema

import (
	"regexp"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"
)

var (
	slugPattern  = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	iso2Pattern  = regexp.MustCompile(`^[A-Z]{2}$`)
	iso3Pattern  = regexp.MustCompile(`^[A-Z]{3}$`)
	emailPattern = regexp.MustCompile(`^[^@\s<>(),;:"\[\]]+@[^@\s<>(),;:"\[\]]+\.[^@\s<>(),;:"\[\]]{2,}$`)
	urlPattern   = regexp.MustCompile(`^https?://[^\s/$.?#][^\s]*$`)
	sirenPattern = regexp.MustCompile(`^[0-9]{9}$`)
	datePattern  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	phonePattern = regexp.MustCompile(`^\+?[0-9 ().\-]{4,30}$`)
)

// root annotations for an entity listed at the root of the API with Relay pagination,
// where filters, ordering and create/update mutation inputs.
func rootList() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// listEdge annotates a to-many edge as a Relay connection with filters and ordering.
func listEdge() schema.Annotation {
	return entgql.RelayConnection()
}

// name is a required, trimmed, bounded display name.
func name(key string, max int) ent.Field {
	return field.String(key).NotEmpty().MaxLen(max).
		Annotations(entgql.OrderField(upper(key)))
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// TimeMixin records when a record was created and last changed.
type TimeMixin struct{ mixin.Schema }

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("CREATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now).
			Annotations(entgql.OrderField("UPDATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// AuditMixin attributes a record to the users who created and last changed it; a hook
// fills both from the request's user, never from client input.
type AuditMixin struct{ mixin.Schema }

// Fields of the AuditMixin.
func (AuditMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Int("created_by_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("updated_by_id").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the AuditMixin.
func (AuditMixin) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("created_by", User.Type).Field("created_by_id").Unique().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		edge.To("updated_by", User.Type).Field("updated_by_id").Unique().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
	}
}

// Indexes of the AuditMixin: foreign-key columns are indexed (PostgreSQL does not do it).
func (AuditMixin) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("created_by_id"),
		index.Fields("updated_by_id"),
	}
}
