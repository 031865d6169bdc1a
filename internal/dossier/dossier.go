// Package dossier holds the DCOL status machine: which transitions a dossier may take, and
// the one function that moves a dossier and writes its history.
package dossier

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/dossier"
	"coopdesk/ent/dossierevent"
)

// Status is a dossier status.
type Status = dossier.Status

// transitions is the DCOL status machine:
// draft → submitted → admissible | inadmissible → under_review → accepted | rejected | deferred,
// deferred → under_review, accepted → in_accompaniment → completed | abandoned.
var transitions = map[Status][]Status{
	dossier.StatusDraft:           {dossier.StatusSubmitted},
	dossier.StatusSubmitted:       {dossier.StatusAdmissible, dossier.StatusInadmissible},
	dossier.StatusAdmissible:      {dossier.StatusUnderReview},
	dossier.StatusUnderReview:     {dossier.StatusAccepted, dossier.StatusRejected, dossier.StatusDeferred},
	dossier.StatusDeferred:        {dossier.StatusUnderReview},
	dossier.StatusAccepted:        {dossier.StatusInAccompaniment},
	dossier.StatusInAccompaniment: {dossier.StatusCompleted, dossier.StatusAbandoned},
}

// Next lists the statuses a dossier in status s may move to.
func Next(s Status) []Status { return transitions[s] }

// CanTransition reports whether the machine allows from → to.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// TransitionError is a transition the machine refuses.
type TransitionError struct {
	From, To Status
}

func (e *TransitionError) Error() string {
	next := Next(e.From)
	if len(next) == 0 {
		return fmt.Sprintf("a dossier in status %s cannot change status any more (asked: %s)", e.From, e.To)
	}
	names := make([]string, len(next))
	for i, s := range next {
		names[i] = string(s)
	}
	sort.Strings(names)
	return fmt.Sprintf("a dossier cannot go from %s to %s; from %s it may go to: %s", e.From, e.To, e.From, strings.Join(names, ", "))
}

// Transition moves dossier id to status `to` in one transaction and records the step as a
// DossierEvent by authorID (0 for the system). A refused transition writes nothing. The
// row is locked (on PostgreSQL) and the status re-checked inside the transaction, so two
// concurrent transitions cannot both apply.
func Transition(ctx context.Context, client *ent.Client, id int, to Status, comment string, authorID int) (*ent.Dossier, error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return nil, err
	}
	d, err := Apply(ctx, tx, id, to, comment, authorID)
	if err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return nil, fmt.Errorf("%w (rollback: %v)", err, rerr)
		}
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return d.Unwrap(), nil
}

// Apply is Transition inside a transaction the caller owns (a GraphQL mutation's).
func Apply(ctx context.Context, tx *ent.Tx, id int, to Status, comment string, authorID int) (*ent.Dossier, error) {
	if err := dossier.StatusValidator(to); err != nil {
		return nil, fmt.Errorf("unknown dossier status %q", to)
	}
	d, err := tx.Dossier.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !CanTransition(d.Status, to) {
		return nil, &TransitionError{From: d.Status, To: to}
	}
	if to == dossier.StatusSubmitted {
		if err := complete(d); err != nil {
			return nil, err
		}
	}
	from, now := d.Status, time.Now()
	// The update is conditional on the status read above: of two concurrent transitions
	// from the same status, only one can match, on SQLite and PostgreSQL alike.
	upd := tx.Dossier.Update().Where(dossier.ID(id), dossier.StatusEQ(from)).SetStatus(to)
	switch to {
	case dossier.StatusSubmitted:
		if d.ReceivedOn == nil {
			upd.SetReceivedOn(now)
		}
	case dossier.StatusAccepted, dossier.StatusRejected, dossier.StatusInadmissible:
		upd.SetDecisionOn(now)
	case dossier.StatusInAccompaniment:
		if d.AccompanimentStart == nil {
			upd.SetAccompanimentStart(now)
		}
	case dossier.StatusCompleted, dossier.StatusAbandoned:
		upd.SetAccompanimentEnd(now)
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, ErrConcurrentChange
	}
	ev := tx.DossierEvent.Create().SetDossierID(id).SetFromStatus(dossierevent.FromStatus(from)).
		SetToStatus(dossierevent.ToStatus(to)).SetComment(comment).SetAt(now)
	if authorID != 0 {
		ev.SetAuthorID(authorID)
	}
	if _, err := ev.Save(ctx); err != nil {
		return nil, err
	}
	return tx.Dossier.Get(ctx, id)
}

// ErrConcurrentChange reports that another transition changed the dossier meanwhile.
var ErrConcurrentChange = errors.New("the dossier changed status meanwhile; reload it and try again")

// IncompleteError refuses to submit a dossier that lacks what its support kind needs.
type IncompleteError struct {
	Kind    dossier.SupportKind
	Missing []string
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("a %s dossier cannot be submitted without: %s", e.Kind, strings.Join(e.Missing, ", "))
}

// complete checks what each support kind needs before submission: every dossier states its
// need and the amount requested; a project dossier also names the partner country of the
// cooperation project.
func complete(d *ent.Dossier) error {
	var missing []string
	if strings.TrimSpace(d.Need) == "" {
		missing = append(missing, "need")
	}
	if d.RequestedAmount == nil {
		missing = append(missing, "requestedAmount")
	}
	if d.SupportKind == dossier.SupportKindProject && d.PartnerCountryID == nil {
		missing = append(missing, "partnerCountry")
	}
	if len(missing) > 0 {
		return &IncompleteError{Kind: d.SupportKind, Missing: missing}
	}
	return nil
}
