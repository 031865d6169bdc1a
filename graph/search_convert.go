package graph

import (
	"context"
	"fmt"

	"coopdesk/ent"
	"coopdesk/ent/article"
	"coopdesk/ent/localauthority"
	"coopdesk/graph/model"
	"coopdesk/internal/dashboard"
	"coopdesk/internal/search"

	"entgo.io/contrib/entgql"
)

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func boundedFirst(first *int) (int, error) {
	n := DefaultPageSize
	if first != nil {
		n = *first
	}
	if n < 1 || n > MaxPageSize {
		return 0, coded("PAGE_TOO_LARGE", fmt.Sprintf("`first` must be between 1 and %d", MaxPageSize))
	}
	return n, nil
}

func searchFilter(in *model.ArticleSearchFilter) (search.Filter, error) {
	var f search.Filter
	if in == nil {
		return f, nil
	}
	f.Groups, f.Countries, f.Feeds, f.Authorities = in.Groups, in.Countries, in.Feeds, in.Authorities
	for _, t := range in.Topics {
		f.Topics = append(f.Topics, string(t))
	}
	f.From, f.To = in.From, in.To
	return f, nil
}

// Search cursors are opaque strings of the search engine, carried in the API's Cursor scalar
// (its Value), so that searchArticles pages like every other connection.
func searchCursor(c *entgql.Cursor[int]) string {
	if c == nil {
		return ""
	}
	s, _ := c.Value.(string)
	return s
}

// searchConnection loads the page's articles in one statement and keeps the engine's order.
func (r *Resolver) searchConnection(ctx context.Context, page search.Page) (*model.ArticleSearchConnection, error) {
	ids := make([]int, len(page.Hits))
	for i, h := range page.Hits {
		ids[i] = h.ArticleID
	}
	arts, err := r.Client.Article.Query().Where(article.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int]*ent.Article, len(arts))
	for _, a := range arts {
		byID[a.ID] = a
	}
	conn := &model.ArticleSearchConnection{Edges: []*model.ArticleSearchEdge{}, PageInfo: &entgql.PageInfo[int]{HasNextPage: page.HasNextPage}, Capped: page.Capped}
	for _, h := range page.Hits {
		a := byID[h.ArticleID]
		if a == nil {
			continue
		}
		cur := entgql.Cursor[int]{ID: h.ArticleID, Value: h.Cursor}
		conn.Edges = append(conn.Edges, &model.ArticleSearchEdge{Node: a, Cursor: cur, Score: h.Score, Snippet: h.Snippet})
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		end := entgql.Cursor[int]{ID: conn.Edges[n-1].Cursor.ID, Value: page.EndCursor}
		conn.PageInfo.EndCursor = &end
	}
	return conn, nil
}

func countItems(in []dashboard.Count) []*model.CountItem {
	out := make([]*model.CountItem, len(in))
	for i, c := range in {
		out[i] = &model.CountItem{Key: c.Key, Label: c.Label, Count: c.Count}
	}
	return out
}

func (r *Resolver) dossierStats(ctx context.Context, d *model.Dashboard) (dashboard.DossierStats, error) {
	v, err := d.Memo("dossiers", func() (any, error) { return dashboard.Dossiers(ctx, r.DB) })
	if err != nil {
		return dashboard.DossierStats{}, err
	}
	return v.(dashboard.DossierStats), nil
}

func (r *Resolver) partnershipStats(ctx context.Context, d *model.Dashboard) (dashboard.PartnershipStats, error) {
	v, err := d.Memo("partnerships", func() (any, error) { return dashboard.Partnerships(ctx, r.DB) })
	if err != nil {
		return dashboard.PartnershipStats{}, err
	}
	return v.(dashboard.PartnershipStats), nil
}

func (r *Resolver) authoritiesByID(ctx context.Context, ids []int) (map[int]*ent.LocalAuthority, error) {
	las, err := r.Client.LocalAuthority.Query().Where(localauthority.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int]*ent.LocalAuthority, len(las))
	for _, la := range las {
		out[la.ID] = la
	}
	return out, nil
}
