package digest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"coopdesk/ent"
	"coopdesk/ent/countrygroup"
	"coopdesk/ent/digestsubscription"
)

// Errors of Subscribe and Unsubscribe; their messages are for the user.
var (
	ErrUnknownTopic = errors.New("unknown topic")
	ErrNoEmail      = errors.New("the account has no e-mail address: add one before subscribing to digests")
)

// Subscribe adds groups (slugs) to the digests the user receives and, when topics is not
// nil, sets the topics they want (an empty list: every topic). It returns the
// subscription with its groups.
func Subscribe(ctx context.Context, client *ent.Client, userID int, groups, topics []string) (*ent.DigestSubscription, error) {
	u, err := client.User.Get(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("subscribe: user %d: %w", userID, err)
	}
	if strings.TrimSpace(u.Email) == "" {
		return nil, ErrNoEmail
	}
	for _, t := range topics {
		if t == "" || topicIndex(t) == len(Topics) {
			return nil, fmt.Errorf("%w %q (known topics: %s)", ErrUnknownTopic, t, topicList())
		}
	}
	ids, err := groupIDs(ctx, client, groups)
	if err != nil {
		return nil, err
	}
	sub, err := client.DigestSubscription.Query().Where(digestsubscription.UserID(userID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		err = client.DigestSubscription.Create().SetUserID(userID).AddGroupIDs(ids...).SetTopics(topics).Exec(ctx)
	case err != nil:
	default:
		current, qerr := sub.QueryGroups().IDs(ctx)
		if qerr != nil {
			return nil, fmt.Errorf("subscribe: %w", qerr)
		}
		up := sub.Update().AddGroupIDs(slices.DeleteFunc(ids, func(id int) bool { return slices.Contains(current, id) })...)
		if topics != nil {
			up.SetTopics(topics)
		}
		err = up.Exec(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return Subscription(ctx, client, userID)
}

// Unsubscribe removes groups from the user's digests; no groups removes them all. It
// returns what is left (nil when nothing is).
func Unsubscribe(ctx context.Context, client *ent.Client, userID int, groups []string) (*ent.DigestSubscription, error) {
	sub, err := client.DigestSubscription.Query().Where(digestsubscription.UserID(userID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("unsubscribe: %w", err)
	}
	if len(groups) == 0 {
		if err := client.DigestSubscription.DeleteOne(sub).Exec(ctx); err != nil {
			return nil, fmt.Errorf("unsubscribe: %w", err)
		}
		return nil, nil
	}
	ids, err := groupIDs(ctx, client, groups)
	if err != nil {
		return nil, err
	}
	if err := sub.Update().RemoveGroupIDs(ids...).Exec(ctx); err != nil {
		return nil, fmt.Errorf("unsubscribe: %w", err)
	}
	return Subscription(ctx, client, userID)
}

// Subscription returns the user's subscription with its groups (by slug), or nil.
func Subscription(ctx context.Context, client *ent.Client, userID int) (*ent.DigestSubscription, error) {
	sub, err := client.DigestSubscription.Query().Where(digestsubscription.UserID(userID)).
		WithGroups(func(q *ent.CountryGroupQuery) { q.Order(ent.Asc(countrygroup.FieldSlug)) }).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("subscription of user %d: %w", userID, err)
	}
	return sub, nil
}

func groupIDs(ctx context.Context, client *ent.Client, slugs []string) ([]int, error) {
	ids := make([]int, 0, len(slugs))
	for _, s := range slugs {
		g, err := Group(ctx, client, s)
		if err != nil {
			return nil, err
		}
		ids = append(ids, g.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

func topicList() string {
	var names []string
	for _, t := range Topics {
		if t.Slug != "" {
			names = append(names, t.Slug)
		}
	}
	return strings.Join(names, ", ")
}
