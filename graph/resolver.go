package graph

import (
	"context"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"coopdesk/internal/database"
	"coopdesk/internal/search"
	"coopdesk/worker/fetch"

	"coopdesk/ent"
)

// Resolver is the root resolver; it holds what resolvers need and nothing else.
type Resolver struct {
	Client *ent.Client
	// DB is the database under Client, for the aggregates written in SQL.
	DB *database.DB
	// Search is the full-text engine of the veille.
	Search search.Engine
	// AllowPrivateFeeds lets addFeed accept loopback and private addresses
	// (COOPDESK_FETCH_ALLOW_PRIVATE).
	AllowPrivateFeeds bool
	// Location is the time zone of digest dates (COOPDESK_TZ).
	Location *time.Location
}

// client returns the transaction of the current mutation (see entgql.Transactioner) or the
// plain client for queries.
func (r *Resolver) client(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.Client
}

// checkFeedAddress refuses, when the fetcher may not reach private networks, a feed whose
// host is a private, loopback or link-local IP address. Host names are checked by the
// fetcher at dial time, after DNS resolution, which also catches rebinding.
func (r *Resolver) checkFeedAddress(raw string) error {
	if r.AllowPrivateFeeds {
		return nil
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil // AddFeed reports malformed addresses
	}
	host := strings.Trim(u.Hostname(), "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return coded(CodeBadInput, "invalid feed: the address points to this machine, which the fetcher may not reach")
	}
	if ip, err := netip.ParseAddr(host); err == nil && !fetch.IsPublicAddress(ip) {
		return coded(CodeBadInput, "invalid feed: the address is a private, loopback or link-local IP, which the fetcher may not reach")
	}
	return nil
}
