package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"coopdesk/ent"
	"coopdesk/ent/savedsearch"
	"coopdesk/internal/auth"
)

// Errors of saved searches; their messages are for the user.
var (
	ErrSavedSearchNotFound = errors.New("saved search not found")
	ErrSavedSearchName     = errors.New("a saved search needs a name of at most 200 characters")
	ErrSavedSearchTaken    = errors.New("you already have a saved search with this name")
	ErrNotSignedIn         = errors.New("sign in to use saved searches")
)

// SavedSearch is a user's named search.
type SavedSearch struct {
	ID     int
	UserID int
	Name   string
	Query  string
	Filter Filter
}

// CreateSavedSearch saves a search under a name unique among the user's saved searches.
// The query is checked as Search would check it (an empty query is allowed: the latest
// articles of the filter).
func CreateSavedSearch(ctx context.Context, client *ent.Client, userID int, name, query string, f Filter) (SavedSearch, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return SavedSearch{}, ErrSavedSearchName
	}
	if _, err := Parse(query); err != nil {
		return SavedSearch{}, err
	}
	f, err := normalizeFilter(f)
	if err != nil {
		return SavedSearch{}, err
	}
	m, err := filterMap(f)
	if err != nil {
		return SavedSearch{}, err
	}
	s, err := client.SavedSearch.Create().SetUserID(userID).SetName(name).SetQuery(query).SetFilter(m).Save(ctx)
	switch {
	case ent.IsConstraintError(err):
		// The unique (user_id, name) index decides, also between concurrent requests.
		if exists, qerr := client.SavedSearch.Query().Where(savedsearch.UserID(userID), savedsearch.Name(name)).Exist(ctx); qerr == nil && exists {
			return SavedSearch{}, ErrSavedSearchTaken
		}
		return SavedSearch{}, fmt.Errorf("save search: %w", err)
	case err != nil:
		return SavedSearch{}, fmt.Errorf("save search: %w", err)
	}
	return fromEnt(s)
}

// ListSavedSearches returns the user's saved searches by name.
func ListSavedSearches(ctx context.Context, client *ent.Client, userID int) ([]SavedSearch, error) {
	rows, err := client.SavedSearch.Query().Where(savedsearch.UserID(userID)).
		Order(ent.Asc(savedsearch.FieldName), ent.Asc(savedsearch.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("list saved searches: %w", err)
	}
	out := make([]SavedSearch, 0, len(rows))
	for _, r := range rows {
		s, err := fromEnt(r)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// GetSavedSearch returns a saved search of the principal (any user's for an admin). Others'
// searches are reported not found, so that their existence does not leak.
func GetSavedSearch(ctx context.Context, client *ent.Client, p *auth.Principal, id int) (SavedSearch, error) {
	if p == nil || p.UserID == 0 {
		return SavedSearch{}, ErrNotSignedIn
	}
	q := client.SavedSearch.Query().Where(savedsearch.ID(id))
	if p.Role != auth.Admin {
		q = q.Where(savedsearch.UserID(p.UserID))
	}
	s, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return SavedSearch{}, ErrSavedSearchNotFound
	}
	if err != nil {
		return SavedSearch{}, fmt.Errorf("get saved search %d: %w", id, err)
	}
	return fromEnt(s)
}

// DeleteSavedSearch deletes a saved search of the principal (any user's for an admin).
func DeleteSavedSearch(ctx context.Context, client *ent.Client, p *auth.Principal, id int) error {
	if p == nil || p.UserID == 0 {
		return ErrNotSignedIn
	}
	d := client.SavedSearch.Delete().Where(savedsearch.ID(id))
	if p.Role != auth.Admin {
		d = d.Where(savedsearch.UserID(p.UserID))
	}
	n, err := d.Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete saved search %d: %w", id, err)
	}
	if n == 0 {
		return ErrSavedSearchNotFound
	}
	return nil
}

// RunSavedSearch runs a saved search of the principal (any user's for an admin): one page,
// as Search. The digest (#8) runs its users' searches the same way, with Now set to the
// digest's time and the filter's From to the previous digest.
func RunSavedSearch(ctx context.Context, engine Engine, client *ent.Client, p *auth.Principal, id, first int, after string) (Page, error) {
	s, err := GetSavedSearch(ctx, client, p, id)
	if err != nil {
		return Page{}, err
	}
	return engine.Search(ctx, s.Request(first, after))
}

// Request is the search request of a saved search.
func (s SavedSearch) Request(first int, after string) Request {
	return Request{Query: s.Query, Filter: s.Filter, First: first, After: after}
}

// filterMap and fromEnt convert the filter to and from the JSON object stored in
// saved_searches.filter (the lead's GraphQL Map), with the field names of Filter's tags.
func filterMap(f Filter) (map[string]any, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("save search: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("save search: %w", err)
	}
	return m, nil
}

func fromEnt(s *ent.SavedSearch) (SavedSearch, error) {
	out := SavedSearch{ID: s.ID, UserID: s.UserID, Name: s.Name, Query: s.Query}
	if len(s.Filter) > 0 {
		b, err := json.Marshal(s.Filter)
		if err == nil {
			err = json.Unmarshal(b, &out.Filter)
		}
		if err != nil {
			return SavedSearch{}, fmt.Errorf("saved search %d: stored filter: %w", s.ID, err)
		}
	}
	return out, nil
}
