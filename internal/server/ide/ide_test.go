package ide

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestIndex(t *testing.T) {
	h := Handler()
	rec := get(t, h, "GET", "/", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: %d", rec.Code)
	}
	body := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
	// The style nonce in the CSP is the one the page hands to GraphiQL.
	m := regexp.MustCompile(`'nonce-([A-Za-z0-9_-]{22})'`).FindStringSubmatch(csp)
	if m == nil || !strings.Contains(body, `name="coopdesk-style-nonce" content="`+m[1]+`"`) {
		t.Errorf("CSP nonce not found in page (CSP %q)", csp)
	}
	if rec2 := get(t, h, "GET", "/", nil); rec2.Header().Get("Content-Security-Policy") == csp {
		t.Error("nonce is reused across responses")
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	// Every script and stylesheet is local and versioned; nothing inline.
	for _, want := range []string{"Jeton d'accès", "API token", `id="cd-token"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "://") && regexp.MustCompile(`(src|href)="https?://`).MatchString(body) {
		t.Error("page loads something from another origin")
	}
	refs := regexp.MustCompile(`(?:src|href)="(/ide/assets/[^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(refs) != 7 { // 4 scripts, 2 stylesheets, the licences link
		t.Errorf("found %d asset references, want 7", len(refs))
	}
	for _, ref := range refs {
		u := strings.ReplaceAll(ref[1], "&amp;", "&")
		if r := get(t, h, "GET", u, nil); r.Code != http.StatusOK {
			t.Errorf("GET %s: %d", u, r.Code)
		}
	}
	if regexp.MustCompile(`<script>|<style>|\son[a-z]+=`).MatchString(body) {
		t.Error("page has inline script or style, which the CSP forbids")
	}
}

func TestAssets(t *testing.T) {
	h := Handler()
	st := load()
	for name, a := range st.assets {
		url := AssetPrefix + name + "?v=" + a.version
		rec := get(t, h, "GET", url, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", url, rec.Code)
		}
		if got := rec.Header().Get("Content-Type"); got != a.contentType {
			t.Errorf("%s: Content-Type %q, want %q", name, got, a.contentType)
		}
		if !bytes.Equal(rec.Body.Bytes(), a.body) {
			t.Errorf("%s: body differs from the embedded file", name)
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("%s: versioned URL has Cache-Control %q", name, cc)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", name)
		}

		// Revalidation by ETag.
		etag := rec.Header().Get("ETag")
		if r := get(t, h, "GET", url, map[string]string{"If-None-Match": etag}); r.Code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match gave %d", name, r.Code)
		}

		// Gzip when accepted, and it decodes to the same bytes.
		gz := get(t, h, "GET", url, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
		if gz.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not gzipped", name)
			continue
		}
		zr, err := gzip.NewReader(gz.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, a.body) {
			t.Errorf("%s: gzipped body does not decode to the file (%v)", name, err)
		}
		if gz.Header().Get("ETag") == etag {
			t.Errorf("%s: gzip and identity share an ETag", name)
		}
	}

	// An unversioned or stale URL works but is not cached for long.
	for _, u := range []string{AssetPrefix + "ide.js", AssetPrefix + "ide.js?v=stale"} {
		rec := get(t, h, "GET", u, nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d, Cache-Control %q", u, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	if rec := get(t, h, "GET", AssetPrefix+"graphiql.min.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); rec.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent although refused with q=0")
	}
	if rec := get(t, h, "HEAD", AssetPrefix+"graphiql.min.js", nil); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d with %d body bytes", rec.Code, rec.Body.Len())
	}
}

func TestNotServed(t *testing.T) {
	h := Handler()
	for _, u := range []string{"/nope", "/ide/assets/", "/ide/assets/LICENSE", "/ide/assets/../ide.go", "/ide/assets/page/index.html"} {
		// ServeMux answers unclean paths with a redirect to the clean one.
		if rec := get(t, h, "GET", u, nil); rec.Code != http.StatusNotFound && rec.Code/100 != 3 {
			t.Errorf("GET %s: %d, want 404 or a redirect", u, rec.Code)
		}
	}
	if rec := get(t, h, "POST", "/", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", rec.Code)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for in, want := range map[string]bool{
		"":                   false,
		"gzip":               true,
		"GZIP":               true,
		"br, gzip;q=0.5":     true,
		"gzip;q=0":           false,
		"gzip; q=0.000":      false,
		"*":                  true,
		"identity":           false,
		"deflate, br":        false,
		"gzip;q=0.001":       true,
		"x-gzip":             false,
		"br;q=1, gzip;q=1.0": true,
	} {
		if got := acceptsGzip([]string{in}); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", in, got, want)
		}
	}
}
