package digest

import (
	"errors"
	"slices"
	"testing"

	"coopdesk/ent"
	"coopdesk/internal/testdb"
)

func slugsOf(sub *ent.DigestSubscription) []string {
	var out []string
	for _, g := range sub.Edges.Groups {
		out = append(out, g.Slug)
	}
	return out
}

func TestDigestSubscribe(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		f := newFixture(t, db)
		awa := f.must(f.c.User.Create().SetName("Awa").SetEmail("awa@example.org").Save(f.ctx)).(*ent.User)
		noMail := f.must(f.c.User.Create().SetName("Sans adresse").Save(f.ctx)).(*ent.User)

		sub, err := Subscribe(f.ctx, f.c, awa.ID, []string{"maroc"}, nil)
		if err != nil || !slices.Equal(slugsOf(sub), []string{"maroc"}) || len(sub.Topics) != 0 {
			t.Fatalf("subscribe: %v %v", sub, err)
		}
		sub, err = Subscribe(f.ctx, f.c, awa.ID, []string{"tunisie", "maroc"}, []string{"economie"})
		if err != nil || !slices.Equal(slugsOf(sub), []string{"maroc", "tunisie"}) || !slices.Equal(sub.Topics, []string{"economie"}) {
			t.Fatalf("second subscribe: %v %v", sub, err)
		}
		if recips, _ := Subscribers(f.ctx, f.c, f.groups["tunisie"].ID); len(recips) != 1 || recips[0].Topics[0] != "economie" {
			t.Errorf("subscribers of tunisie: %v", recips)
		}
		if _, err := Subscribe(f.ctx, f.c, awa.ID, []string{"atlantide"}, nil); !errors.Is(err, ErrUnknownGroup) {
			t.Errorf("unknown group: %v", err)
		}
		if _, err := Subscribe(f.ctx, f.c, awa.ID, []string{"maroc"}, []string{"sport"}); !errors.Is(err, ErrUnknownTopic) {
			t.Errorf("unknown topic: %v", err)
		}
		if _, err := Subscribe(f.ctx, f.c, noMail.ID, []string{"maroc"}, nil); !errors.Is(err, ErrNoEmail) {
			t.Errorf("no e-mail: %v", err)
		}
		sub, err = Unsubscribe(f.ctx, f.c, awa.ID, []string{"maroc"})
		if err != nil || !slices.Equal(slugsOf(sub), []string{"tunisie"}) {
			t.Fatalf("unsubscribe maroc: %v %v", sub, err)
		}
		if sub, err := Unsubscribe(f.ctx, f.c, awa.ID, nil); err != nil || sub != nil {
			t.Fatalf("unsubscribe all: %v %v", sub, err)
		}
		if recips, _ := Subscribers(f.ctx, f.c, f.groups["tunisie"].ID); len(recips) != 0 {
			t.Errorf("subscribers after unsubscribing: %v", recips)
		}
	})
}
