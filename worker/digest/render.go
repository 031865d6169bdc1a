package digest

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"
)

// Rendering is a digest in its three forms, plus the e-mail subject.
type Rendering struct {
	Subject  string
	HTML     string
	Text     string
	Markdown string
}

// Render renders d in French. The HTML is made for mail clients: one table layout 600
// pixels wide, inline styles only (several clients drop <style>), no images, no scripts,
// every value escaped by html/template and every link an http(s) URL.
func Render(d *Digest, loc *time.Location) (Rendering, error) {
	if loc == nil {
		loc = time.UTC
	}
	var h bytes.Buffer
	if err := htmlTemplate.Execute(&h, htmlData{Digest: d, Loc: loc}); err != nil {
		return Rendering{}, fmt.Errorf("render %s %s: %w", d.GroupSlug, d.Date, err)
	}
	return Rendering{Subject: Subject(d, loc), HTML: h.String(), Text: renderText(d, loc), Markdown: renderMarkdown(d, loc)}, nil
}

// Subject is the e-mail subject: group, day and what is inside.
func Subject(d *Digest, loc *time.Location) string {
	day := frenchDate(d.Date, loc)
	if d.Empty() {
		return fmt.Sprintf("Veille %s — %s : rien de nouveau", d.GroupName, day)
	}
	return fmt.Sprintf("Veille %s — %s (%s)", d.GroupName, day, plural(d.Entries(), "sujet", "sujets"))
}

var (
	weekdays = []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	months   = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
		"septembre", "octobre", "novembre", "décembre"}
	shortMonths = []string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
)

// frenchDate writes a YYYY-MM-DD date the French way: "jeudi 26 novembre 2026".
func frenchDate(date string, loc *time.Location) string {
	t, err := ParseDate(date, loc)
	if err != nil {
		return date
	}
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %s %d", weekdays[t.Weekday()], day, months[t.Month()-1], t.Year())
}

// frenchTime writes an instant as "26 nov. 2026 à 07:00" in loc.
func frenchTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%d %s %d à %02d:%02d", t.Day(), shortMonths[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

func plural(n int, one, many string) string {
	if n <= 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func kindLabel(kind string) string {
	switch kind {
	case "jumelage":
		return "jumelage"
	case "convention_cooperation":
		return "convention de coopération"
	case "action_ponctuelle":
		return "action ponctuelle"
	case "reseau_programme":
		return "réseau ou programme"
	}
	return kind
}

func statusLabel(status string) string {
	switch status {
	case "dormant":
		return "en sommeil"
	case "project":
		return "en projet"
	}
	return ""
}

func partnershipLabel(p PartnershipRef) string {
	s := p.Title + " (" + kindLabel(p.Kind)
	if st := statusLabel(p.Status); st != "" {
		s += ", " + st
	}
	return s + ")"
}

func authorityNames(as []AuthorityRef) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

type htmlData struct {
	*Digest
	Loc *time.Location
}

var htmlTemplate = template.Must(template.New("digest").Funcs(template.FuncMap{
	"frenchDate":  frenchDate,
	"frenchTime":  frenchTime,
	"plural":      plural,
	"partnership": partnershipLabel,
	"authorities": authorityNames,
	"link": func(s string) string {
		// html/template already refuses javascript: URLs; this also drops relative ones.
		if webURL(s) {
			return s
		}
		return ""
	},
}).Parse(`<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Veille {{.GroupName}} — {{frenchDate .Date .Loc}}</title>
</head>
<body style="margin:0;padding:0;background-color:#f2f4f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f2f4f7;">
<tr><td align="center" style="padding:16px 8px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid #d9dde3;font-family:Arial,Helvetica,sans-serif;color:#1f2933;">
<tr><td style="padding:20px 24px;background-color:#123c69;color:#ffffff;">
<div style="font-size:13px;line-height:18px;color:#c9d8ea;">Veille du groupe-pays</div>
<div style="font-size:22px;line-height:28px;font-weight:bold;color:#ffffff;">{{.GroupName}}</div>
<div style="font-size:14px;line-height:20px;color:#ffffff;">{{frenchDate .Date .Loc}}</div>
</td></tr>
<tr><td style="padding:12px 24px;font-size:13px;line-height:18px;color:#52606d;border-bottom:1px solid #e4e7eb;">
Articles repérés du {{frenchTime .Since .Loc}} au {{frenchTime .Until .Loc}}{{if .Articles}} : {{plural .Articles "article" "articles"}}, {{plural .Entries "sujet retenu" "sujets retenus"}}{{end}}.
</td></tr>
{{- if .Empty}}
<tr><td style="padding:24px;font-size:15px;line-height:22px;">
<strong>Rien de nouveau.</strong> Aucun article concernant ce groupe-pays n’a été repéré depuis la précédente veille.
</td></tr>
{{- end}}
{{- range .Sections}}
<tr><td style="padding:20px 24px 4px 24px;">
<h2 style="margin:0;font-size:17px;line-height:22px;color:#123c69;border-bottom:2px solid #123c69;padding-bottom:4px;">{{.Label}}</h2>
</td></tr>
{{- range .Entries}}
<tr><td style="padding:10px 24px;">
<div style="font-size:15px;line-height:21px;font-weight:bold;">{{with link .URL}}<a href="{{.}}" style="color:#0b5cad;text-decoration:none;">{{end}}{{.Title}}{{if link .URL}}</a>{{end}}</div>
<div style="font-size:12px;line-height:17px;color:#7b8794;">{{.Source}} · {{frenchTime .PublishedAt $.Loc}}{{if gt .StorySize 1}} · repris par {{.StorySize}} sources{{end}}</div>
{{- if .Summary}}
<div style="font-size:14px;line-height:20px;color:#323f4b;padding-top:4px;">{{.Summary}}</div>
{{- end}}
{{- if .Partnerships}}
<div style="font-size:13px;line-height:18px;padding:6px 8px;margin-top:6px;background-color:#fff4d6;border-left:3px solid #e0a800;color:#5c4400;"><strong>Partenariats concernés :</strong> {{range $i, $p := .Partnerships}}{{if $i}} ; {{end}}{{partnership $p}}{{end}}</div>
{{- end}}
{{- if .Authorities}}
<div style="font-size:13px;line-height:18px;padding-top:4px;color:#323f4b;"><strong>Collectivités citées :</strong> {{authorities .Authorities}}</div>
{{- end}}
{{- if .OtherSources}}
<div style="font-size:12px;line-height:17px;padding-top:4px;color:#52606d;">Autres sources : {{range $i, $s := .OtherSources}}{{if $i}}, {{end}}<a href="{{link $s.URL}}" style="color:#0b5cad;">{{$s.Name}}</a>{{end}}</div>
{{- end}}
</td></tr>
{{- end}}
{{- if .More}}
<tr><td style="padding:4px 24px 8px 24px;font-size:13px;line-height:18px;color:#52606d;">… et {{plural .More "autre sujet" "autres sujets"}} dans cette rubrique, à retrouver dans coopdesk.</td></tr>
{{- end}}
{{- end}}
{{- if .SavedSearches}}
<tr><td style="padding:20px 24px 4px 24px;">
<h2 style="margin:0;font-size:17px;line-height:22px;color:#3d5a1e;border-bottom:2px solid #3d5a1e;padding-bottom:4px;">Recherches enregistrées</h2>
</td></tr>
{{- range .SavedSearches}}
<tr><td style="padding:10px 24px;">
<div style="font-size:14px;line-height:20px;font-weight:bold;color:#3d5a1e;">« {{.Name}} »{{if .Owner}} <span style="font-weight:normal;color:#7b8794;">({{.Owner}})</span>{{end}}</div>
{{- range .Entries}}
<div style="font-size:14px;line-height:20px;padding-top:4px;">{{with link .URL}}<a href="{{.}}" style="color:#0b5cad;text-decoration:none;">{{end}}{{.Title}}{{if link .URL}}</a>{{end}} <span style="font-size:12px;color:#7b8794;">— {{.Source}}</span></div>
{{- end}}
</td></tr>
{{- end}}
{{- end}}
<tr><td style="padding:16px 24px;font-size:12px;line-height:17px;color:#7b8794;border-top:1px solid #e4e7eb;">
Veille quotidienne coopdesk. Vous la recevez parce que vous êtes abonné·e au groupe-pays {{.GroupName}} ; pour changer de groupes ou de thèmes, ou vous désabonner, rendez-vous dans coopdesk.
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`))

// renderText is the plain-text alternative: readable as is, links on their own lines.
func renderText(d *Digest, loc *time.Location) string {
	var b strings.Builder
	title := fmt.Sprintf("VEILLE %s — %s", strings.ToUpper(d.GroupName), frenchDate(d.Date, loc))
	fmt.Fprintf(&b, "%s\n%s\n\n", title, strings.Repeat("=", len([]rune(title))))
	fmt.Fprintf(&b, "Articles repérés du %s au %s", frenchTime(d.Since, loc), frenchTime(d.Until, loc))
	if d.Articles > 0 {
		fmt.Fprintf(&b, " : %s, %s", plural(d.Articles, "article", "articles"), plural(d.Entries(), "sujet retenu", "sujets retenus"))
	}
	b.WriteString(".\n\n")
	if d.Empty() {
		b.WriteString("Rien de nouveau. Aucun article concernant ce groupe-pays n’a été repéré depuis la précédente veille.\n\n")
	}
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "%s\n%s\n\n", strings.ToUpper(s.Label), strings.Repeat("-", len([]rune(s.Label))))
		for _, e := range s.Entries {
			fmt.Fprintf(&b, "* %s\n  %s · %s", e.Title, e.Source, frenchTime(e.PublishedAt, loc))
			if e.StorySize > 1 {
				fmt.Fprintf(&b, " · repris par %d sources", e.StorySize)
			}
			b.WriteString("\n")
			if webURL(e.URL) {
				fmt.Fprintf(&b, "  %s\n", e.URL)
			}
			if e.Summary != "" {
				fmt.Fprintf(&b, "  %s\n", e.Summary)
			}
			if len(e.Partnerships) > 0 {
				labels := make([]string, len(e.Partnerships))
				for i, p := range e.Partnerships {
					labels[i] = partnershipLabel(p)
				}
				fmt.Fprintf(&b, "  >> Partenariats concernés : %s\n", strings.Join(labels, " ; "))
			}
			if len(e.Authorities) > 0 {
				fmt.Fprintf(&b, "  Collectivités citées : %s\n", authorityNames(e.Authorities))
			}
			if len(e.OtherSources) > 0 {
				b.WriteString("  Autres sources :\n")
				for _, o := range e.OtherSources {
					fmt.Fprintf(&b, "    - %s : %s\n", o.Name, o.URL)
				}
			}
			b.WriteString("\n")
		}
		if s.More > 0 {
			fmt.Fprintf(&b, "… et %s dans cette rubrique, à retrouver dans coopdesk.\n\n", plural(s.More, "autre sujet", "autres sujets"))
		}
	}
	if len(d.SavedSearches) > 0 {
		b.WriteString("RECHERCHES ENREGISTRÉES\n-----------------------\n\n")
		for _, s := range d.SavedSearches {
			fmt.Fprintf(&b, "« %s »", s.Name)
			if s.Owner != "" {
				fmt.Fprintf(&b, " (%s)", s.Owner)
			}
			b.WriteString("\n")
			for _, e := range s.Entries {
				fmt.Fprintf(&b, "* %s — %s\n", e.Title, e.Source)
				if webURL(e.URL) {
					fmt.Fprintf(&b, "  %s\n", e.URL)
				}
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "-- \nVeille quotidienne coopdesk. Vous la recevez parce que vous êtes abonné·e au groupe-pays %s ; pour changer de groupes ou de thèmes, ou vous désabonner, rendez-vous dans coopdesk.\n", d.GroupName)
	return b.String()
}

// mdEscaper escapes the characters that Markdown would read as markup in titles and names.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`, "(", `\(`, ")", `\)`, "!", `\!`)

func md(s string) string { return mdEscaper.Replace(s) }

// mdURL keeps a URL inside (…) intact: parentheses and spaces are percent-encoded.
func mdURL(s string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(s)
}

func mdLink(text, link string) string {
	if !webURL(link) {
		return md(text)
	}
	return "[" + md(text) + "](" + mdURL(link) + ")"
}

// renderMarkdown is the Markdown form, for pasting into notes and wikis.
func renderMarkdown(d *Digest, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Veille %s — %s\n\n", md(d.GroupName), frenchDate(d.Date, loc))
	fmt.Fprintf(&b, "_Articles repérés du %s au %s", frenchTime(d.Since, loc), frenchTime(d.Until, loc))
	if d.Articles > 0 {
		fmt.Fprintf(&b, " : %s, %s", plural(d.Articles, "article", "articles"), plural(d.Entries(), "sujet retenu", "sujets retenus"))
	}
	b.WriteString("._\n\n")
	if d.Empty() {
		b.WriteString("**Rien de nouveau.** Aucun article concernant ce groupe-pays n’a été repéré depuis la précédente veille.\n\n")
	}
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "## %s\n\n", md(s.Label))
		for _, e := range s.Entries {
			fmt.Fprintf(&b, "- **%s** — %s, %s", mdLink(e.Title, e.URL), md(e.Source), frenchTime(e.PublishedAt, loc))
			if e.StorySize > 1 {
				fmt.Fprintf(&b, ", repris par %d sources", e.StorySize)
			}
			b.WriteString("\n")
			if e.Summary != "" {
				fmt.Fprintf(&b, "  %s\n", md(e.Summary))
			}
			if len(e.Partnerships) > 0 {
				labels := make([]string, len(e.Partnerships))
				for i, p := range e.Partnerships {
					labels[i] = md(partnershipLabel(p))
				}
				fmt.Fprintf(&b, "  **Partenariats concernés :** %s\n", strings.Join(labels, " ; "))
			}
			if len(e.Authorities) > 0 {
				fmt.Fprintf(&b, "  Collectivités citées : %s\n", md(authorityNames(e.Authorities)))
			}
			if len(e.OtherSources) > 0 {
				links := make([]string, len(e.OtherSources))
				for i, o := range e.OtherSources {
					links[i] = mdLink(o.Name, o.URL)
				}
				fmt.Fprintf(&b, "  Autres sources : %s\n", strings.Join(links, ", "))
			}
		}
		if s.More > 0 {
			fmt.Fprintf(&b, "\n… et %s dans cette rubrique.\n", plural(s.More, "autre sujet", "autres sujets"))
		}
		b.WriteString("\n")
	}
	if len(d.SavedSearches) > 0 {
		b.WriteString("## Recherches enregistrées\n\n")
		for _, s := range d.SavedSearches {
			fmt.Fprintf(&b, "### « %s »", md(s.Name))
			if s.Owner != "" {
				fmt.Fprintf(&b, " (%s)", md(s.Owner))
			}
			b.WriteString("\n\n")
			for _, e := range s.Entries {
				fmt.Fprintf(&b, "- %s — %s\n", mdLink(e.Title, e.URL), md(e.Source))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
