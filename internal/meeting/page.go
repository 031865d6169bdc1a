package meeting

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/ent/agendaitem"
	"coopdesk/ent/meeting"
)

// Loaded is a meeting with what its page shows.
type Loaded struct {
	*ent.Meeting
	Group   *ent.CountryGroup
	Agenda  []*ent.AgendaItem
	Minutes template.HTML
}

// Load reads a meeting, its group, its agenda in order (with speakers) and its attendees.
func Load(ctx context.Context, client *ent.Client, id int) (*Loaded, error) {
	m, err := client.Meeting.Query().Where(meeting.ID(id)).
		WithGroup().
		WithAgendaItems(func(q *ent.AgendaItemQuery) {
			q.WithSpeaker().Order(agendaitem.ByPosition(), agendaitem.ByID())
		}).
		WithAttendeeAuthorities().WithAttendeeContacts().
		Only(ctx)
	if err != nil {
		return nil, err
	}
	return &Loaded{
		Meeting: m, Group: m.Edges.Group, Agenda: m.Edges.AgendaItems,
		// #nosec G203 -- RenderMarkdown sanitises with an allowlist.
		Minutes: template.HTML(RenderMarkdown(m.Minutes)),
	}, nil
}

var statusFR = map[meeting.Status]string{
	meeting.StatusPlanned: "prévue", meeting.StatusHeld: "tenue", meeting.StatusCancelled: "annulée",
}

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		return fmt.Sprintf("%02d/%02d/%d à %02dh%02d", t.Day(), int(t.Month()), t.Year(), t.Hour(), t.Minute())
	},
	"status": func(s meeting.Status) string { return statusFR[s] },
	"inc":    func(i int) int { return i + 1 },
}

var page = template.Must(template.New("meeting").Funcs(funcs).Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<title>{{.Title}} — groupe-pays {{.Group.Name}}</title>
<style>
body{font-family:Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} .meta{color:#555;margin-top:0}
ol.agenda li{margin:.4em 0} .speaker,.duration{color:#555}
@media print{body{margin:0;max-width:none} a{color:#000;text-decoration:none}}
</style></head><body>
<h1>{{.Title}}</h1>
<p class="meta">Groupe-pays {{.Group.Name}} · {{date .StartsAt}} · réunion {{status .Status}}{{if .Place}} · {{.Place}}{{end}}{{if .OnlineURL}} · <a href="{{.OnlineURL}}">lien de connexion</a>{{end}}</p>
<h2>Ordre du jour</h2>
{{if .Agenda}}<ol class="agenda">{{range .Agenda}}
<li><strong>{{.Title}}</strong>{{with .Edges.Speaker}} <span class="speaker">— {{.FullName}}{{if .Role}}, {{.Role}}{{end}}</span>{{end}}{{with .DurationMinutes}} <span class="duration">({{.}} min)</span>{{end}}{{if .Notes}}<br>{{.Notes}}{{end}}</li>{{end}}
</ol>{{else}}<p>Ordre du jour à venir.</p>{{end}}
{{with .Edges.AttendeeAuthorities}}<h2>Collectivités présentes</h2><ul>{{range .}}<li>{{.Name}}</li>{{end}}</ul>{{end}}
{{with .Edges.AttendeeContacts}}<h2>Participants</h2><ul>{{range .}}<li>{{.FullName}}{{if .Role}}, {{.Role}}{{end}}</li>{{end}}</ul>{{end}}
<h2>Compte-rendu</h2>
{{if .Minutes}}{{.Minutes}}{{else}}<p>Compte-rendu à venir.</p>{{end}}
</body></html>
`))

// HTML renders the printable page of a meeting.
func HTML(m *Loaded) (string, error) {
	var b strings.Builder
	if err := page.Execute(&b, m); err != nil {
		return "", fmt.Errorf("meeting page: %w", err)
	}
	return b.String(), nil
}

// Markdown renders the meeting as a Markdown document (agenda and minutes as written).
func Markdown(m *Loaded) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\nGroupe-pays %s · %s · réunion %s", m.Title, m.Group.Name, funcs["date"].(func(time.Time) string)(m.StartsAt), statusFR[m.Status])
	if m.Place != "" {
		fmt.Fprintf(&b, " · %s", m.Place)
	}
	if m.OnlineURL != "" {
		fmt.Fprintf(&b, " · <%s>", m.OnlineURL)
	}
	b.WriteString("\n\n## Ordre du jour\n\n")
	if len(m.Agenda) == 0 {
		b.WriteString("Ordre du jour à venir.\n")
	}
	for i, it := range m.Agenda {
		fmt.Fprintf(&b, "%d. **%s**", i+1, it.Title)
		if s := it.Edges.Speaker; s != nil {
			fmt.Fprintf(&b, " — %s", s.FullName)
		}
		if it.DurationMinutes != nil {
			fmt.Fprintf(&b, " (%d min)", *it.DurationMinutes)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n## Compte-rendu\n\n")
	if strings.TrimSpace(m.Meeting.Minutes) == "" {
		b.WriteString("Compte-rendu à venir.\n")
	} else {
		b.WriteString(m.Meeting.Minutes)
		b.WriteString("\n")
	}
	return b.String()
}
