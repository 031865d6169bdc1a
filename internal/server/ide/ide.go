// Package ide serves coopdesk's in-browser GraphQL IDE (GraphiQL) at "/".
//
// Every file the page loads is embedded in the binary with go:embed, because
// the IDE must work on a machine with no internet access: no CDN is ever
// contacted. The vendored third-party files live in assets/ (see
// assets/README.md for their origin and how to refresh them); the page itself
// (index.html, ide.js, ide.css) lives in page/.
//
// The page and its assets hold no data, so they are served to anonymous
// users; the page asks for an API token and sends it to /graphql as
// "Authorization: Bearer <token>".
package ide

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"
)

//go:embed page/index.html page/ide.js page/ide.css
//go:embed assets/graphiql/graphiql.min.js assets/graphiql/graphiql.min.css assets/graphiql/LICENSE
//go:embed assets/react/react.production.min.js assets/react/LICENSE
//go:embed assets/react-dom/react-dom.production.min.js assets/react-dom/LICENSE
var files embed.FS

// AssetPrefix is the URL path under which the page's static files are served.
const AssetPrefix = "/ide/assets/"

// contentSecurityPolicy is sent with the IDE page. It allows only scripts,
// styles and connections from the page's own origin: no inline script and no
// eval (the UMD builds need neither). GraphiQL's stylesheet embeds its fonts
// and icons as data: URIs, hence data: for fonts and images. GraphiQL's
// dialogs add a <style> element at run time (react-remove-scroll, which locks
// scrolling): the page passes it a per-response nonce rather than allowing
// every inline style.
func contentSecurityPolicy(nonce string) string {
	return "default-src 'none'; " +
		"script-src 'self'; " +
		"style-src 'self' 'nonce-" + nonce + "'; " +
		"img-src 'self' data:; " +
		"font-src 'self' data:; " +
		"connect-src 'self'; " +
		"base-uri 'none'; " +
		"form-action 'none'; " +
		"frame-ancestors 'none'"
}

const (
	ctJS  = "text/javascript; charset=utf-8"
	ctCSS = "text/css; charset=utf-8"
	ctTXT = "text/plain; charset=utf-8"
)

// assetSpec maps a public asset name to its embedded file. The list is
// explicit so that nothing else in the embedded tree is served by accident.
type assetSpec struct{ name, path, contentType string }

var assetSpecs = []assetSpec{
	{"react.production.min.js", "assets/react/react.production.min.js", ctJS},
	{"react-dom.production.min.js", "assets/react-dom/react-dom.production.min.js", ctJS},
	{"graphiql.min.js", "assets/graphiql/graphiql.min.js", ctJS},
	{"graphiql.min.css", "assets/graphiql/graphiql.min.css", ctCSS},
	{"ide.js", "page/ide.js", ctJS},
	{"ide.css", "page/ide.css", ctCSS},
}

// licenceSources are concatenated into LICENSES.txt: shipping the vendored
// code in the binary means shipping its licence notices too.
var licenceSources = []struct{ title, path string }{
	{"graphiql 3.9.0 (includes bundled dependencies, among them graphql, codemirror, markdown-it, @radix-ui/*, framer-motion; all MIT-licensed)", "assets/graphiql/LICENSE"},
	{"react 18.3.1", "assets/react/LICENSE"},
	{"react-dom 18.3.1", "assets/react-dom/LICENSE"},
}

const licencesName = "LICENSES.txt"

type asset struct {
	body        []byte
	contentType string
	version     string // short content hash, used as ?v= and in the ETag

	// gzipped is computed on first use rather than at start-up, so a server
	// that never serves the IDE pays nothing for it.
	gzipOnce sync.Once
	gzipped  []byte
}

func newAsset(body []byte, contentType string) *asset {
	sum := sha256.Sum256(body)
	return &asset{body: body, contentType: contentType, version: hex.EncodeToString(sum[:8])}
}

func (a *asset) gzipBody() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // level is valid: no error
		_, _ = zw.Write(a.body)                                  // writes to a bytes.Buffer do not fail
		_ = zw.Close()
		if buf.Len() < len(a.body) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

type site struct {
	assets map[string]*asset
	index  *template.Template
	urls   map[string]string // template data: the assets' versioned URLs
}

// load reads the embedded files and parses the page once, on first request.
var load = sync.OnceValue(func() *site {
	s := &site{assets: make(map[string]*asset, len(assetSpecs)+1)}
	for _, spec := range assetSpecs {
		s.assets[spec.name] = newAsset(mustRead(spec.path), spec.contentType)
	}
	var lic bytes.Buffer
	lic.WriteString("Third-party software embedded in coopdesk's GraphQL IDE.\n")
	for _, src := range licenceSources {
		lic.WriteString("\n==== " + src.title + " ====\n\n")
		lic.Write(mustRead(src.path))
	}
	s.assets[licencesName] = newAsset(lic.Bytes(), ctTXT)

	url := func(name string) string {
		return AssetPrefix + name + "?v=" + s.assets[name].version
	}
	s.index = template.Must(template.New("index.html").ParseFS(files, "page/index.html"))
	s.urls = map[string]string{
		"react":       url("react.production.min.js"),
		"reactDOM":    url("react-dom.production.min.js"),
		"graphiqlJS":  url("graphiql.min.js"),
		"graphiqlCSS": url("graphiql.min.css"),
		"ideJS":       url("ide.js"),
		"ideCSS":      url("ide.css"),
		"licences":    AssetPrefix + licencesName,
	}
	return s
})

func mustRead(path string) []byte {
	b, err := files.ReadFile(path)
	if err != nil {
		panic("ide: embedded file missing: " + path) // the go:embed list and the tables disagree
	}
	return b
}

// Handler serves the IDE page at "/" (exactly) and its static files under
// AssetPrefix. Mount it on the server's root, e.g. mux.Handle("/", ide.Handler()):
// any other path gets 404, other methods than GET and HEAD get 405.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", serveIndex)
	mux.HandleFunc("GET "+AssetPrefix+"{name}", serveAsset)
	return mux
}

func serveIndex(w http.ResponseWriter, r *http.Request) {
	st := load()
	var nonceBytes [16]byte
	_, _ = rand.Read(nonceBytes[:]) // crypto/rand.Read never fails
	// URL-safe base64: no character that the page's HTML escaping would change.
	nonce := base64.RawURLEncoding.EncodeToString(nonceBytes[:])
	data := make(map[string]string, len(st.urls)+1)
	maps.Copy(data, st.urls)
	data["nonce"] = nonce
	var page bytes.Buffer
	if err := st.index.Execute(&page, data); err != nil {
		http.Error(w, "IDE page unavailable", http.StatusInternalServerError)
		return
	}

	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy(nonce))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	// The page carries a fresh nonce and names its assets by content hash:
	// it must never be reused from a cache.
	h.Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(page.Bytes()))
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := load().assets[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	// Cache for a year only a URL that names the current content; an
	// unversioned or stale URL must not pin old content in caches.
	if v := r.URL.Query().Get("v"); v != "" && v == a.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	serve(w, r, a)
}

// serve writes a with its ETag, gzipped when the client accepts it;
// http.ServeContent handles HEAD, If-None-Match and ranges.
func serve(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	body, etag := a.body, `"`+a.version+`"`
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		if gz := a.gzipBody(); gz != nil {
			body, etag = gz, `"`+a.version+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header lists gzip (or *)
// with a non-zero quality.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok && isZeroQ(q) {
				continue
			}
			return true
		}
	}
	return false
}

// isZeroQ reports whether a qvalue ("0", "0.0", "0.000") means "not acceptable".
func isZeroQ(q string) bool {
	return strings.Trim(strings.TrimPrefix(q, "0"), ".0") == "" && strings.HasPrefix(q, "0")
}
