package dossier

import (
	"strings"
	"testing"

	"coopdesk/ent/dossier"
	"coopdesk/ent/schema"
)

func TestMachine(t *testing.T) {
	allowed := map[[2]Status]bool{
		{dossier.StatusDraft, dossier.StatusSubmitted}:           true,
		{dossier.StatusSubmitted, dossier.StatusAdmissible}:      true,
		{dossier.StatusSubmitted, dossier.StatusInadmissible}:    true,
		{dossier.StatusAdmissible, dossier.StatusUnderReview}:    true,
		{dossier.StatusUnderReview, dossier.StatusAccepted}:      true,
		{dossier.StatusUnderReview, dossier.StatusRejected}:      true,
		{dossier.StatusUnderReview, dossier.StatusDeferred}:      true,
		{dossier.StatusDeferred, dossier.StatusUnderReview}:      true,
		{dossier.StatusAccepted, dossier.StatusInAccompaniment}:  true,
		{dossier.StatusInAccompaniment, dossier.StatusCompleted}: true,
		{dossier.StatusInAccompaniment, dossier.StatusAbandoned}: true,
	}
	statuses := schema.DossierStatuses
	if len(statuses) != 11 {
		t.Fatalf("statuses: %v", statuses)
	}
	for _, from := range statuses {
		for _, to := range statuses {
			key := [2]Status{Status(from), Status(to)}
			if got := CanTransition(key[0], key[1]); got != allowed[key] {
				t.Errorf("%s → %s: allowed=%v, want %v", from, to, got, allowed[key])
			}
		}
	}
	err := &TransitionError{From: dossier.StatusCompleted, To: dossier.StatusUnderReview}
	if !strings.Contains(err.Error(), "completed") || !strings.Contains(err.Error(), "under_review") {
		t.Errorf("message: %s", err)
	}
	err = &TransitionError{From: dossier.StatusSubmitted, To: dossier.StatusAccepted}
	if !strings.Contains(err.Error(), "admissible, inadmissible") {
		t.Errorf("message does not list the allowed statuses: %s", err)
	}
}
