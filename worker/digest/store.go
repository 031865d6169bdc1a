package digest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/countrygroup"
	entdigest "coopdesk/ent/digest"
)

// Item kinds in Digest.items: one "window" item first, then one "story" per entry (with
// its section's topic) and one "saved_search" per subscriber's saved search with matches.
const (
	itemWindow      = "window"
	itemStory       = "story"
	itemSavedSearch = "saved_search"
)

type windowItem struct {
	Kind     string         `json:"kind"`
	Since    time.Time      `json:"since"`
	Until    time.Time      `json:"until"`
	Articles int            `json:"articles"`
	More     map[string]int `json:"more,omitempty"` // stories left out per topic
}

type storyItem struct {
	Kind string `json:"kind"`
	Entry
}

type savedSearchItem struct {
	Kind string `json:"kind"`
	SavedSearchMatches
}

// Items encodes d for Digest.items: everything needed to render it again, for one
// reader or another, without the articles' tables.
func Items(d *Digest) ([]map[string]any, error) {
	w := windowItem{Kind: itemWindow, Since: d.Since.UTC(), Until: d.Until.UTC(), Articles: d.Articles}
	var all []any
	for _, s := range d.Sections {
		if s.More > 0 {
			if w.More == nil {
				w.More = map[string]int{}
			}
			w.More[s.Topic] = s.More
		}
		for _, e := range s.Entries {
			e.Topic = s.Topic
			all = append(all, storyItem{Kind: itemStory, Entry: e})
		}
	}
	for _, s := range d.SavedSearches {
		all = append(all, savedSearchItem{Kind: itemSavedSearch, SavedSearchMatches: s})
	}
	all = append([]any{w}, all...)
	items := make([]map[string]any, len(all))
	for i, v := range all {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode digest items: %w", err)
		}
		if err := json.Unmarshal(b, &items[i]); err != nil {
			return nil, fmt.Errorf("encode digest items: %w", err)
		}
	}
	return items, nil
}

// Decode rebuilds a Digest from its stored row (the group edge, if loaded, gives the
// group's slug and name).
func Decode(row *ent.Digest) (*Digest, error) {
	d := &Digest{GroupID: row.GroupID, Date: row.Date, Until: row.BuiltAt.UTC()}
	if g := row.Edges.Group; g != nil {
		d.GroupSlug, d.GroupName = g.Slug, g.Name
	}
	sections := map[string]*Section{}
	var more map[string]int
	for i, item := range row.Items {
		b, err := json.Marshal(item)
		if err != nil {
			return nil, fmt.Errorf("digest %d item %d: %w", row.ID, i, err)
		}
		switch item["kind"] {
		case itemWindow:
			var w windowItem
			if err := json.Unmarshal(b, &w); err != nil {
				return nil, fmt.Errorf("digest %d item %d: %w", row.ID, i, err)
			}
			d.Since, d.Until, d.Articles, more = w.Since, w.Until, w.Articles, w.More
		case itemStory:
			var s storyItem
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, fmt.Errorf("digest %d item %d: %w", row.ID, i, err)
			}
			sec := sections[s.Topic]
			if sec == nil {
				sec = &Section{Topic: s.Topic, Label: TopicLabel(s.Topic)}
				sections[s.Topic] = sec
			}
			sec.Entries = append(sec.Entries, s.Entry)
		case itemSavedSearch:
			var s savedSearchItem
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, fmt.Errorf("digest %d item %d: %w", row.ID, i, err)
			}
			d.SavedSearches = append(d.SavedSearches, s.SavedSearchMatches)
		}
	}
	for topic, n := range more {
		if sections[topic] == nil {
			sections[topic] = &Section{Topic: topic, Label: TopicLabel(topic)}
		}
		sections[topic].More = n
	}
	for _, t := range Topics {
		if s := sections[t.Slug]; s != nil {
			d.Sections = append(d.Sections, *s)
		}
	}
	return d, nil
}

// Store saves d and its web rendering as the Digest of its group and date (insert or
// update). A digest that already has deliveries is frozen: it is returned unchanged, with
// frozen true, so that the stored digest stays the one that was sent.
func Store(ctx context.Context, client *ent.Client, d *Digest, r Rendering) (row *ent.Digest, frozen bool, err error) {
	items, err := Items(d)
	if err != nil {
		return nil, false, err
	}
	existing, err := client.Digest.Query().
		Where(entdigest.GroupID(d.GroupID), entdigest.Date(d.Date)).
		Only(ctx)
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return nil, false, fmt.Errorf("store digest %s %s: %w", d.GroupSlug, d.Date, err)
	default:
		has, err := existing.QueryDeliveries().Exist(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("store digest %s %s: %w", d.GroupSlug, d.Date, err)
		}
		if has {
			row, err := load(ctx, client, existing.ID)
			return row, true, err
		}
	}
	err = client.Digest.Create().
		SetGroupID(d.GroupID).SetDate(d.Date).
		SetItems(items).SetItemCount(d.Entries()).
		SetHTML(r.HTML).SetText(r.Text).SetMarkdown(r.Markdown).
		SetBuiltAt(d.Until.UTC()).
		OnConflictColumns(entdigest.FieldGroupID, entdigest.FieldDate).
		UpdateItems().UpdateItemCount().UpdateHTML().UpdateText().UpdateMarkdown().UpdateBuiltAt().
		Exec(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("store digest %s %s: %w", d.GroupSlug, d.Date, err)
	}
	// Read back by key: not every driver returns the id of an upsert that updated.
	row, err = client.Digest.Query().
		Where(entdigest.GroupID(d.GroupID), entdigest.Date(d.Date)).
		WithGroup().Only(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("store digest %s %s: %w", d.GroupSlug, d.Date, err)
	}
	return row, false, nil
}

func load(ctx context.Context, client *ent.Client, id int) (*ent.Digest, error) {
	row, err := client.Digest.Query().Where(entdigest.ID(id)).WithGroup().Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("load digest %d: %w", id, err)
	}
	return row, nil
}

// BuildAndStore builds group's digest for date, renders it and stores it, unless it is
// frozen (already being sent), in which case the stored one is returned.
func BuildAndStore(ctx context.Context, client *ent.Client, groupSlug, date string, opt Options) (row *ent.Digest, frozen bool, err error) {
	d, err := Build(ctx, client, groupSlug, date, opt)
	if err != nil {
		return nil, false, err
	}
	r, err := Render(d.For(View{AllSavedSearches: true}), opt.location())
	if err != nil {
		return nil, false, err
	}
	return Store(ctx, client, d, r)
}

// Load returns the stored digest of a group and date (with its group), ErrUnknownGroup or
// ErrNotFound.
func Load(ctx context.Context, client *ent.Client, groupSlug, date string) (*ent.Digest, error) {
	if _, err := ParseDate(date, time.UTC); err != nil {
		return nil, err
	}
	g, err := Group(ctx, client, groupSlug)
	if err != nil {
		return nil, err
	}
	row, err := client.Digest.Query().
		Where(entdigest.GroupID(g.ID), entdigest.Date(date)).
		WithGroup().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("%w for group %s on %s", ErrNotFound, groupSlug, date)
	}
	if err != nil {
		return nil, fmt.Errorf("digest %s %s: %w", groupSlug, date, err)
	}
	return row, nil
}

// Latest returns group's n most recent digests, newest first (for the Atom feed).
func Latest(ctx context.Context, client *ent.Client, groupSlug string, n int) (*ent.CountryGroup, []*ent.Digest, error) {
	g, err := Group(ctx, client, groupSlug)
	if err != nil {
		return nil, nil, err
	}
	rows, err := client.Digest.Query().
		Where(entdigest.HasGroupWith(countrygroup.ID(g.ID))).
		Order(ent.Desc(entdigest.FieldDate)).
		Limit(n).
		Select(entdigest.FieldID, entdigest.FieldDate, entdigest.FieldHTML, entdigest.FieldItemCount,
			entdigest.FieldBuiltAt, entdigest.FieldGroupID).
		All(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("latest digests of %s: %w", groupSlug, err)
	}
	return g, rows, nil
}

// Preview builds, without storing, what the group's next digest (tomorrow's) holds so
// far: the articles first seen since the latest stored digest.
func Preview(ctx context.Context, client *ent.Client, groupSlug string, opt Options) (*Digest, Rendering, error) {
	tomorrow := DateOf(opt.now().In(opt.location()).AddDate(0, 0, 1), opt.location())
	d, err := Build(ctx, client, groupSlug, tomorrow, opt)
	if err != nil {
		return nil, Rendering{}, err
	}
	r, err := Render(d.For(View{AllSavedSearches: true}), opt.location())
	return d, r, err
}
