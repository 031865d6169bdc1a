package normalize

import (
	"net/url"
	"strings"
	"testing"
)

func TestCanonicalURL(t *testing.T) {
	const site = "https://www.quotidien-maghreb.test/"
	tests := []struct {
		raw, base, want string
	}{
		{"https://www.quotidien-maghreb.test/politique/budget/?utm_source=rss&utm_medium=rss&utm_campaign=budget", "",
			"https://www.quotidien-maghreb.test/politique/budget/"},
		{"https://www.humanite.fr/emploi-des-handicapes-645745#xtor=RSS-1", "", "https://www.humanite.fr/emploi-des-handicapes-645745"},
		{"HTTPS://WWW.Lemonde.FR:443/international/article/2024/03/27/x_6224413_3210.html", "",
			"https://www.lemonde.fr/international/article/2024/03/27/x_6224413_3210.html"},
		{"http://aps.dz:80/fr/politique?id=42", "", "http://aps.dz/fr/politique?id=42"},
		{"http://aps.dz:8080/fr", "", "http://aps.dz:8080/fr"},
		{"https://example.ma", "", "https://example.ma/"},
		{"https://example.ma.", "", "https://example.ma/"},
		{"https://example.tn/a?z=1&b=2&a=3&fbclid=IwAR0x&gclid=xyz&mc_cid=1&mc_eid=2&xtor=RSS-1&at_medium=rss&at_campaign=x", "",
			"https://example.tn/a?a=3&b=2&z=1"},
		{"https://example.tn/a?b=2&a=2&a=1", "", "https://example.tn/a?a=1&a=2&b=2"},
		{"https://example.tn/a?&&utm_source=x&", "", "https://example.tn/a"},
		{"https://example.tn/a?", "", "https://example.tn/a"},
		{"https://example.tn/a?q=caf%C3%A9&UTM_Source=x", "", "https://example.tn/a?q=caf%C3%A9"},
		{"https://user:secret@example.lb/article", "", "https://example.lb/article"},
		{"https://example.lb/a/./b/../c/", "", "https://example.lb/a/c/"},
		{"https://example.lb/a/../../..", "", "https://example.lb/"},
		{"/politique/2026/03/02/bizerte-conseil", "https://journal-tunis.test/politique/", "https://journal-tunis.test/politique/2026/03/02/bizerte-conseil"},
		{"2026/03/article.html", "https://journal-tunis.test/politique/", "https://journal-tunis.test/politique/2026/03/article.html"},
		{"//cdn.example.ma/img.jpg", "https://example.ma/", "https://cdn.example.ma/img.jpg"},
		{"?p=412873", site, "https://www.quotidien-maghreb.test/?p=412873"},
		{"https://xn--mgbh0fb.example/", "", "https://xn--mgbh0fb.example/"},
		{"https://مثال.example/خبر", "", "https://xn--mgbh0fb.example/%D8%AE%D8%A8%D8%B1"},
		{"https://[2001:DB8::1]:443/x", "", "https://[2001:db8::1]/x"},
		{"  https://example.dz/x  ", "", "https://example.dz/x"},
	}
	for _, tt := range tests {
		got, err := CanonicalURL(tt.raw, tt.base)
		if err != nil || got != tt.want {
			t.Errorf("CanonicalURL(%q, %q) = %q, %v; want %q", tt.raw, tt.base, got, err, tt.want)
		}
	}

	bad := []struct{ raw, base string }{
		{"", site},
		{"javascript:alert(1)", site},
		{"mailto:redaction@example.ma", site},
		{"ftp://example.ma/file", ""},
		{"/relative/without/base", ""},
		{"/relative", "not a url"},
		{"/relative", "/also/relative"},
		{"https:///no-host", ""},
		{"http://[::1", ""},
		{"data:text/html,<script>", site},
	}
	for _, tt := range bad {
		if got, err := CanonicalURL(tt.raw, tt.base); err == nil {
			t.Errorf("CanonicalURL(%q, %q) = %q, want an error", tt.raw, tt.base, got)
		}
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{
		"https://www.quotidien-maghreb.test/politique/budget/?utm_source=rss&utm_medium=rss",
		"HTTP://Example.MA:80/a/../b?z=1&a=2#frag",
		"/relative?x=1&fbclid=2", "//cdn.example/x", "https://مثال.example/خبر?q=%C3%A9",
		"https://[2001:db8::1]:8443/?a=%zz", "?p=1",
	} {
		f.Add(s, "https://www.example.ma/section/")
	}
	f.Fuzz(func(t *testing.T, raw, base string) {
		got, err := CanonicalURL(raw, base)
		if err != nil {
			return
		}
		again, err := CanonicalURL(got, "")
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", raw, got, again, err)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("result %q does not parse: %v", got, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Fragment != "" || u.User != nil {
			t.Fatalf("result %q is not canonical", got)
		}
		for part := range strings.SplitSeq(u.RawQuery, "&") {
			k, _, _ := strings.Cut(part, "=")
			if key, err := url.QueryUnescape(k); err == nil && isTracking(key) {
				t.Fatalf("tracking parameter %q kept in %q", key, got)
			}
		}
	})
}
