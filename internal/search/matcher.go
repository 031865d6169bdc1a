package search

import (
	"context"
	"fmt"
	"time"

	"coopdesk/ent"
	"coopdesk/internal/auth"
)

// DigestMatcher finds which of a digest's articles a saved search matches, for the
// subscribers' section of the daily digest (worker/digest.SavedSearchRunner).
type DigestMatcher struct {
	Engine Engine
	Client *ent.Client
	// Window bounds the search to recent articles (a digest covers at most three days).
	Window time.Duration
}

// maxMatchPages bounds the work of one saved search: at most this many pages of MaxFirst.
const maxMatchPages = 10

// Matches returns the ids among articleIDs that saved search id matches, in the search's
// order.
func (m DigestMatcher) Matches(ctx context.Context, id int, articleIDs []int) ([]int, error) {
	if len(articleIDs) == 0 {
		return nil, nil
	}
	// The digest runs for every subscriber: read the saved search as the system would.
	s, err := GetSavedSearch(ctx, m.Client, &auth.Principal{UserID: -1, Role: auth.Admin}, id)
	if err != nil {
		return nil, err
	}
	want := make(map[int]bool, len(articleIDs))
	for _, a := range articleIDs {
		want[a] = true
	}
	window := m.Window
	if window <= 0 {
		window = 4 * 24 * time.Hour
	}
	req := s.Request(MaxFirst, "")
	from := time.Now().Add(-window)
	if req.Filter.From == nil || req.Filter.From.Before(from) {
		req.Filter.From = &from
	}
	var out []int
	for range maxMatchPages {
		page, err := m.Engine.Search(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("saved search %d: %w", id, err)
		}
		for _, h := range page.Hits {
			if want[h.ArticleID] {
				out = append(out, h.ArticleID)
			}
		}
		if !page.HasNextPage || len(out) == len(want) {
			break
		}
		req.After = page.EndCursor
	}
	return out, nil
}
