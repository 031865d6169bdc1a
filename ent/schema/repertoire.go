package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Partnership is a decentralised cooperation link between French and partner authorities.
type Partnership struct{ ent.Schema }

// Mixin of Partnership.
func (Partnership) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of Partnership.
func (Partnership) Fields() []ent.Field {
	return []ent.Field{
		name("title", 300),
		field.Enum("kind").Values("jumelage", "convention_cooperation", "action_ponctuelle", "reseau_programme").
			Annotations(entgql.OrderField("KIND")),
		field.Enum("status").Values("active", "dormant", "ended", "project").Default("active").
			Annotations(entgql.OrderField("STATUS")),
		field.Time("signed_on").Optional().Nillable().Annotations(entgql.OrderField("SIGNED_ON")),
		field.Time("start_on").Optional().Nillable().Annotations(entgql.OrderField("START_ON")),
		field.Time("end_on").Optional().Nillable(),
		field.Text("description").Optional().MaxLen(20000),
		field.Float("budget").Optional().Nillable().Min(0).Comment("in euros"),
		field.String("reference").Optional().Nillable().MaxLen(100).
			Comment("source or reference id, the key of imports"),
		field.String("source").Optional().MaxLen(100).Comment("where the record came from, e.g. atlas"),
	}
}

// Edges of Partnership.
func (Partnership) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("french_authorities", LocalAuthority.Type).Annotations(listEdge()),
		edge.To("partner_authorities", LocalAuthority.Type).Annotations(listEdge()),
		edge.To("themes", Theme.Type).Annotations(listEdge()),
		edge.To("funders", Organization.Type).Annotations(listEdge()),
		edge.To("contacts", Contact.Type).Annotations(listEdge()),
	}
}

// Indexes of Partnership.
func (Partnership) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("reference").Unique(),
		index.Fields("status"),
		index.Fields("kind"),
	}
}

// Annotations of Partnership.
func (Partnership) Annotations() []schema.Annotation { return rootList() }

// Theme is a field of cooperation (eau et assainissement, culture…).
type Theme struct{ ent.Schema }

// Fields of Theme.
func (Theme) Fields() []ent.Field {
	return []ent.Field{
		field.String("slug").Unique().MaxLen(64).Match(slugPattern).Annotations(entgql.OrderField("SLUG")),
		name("label", 200),
	}
}

// Edges of Theme.
func (Theme) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("partnerships", Partnership.Type).Ref("themes").Annotations(listEdge()),
	}
}

// Annotations of Theme.
func (Theme) Annotations() []schema.Annotation { return rootList() }

// Organization is an embassy, ministry, consultancy, funder or other body.
type Organization struct{ ent.Schema }

// Mixin of Organization.
func (Organization) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of Organization.
func (Organization) Fields() []ent.Field {
	return []ent.Field{
		name("name", 300),
		field.Enum("kind").Values("embassy", "consulate", "ministry", "consultancy", "funder", "association", "network", "other").
			Annotations(entgql.OrderField("KIND")),
		field.String("website").Optional().MaxLen(2000).Match(urlPattern),
		field.Int("country_id").Optional().Nillable(),
	}
}

// Edges of Organization.
func (Organization) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("country", Country.Type).Field("country_id").Unique(),
		edge.From("contacts", Contact.Type).Ref("organization").Annotations(listEdge()),
		edge.From("funded_partnerships", Partnership.Type).Ref("funders").Annotations(listEdge()),
		edge.From("consulted_dossiers", Dossier.Type).Ref("consultant_organization").Annotations(listEdge()),
	}
}

// Indexes of Organization.
func (Organization) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("name", "kind", "country_id").Unique(),
		index.Fields("country_id"),
	}
}

// Annotations of Organization.
func (Organization) Annotations() []schema.Annotation { return rootList() }

// Contact is a person (élu, technicien, diplomat, consultant): personal data, visible in full
// to staff only.
type Contact struct{ ent.Schema }

// Mixin of Contact.
func (Contact) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of Contact.
func (Contact) Fields() []ent.Field {
	return []ent.Field{
		name("full_name", 200),
		field.String("role").Optional().MaxLen(200).Comment("role or title, e.g. maire adjoint, chargé de mission"),
		field.String("email").Optional().Nillable().MaxLen(254).Match(emailPattern).
			Annotations(entgql.Directives(entgql.NewDirective("personalData")), entgql.Skip(entgql.SkipWhereInput)),
		field.String("phone").Optional().Nillable().MaxLen(30).Match(phonePattern).
			Annotations(entgql.Directives(entgql.NewDirective("personalData")), entgql.Skip(entgql.SkipWhereInput)),
		field.Int("authority_id").Optional().Nillable(),
		field.Int("organization_id").Optional().Nillable(),
	}
}

// Edges of Contact.
func (Contact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("authority", LocalAuthority.Type).Field("authority_id").Unique(),
		edge.To("organization", Organization.Type).Field("organization_id").Unique(),
		edge.From("groups", CountryGroup.Type).Ref("contacts"),
		edge.From("partnerships", Partnership.Type).Ref("contacts"),
		edge.From("agenda_items", AgendaItem.Type).Ref("speaker"),
		edge.From("meetings_attended", Meeting.Type).Ref("attendee_contacts"),
		edge.From("training_registrations", TrainingRegistration.Type).Ref("contact"),
		edge.From("consulted_dossiers", Dossier.Type).Ref("consultant_contact"),
	}
}

// Indexes of Contact.
func (Contact) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("authority_id"),
		index.Fields("organization_id"),
		index.Fields("full_name"),
	}
}

// Annotations of Contact.
func (Contact) Annotations() []schema.Annotation { return rootList() }
