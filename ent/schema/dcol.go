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

// DossierStatuses lists the statuses of the DCOL status machine (see internal/dossier).
var DossierStatuses = []string{
	"draft", "submitted", "admissible", "inadmissible", "under_review",
	"accepted", "rejected", "deferred", "in_accompaniment", "completed", "abandoned",
}

// Dossier is an application to the DCOL support scheme, then its accompaniment.
type Dossier struct{ ent.Schema }

// Mixin of Dossier.
func (Dossier) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of Dossier.
func (Dossier) Fields() []ent.Field {
	return []ent.Field{
		name("title", 300),
		field.String("call").NotEmpty().MaxLen(100).Comment(`call for applications, e.g. "DCOL 2026"`).
			Annotations(entgql.OrderField("CALL")),
		field.Enum("support_kind").Values("strategy", "project").
			Comment("building an international strategy, or setting up a cooperation project"),
		field.Text("need").Optional().MaxLen(20000),
		field.Enum("status").Values(DossierStatuses...).Default("draft").
			Annotations(entgql.OrderField("STATUS"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Float("requested_amount").Optional().Nillable().Min(0),
		field.Float("granted_amount").Optional().Nillable().Min(0),
		field.Time("received_on").Optional().Nillable().Annotations(entgql.OrderField("RECEIVED_ON")),
		field.Time("decision_on").Optional().Nillable(),
		field.Time("accompaniment_start").Optional().Nillable(),
		field.Time("accompaniment_end").Optional().Nillable(),
		field.JSON("admissibility_checklist", map[string]any{}).Optional().Annotations(entgql.Type("Map")).
			Comment("admissibility criteria checked during instruction"),
		field.Text("review_notes").Optional().MaxLen(20000),
		field.Text("decision_comment").Optional().MaxLen(20000),
		field.Text("closing_note").Optional().MaxLen(20000).Comment("capitalisation at the end of the accompaniment"),
		field.Int("applicant_id"),
		field.Int("assignee_id").Optional().Nillable(),
		field.Int("consultant_contact_id").Optional().Nillable(),
		field.Int("consultant_organization_id").Optional().Nillable(),
		field.Int("partner_country_id").Optional().Nillable().
			Comment("for project support: the country of the cooperation project"),
		field.Int("partnership_id").Optional().Nillable().
			Comment("for project support: the partnership the project builds on, when it exists"),
	}
}

// Edges of Dossier.
func (Dossier) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("applicant", LocalAuthority.Type).Field("applicant_id").Unique().Required(),
		edge.From("assignee", User.Type).Ref("assigned_dossiers").Field("assignee_id").Unique(),
		edge.To("consultant_contact", Contact.Type).Field("consultant_contact_id").Unique(),
		edge.To("consultant_organization", Organization.Type).Field("consultant_organization_id").Unique(),
		edge.To("partner_country", Country.Type).Field("partner_country_id").Unique(),
		edge.To("partnership", Partnership.Type).Field("partnership_id").Unique(),
		edge.From("events", DossierEvent.Type).Ref("dossier").Annotations(listEdge(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("milestones", Milestone.Type).Ref("dossier").Annotations(listEdge(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of Dossier.
func (Dossier) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("status", "call"),
		index.Fields("call"),
		index.Fields("applicant_id"),
		index.Fields("assignee_id"),
		index.Fields("consultant_contact_id"),
		index.Fields("consultant_organization_id"),
		index.Fields("partner_country_id"),
		index.Fields("partnership_id"),
	}
}

// Annotations of Dossier.
func (Dossier) Annotations() []schema.Annotation { return rootList() }

// DossierEvent is one step of a dossier's history: a status transition with its author.
type DossierEvent struct{ ent.Schema }

// Fields of DossierEvent.
func (DossierEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("from_status").Values(DossierStatuses...).Optional().Nillable().Immutable(),
		field.Enum("to_status").Values(DossierStatuses...).Immutable(),
		field.Text("comment").Optional().MaxLen(10000).Immutable(),
		field.Time("at").Default(time.Now).Immutable().Annotations(entgql.OrderField("AT")),
		field.Int("dossier_id").Immutable(),
		field.Int("author_id").Optional().Nillable().Immutable(),
	}
}

// Edges of DossierEvent.
func (DossierEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("dossier", Dossier.Type).Field("dossier_id").Unique().Required().Immutable(),
		edge.To("author", User.Type).Field("author_id").Unique().Immutable(),
	}
}

// Indexes of DossierEvent.
func (DossierEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("dossier_id", "at"), index.Fields("author_id")}
}

// Annotations of DossierEvent: events are written by transitionDossier only.
func (DossierEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder()}
}

// Milestone is a dated step of an accompaniment (diagnostic, workshops, restitution…).
type Milestone struct{ ent.Schema }

// Mixin of Milestone.
func (Milestone) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of Milestone.
func (Milestone) Fields() []ent.Field {
	return []ent.Field{
		name("title", 300),
		field.Time("due_on").Annotations(entgql.OrderField("DUE_ON")),
		field.Time("done_at").Optional().Nillable(),
		field.String("deliverable_url").Optional().MaxLen(2000).Match(urlPattern),
		field.Int("dossier_id"),
	}
}

// Edges of Milestone.
func (Milestone) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("dossier", Dossier.Type).Field("dossier_id").Unique().Required(),
	}
}

// Indexes of Milestone.
func (Milestone) Indexes() []ent.Index {
	return []ent.Index{index.Fields("dossier_id", "due_on"), index.Fields("due_on", "done_at")}
}

// Annotations of Milestone.
func (Milestone) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate())}
}
