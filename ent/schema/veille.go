package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// TagMethods says how a tag was decided.
var TagMethods = []string{"source_country", "gazetteer", "authority_name", "staff_rule", "staff_correction"}

// Topics are the veille's topics.
var Topics = []string{"politique", "administration_decentralisation", "territorial_local", "economie", "securite", "societe"}

// Feed is a news feed of the veille, with its fetch state.
type Feed struct{ ent.Schema }

// Mixin of Feed.
func (Feed) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of Feed.
func (Feed) Fields() []ent.Field {
	skipInput := entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)
	return []ent.Field{
		field.String("url").Unique().MaxLen(2000).Match(urlPattern).Annotations(entgql.OrderField("URL")),
		field.String("title").Optional().MaxLen(500).Annotations(entgql.OrderField("TITLE")),
		field.String("site_url").Optional().MaxLen(2000),
		field.String("language").Optional().MaxLen(8).Comment("BCP 47 primary tag, e.g. fr, ar, en"),
		field.Bool("enabled").Default(true),
		field.Int("interval_minutes").Default(60).Min(5).Max(7 * 24 * 60),
		field.String("etag").Optional().MaxLen(500).Annotations(entgql.Skip(entgql.SkipAll)),
		field.String("last_modified").Optional().MaxLen(100).Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("last_fetched_at").Optional().Nillable().Annotations(skipInput, entgql.OrderField("LAST_FETCHED_AT")),
		field.Time("next_fetch_at").Optional().Nillable().Annotations(skipInput, entgql.OrderField("NEXT_FETCH_AT")),
		field.Int("consecutive_errors").Default(0).NonNegative().Annotations(skipInput),
		field.String("last_error").Optional().Nillable().MaxLen(1000).Annotations(skipInput),
		field.String("last_status").Optional().MaxLen(64).Annotations(skipInput).
			Comment("outcome of the last fetch: ok, not_modified, or an error kind"),
		field.String("lease_owner").Optional().Nillable().MaxLen(200).Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("lease_expires_at").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("country_id").Optional().Nillable(),
	}
}

// Edges of Feed.
func (Feed) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("country", Country.Type).Field("country_id").Unique(),
		edge.From("sources", ArticleSource.Type).Ref("feed").Annotations(listEdge(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("articles", Article.Type).Ref("feed").Annotations(listEdge(), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("articles this feed was the first to carry"),
	}
}

// Indexes of Feed.
func (Feed) Indexes() []ent.Index {
	return []ent.Index{index.Fields("enabled", "next_fetch_at"), index.Fields("country_id")}
}

// Annotations of Feed.
func (Feed) Annotations() []schema.Annotation { return rootList() }

// Story groups near-duplicate articles: one agency dispatch reprinted by several outlets.
type Story struct{ ent.Schema }

// Fields of Story.
func (Story) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("signature").Comment("SimHash of the first article").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("first_seen_at").Default(time.Now).Annotations(entgql.OrderField("FIRST_SEEN_AT")),
		field.Int("size").Default(1).Annotations(entgql.OrderField("SIZE")),
	}
}

// Edges of Story.
func (Story) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("articles", Article.Type).Ref("story").Annotations(listEdge()),
	}
}

// Indexes of Story.
func (Story) Indexes() []ent.Index {
	return []ent.Index{index.Fields("first_seen_at")}
}

// Annotations of Story.
func (Story) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder()}
}

// Article is one news item, stored once per canonical URL.
type Article struct{ ent.Schema }

// Fields of Article.
func (Article) Fields() []ent.Field {
	return []ent.Field{
		field.String("url").Unique().MaxLen(2000).Comment("canonical URL").Annotations(entgql.OrderField("URL")),
		field.String("guid").MaxLen(2000).Comment("GUID in the first feed that carried it"),
		field.String("title").MaxLen(1000).Annotations(entgql.OrderField("TITLE")),
		field.Text("summary_html").Optional().Comment("sanitised HTML"),
		field.Text("summary_text").Optional().Comment("plain text, for search and tagging"),
		field.String("author").Optional().MaxLen(300),
		field.String("language").Optional().MaxLen(8),
		field.Time("published_at").Annotations(entgql.OrderField("PUBLISHED_AT")),
		field.Time("fetched_at").Default(time.Now).Annotations(entgql.OrderField("FETCHED_AT")).Comment("first seen"),
		field.String("content_hash").MaxLen(64).Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int64("simhash").Default(0).Annotations(entgql.Skip(entgql.SkipAll)),
		field.Time("tagged_at").Optional().Nillable(),
		field.Int("feed_id").Comment("the first feed that carried it"),
		field.Int("story_id").Optional().Nillable(),
	}
}

// Edges of Article.
func (Article) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("feed", Feed.Type).Field("feed_id").Unique().Required(),
		edge.To("story", Story.Type).Field("story_id").Unique(),
		edge.From("sources", ArticleSource.Type).Ref("article").Annotations(listEdge()),
		edge.From("group_tags", ArticleGroupTag.Type).Ref("article"),
		edge.From("mentions", ArticleMention.Type).Ref("article"),
		edge.From("topics", ArticleTopic.Type).Ref("article"),
	}
}

// Indexes of Article.
func (Article) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("published_at"),
		index.Fields("fetched_at"),
		index.Fields("feed_id", "published_at"),
		index.Fields("story_id"),
		index.Fields("simhash"),
	}
}

// Annotations of Article: articles come from the worker, not from mutations.
func (Article) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection(), entgql.MultiOrder()}
}

// ArticleSource records that a feed carried an article: the same item in one feed once
// (unique feed + GUID), the same canonical URL across feeds as several sources.
type ArticleSource struct{ ent.Schema }

// Fields of ArticleSource.
func (ArticleSource) Fields() []ent.Field {
	return []ent.Field{
		field.String("guid").MaxLen(2000),
		field.String("link").Optional().MaxLen(2000).Comment("the link as this feed gave it"),
		field.Time("seen_at").Default(time.Now).Annotations(entgql.OrderField("SEEN_AT")),
		field.String("content_hash").MaxLen(64).Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("feed_id"),
		field.Int("article_id"),
	}
}

// Edges of ArticleSource.
func (ArticleSource) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("feed", Feed.Type).Field("feed_id").Unique().Required(),
		edge.To("article", Article.Type).Field("article_id").Unique().Required(),
	}
}

// Indexes of ArticleSource.
func (ArticleSource) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("feed_id", "guid").Unique(),
		index.Fields("article_id"),
	}
}

// Annotations of ArticleSource.
func (ArticleSource) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder()}
}

func tagFields() []ent.Field {
	return []ent.Field{
		field.Float("score").Default(0).Annotations(entgql.OrderField("SCORE")),
		field.Enum("method").Values(TagMethods...),
		field.Strings("evidence").Optional().Comment("the matched terms"),
		field.Bool("removed").Default(false).Comment("a staff correction that removes the tag"),
		field.Int("article_id"),
		field.Time("created_at").Default(time.Now),
	}
}

// ArticleGroupTag ties an article to a country group.
type ArticleGroupTag struct{ ent.Schema }

// Fields of ArticleGroupTag.
func (ArticleGroupTag) Fields() []ent.Field {
	return append(tagFields(), field.Int("group_id"), publishedCopy())
}

// publishedCopy is the tagged article's published_at, copied onto its tag rows by every
// writer of tags so that the dashboards count articles per group per day, and the most
// mentioned authorities of a period, from one partial index without joining the articles.
func publishedCopy() ent.Field {
	return field.Time("published_at").Optional().Nillable().
		Comment("copy of the article's published_at, for aggregates").
		Annotations(entgql.Skip(entgql.SkipAll))
}

// Edges of ArticleGroupTag.
func (ArticleGroupTag) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("article", Article.Type).Field("article_id").Unique().Required(),
		edge.To("group", CountryGroup.Type).Field("group_id").Unique().Required(),
	}
}

// Indexes of ArticleGroupTag.
func (ArticleGroupTag) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("article_id", "group_id").Unique(),
		index.Fields("group_id", "published_at").Annotations(entsql.IndexWhere("NOT removed")),
	}
}

// ArticleMention ties an article to a local authority or place it mentions.
type ArticleMention struct{ ent.Schema }

// Fields of ArticleMention.
func (ArticleMention) Fields() []ent.Field {
	return append(tagFields(), field.Int("authority_id"), publishedCopy())
}

// Edges of ArticleMention.
func (ArticleMention) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("article", Article.Type).Field("article_id").Unique().Required(),
		edge.To("authority", LocalAuthority.Type).Field("authority_id").Unique().Required(),
	}
}

// Indexes of ArticleMention.
func (ArticleMention) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("article_id", "authority_id").Unique(),
		index.Fields("authority_id"),
		index.Fields("published_at", "authority_id").Annotations(entsql.IndexWhere("NOT removed")),
	}
}

// Annotations of ArticleMention.
func (ArticleMention) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.MultiOrder()}
}

// ArticleTopic ties an article to a topic.
type ArticleTopic struct{ ent.Schema }

// Fields of ArticleTopic.
func (ArticleTopic) Fields() []ent.Field {
	return append(tagFields(), field.Enum("topic").Values(Topics...))
}

// Edges of ArticleTopic.
func (ArticleTopic) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("article", Article.Type).Field("article_id").Unique().Required(),
	}
}

// Indexes of ArticleTopic.
func (ArticleTopic) Indexes() []ent.Index {
	return []ent.Index{index.Fields("article_id", "topic").Unique(), index.Fields("topic")}
}

// Digest is the daily veille digest of one country group.
type Digest struct{ ent.Schema }

// Fields of Digest.
func (Digest) Fields() []ent.Field {
	return []ent.Field{
		field.String("date").Match(datePattern).Comment("YYYY-MM-DD in COOPDESK_TZ").
			Annotations(entgql.OrderField("DATE")),
		field.JSON("items", []map[string]any{}).Optional().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("item_count").Default(0),
		field.Text("html").Optional(),
		field.Text("text").Optional(),
		field.Text("markdown").Optional(),
		field.Time("built_at").Default(time.Now),
		field.Time("sent_at").Optional().Nillable(),
		field.Strings("recipients").Optional(),
		field.Int("group_id"),
	}
}

// Edges of Digest.
func (Digest) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("group", CountryGroup.Type).Field("group_id").Unique().Required(),
		edge.From("deliveries", DigestDelivery.Type).Ref("digest").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// DigestDelivery is the sending of one digest to one address: recorded before the message
// leaves, so that a digest is never sent twice to the same address, even after a crash or
// with two workers.
type DigestDelivery struct{ ent.Schema }

// Fields of DigestDelivery.
func (DigestDelivery) Fields() []ent.Field {
	return []ent.Field{
		field.String("address").NotEmpty().MaxLen(254),
		field.Enum("status").Values("pending", "sending", "sent", "failed").Default("pending"),
		field.Int("attempts").Default(0),
		field.String("message_id").Optional().MaxLen(300),
		field.String("last_error").Optional().MaxLen(1000),
		field.String("claimed_by").Optional().MaxLen(200),
		field.Time("claimed_until").Optional().Nillable(),
		field.Time("next_attempt_at").Optional().Nillable(),
		field.Time("sent_at").Optional().Nillable(),
		field.Time("created_at").Default(time.Now),
		field.Int("digest_id"),
	}
}

// Edges of DigestDelivery.
func (DigestDelivery) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("digest", Digest.Type).Field("digest_id").Unique().Required(),
	}
}

// Indexes of DigestDelivery.
func (DigestDelivery) Indexes() []ent.Index {
	return []ent.Index{index.Fields("digest_id", "address").Unique(), index.Fields("status", "next_attempt_at")}
}

// Annotations of DigestDelivery.
func (DigestDelivery) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Indexes of Digest.
func (Digest) Indexes() []ent.Index {
	return []ent.Index{index.Fields("group_id", "date").Unique()}
}

// Annotations of Digest.
func (Digest) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection(), entgql.MultiOrder()}
}

// DigestSubscription subscribes a user to the digests of some groups (optionally some topics).
type DigestSubscription struct{ ent.Schema }

// Fields of DigestSubscription.
func (DigestSubscription) Fields() []ent.Field {
	return []ent.Field{
		field.Strings("topics").Optional(),
		field.Int("user_id"),
		field.Time("created_at").Default(time.Now),
	}
}

// Edges of DigestSubscription.
func (DigestSubscription) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("subscriptions").Field("user_id").Unique().Required(),
		edge.To("groups", CountryGroup.Type),
	}
}

// Indexes of DigestSubscription.
func (DigestSubscription) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id").Unique()}
}

// SavedSearch is a user's named search over the veille, runnable by id and used by digests.
type SavedSearch struct{ ent.Schema }

// Mixin of SavedSearch.
func (SavedSearch) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Fields of SavedSearch.
func (SavedSearch) Fields() []ent.Field {
	return []ent.Field{
		name("name", 200),
		field.String("query").MaxLen(1000),
		field.JSON("filter", map[string]any{}).Optional().Annotations(entgql.Type("Map")),
		field.Int("user_id"),
	}
}

// Edges of SavedSearch.
func (SavedSearch) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("saved_searches").Field("user_id").Unique().Required(),
	}
}

// Indexes of SavedSearch.
func (SavedSearch) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "name").Unique()}
}

// TagRule is a staff rule of the tagger: a term that, met in an article, counts as
// evidence for a country group or a topic (the tagger's "staff_rule" method). The worker
// rebuilds its automaton when the rules change, without stopping.
type TagRule struct{ ent.Schema }

// Mixin of TagRule.
func (TagRule) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, AuditMixin{}} }

// Fields of TagRule.
func (TagRule) Fields() []ent.Field {
	return []ent.Field{
		field.String("pattern").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("PATTERN")).
			Comment("matched like every name of the tagger: case-, accent- and Arabic-spelling-insensitive, on word boundaries; a trailing * matches the start of a word"),
		field.Int("group_id").Optional().Nillable().Comment("the country group the term is evidence for"),
		field.Enum("topic").Values(Topics...).Optional().Nillable().Comment("the topic the term is evidence for"),
		field.Float("weight").Default(0).Min(0).Max(10).
			Comment("0: the default, 3 for a group (enough on its own) and 1 for a topic (one keyword)"),
		field.Bool("enabled").Default(true),
		field.String("note").Optional().MaxLen(1000).Comment("why the rule exists"),
	}
}

// Edges of TagRule.
func (TagRule) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("group", CountryGroup.Type).Field("group_id").Unique(),
	}
}

// Annotations of TagRule.
func (TagRule) Annotations() []schema.Annotation { return rootList() }
