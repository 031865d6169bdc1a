package search_test

import (
	"context"
	"errors"
	"testing"

	"coopdesk/internal/auth"
	"coopdesk/internal/search"
	"coopdesk/internal/testdb"
)

func TestSavedSearches(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		v := newVeille(t, db)
		ctx := context.Background()
		c := db.Client
		_, alice, err := auth.CreateUserWithToken(ctx, c, "Alice", auth.Staff)
		if err != nil {
			t.Fatal(err)
		}
		_, bob, err := auth.CreateUserWithToken(ctx, c, "Bob", auth.Viewer)
		if err != nil {
			t.Fatal(err)
		}
		_, admin, err := auth.CreateUserWithToken(ctx, c, "Admin", auth.Admin)
		if err != nil {
			t.Fatal(err)
		}
		asAlice := &auth.Principal{UserID: alice.ID, Role: auth.Staff}
		asBob := &auth.Principal{UserID: bob.ID, Role: auth.Viewer}
		asAdmin := &auth.Principal{UserID: admin.ID, Role: auth.Admin}

		maghreb, err := search.CreateSavedSearch(ctx, c, alice.ID, " Municipalités du Maghreb ", "municipalités", search.Filter{Groups: []string{"maghreb"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := search.CreateSavedSearch(ctx, c, alice.ID, "Dernières nouvelles", "", search.Filter{}); err != nil {
			t.Fatalf("empty query: %v", err)
		}
		for _, tc := range []struct {
			name, query string
			user        int
			want        error
		}{
			{"Municipalités du Maghreb", "Dakar", alice.ID, search.ErrSavedSearchTaken},
			{"", "Dakar", alice.ID, search.ErrSavedSearchName},
			{"Mots vides", "le la de", alice.ID, search.ErrOnlyStopWords},
			{"Municipalités du Maghreb", "Dakar", bob.ID, nil}, // names are unique per user
		} {
			if _, err := search.CreateSavedSearch(ctx, c, tc.user, tc.name, tc.query, search.Filter{}); !errors.Is(err, tc.want) {
				t.Errorf("CreateSavedSearch(%q, %q) error = %v, want %v", tc.name, tc.query, err, tc.want)
			}
		}
		list, err := search.ListSavedSearches(ctx, c, alice.ID)
		if err != nil || len(list) != 2 || list[0].Name != "Dernières nouvelles" || list[1].Filter.Groups[0] != "maghreb" {
			t.Fatalf("ListSavedSearches = %+v, %v", list, err)
		}
		for _, p := range []*auth.Principal{asAlice, asAdmin} {
			page, err := search.RunSavedSearch(ctx, v.engine, c, p, maghreb.ID, 10, "")
			if err != nil {
				t.Fatalf("RunSavedSearch as %d: %v", p.UserID, err)
			}
			if got := len(page.Hits); got != 2 {
				t.Errorf("RunSavedSearch as %d: %d hits, want 2 (the stored filter applies)", p.UserID, got)
			}
		}
		if _, err := search.RunSavedSearch(ctx, v.engine, c, asBob, maghreb.ID, 10, ""); !errors.Is(err, search.ErrSavedSearchNotFound) {
			t.Errorf("RunSavedSearch by another user: %v, want not found", err)
		}
		if _, err := search.RunSavedSearch(ctx, v.engine, c, nil, maghreb.ID, 10, ""); !errors.Is(err, search.ErrNotSignedIn) {
			t.Errorf("RunSavedSearch signed out: %v", err)
		}
		if err := search.DeleteSavedSearch(ctx, c, asBob, maghreb.ID); !errors.Is(err, search.ErrSavedSearchNotFound) {
			t.Errorf("DeleteSavedSearch by another user: %v, want not found", err)
		}
		if err := search.DeleteSavedSearch(ctx, c, asAlice, maghreb.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := search.GetSavedSearch(ctx, c, asAlice, maghreb.ID); !errors.Is(err, search.ErrSavedSearchNotFound) {
			t.Errorf("after delete: %v", err)
		}
	})
}
