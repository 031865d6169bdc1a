package graph

import (
	"time"

	"coopdesk/graph/model"
	"coopdesk/worker/digest"
)

// location is the time zone of digest dates (COOPDESK_TZ).
func (r *Resolver) location() *time.Location {
	if r.Location != nil {
		return r.Location
	}
	return time.UTC
}

func digestSections(in []digest.Section) []*model.DigestSection {
	out := make([]*model.DigestSection, len(in))
	for i, s := range in {
		out[i] = &model.DigestSection{Topic: s.Topic, Label: s.Label, More: s.More, Entries: digestEntries(s.Entries)}
	}
	return out
}

func digestEntries(in []digest.Entry) []*model.DigestEntry {
	out := make([]*model.DigestEntry, len(in))
	for i, e := range in {
		m := &model.DigestEntry{
			ArticleID: e.ArticleID, Title: e.Title, URL: e.URL, Source: e.Source,
			PublishedAt: e.PublishedAt, Topic: e.Topic, Score: e.Score, StorySize: e.StorySize,
			OtherSources: []*model.DigestSource{}, Authorities: []*model.DigestAuthority{}, Partnerships: []*model.DigestPartnership{},
		}
		if e.Summary != "" {
			m.Summary = &e.Summary
		}
		for _, s := range e.OtherSources {
			m.OtherSources = append(m.OtherSources, &model.DigestSource{Name: s.Name, URL: s.URL})
		}
		for _, a := range e.Authorities {
			m.Authorities = append(m.Authorities, &model.DigestAuthority{ID: a.ID, Name: a.Name})
		}
		for _, p := range e.Partnerships {
			m.Partnerships = append(m.Partnerships, &model.DigestPartnership{ID: p.ID, Title: p.Title, Kind: p.Kind, Status: p.Status})
		}
		out[i] = m
	}
	return out
}
