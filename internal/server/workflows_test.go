package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"coopdesk/internal/testdb"
)

// ids creates the records the workflow tests share and returns their IDs.
func workflowFixtures(t *testing.T, a *api) map[string]string {
	t.Helper()
	c := a.ok(a.staff, `{ fr: countries(where: {code: "FR"}) { edges { node { id } } } ma: countries(where: {code: "MA"}) { edges { node { id } } }
		maroc: countryGroups(where: {slug: "maroc"}) { edges { node { id } } } }`, nil)
	ids := map[string]string{
		"fr": str(c, "fr", "edges", 0, "node", "id"), "ma": str(c, "ma", "edges", 0, "node", "id"),
		"maroc": str(c, "maroc", "edges", 0, "node", "id"),
	}
	mk := func(key, name, level, country, zone string) {
		in := map[string]any{"name": name, "level": level, "countryID": ids[country]}
		if zone != "" {
			in["zone"] = zone
		}
		d := a.ok(a.staff, `mutation($in: CreateLocalAuthorityInput!) { createLocalAuthority(input: $in) { id } }`, map[string]any{"in": in})
		ids[key] = str(d, "createLocalAuthority", "id")
	}
	mk("nantes", "Nantes", "commune", "fr", "metro")
	mk("lyon", "Lyon", "commune", "fr", "metro")
	mk("cayenne", "Cayenne", "commune", "fr", "drom")
	mk("agadir", "Agadir", "commune", "ma", "")
	d := a.ok(a.staff, `mutation($f: ID!, $p: ID!) { createPartnership(input: {title: "Nantes – Agadir", kind: convention_cooperation, frenchAuthorityIDs: [$f], partnerAuthorityIDs: [$p]}) { id } }`,
		map[string]any{"f": ids["nantes"], "p": ids["agadir"]})
	ids["partnership"] = str(d, "createPartnership", "id")
	return ids
}

func TestDossierLife(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		ids := workflowFixtures(t, a)
		// Applying: a project dossier needs its partner country before submission.
		d := a.ok(a.staff, `mutation($a: ID!) { createDossier(input: {title: "Projet eau à Agadir", call: "DCOL 2026", supportKind: project, applicantID: $a, need: "Monter un projet d'assainissement", requestedAmount: 30000}) { id } }`, map[string]any{"a": ids["nantes"]})
		id := str(d, "createDossier", "id")
		tr := `mutation($id: ID!, $to: DossierStatus!, $c: String) { transitionDossier(id: $id, to: $to, comment: $c) { status } }`
		r := a.fails(a.staff, "BAD_USER_INPUT", tr, map[string]any{"id": id, "to": "submitted"})
		if !strings.Contains(r.Errors[0].Message, "partnerCountry") {
			t.Errorf("incomplete project dossier message: %s", r.Errors[0].Message)
		}
		a.ok(a.staff, `mutation($id: ID!, $c: ID!, $p: ID!) { updateDossier(id: $id, input: {partnerCountryID: $c, partnershipID: $p}) { id } }`, map[string]any{"id": id, "c": ids["ma"], "p": ids["partnership"]})
		a.ok(a.staff, tr, map[string]any{"id": id, "to": "submitted", "c": "reçu"})
		// Instruction: assignee, checklist, review notes, decision.
		a.ok(a.staff, `mutation($id: ID!, $u: ID!) { updateDossier(id: $id, input: {assigneeID: $u, admissibilityChecklist: {eligible: true, deliberation: true, budget: false}, reviewNotes: "Budget à préciser"}) { assignee { name } admissibilityChecklist } }`,
			map[string]any{"id": id, "u": a.staffID})
		for _, to := range []string{"admissible", "under_review", "accepted"} {
			a.ok(a.staff, tr, map[string]any{"id": id, "to": to, "c": "ok"})
		}
		// Accompaniment: consultant, milestones, deliverables, completion, closing note.
		org := a.ok(a.staff, `mutation { createOrganization(input: {name: "Cabinet Horizons", kind: consultancy}) { id } }`, nil)
		a.ok(a.staff, `mutation($id: ID!, $o: ID!) { updateDossier(id: $id, input: {consultantOrganizationID: $o, grantedAmount: 25000}) { id } }`, map[string]any{"id": id, "o": str(org, "createOrganization", "id")})
		a.ok(a.staff, tr, map[string]any{"id": id, "to": "in_accompaniment"})
		past := time.Now().AddDate(0, 0, -10).UTC().Format(time.RFC3339)
		future := time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339)
		m1 := a.ok(a.staff, `mutation($d: ID!, $due: Time!) { createMilestone(input: {title: "Diagnostic", dueOn: $due, dossierID: $d}) { id } }`, map[string]any{"d": id, "due": past})
		a.ok(a.staff, `mutation($d: ID!, $due: Time!) { createMilestone(input: {title: "Restitution", dueOn: $due, dossierID: $d, deliverableURL: "https://docs.example.org/restitution.pdf"}) { id } }`, map[string]any{"d": id, "due": future})
		a.fails(a.staff, "GRAPHQL_VALIDATION_FAILED", `mutation($d: ID!) { createMilestone(input: {title: "Sans date", dossierID: $d}) { id } }`, map[string]any{"d": id})
		// Lists: by status, call, assignee, support kind, and "has an overdue milestone".
		list := a.ok(a.viewer, `query($now: Time!) {
			overdue: dossiers(where: {hasMilestonesWith: {dueOnLT: $now, doneAtIsNil: true}}) { totalCount }
			mine: dossiers(where: {status: in_accompaniment, call: "DCOL 2026", supportKind: project, hasAssigneeWith: {name: "Salomé Staff"}}) { totalCount }
			none: dossiers(where: {status: draft}) { totalCount }
			overdueMilestones { title dossier { title } } }`, map[string]any{"now": time.Now().UTC().Format(time.RFC3339)})
		if num(list, "overdue", "totalCount") != 1 || num(list, "mine", "totalCount") != 1 || num(list, "none", "totalCount") != 0 ||
			str(list, "overdueMilestones", 0, "title") != "Diagnostic" || len(get(list, "overdueMilestones").([]any)) != 1 {
			t.Errorf("dossier lists: %v", list)
		}
		a.ok(a.staff, `mutation($m: ID!, $t: Time!) { updateMilestone(id: $m, input: {doneAt: $t}) { id } }`, map[string]any{"m": str(m1, "createMilestone", "id"), "t": time.Now().UTC().Format(time.RFC3339)})
		a.ok(a.staff, `mutation($id: ID!) { updateDossier(id: $id, input: {closingNote: "Capitalisation : atelier partagé avec le groupe-pays Maroc."}) { id } }`, map[string]any{"id": id})
		a.ok(a.staff, tr, map[string]any{"id": id, "to": "completed", "c": "clôture"})
		a.fails(a.staff, "INVALID_TRANSITION", tr, map[string]any{"id": id, "to": "under_review"})
		h := a.ok(a.viewer, `query($id: ID!) { node(id: $id) { ... on Dossier { status closingNote grantedAmount consultantOrganization { name } partnerCountry { code } partnership { title }
			milestones { totalCount } events { totalCount edges { node { toStatus author { name } } } } } } }`, map[string]any{"id": id})
		if str(h, "node", "status") != "completed" || num(h, "node", "events", "totalCount") != 6 || num(h, "node", "milestones", "totalCount") != 2 ||
			str(h, "node", "consultantOrganization", "name") != "Cabinet Horizons" || str(h, "node", "partnership", "title") != "Nantes – Agadir" {
			t.Errorf("closed dossier: %v", h)
		}
	})
}

func TestGroupsMeetingsTrainings(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		ids := workflowFixtures(t, a)
		// Members: Nantes by partnership, Lyon by hand; both reasons shown.
		a.ok(a.staff, `mutation($g: ID!, $l: ID!) { updateCountryGroup(id: $g, input: {addMemberIDs: [$l]}) { id } }`, map[string]any{"g": ids["maroc"], "l": ids["lyon"]})
		a.ok(a.staff, `mutation($c: ID!) { createOrganization(input: {name: "Ambassade de France au Maroc", kind: embassy, countryID: $c}) { id } }`, map[string]any{"c": ids["ma"]})
		g := a.ok(a.viewer, `{ countryGroups(orderBy: {field: SLUG}) { edges { node { slug memberAuthorities { authority { name } manual partnershipCount reasons } desks { name kind } } } } }`, nil)
		var maroc any
		for _, e := range get(g, "countryGroups", "edges").([]any) {
			if str(e, "node", "slug") == "maroc" {
				maroc = get(e, "node")
			} else if l := get(e, "node", "memberAuthorities").([]any); len(l) != 0 {
				t.Errorf("group %s has members: %v", str(e, "node", "slug"), l)
			}
		}
		if str(maroc, "memberAuthorities", 0, "authority", "name") != "Lyon" || get(maroc, "memberAuthorities", 0, "manual") != true ||
			str(maroc, "memberAuthorities", 1, "authority", "name") != "Nantes" || num(maroc, "memberAuthorities", 1, "partnershipCount") != 1 ||
			str(maroc, "memberAuthorities", 1, "reasons", 0) != "partnership" || str(maroc, "desks", 0, "kind") != "embassy" {
			t.Errorf("maroc group: %v", maroc)
		}

		// Meetings: agenda in order, reorder, minutes made safe.
		contact := a.ok(a.staff, `mutation { createContact(input: {fullName: "Youssef A.", role: "élu", email: "y@example.org"}) { id } }`, nil)
		m := a.ok(a.staff, `mutation($g: ID!, $a: [ID!]) { createMeeting(input: {title: "Réunion du groupe Maroc", startsAt: "2026-12-10T09:30:00Z", place: "Paris", groupID: $g, attendeeAuthorityIDs: $a,
			minutes: "## Décisions\n\n* **Eau** : suite\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[lien](javascript:alert(3))"}) { id minutesHtml } }`,
			map[string]any{"g": ids["maroc"], "a": []string{ids["nantes"]}})
		mid := str(m, "createMeeting", "id")
		html := str(m, "createMeeting", "minutesHtml")
		if !strings.Contains(html, "<strong>Eau</strong>") || strings.Contains(html, "<script") || strings.Contains(html, "onerror") || strings.Contains(html, "javascript:") {
			t.Errorf("minutesHtml not safe or not rendered: %s", html)
		}
		var items []string
		for i, title := range []string{"Accueil", "Tour de table", "Eau et assainissement"} {
			in := map[string]any{"title": title, "position": i + 1, "meetingID": mid}
			if i == 1 {
				in["speakerID"] = str(contact, "createContact", "id")
			}
			d := a.ok(a.staff, `mutation($in: CreateAgendaItemInput!) { createAgendaItem(input: $in) { id } }`, map[string]any{"in": in})
			items = append(items, str(d, "createAgendaItem", "id"))
		}
		other := a.ok(a.staff, `mutation($g: ID!) { createMeeting(input: {title: "Autre", startsAt: "2027-01-10T09:30:00Z", groupID: $g}) { id } }`, map[string]any{"g": ids["maroc"]})
		otherItem := a.ok(a.staff, `mutation($m: ID!) { createAgendaItem(input: {title: "Hors sujet", position: 1, meetingID: $m}) { id } }`, map[string]any{"m": str(other, "createMeeting", "id")})
		re := a.ok(a.staff, `mutation($m: ID!, $i: [ID!]!) { reorderAgendaItems(meetingID: $m, itemIDs: $i) { title position } }`, map[string]any{"m": mid, "i": []string{items[2], items[0], items[1]}})
		if str(re, "reorderAgendaItems", 0, "title") != "Eau et assainissement" || num(re, "reorderAgendaItems", 2, "position") != 3 {
			t.Errorf("reorder: %v", re)
		}
		a.fails(a.staff, "BAD_USER_INPUT", `mutation($m: ID!, $i: [ID!]!) { reorderAgendaItems(meetingID: $m, itemIDs: $i) { title } }`,
			map[string]any{"m": mid, "i": []string{items[2], items[0], str(otherItem, "createAgendaItem", "id")}})
		a.fails(a.staff, "BAD_USER_INPUT", `mutation($m: ID!, $i: [ID!]!) { reorderAgendaItems(meetingID: $m, itemIDs: $i) { title } }`, map[string]any{"m": mid, "i": []string{items[0]}})
		if r := a.do(a.staff, `mutation($i: ID!, $m: ID!) { updateAgendaItem(id: $i, input: {meetingID: $m}) { id } }`, map[string]any{"i": items[0], "m": str(other, "createMeeting", "id")}); len(r.Errors) == 0 {
			t.Error("an agenda item was moved into another meeting")
		}
		// The printable page and the Markdown export.
		resp, err := http.Get(a.srv.URL + "/meetings/" + mid + ".html?token=" + a.viewer)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		if resp.StatusCode != 200 || !strings.Contains(page, "Réunion du groupe Maroc") || strings.Index(page, "Eau et assainissement") > strings.Index(page, "Accueil") ||
			!strings.Contains(page, "Youssef A.") || strings.Contains(page, "<script") || strings.Contains(page, "onerror") || !strings.Contains(page, "Nantes") {
			t.Errorf("meeting page (%d): %s", resp.StatusCode, page)
		}
		if resp, _ := http.Get(a.srv.URL + "/meetings/" + mid + ".html"); resp.StatusCode != 401 {
			t.Errorf("meeting page without token: %d", resp.StatusCode)
		}
		resp, _ = http.Get(a.srv.URL + "/meetings/" + mid + ".md?token=" + a.viewer)
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.HasPrefix(string(body), "# Réunion du groupe Maroc") || !strings.Contains(string(body), "1. **Eau et assainissement**") {
			t.Errorf("markdown export: %s", body)
		}
		if resp, _ := http.Get(a.srv.URL + "/meetings/999999.html?token=" + a.viewer); resp.StatusCode != 404 {
			t.Errorf("unknown meeting: %d", resp.StatusCode)
		}

		// Trainings: registrations, duplicates refused, the Outre-mer track.
		tr := a.ok(a.staff, `mutation { createTraining(input: {title: "Répondre aux appels à projets", startsAt: "2027-02-01T09:00:00Z", audience: outre_mer}) { id } }`, nil)
		tid := str(tr, "createTraining", "id")
		reg := `mutation($t: ID!, $a: ID, $c: ID) { createTrainingRegistration(input: {trainingID: $t, authorityID: $a, contactID: $c}) { id } }`
		a.ok(a.staff, reg, map[string]any{"t": tid, "a": ids["cayenne"]})
		a.ok(a.staff, reg, map[string]any{"t": tid, "a": ids["nantes"]})
		a.ok(a.staff, reg, map[string]any{"t": tid, "c": str(contact, "createContact", "id")})
		a.fails(a.staff, "ALREADY_EXISTS", reg, map[string]any{"t": tid, "a": ids["cayenne"]})
		a.fails(a.staff, "ALREADY_EXISTS", reg, map[string]any{"t": tid, "c": str(contact, "createContact", "id")})
		a.fails(a.staff, "BAD_USER_INPUT", reg, map[string]any{"t": tid})
		om := a.ok(a.viewer, `{ trainings(where: {audience: outre_mer}) { edges { node { title overseas: registrations(where: {hasAuthorityWith: {zoneIn: [drom, com]}}) { totalCount edges { node { authority { name zone } } } } registrations { totalCount } } } } }`, nil)
		if num(om, "trainings", "edges", 0, "node", "overseas", "totalCount") != 1 || str(om, "trainings", "edges", 0, "node", "overseas", "edges", 0, "node", "authority", "name") != "Cayenne" ||
			num(om, "trainings", "edges", 0, "node", "registrations", "totalCount") != 3 {
			t.Errorf("outre-mer registrations: %v", om)
		}
	})
}

func TestDeletionAndChangeLog(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		a := newAPI(t, db, nil)
		ids := workflowFixtures(t, a)
		a.ok(a.staff, `mutation($a: ID!) { createDossier(input: {title: "Stratégie", call: "DCOL 2026", supportKind: strategy, applicantID: $a}) { id } }`, map[string]any{"a": ids["nantes"]})
		r := a.fails(a.staff, "IN_USE", `mutation($id: ID!) { deleteLocalAuthority(id: $id) }`, map[string]any{"id": ids["nantes"]})
		if !strings.Contains(r.Errors[0].Message, "Nantes – Agadir") || !strings.Contains(r.Errors[0].Message, "Stratégie") {
			t.Errorf("refusal does not name what blocks it: %s", r.Errors[0].Message)
		}
		if n := num(a.ok(a.viewer, `query($id: ID!) { nodes(ids: [$id]) { id } localAuthorities(where: {name: "Nantes"}) { totalCount } }`, map[string]any{"id": ids["nantes"]}), "localAuthorities", "totalCount"); n != 1 {
			t.Error("a refused deletion deleted")
		}
		a.ok(a.staff, `mutation($id: ID!) { deleteLocalAuthority(id: $id) }`, map[string]any{"id": ids["lyon"]})

		// A contact's life, then its erasure.
		c := a.ok(a.staff, `mutation { createContact(input: {fullName: "Camille Martin", role: "chargée de mission", email: "camille@example.org", phone: "+33 6 00 00 00 00"}) { id } }`, nil)
		cid := str(c, "createContact", "id")
		a.ok(a.staff, `mutation($id: ID!) { updateContact(id: $id, input: {role: "directrice", email: "c.martin@example.org"}) { id } }`, map[string]any{"id": cid})
		m := a.ok(a.staff, `mutation($g: ID!, $c: [ID!]) { createMeeting(input: {title: "Réunion", startsAt: "2026-12-10T09:30:00Z", groupID: $g, attendeeContactIDs: $c}) { id } }`, map[string]any{"g": ids["maroc"], "c": []string{cid}})
		a.ok(a.staff, `mutation($m: ID!, $c: ID!) { createAgendaItem(input: {title: "Intervention", position: 1, meetingID: $m, speakerID: $c}) { id } }`, map[string]any{"m": str(m, "createMeeting", "id"), "c": cid})
		log := `query($id: Int!) { changeLog(where: {entityType: "Contact", entityID: $id}, orderBy: {field: AT}) { totalCount edges { node { action label actorName changes } } } }`
		before := a.ok(a.admin, log, map[string]any{"id": mustInt(t, cid)})
		if num(before, "changeLog", "totalCount") != 2 || str(before, "changeLog", "edges", 1, "node", "action") != "update" ||
			str(before, "changeLog", "edges", 1, "node", "actorName") != "Salomé Staff" || str(before, "changeLog", "edges", 1, "node", "changes", "role", "new") != "directrice" {
			t.Errorf("change log before erasure: %v", before)
		}
		for _, e := range get(before, "changeLog", "edges").([]any) {
			if strings.Contains(toJSON(e), "example.org") || strings.Contains(toJSON(e), "+33") {
				t.Errorf("personal data in the change log: %v", e)
			}
		}
		a.fails(a.staff, "FORBIDDEN", log, map[string]any{"id": mustInt(t, cid)})
		a.ok(a.staff, `mutation($id: ID!) { deleteContact(id: $id) }`, map[string]any{"id": cid})
		after := a.ok(a.admin, log, map[string]any{"id": mustInt(t, cid)})
		if num(after, "changeLog", "totalCount") != 3 || strings.Contains(toJSON(after), "Camille") || strings.Contains(toJSON(after), "directrice") ||
			str(after, "changeLog", "edges", 0, "node", "label") != "contact supprimé" || str(after, "changeLog", "edges", 2, "node", "action") != "delete" {
			t.Errorf("change log after erasure: %v", after)
		}
		rest := a.ok(a.staff, `query($m: ID!) { contacts(where: {fullName: "Camille Martin"}) { totalCount } node(id: $m) { ... on Meeting { attendeeContacts { totalCount } agendaItems { edges { node { title speaker { fullName } } } } } } }`, map[string]any{"m": str(m, "createMeeting", "id")})
		if num(rest, "contacts", "totalCount") != 0 || num(rest, "node", "attendeeContacts", "totalCount") != 0 ||
			get(rest, "node", "agendaItems", "edges", 0, "node", "speaker") != nil || str(rest, "node", "agendaItems", "edges", 0, "node", "title") != "Intervention" {
			t.Errorf("after erasure: %v", rest)
		}
	})
}
