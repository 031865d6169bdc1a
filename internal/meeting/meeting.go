// Package meeting holds the work on country-group meetings: ordering the agenda, rendering
// minutes written in Markdown to safe HTML, and the printable page and Markdown export that
// staff send by mail.
package meeting

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"coopdesk/ent"
	"coopdesk/ent/agendaitem"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var (
	markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))
	// The UGC policy keeps formatting, lists, tables and links and drops scripts, styles,
	// iframes and every on* attribute; goldmark already refuses raw HTML by default.
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		return p
	}()
)

// RenderMarkdown turns minutes written in Markdown into HTML safe to embed in a page.
func RenderMarkdown(src string) string {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		// goldmark does not fail on any input; keep a readable fallback all the same.
		return policy.Sanitize("<pre>" + src + "</pre>")
	}
	return policy.Sanitize(buf.String())
}

// ErrAgendaMismatch refuses a reordering that does not list exactly the meeting's items.
var ErrAgendaMismatch = errors.New("the new order must list every agenda item of this meeting exactly once, and no item of another meeting")

// Reorder sets the agenda of meetingID in the order of itemIDs (positions 1, 2, 3…).
func Reorder(ctx context.Context, client *ent.Client, meetingID int, itemIDs []int) ([]*ent.AgendaItem, error) {
	current, err := client.AgendaItem.Query().Where(agendaitem.MeetingID(meetingID)).IDs(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := client.Meeting.Get(ctx, meetingID); err != nil {
		return nil, err
	}
	want := map[int]bool{}
	for _, id := range current {
		want[id] = true
	}
	seen := map[int]bool{}
	for _, id := range itemIDs {
		if !want[id] || seen[id] {
			return nil, fmt.Errorf("%w (item %d)", ErrAgendaMismatch, id)
		}
		seen[id] = true
	}
	if len(seen) != len(want) {
		return nil, ErrAgendaMismatch
	}
	for i, id := range itemIDs {
		if err := client.AgendaItem.UpdateOneID(id).SetPosition(i + 1).Exec(ctx); err != nil {
			return nil, err
		}
	}
	return client.AgendaItem.Query().Where(agendaitem.MeetingID(meetingID)).
		Order(agendaitem.ByPosition(), agendaitem.ByID()).All(ctx)
}

// NextPosition is the position of an item appended to the meeting's agenda.
func NextPosition(ctx context.Context, client *ent.Client, meetingID int) (int, error) {
	last, err := client.AgendaItem.Query().Where(agendaitem.MeetingID(meetingID)).
		Order(ent.Desc(agendaitem.FieldPosition)).First(ctx)
	if ent.IsNotFound(err) {
		return 1, nil
	}
	if err != nil {
		return 0, err
	}
	return last.Position + 1, nil
}
