// Package deletion deletes domain records safely: a record that others still depend on is
// refused with a message naming them (never a silent cascade), and a deleted contact is
// erased for real while the history stays readable.
package deletion

import (
	"context"
	"fmt"
	"strings"

	"coopdesk/ent"
	"coopdesk/ent/dossier"
	"coopdesk/ent/localauthority"
	"coopdesk/ent/partnership"
	"coopdesk/internal/changelog"
)

// InUseError refuses a deletion and names what still refers to the record.
type InUseError struct {
	What   string
	Blocks []string
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s cannot be deleted while it is still referred to by: %s; detach or delete those first",
		e.What, strings.Join(e.Blocks, "; "))
}

// maxNamed bounds how many blocking records a message names.
const maxNamed = 10

func names(kind string, labels []string, total int) string {
	s := fmt.Sprintf("%d %s (%s", total, kind, strings.Join(labels, ", "))
	if total > len(labels) {
		s += ", …"
	}
	return s + ")"
}

// LocalAuthority deletes an authority, unless partnerships, dossiers or child authorities
// still refer to it.
func LocalAuthority(ctx context.Context, client *ent.Client, id int) error {
	a, err := client.LocalAuthority.Get(ctx, id)
	if err != nil {
		return err
	}
	var blocks []string
	ps := client.Partnership.Query().Where(partnership.Or(
		partnership.HasFrenchAuthoritiesWith(localauthority.ID(id)),
		partnership.HasPartnerAuthoritiesWith(localauthority.ID(id))))
	if n, err := ps.Clone().Count(ctx); err != nil {
		return err
	} else if n > 0 {
		titles, err := ps.Limit(maxNamed).Select(partnership.FieldTitle).Strings(ctx)
		if err != nil {
			return err
		}
		blocks = append(blocks, names("partnership(s)", titles, n))
	}
	ds := client.Dossier.Query().Where(dossier.ApplicantID(id))
	if n, err := ds.Clone().Count(ctx); err != nil {
		return err
	} else if n > 0 {
		titles, err := ds.Limit(maxNamed).Select(dossier.FieldTitle).Strings(ctx)
		if err != nil {
			return err
		}
		blocks = append(blocks, names("DCOL dossier(s)", titles, n))
	}
	cs := client.LocalAuthority.Query().Where(localauthority.ParentID(id))
	if n, err := cs.Clone().Count(ctx); err != nil {
		return err
	} else if n > 0 {
		titles, err := cs.Limit(maxNamed).Select(localauthority.FieldName).Strings(ctx)
		if err != nil {
			return err
		}
		blocks = append(blocks, names("authorit(ies) below it", titles, n))
	}
	if len(blocks) > 0 {
		return &InUseError{What: fmt.Sprintf("the authority %q", a.Name), Blocks: blocks}
	}
	return client.LocalAuthority.DeleteOneID(id).Exec(ctx)
}

// Contact erases a contact: the row goes (its links to groups, meetings, partnerships and
// registrations with it; dossiers and agenda items keep a blank consultant or speaker), and
// the change log keeps its entries under "contact supprimé", without the person's data.
func Contact(ctx context.Context, client *ent.Client, id int) error {
	if err := client.Contact.DeleteOneID(id).Exec(ctx); err != nil {
		return err
	}
	return changelog.Erase(ctx, client, id)
}
