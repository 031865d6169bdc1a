package normalize

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"coopdesk/worker/parse"
)

// The optimised Signature, foldWords, PlainText, collapse, SanitizeHTML and
// Normalize must give exactly what the frozen reference implementations in
// signature_ref_test.go give: signatures are stored, and a single changed bit
// would split stories that are already grouped.

// equivalenceTexts are edge cases for the text functions.
var equivalenceTexts = []string{
	"",
	" ",
	" \n\t.,;",
	"a",
	"Liban",
	"l'État",
	"qu’il d’une l’Intérieur",
	"Le conseil régional adopte son budget",
	"RÉGIONALISATION AVANCÉE : LE DÉCRET ADOPTÉ",
	"Œuvre, cœur, sœur, ex-æquo, Æsop, Straße, ǅemal, ﬁnance, ﬀ, ½, ², Ⅻ, ℌ, ㎏",
	"e\u0301le\u0300ve, A\u030a, n\u0303, combining at end e\u0301\u0302\u0303",
	"\u0301\u0302 leading marks, then\u0327 cedilla",
	"e" + strings.Repeat("\u0301\u0316", 40) + "x and more words here",
	"ab" + strings.Repeat("\u0301", 31) + "\U0001D165" + strings.Repeat("\u0316", 5) + "cd",
	"Élection du président de la région de l'Oriental à Oujda",
	"election du PRESIDENT de la region de l’oriental, a oujda !",
	"الجماعات المحلية: إطلاق برنامج تعاون جديد مع مدن فرنسية",
	"الجماعات المحليّة – اطلاق برنامج تعاون جديـد مع مدن فرنسيّة",
	"أعلنت وزارة الداخلية عن برنامج للتعاون",
	"اعلنت وزاره الداخليه عن برنامج للتعاون",
	"ميزانية ٢٠٢٦ للولاية ۱۲۳ ٱلْحَمْدُ لِلَّهِ مُؤَسَّسَة ئ ى ة آ",
	"ﻻ ﷲ ﷺ ﻷ presentation forms ﺍﻟﺴﻼﻡ",
	"و الحكومة و قررت",
	"Mixed عربي and français dans la même phrase, 2026/٢٠٢٦ – ok",
	"Ελληνικά ΣΊΣΥΦΟΣ, Кириллица ПРИВЕТ, 日本語のテキスト, 한국어 텍스트, हिन्दी पाठ",
	"İstanbul ıİ ǈ ǋ ΐ ﬆ",
	"emoji 🇲🇦 👩‍👩‍👧 test ✓ ☃",
	"tab\tnew\nline\rcr\u2028ls\u2029ps\u00a0nbsp\u200bzwsp\ufeffbom\u202fnnbsp",
	"\x00\x01texte\x7f\u0085\u009f",
	"invalid \xff\xfe utf8 \xc3 truncated \xe2\x80 and \xed\xa0\x80 surrogate",
	"\xc3\xa9\xc3",
	"a\xcc",
	"&amp;#039; l&amp;#039;emploi &amp;amp; &#8217; &#x2019; &quot;x&quot; &nbsp;&nbsp;",
	"<p>Un&nbsp;webinaire avec des &#233;lus de <b>Tripoli</b>.</p><p>Second   paragraphe.</p>",
	"<script>var a = '<p>x</p>';</script>Texte<style>.a{}</style>",
	"<ul><li>un</li><li>deux</li></ul> mot<br>suivant le 1<sup>er</sup> mars a&lt;b &amp; c",
	`<p onclick="x()">Réuni à <strong>Oujda</strong></p><a href="/tag/x/?utm_source=rss">lien</a><a href="javascript:alert(1)">piège</a><img src="https://p.test/p.gif"><iframe src="https://e.test/"></iframe>`,
	`<P CLASS="X&amp;y" data-x='1'>Para</P><A HREF="/Rel?a=1&amp;b=2" TITLE="t&quot;" href="/dup">lien</A><img SRC=x.jpg><a	href = "https://x.test/é" >s</a><a href="#frag" title>f</a>`,
	"<a href=relative>x</a><a href='https://autre.test/x' rel=author target=_self>src</a><a>no href</a>",
	"<div><svg><text>no</text></svg><noscript>no</noscript>yes</div><math>x</math></p></div>",
	"&nGt; &NotEqualTilde; &lt &amp &unknown; &#0; &#x110000; &#9999999;",
	"<p>   </p>",
	"<<<>>> < p > </ p> <!-- comment --> <![CDATA[x]]> <!DOCTYPE html>",
	strings.Repeat("Le gouvernement a adopté jeudi le projet de décret sur la régionalisation avancée. ", 200),
	strings.Repeat("المجلس الشعبي الولائي يصادق على ميزانية ٢٠٢٦ ", 150),
	strings.Repeat("x", 5000),
	strings.Repeat("é", 3000),
	dispatch,
}

func equivalenceCorpus() []string {
	texts := append([]string(nil), equivalenceTexts...)
	for _, r := range reprints {
		texts = append(texts, r)
	}
	for _, r := range otherStories {
		texts = append(texts, r)
	}
	for _, it := range newsCorpus(200) {
		texts = append(texts, it.Title, it.Summary, it.Content)
	}
	return texts
}

// checkTextEquivalence compares every text function on s with its reference.
func checkTextEquivalence(t *testing.T, s string) {
	t.Helper()
	sig, n := Signature(s)
	if rsig, rn := refSignature(s); sig != rsig || n != rn {
		t.Fatalf("Signature(%q) = %#x, %d; reference %#x, %d", s, sig, n, rsig, rn)
	}
	words, rwords := foldWords(s), refFoldWords(s)
	if strings.Join(words, "\x00") != strings.Join(rwords, "\x00") || len(words) != len(rwords) {
		t.Fatalf("foldWords(%q) = %q; reference %q", s, words, rwords)
	}
	if got, want := PlainText(s), refPlainText(s); got != want {
		t.Fatalf("PlainText(%q) = %q; reference %q", s, got, want)
	}
	if got, want := collapse(s), refCollapse(s); got != want {
		t.Fatalf("collapse(%q) = %q; reference %q", s, got, want)
	}
	for _, base := range []string{"", "https://www.quotidien-maghreb.test/politique/"} {
		if got, want := SanitizeHTML(s, base), refSanitizeHTML(s, base); got != want {
			t.Fatalf("SanitizeHTML(%q, %q) = %q; reference %q", s, base, got, want)
		}
	}
}

func checkNormalizeEquivalence(t *testing.T, site string, it parse.Item) {
	t.Helper()
	got, err := Normalize(site, it, fetchedAt)
	want, rerr := refNormalize(site, it, fetchedAt)
	if (err == nil) != (rerr == nil) || err != nil && err.Error() != rerr.Error() {
		t.Fatalf("Normalize(%+v): error %v; reference %v", it, err, rerr)
	}
	if !articlesEqual(got, want) {
		t.Fatalf("Normalize(%+v)\n= %+v\nreference %+v", it, got, want)
	}
}

// articlesEqual compares every field, including nil against empty slices.
func articlesEqual(a, b Article) bool { return reflect.DeepEqual(a, b) }

func TestEquivalenceWithReference(t *testing.T) {
	for _, s := range equivalenceCorpus() {
		checkTextEquivalence(t, s)
	}
	// Every single rune, alone, between words and doubled, in case a fast
	// path misclassifies one (ASCII, marks, Arabic letters, invalid bytes).
	var b strings.Builder
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r&0xFFF == 0 && b.Len() > 0 {
			checkSignatureOnly(t, b.String())
			b.Reset()
		}
		b.WriteString("ab")
		b.WriteRune(r)
		b.WriteString("cd ")
		b.WriteRune(r)
		b.WriteRune(r)
		b.WriteString(" e\u0301")
		b.WriteRune(r)
		b.WriteByte(' ')
	}
	checkSignatureOnly(t, b.String())
	for c := 0; c < 256; c++ {
		checkTextEquivalence(t, "ab"+string([]byte{byte(c)})+"cd "+string([]byte{byte(c), byte(c)})+" x")
	}
}

func checkSignatureOnly(t *testing.T, s string) {
	t.Helper()
	sig, n := Signature(s)
	if rsig, rn := refSignature(s); sig != rsig || n != rn {
		t.Fatalf("Signature(%q) = %#x, %d; reference %#x, %d", s, sig, n, rsig, rn)
	}
	words, rwords := foldWords(s), refFoldWords(s)
	if strings.Join(words, "\x00") != strings.Join(rwords, "\x00") || len(words) != len(rwords) {
		t.Fatalf("foldWords(%q) differs from reference", s)
	}
}

func TestNormalizeEquivalenceWithReference(t *testing.T) {
	items := newsCorpus(300)
	items = append(items, wordpressItem(),
		parse.Item{},
		parse.Item{GUID: "  "},
		parse.Item{Title: "Photo", Content: `<p><img src="https://example.lb/p.jpg"></p>`, Summary: "<p>Résumé de l&#8217;article.</p>"},
		parse.Item{Title: "Sans lien ni guid", Summary: "texte", Published: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), DateFromFeed: true},
		parse.Item{Title: "Sans lien ni guid ni date", Summary: "texte"},
		parse.Item{GUID: strings.Repeat("g", 600), Title: "long guid"},
		parse.Item{Link: "https://example.ma/a", Title: "Titre <script>alert(1)</script>avec \xff octet &amp;amp; <b>gras</b>",
			Summary: strings.Repeat("Très long résumé ", 100), Author: "<a href='x'>Rédaction</a>",
			Categories: []string{"A", "a", "\xff", "<b>B</b>", ""}, Updated: fetchedAt},
	)
	for _, s := range equivalenceTexts {
		items = append(items, parse.Item{Title: s, Summary: s, Content: s, Author: s, GUID: s, Link: s, Categories: []string{s}})
	}
	for _, it := range items {
		checkNormalizeEquivalence(t, site, it)
		checkNormalizeEquivalence(t, "", it)
	}
}

func FuzzSignatureEquivalence(f *testing.F) {
	for _, s := range equivalenceTexts {
		f.Add(s)
	}
	for _, it := range newsCorpus(16) {
		f.Add(it.Title + "\n" + it.Summary)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSignatureOnly(t, s)
	})
}

func FuzzTextEquivalence(f *testing.F) {
	for _, s := range equivalenceTexts {
		f.Add(s)
	}
	for _, it := range newsCorpus(16) {
		f.Add(it.Summary)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTextEquivalence(t, s)
	})
}

func FuzzNormalizeEquivalence(f *testing.F) {
	for _, it := range newsCorpus(8) {
		f.Add(it.Title, it.Summary, it.Content, it.Link, it.GUID)
	}
	f.Add("", "", "", "", "")
	f.Add("Titre \xff", "&amp;amp;", "<p>x</p>", "/rel", " g ")
	f.Fuzz(func(t *testing.T, title, summary, content, link, guid string) {
		it := parse.Item{Title: title, Summary: summary, Content: content, Link: link, GUID: guid, Author: title, Categories: []string{summary, title}}
		checkNormalizeEquivalence(t, site, it)
	})
}
