package normalize

import (
	"strings"
	"testing"
)

func TestSanitizeHTML(t *testing.T) {
	const base = "https://www.quotidien-maghreb.test/politique/budget/"
	in := `<p onclick="steal()" style="color:red">Réuni à <strong>Oujda</strong>, le conseil&nbsp;a voté.</p>
<script>trackView(412873)</script><style>p{display:none}</style>
<p><a href="/tag/cooperation/?utm_source=rss">coopération</a> et <a href="javascript:alert(1)">piège</a>
<a href="https://autre.test/x" rel="author" target="_self">source</a></p>
<iframe src="https://evil.test/"></iframe><img src="https://pixel.test/p.gif" onerror="alert(1)">
<form action="/x"><input name="q"></form><object data="x.swf"></object>`
	got := SanitizeHTML(in, base)
	for _, banned := range []string{"<script", "trackView", "<style", "display:none", "onclick", "onerror", "style=",
		"<iframe", "evil.test", "<img", "pixel.test", "javascript:", "<form", "<input", "<object", "utm_source"} {
		if strings.Contains(got, banned) {
			t.Errorf("sanitised HTML keeps %q:\n%s", banned, got)
		}
	}
	for _, kept := range []string{
		"<strong>Oujda</strong>",
		`href="https://www.quotidien-maghreb.test/tag/cooperation/"`,
		`href="https://autre.test/x"`,
		`rel="nofollow noopener"`,
		`target="_blank"`,
		"piège", // the text of a dropped link stays
	} {
		if !strings.Contains(got, kept) {
			t.Errorf("sanitised HTML lacks %q:\n%s", kept, got)
		}
	}
	if strings.Count(got, `rel="nofollow noopener"`) != 2 {
		t.Errorf("every link needs rel=nofollow noopener:\n%s", got)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>Un&nbsp;webinaire avec des &#233;lus de <b>Tripoli</b>.</p><p>Second   paragraphe.</p>", "Un webinaire avec des élus de Tripoli.\nSecond paragraphe."},
		{"Le ministère de l&#8217;Intérieur", "Le ministère de l’Intérieur"},
		{"semaine pour l&amp;#039;emploi des handicapés", "semaine pour l'emploi des handicapés"},
		{"<script>var a = '<p>x</p>';</script>Texte<style>.a{}</style>", "Texte"},
		{"Plain   text\twith \u00a0 spaces\r\n\r\n\r\nand lines", "Plain text with spaces\nand lines"},
		{"<ul><li>un</li><li>deux</li></ul>", "un\ndeux"},
		{"mot<br>suivant", "mot\nsuivant"},
		{"le 1<sup>er</sup> mars", "le 1er mars"},
		{"a&lt;b &amp; c", "a<b & c"},
		{"", ""},
		{"<p> </p>", ""},
		{"\x00\x01texte\x7f", "texte"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
