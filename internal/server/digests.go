package server

import (
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"coopdesk/ent"
	"coopdesk/internal/auth"
	"coopdesk/worker/digest"
)

// feedDigests is how many digests the Atom feed carries.
const feedDigests = 30

// DigestRoutes serves the stored digests to staff and feed readers:
//
//	GET /digests/{group}/{date}   the HTML digest
//	GET /digests/{group}.atom     the group's latest 30 digests as Atom
//
// Feed readers cannot send headers, so the token is accepted as ?token= as well as the
// bearer header; any role (viewer and up) may read. Mount it as is:
//
//	mux.Handle("GET /digests/", server.DigestRoutes(db.Client))
func DigestRoutes(client *ent.Client) http.Handler {
	mux := http.NewServeMux()
	h := digestHandler{client: client}
	mux.HandleFunc("GET /digests/{group}/{date}", h.page)
	mux.HandleFunc("GET /digests/{feed}", h.feed)
	return h.authenticate(mux)
}

type digestHandler struct {
	client *ent.Client
}

func (h digestHandler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := auth.BearerToken(r)
		if token == "" {
			token = r.URL.Query().Get("token")
		}
		if token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="coopdesk"`)
			plainError(w, http.StatusUnauthorized, "a valid API token is required: send it as Authorization: Bearer <token> or as ?token=<token>")
			return
		}
		p, err := auth.Authenticate(r.Context(), h.client, token)
		if err != nil {
			if !errors.Is(err, auth.ErrInvalidToken) {
				slog.ErrorContext(r.Context(), "authenticate", "err", err)
				plainError(w, http.StatusServiceUnavailable, "authentication is unavailable right now")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="coopdesk"`)
			plainError(w, http.StatusUnauthorized, "the API token is invalid, revoked or expired")
			return
		}
		if !auth.Allows(p.Role, auth.Viewer) {
			plainError(w, http.StatusForbidden, "this token may not read digests")
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

func plainError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// lookupError answers the errors of digest.Load and digest.Latest.
func lookupError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, digest.ErrUnknownGroup), errors.Is(err, digest.ErrNotFound), errors.Is(err, digest.ErrBadDate):
		plainError(w, http.StatusNotFound, err.Error())
	default:
		slog.ErrorContext(r.Context(), "digest", "err", err)
		plainError(w, http.StatusInternalServerError, "the digest could not be read; try again later")
	}
}

func (h digestHandler) page(w http.ResponseWriter, r *http.Request) {
	row, err := digest.Load(r.Context(), h.client, r.PathValue("group"), r.PathValue("date"))
	if err != nil {
		lookupError(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	// The digest is e-mail HTML: inline styles, no scripts, no images.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	hd.Set("Cache-Control", "private, no-cache")
	hd.Set("Last-Modified", row.BuiltAt.UTC().Format(http.TimeFormat))
	_, _ = w.Write([]byte(row.HTML))
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomAuthor  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
	Content atomText `xml:"content"`
}

func (h digestHandler) feed(w http.ResponseWriter, r *http.Request) {
	slug, ok := strings.CutSuffix(r.PathValue("feed"), ".atom")
	if !ok || slug == "" {
		plainError(w, http.StatusNotFound, "not found: digests are at /digests/{group}/{date} and /digests/{group}.atom")
		return
	}
	g, rows, err := digest.Latest(r.Context(), h.client, slug, feedDigests)
	if err != nil {
		lookupError(w, r, err)
		return
	}
	// Links carry no token: the entries hold the whole digest, and a token in a feed
	// would travel to wherever the feed is shared.
	base := baseURL(r)
	f := atomFeed{
		Lang:    "fr",
		ID:      "tag:coopdesk,2026:digests:" + g.Slug,
		Title:   "Veille " + g.Name,
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Author:  atomAuthor{Name: "coopdesk"},
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + "/digests/" + g.Slug + ".atom"},
		},
	}
	for i, row := range rows {
		updated := row.BuiltAt.UTC().Format(time.RFC3339)
		if i == 0 {
			f.Updated = updated
		}
		title := fmt.Sprintf("Veille %s du %s", g.Name, row.Date)
		summary := fmt.Sprintf("%d sujets", row.ItemCount)
		switch row.ItemCount {
		case 0:
			summary = "Rien de nouveau"
		case 1:
			summary = "1 sujet"
		}
		f.Entries = append(f.Entries, atomEntry{
			ID:      "tag:coopdesk,2026:digest:" + g.Slug + ":" + row.Date,
			Title:   title,
			Updated: updated,
			Link:    atomLink{Rel: "alternate", Type: "text/html", Href: base + "/digests/" + g.Slug + "/" + row.Date},
			Summary: summary,
			Content: atomText{Type: "html", Body: row.HTML},
		})
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-cache")
	_, _ = w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	if err := enc.Encode(f); err != nil {
		slog.ErrorContext(r.Context(), "atom feed", "group", g.Slug, "err", err)
	}
}

// baseURL is the scheme and host the request came to, for the feed's absolute links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
