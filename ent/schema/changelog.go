package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ChangeLogEntry records one create, update or delete of a domain record: who, when, and
// which fields changed from what to what. Personal data of contacts is never copied here,
// so that erasing a contact erases the person.
type ChangeLogEntry struct{ ent.Schema }

// Fields of ChangeLogEntry.
func (ChangeLogEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Time("at").Default(time.Now).Immutable().Annotations(entgql.OrderField("AT")),
		field.Enum("action").Values("create", "update", "delete").Immutable(),
		field.String("entity_type").MaxLen(64).Immutable().Comment("the GraphQL type, e.g. Partnership"),
		field.Int("entity_id").Immutable(),
		field.String("label").Optional().MaxLen(300).Comment("a readable name of the record at the time"),
		field.JSON("changes", map[string]any{}).Optional().Annotations(entgql.Type("Map")).
			Comment("field → {old, new}"),
		field.Int("actor_id").Optional().Nillable().Immutable(),
		field.String("actor_name").Optional().MaxLen(200).Immutable(),
	}
}

// Indexes of ChangeLogEntry.
func (ChangeLogEntry) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("entity_type", "entity_id", "at"),
		index.Fields("at"),
		index.Fields("actor_id"),
	}
}

// Annotations of ChangeLogEntry: admins only.
func (ChangeLogEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField("changeLog").Directives(entgql.NewDirective("hasRole", roleArg("ADMIN"))),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}
