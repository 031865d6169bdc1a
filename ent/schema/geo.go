package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/vektah/gqlparser/v2/ast"
)

func roleArg(role string) *ast.Argument {
	return &ast.Argument{Name: "role", Value: &ast.Value{Raw: role, Kind: ast.EnumValue}}
}

// Country is a country of the world (ISO 3166-1).
type Country struct{ ent.Schema }

// Fields of Country.
func (Country) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").Unique().Immutable().Match(iso2Pattern).
			Comment("ISO 3166-1 alpha-2").Annotations(entgql.OrderField("CODE")),
		field.String("iso3").Optional().Match(iso3Pattern),
		name("name_fr", 200),
		field.String("name_en").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME_EN")),
		field.String("name_ar").Optional().MaxLen(200),
		field.String("region").Optional().MaxLen(100),
	}
}

// Edges of Country.
func (Country) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("groups", CountryGroup.Type).Ref("countries"),
		edge.From("authorities", LocalAuthority.Type).Ref("country").Annotations(listEdge()),
		edge.From("organizations", Organization.Type).Ref("country").Annotations(listEdge()),
		edge.From("feeds", Feed.Type).Ref("country").Annotations(listEdge()),
	}
}

// Annotations of Country.
func (Country) Annotations() []schema.Annotation { return rootList() }

// CountryGroup is a groupe-pays: the French authorities working with one partner country.
type CountryGroup struct{ ent.Schema }

// Mixin of CountryGroup.
func (CountryGroup) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of CountryGroup.
func (CountryGroup) Fields() []ent.Field {
	return []ent.Field{
		field.String("slug").Unique().MaxLen(64).Match(slugPattern).Annotations(entgql.OrderField("SLUG")),
		name("name", 200),
		field.Text("description").Optional().MaxLen(10000),
		field.Int("coordinator_id").Optional().Nillable(),
	}
}

// Edges of CountryGroup.
func (CountryGroup) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("countries", Country.Type),
		edge.From("coordinator", User.Type).Ref("coordinated_groups").Field("coordinator_id").Unique(),
		edge.To("members", LocalAuthority.Type).Annotations(listEdge()).
			Comment("French authorities added to the group by hand"),
		edge.To("contacts", Contact.Type).Annotations(listEdge()),
		edge.From("meetings", Meeting.Type).Ref("group").Annotations(listEdge()),
		edge.From("subscriptions", DigestSubscription.Type).Ref("groups").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of CountryGroup.
func (CountryGroup) Indexes() []ent.Index {
	return []ent.Index{index.Fields("coordinator_id")}
}

// Annotations of CountryGroup.
func (CountryGroup) Annotations() []schema.Annotation { return rootList() }

// LocalAuthority is a collectivité: French (commune, EPCI, département, région…) or a partner
// authority abroad (wilaya, gouvernorat, municipalité…).
type LocalAuthority struct{ ent.Schema }

// Mixin of LocalAuthority.
func (LocalAuthority) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of LocalAuthority.
func (LocalAuthority) Fields() []ent.Field {
	return []ent.Field{
		name("name", 300),
		field.Strings("aliases").Optional().
			Comment("other spellings (fr/en/ar) used by the press, for tagging"),
		field.Enum("level").Values(
			"commune", "epci", "departement", "region", "collectivite_outre_mer",
			"prefecture_province", "wilaya", "daira", "gouvernorat", "delegation",
			"municipalite", "mohafazat", "caza", "union_municipalites", "other",
		).Annotations(entgql.OrderField("LEVEL")),
		field.String("code").Optional().MaxLen(32).
			Comment("official code: INSEE or SIREN in France, ISO 3166-2 or national code abroad").
			Annotations(entgql.OrderField("CODE")),
		field.String("siren").Optional().Match(sirenPattern),
		field.Int("population").Optional().Nillable().NonNegative().Annotations(entgql.OrderField("POPULATION")),
		field.Enum("zone").Values("metro", "drom", "com").Optional().Nillable().
			Comment("for French authorities: metropolitan France, DROM or COM"),
		field.Time("cuf_member_since").Optional().Nillable(),
		field.String("status").Optional().MaxLen(64).
			Comment("e.g. 'announced' for a unit created by decision but not yet in law"),
		field.Int("country_id"),
		field.Int("parent_id").Optional().Nillable(),
	}
}

// Edges of LocalAuthority.
func (LocalAuthority) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("country", Country.Type).Field("country_id").Unique().Required(),
		edge.To("children", LocalAuthority.Type).Annotations(listEdge()).
			From("parent").Field("parent_id").Unique(),
		edge.To("member_communes", LocalAuthority.Type).Annotations(listEdge()).
			From("epcis").Comment("EPCI membership: an EPCI's member communes"),
		edge.From("partnerships_as_french", Partnership.Type).Ref("french_authorities").Annotations(listEdge()),
		edge.From("partnerships_as_partner", Partnership.Type).Ref("partner_authorities").Annotations(listEdge()),
		edge.From("contacts", Contact.Type).Ref("authority").Annotations(listEdge()),
		edge.From("dossiers", Dossier.Type).Ref("applicant").Annotations(listEdge()),
		edge.From("groups", CountryGroup.Type).Ref("members"),
		edge.From("meetings_attended", Meeting.Type).Ref("attendee_authorities").Annotations(listEdge()),
		edge.From("training_registrations", TrainingRegistration.Type).Ref("authority").Annotations(listEdge()),
		edge.From("mentions", ArticleMention.Type).Ref("authority").Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput), listEdge()),
	}
}

// Indexes of LocalAuthority.
func (LocalAuthority) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("country_id", "level", "code").Unique(),
		index.Fields("parent_id"),
		index.Fields("name"),
		index.Fields("siren"),
		index.Fields("zone"),
	}
}

// Annotations of LocalAuthority.
func (LocalAuthority) Annotations() []schema.Annotation { return rootList() }
