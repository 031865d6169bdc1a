package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Meeting is a réunion de groupe-pays, with its agenda and minutes.
type Meeting struct{ ent.Schema }

// Mixin of Meeting.
func (Meeting) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of Meeting.
func (Meeting) Fields() []ent.Field {
	return []ent.Field{
		name("title", 300),
		field.Time("starts_at").Annotations(entgql.OrderField("STARTS_AT")),
		field.String("place").Optional().MaxLen(300),
		field.String("online_url").Optional().MaxLen(2000).Match(urlPattern),
		field.Enum("status").Values("planned", "held", "cancelled").Default("planned").
			Annotations(entgql.OrderField("STATUS")),
		field.Text("minutes").Optional().MaxLen(200000).Comment("Markdown; served as safe HTML too"),
		field.Int("group_id"),
	}
}

// Edges of Meeting.
func (Meeting) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("group", CountryGroup.Type).Field("group_id").Unique().Required(),
		edge.From("agenda_items", AgendaItem.Type).Ref("meeting").Annotations(listEdge(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.To("attendee_authorities", LocalAuthority.Type).Annotations(listEdge()),
		edge.To("attendee_contacts", Contact.Type).Annotations(listEdge()),
	}
}

// Indexes of Meeting.
func (Meeting) Indexes() []ent.Index {
	return []ent.Index{index.Fields("group_id", "starts_at")}
}

// Annotations of Meeting.
func (Meeting) Annotations() []schema.Annotation { return rootList() }

// AgendaItem is one item of a meeting's ordre du jour.
type AgendaItem struct{ ent.Schema }

// Mixin of AgendaItem.
func (AgendaItem) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of AgendaItem.
func (AgendaItem) Fields() []ent.Field {
	return []ent.Field{
		name("title", 300),
		field.Int("position").NonNegative().Annotations(entgql.OrderField("POSITION")),
		field.Int("duration_minutes").Optional().Nillable().Positive().Max(24 * 60),
		field.Text("notes").Optional().MaxLen(10000),
		field.Int("meeting_id").Immutable(),
		field.Int("speaker_id").Optional().Nillable(),
	}
}

// Edges of AgendaItem.
func (AgendaItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("meeting", Meeting.Type).Field("meeting_id").Unique().Required().Immutable(),
		edge.To("speaker", Contact.Type).Field("speaker_id").Unique(),
	}
}

// Indexes of AgendaItem.
func (AgendaItem) Indexes() []ent.Index {
	return []ent.Index{index.Fields("meeting_id", "position"), index.Fields("speaker_id")}
}

// Annotations of AgendaItem.
func (AgendaItem) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate())}
}

// Training is a short training session (international action, calls for projects), with a
// dedicated Outre-mer track.
type Training struct{ ent.Schema }

// Mixin of Training.
func (Training) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of Training.
func (Training) Fields() []ent.Field {
	return []ent.Field{
		name("title", 300),
		field.Time("starts_at").Annotations(entgql.OrderField("STARTS_AT")),
		field.Enum("audience").Values("all", "outre_mer").Default("all").
			Annotations(entgql.OrderField("AUDIENCE")),
		field.String("topic").Optional().MaxLen(200),
		field.String("place").Optional().MaxLen(300),
		field.Text("description").Optional().MaxLen(20000),
		field.Int("capacity").Optional().Nillable().Positive(),
	}
}

// Edges of Training.
func (Training) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("registrations", TrainingRegistration.Type).Ref("training").Annotations(listEdge(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of Training.
func (Training) Indexes() []ent.Index {
	return []ent.Index{index.Fields("starts_at"), index.Fields("audience")}
}

// Annotations of Training.
func (Training) Annotations() []schema.Annotation { return rootList() }

// TrainingRegistration registers an authority and/or a contact to a training.
type TrainingRegistration struct{ ent.Schema }

// Mixin of TrainingRegistration.
func (TrainingRegistration) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of TrainingRegistration.
func (TrainingRegistration) Fields() []ent.Field {
	return []ent.Field{
		field.Time("registered_at").Default(time.Now).Annotations(entgql.OrderField("REGISTERED_AT")),
		field.Enum("status").Values("registered", "attended", "cancelled").Default("registered"),
		field.Int("training_id").Immutable(),
		field.Int("authority_id").Optional().Nillable(),
		field.Int("contact_id").Optional().Nillable(),
	}
}

// Edges of TrainingRegistration.
func (TrainingRegistration) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("training", Training.Type).Field("training_id").Unique().Required().Immutable(),
		edge.To("authority", LocalAuthority.Type).Field("authority_id").Unique(),
		edge.To("contact", Contact.Type).Field("contact_id").Unique(),
	}
}

// Indexes of TrainingRegistration.
func (TrainingRegistration) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("training_id", "authority_id", "contact_id").Unique(),
		index.Fields("authority_id"),
		index.Fields("contact_id"),
	}
}

// Annotations of TrainingRegistration.
func (TrainingRegistration) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate())}
}
