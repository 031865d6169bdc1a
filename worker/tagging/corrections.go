package tagging

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/article"
	"coopdesk/ent/articlegrouptag"
	"coopdesk/ent/articlemention"
	"coopdesk/ent/articletopic"
	"coopdesk/ent/changelogentry"
	"coopdesk/ent/countrygroup"
	"coopdesk/ent/localauthority"
)

// Kind is what a staff correction tags an article with.
type Kind string

// Kinds of correction, and the value each takes.
const (
	KindGroup     Kind = "group"     // value: a country group slug ("maroc")
	KindTopic     Kind = "topic"     // value: a topic, "administration_decentralisation" or "administration-decentralisation"
	KindAuthority Kind = "authority" // value: a LocalAuthority id in decimal ("1234")
)

// Errors of TagArticle and UntagArticle, to be tested with errors.Is.
var (
	ErrArticleNotFound = errors.New("article not found")
	ErrInvalidKind     = errors.New("invalid tag kind: want group, topic or authority")
	ErrUnknownValue    = errors.New("unknown tag value") // no such group slug, topic or authority
	ErrUserNotFound    = errors.New("user not found")
)

// TagArticle records that staff tag the article with the group, topic or authority:
// a row of method staff_correction, removed = false, score 1, which automatic tagging
// never deletes nor overwrites. The evidence of an automatic tag it confirms is kept.
// The correction is written to the change log with userID as the actor (0: none known).
// It is idempotent.
func TagArticle(ctx context.Context, client *ent.Client, articleID int, kind Kind, value string, userID int) error {
	return correct(ctx, client, articleID, kind, value, userID, false)
}

// UntagArticle records that staff remove the tag: a staff_correction row with
// removed = true (created if the tagger never set the tag, so that it never will).
// Readers show the tags whose removed is false.
func UntagArticle(ctx context.Context, client *ent.Client, articleID int, kind Kind, value string, userID int) error {
	return correct(ctx, client, articleID, kind, value, userID, true)
}

func correct(ctx context.Context, client *ent.Client, articleID int, kind Kind, value string, userID int, removed bool) error {
	tx, err := client.Tx(ctx)
	switch {
	case errors.Is(err, ent.ErrTxStarted):
		// Already in the caller's transaction (a resolver's, say): write there.
		return correctIn(ctx, client, articleID, kind, value, userID, removed)
	case err != nil:
		return err
	}
	if err := correctIn(ctx, tx.Client(), articleID, kind, value, userID, removed); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func correctIn(ctx context.Context, client *ent.Client, articleID int, kind Kind, value string, userID int, removed bool) error {
	a, err := client.Article.Query().Where(article.ID(articleID)).Select(article.FieldTitle, article.FieldPublishedAt).Only(ctx)
	if ent.IsNotFound(err) {
		return fmt.Errorf("article %d: %w", articleID, ErrArticleNotFound)
	} else if err != nil {
		return err
	}
	actor := ""
	if userID != 0 {
		u, err := client.User.Get(ctx, userID)
		if ent.IsNotFound(err) {
			return fmt.Errorf("user %d: %w", userID, ErrUserNotFound)
		} else if err != nil {
			return err
		}
		actor = u.Name
	}
	score := 1.0
	if removed {
		score = 0
	}
	now := time.Now().UTC()
	value = strings.TrimSpace(value)
	var canonical string
	switch kind {
	case KindGroup:
		g, err := client.CountryGroup.Query().Where(countrygroup.Slug(strings.ToLower(value))).Only(ctx)
		if ent.IsNotFound(err) {
			return fmt.Errorf("country group %q: %w", value, ErrUnknownValue)
		} else if err != nil {
			return err
		}
		canonical = g.Slug
		err = client.ArticleGroupTag.Create().SetArticleID(articleID).SetGroupID(g.ID).
			SetMethod(articlegrouptag.MethodStaffCorrection).SetRemoved(removed).SetScore(score).SetCreatedAt(now).
			SetPublishedAt(a.PublishedAt).
			OnConflictColumns(articlegrouptag.FieldArticleID, articlegrouptag.FieldGroupID).
			Update(func(u *ent.ArticleGroupTagUpsert) {
				u.UpdateMethod().UpdateRemoved().UpdateScore().UpdateCreatedAt().UpdatePublishedAt()
			}).Exec(ctx)
		if err != nil {
			return fmt.Errorf("tag article %d with group %s: %w", articleID, g.Slug, err)
		}
	case KindTopic:
		t, ok := Topic(value)
		if !ok {
			return fmt.Errorf("topic %q: %w", value, ErrUnknownValue)
		}
		canonical = string(t)
		err = client.ArticleTopic.Create().SetArticleID(articleID).SetTopic(t).
			SetMethod(articletopic.MethodStaffCorrection).SetRemoved(removed).SetScore(score).SetCreatedAt(now).
			OnConflictColumns(articletopic.FieldArticleID, articletopic.FieldTopic).
			Update(func(u *ent.ArticleTopicUpsert) {
				u.UpdateMethod().UpdateRemoved().UpdateScore().UpdateCreatedAt()
			}).Exec(ctx)
		if err != nil {
			return fmt.Errorf("tag article %d with topic %s: %w", articleID, t, err)
		}
	case KindAuthority:
		id, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("authority %q: %w", value, ErrUnknownValue)
		}
		if ok, err := client.LocalAuthority.Query().Where(localauthority.ID(id)).Exist(ctx); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("authority %d: %w", id, ErrUnknownValue)
		}
		canonical = strconv.Itoa(id)
		err = client.ArticleMention.Create().SetArticleID(articleID).SetAuthorityID(id).
			SetMethod(articlemention.MethodStaffCorrection).SetRemoved(removed).SetScore(score).SetCreatedAt(now).
			SetPublishedAt(a.PublishedAt).
			OnConflictColumns(articlemention.FieldArticleID, articlemention.FieldAuthorityID).
			Update(func(u *ent.ArticleMentionUpsert) {
				u.UpdateMethod().UpdateRemoved().UpdateScore().UpdateCreatedAt().UpdatePublishedAt()
			}).Exec(ctx)
		if err != nil {
			return fmt.Errorf("tag article %d with authority %d: %w", articleID, id, err)
		}
	default:
		return fmt.Errorf("%q: %w", kind, ErrInvalidKind)
	}
	// The tag tables have no author column: the change log says who corrected what.
	change := "added"
	if removed {
		change = "removed"
	}
	entry := client.ChangeLogEntry.Create().SetAction(changelogentry.ActionUpdate).SetEntityType(ent.TypeArticle).
		SetEntityID(articleID).SetLabel(truncate(a.Title, 300)).SetAt(now).
		SetChanges(map[string]any{string(kind) + "_tags": map[string]any{change: []string{canonical}, "method": staff}})
	if userID != 0 {
		entry.SetActorID(userID).SetActorName(truncate(actor, 200))
	}
	if err := entry.Exec(ctx); err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Labelled is one line of ExportLabelled, in the format of worker/tag/testdata/labelled.jsonl.
type Labelled struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Summary string   `json:"summary"`
	Lang    string   `json:"lang,omitempty"`
	Country string   `json:"country,omitempty"`
	Groups  []string `json:"groups"`
}

// ExportLabelled writes, as JSON lines, every article whose groups staff corrected, with
// the groups it has now (automatic tags not removed, plus staff additions): examples for
// the tagger's quality set. The summary is the text the tagger sees (MaxTextRunes).
// It reads 200 articles at a time; it returns the number written.
func ExportLabelled(ctx context.Context, client *ent.Client, w io.Writer) (int, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n, after := 0, 0
	for {
		page, err := client.Article.Query().
			Where(article.IDGT(after), article.HasGroupTagsWith(articlegrouptag.MethodEQ(articlegrouptag.MethodStaffCorrection))).
			Order(article.ByID()).Limit(200).
			WithGroupTags(func(q *ent.ArticleGroupTagQuery) {
				q.Where(articlegrouptag.Removed(false)).WithGroup()
			}).
			WithFeed(func(q *ent.FeedQuery) { q.WithCountry() }).
			All(ctx)
		if err != nil {
			return n, fmt.Errorf("export labelled articles: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, a := range page {
			l := Labelled{ID: "article-" + strconv.Itoa(a.ID), Title: a.Title, Summary: cut(a.SummaryText, MaxTextRunes),
				Lang: a.Language, Groups: []string{}}
			if f := a.Edges.Feed; f != nil && f.Edges.Country != nil {
				l.Country = f.Edges.Country.Code
			}
			for _, g := range a.Edges.GroupTags {
				if g.Edges.Group != nil {
					l.Groups = append(l.Groups, g.Edges.Group.Slug)
				}
			}
			slices.Sort(l.Groups)
			if err := enc.Encode(l); err != nil {
				return n, err
			}
			n++
		}
		after = page[len(page)-1].ID
	}
	return n, bw.Flush()
}
