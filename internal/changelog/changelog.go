// Package changelog records who created, changed or deleted which domain record, when, and
// what changed: an ent hook that writes a ChangeLogEntry in the same transaction as the
// change. Contacts' personal data (e-mail, phone) is never copied into the log, and Erase
// removes a deleted contact's name from it, so that the history stays readable without
// keeping the person.
package changelog

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/changelogentry"
	"coopdesk/internal/auth"
)

// tracked lists the ent types whose changes by users are logged: the domain records staff
// edit. The veille's machine-written records (articles, tags, digests) and the history
// records themselves are left out.
var tracked = map[string]bool{
	ent.TypeCountry: true, ent.TypeCountryGroup: true, ent.TypeLocalAuthority: true,
	ent.TypePartnership: true, ent.TypeTheme: true, ent.TypeOrganization: true,
	ent.TypeContact: true, ent.TypeDossier: true, ent.TypeMilestone: true,
	ent.TypeMeeting: true, ent.TypeAgendaItem: true, ent.TypeTraining: true,
	ent.TypeTrainingRegistration: true, ent.TypeFeed: true, ent.TypeUser: true,
	ent.TypeSavedSearch: true, ent.TypeDigestSubscription: true,
}

// personal lists the fields whose values are never logged: only that they changed.
var personal = map[string]map[string]bool{
	ent.TypeContact: {"email": true, "phone": true},
	ent.TypeUser:    {"email": true},
}

// internalFields are bookkeeping columns not worth a log line.
var internalFields = map[string]bool{"updated_at": true, "updated_by_id": true, "created_at": true, "created_by_id": true}

// DeletedContactLabel replaces an erased contact's name in the history.
const DeletedContactLabel = "contact supprimé"

type idGetter interface{ ID() (int, bool) }
type clientGetter interface{ Client() *ent.Client }

// Hook logs every create, update and delete that a user makes on a tracked record. Changes
// made without a user (imports, the worker) are not logged: they are not staff decisions,
// and a national import would drown the log.
func Hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			p := auth.FromContext(ctx)
			if p == nil || !tracked[m.Type()] {
				return next.Mutate(ctx, m)
			}
			entry := entry{action: action(m.Op())}
			if entry.action == "" {
				return next.Mutate(ctx, m)
			}
			changes := map[string]any{}
			if g, ok := m.(idGetter); ok {
				entry.id, _ = g.ID()
			}
			if m.Op().Is(ent.OpUpdateOne | ent.OpDeleteOne) {
				if entry.id != 0 {
					entry.label = labelOf(ctx, m, entry.id)
				}
			}
			for _, f := range m.Fields() {
				if internalFields[f] {
					continue
				}
				if personal[m.Type()][f] {
					changes[f] = map[string]any{"changed": true}
					continue
				}
				v, _ := m.Field(f)
				c := map[string]any{"new": v}
				if m.Op().Is(ent.OpUpdateOne) {
					if old, err := m.OldField(ctx, f); err == nil {
						if reflect.DeepEqual(old, v) {
							continue
						}
						c["old"] = old
					}
				}
				changes[f] = c
			}
			for _, e := range m.AddedEdges() {
				if ids := m.AddedIDs(e); len(ids) > 0 {
					changes[e] = mergeEdge(changes[e], "added", ids)
				}
			}
			for _, e := range m.RemovedEdges() {
				if ids := m.RemovedIDs(e); len(ids) > 0 {
					changes[e] = mergeEdge(changes[e], "removed", ids)
				}
			}
			for _, e := range m.ClearedEdges() {
				changes[e] = mergeEdge(changes[e], "cleared", true)
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if entry.action == "create" {
				entry.id = idOf(v)
				entry.label = labelOfValue(v)
			}
			if entry.action == "update" && len(changes) == 0 {
				return v, nil
			}
			c, ok := m.(clientGetter)
			if !ok {
				return v, nil
			}
			if m.Type() == ent.TypeContact && entry.action == "delete" {
				entry.label = DeletedContactLabel
			}
			create := c.Client().ChangeLogEntry.Create().
				SetAction(changelogentry.Action(entry.action)).SetEntityType(m.Type()).SetEntityID(entry.id).
				SetLabel(truncate(entry.label, 300)).SetChanges(changes).SetAt(time.Now()).
				SetActorName(p.Name)
			if p.UserID != 0 {
				create.SetActorID(p.UserID)
			}
			if err := create.Exec(ctx); err != nil {
				return nil, fmt.Errorf("change log: %w", err)
			}
			return v, nil
		})
	}
}

type entry struct {
	action, label string
	id            int
}

func action(op ent.Op) string {
	switch {
	case op.Is(ent.OpCreate):
		return "create"
	case op.Is(ent.OpUpdateOne):
		return "update"
	case op.Is(ent.OpDeleteOne):
		return "delete"
	}
	// Bulk updates and deletes come from domain code (e.g. a conditional status update),
	// which logs its own step where it matters (dossier events).
	return ""
}

func mergeEdge(prev any, key string, v any) any {
	m, _ := prev.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	m[key] = v
	return m
}

func idOf(v ent.Value) int {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		if f := rv.Elem().FieldByName("ID"); f.IsValid() && f.CanInt() {
			return int(f.Int())
		}
	}
	return 0
}

// labelOf reads the record's readable name before it changes or disappears.
func labelOf(ctx context.Context, m ent.Mutation, id int) string {
	c, ok := m.(clientGetter)
	if !ok {
		return ""
	}
	n, err := c.Client().Noder(ctx, id)
	if err != nil {
		return ""
	}
	return labelOfValue(n)
}

func labelOfValue(v any) string {
	switch x := v.(type) {
	case *ent.Country:
		return x.NameFr
	case *ent.CountryGroup:
		return x.Name
	case *ent.LocalAuthority:
		return x.Name
	case *ent.Partnership:
		return x.Title
	case *ent.Theme:
		return x.Label
	case *ent.Organization:
		return x.Name
	case *ent.Contact:
		return x.FullName
	case *ent.Dossier:
		return x.Title
	case *ent.Milestone:
		return x.Title
	case *ent.Meeting:
		return x.Title
	case *ent.AgendaItem:
		return x.Title
	case *ent.Training:
		return x.Title
	case *ent.Feed:
		if x.Title != "" {
			return x.Title
		}
		return x.URL
	case *ent.User:
		return x.Name
	case *ent.SavedSearch:
		return x.Name
	}
	return ""
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Erase removes a deleted contact's name and role from the history: the entries stay, with
// "contact supprimé" as their label and no value of the person's fields.
func Erase(ctx context.Context, client *ent.Client, contactID int) error {
	entries, err := client.ChangeLogEntry.Query().
		Where(changelogentry.EntityType(ent.TypeContact), changelogentry.EntityID(contactID)).All(ctx)
	if err != nil {
		return fmt.Errorf("erase contact history: %w", err)
	}
	for _, e := range entries {
		scrubbed := map[string]any{}
		for k := range e.Changes {
			scrubbed[k] = map[string]any{"changed": true}
		}
		if err := client.ChangeLogEntry.UpdateOne(e).SetLabel(DeletedContactLabel).SetChanges(scrubbed).Exec(ctx); err != nil {
			return fmt.Errorf("erase contact history: %w", err)
		}
	}
	return nil
}
