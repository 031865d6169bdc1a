package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"coopdesk/ent"
	"coopdesk/internal/auth"
	"coopdesk/internal/meeting"
)

// requireTokenOrQuery is requireToken that also accepts ?token=.
func (s *Server) requireTokenOrQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.BearerToken(r) == "" {
			if t := r.URL.Query().Get("token"); t != "" {
				r = r.Clone(r.Context())
				r.Header.Set("Authorization", "Bearer "+t)
			}
		}
		s.requireToken(next).ServeHTTP(w, r)
	})
}

// meetingPage serves /meetings/{id}.html (printable agenda and minutes) and
// /meetings/{id}.md (the same as Markdown).
func (s *Server) meetingPage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	var id int
	var format string
	for _, ext := range []string{".html", ".md"} {
		if strings.HasSuffix(name, ext) {
			format = ext
			id, _ = strconv.Atoi(strings.TrimSuffix(name, ext))
		}
	}
	if id <= 0 || format == "" {
		http.Error(w, "not found: use /meetings/{id}.html or /meetings/{id}.md", http.StatusNotFound)
		return
	}
	m, err := meeting.Load(r.Context(), s.db.Client, id)
	var nf *ent.NotFoundError
	if errors.As(err, &nf) {
		http.Error(w, "no meeting with this id", http.StatusNotFound)
		return
	}
	if err != nil {
		slog.ErrorContext(r.Context(), "meeting page", "meeting", id, "err", err)
		http.Error(w, "internal error; it has been logged", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if format == ".md" {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		_, _ = w.Write([]byte(meeting.Markdown(m)))
		return
	}
	page, err := meeting.HTML(m)
	if err != nil {
		slog.ErrorContext(r.Context(), "meeting page", "meeting", id, "err", err)
		http.Error(w, "internal error; it has been logged", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The page holds no script: forbid any, in case minutes ever carried one.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'")
	_, _ = w.Write([]byte(page))
}
