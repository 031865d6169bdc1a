// Package training holds the rules of training registrations: someone must be registered,
// and nobody twice.
package training

import (
	"context"
	"errors"

	"coopdesk/ent"
	"coopdesk/ent/trainingregistration"
)

var (
	// ErrNoParticipant refuses a registration with neither an authority nor a contact.
	ErrNoParticipant = errors.New("a registration needs an authority, a contact, or both")
	// ErrDuplicate refuses registering the same participant twice to one training.
	ErrDuplicate = errors.New("already exists: this participant is already registered to this training")
)

// CheckNew refuses an empty or duplicate registration. The unique index cannot do it alone:
// NULL columns never collide, so a contact registered without an authority could be
// registered twice.
func CheckNew(ctx context.Context, client *ent.Client, trainingID int, authorityID, contactID *int) error {
	if authorityID == nil && contactID == nil {
		return ErrNoParticipant
	}
	q := client.TrainingRegistration.Query().Where(trainingregistration.TrainingID(trainingID))
	if authorityID != nil {
		q.Where(trainingregistration.AuthorityID(*authorityID))
	} else {
		q.Where(trainingregistration.AuthorityIDIsNil())
	}
	if contactID != nil {
		q.Where(trainingregistration.ContactID(*contactID))
	} else {
		q.Where(trainingregistration.ContactIDIsNil())
	}
	exists, err := q.Exist(ctx)
	if err != nil {
		return err
	}
	if exists {
		return ErrDuplicate
	}
	return nil
}
