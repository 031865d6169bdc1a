package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"coopdesk/worker/tag"
	"coopdesk/worker/tagging"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

func init() {
	register("tag", "tag JSON lines from stdin (title, summary, lang, country) with groups, topics, mentions and evidence; --retag re-tags stored articles", tagCmd)
}

// maxTagLine bounds one input line: a longer one is answered with an error object and
// skipped, so that a stray binary file cannot make the command hold gigabytes.
const maxTagLine = 16 << 20

// added are the fields `coopdesk tag` adds to each object, replacing any of the same name.
var added = []string{"groups", "topics", "mentions", "evidence"}

func tagCmd(ctx context.Context, env Env, args []string) error {
	fs := newFlags(env, "tag", "[--retag [--since YYYY-MM-DD] [--untagged] [--batch N]] < items.jsonl")
	retag := fs.Bool("retag", false, "re-tag the stored articles instead of reading stdin (staff corrections are kept)")
	since := fs.String("since", "", "with --retag: only the articles published since this date (YYYY-MM-DD or RFC 3339)")
	untagged := fs.Bool("untagged", false, "with --retag: only the articles never tagged")
	batch := fs.Int("batch", 500, "with --retag: articles per transaction")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	var from time.Time
	if *since != "" {
		if !*retag {
			return fmt.Errorf("%w: --since needs --retag", errUsage)
		}
		var err error
		if from, err = time.Parse(time.DateOnly, *since); err != nil {
			if from, err = time.Parse(time.RFC3339, *since); err != nil {
				return fmt.Errorf("%w: --since %q: want YYYY-MM-DD or RFC 3339", errUsage, *since)
			}
		}
	}
	if *untagged && !*retag {
		return fmt.Errorf("%w: --untagged needs --retag", errUsage)
	}
	_, db, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	stage := tagging.NewStage(db, tagging.Options{CheckEvery: -1})
	if *retag {
		return retagCmd(ctx, env, stage, tagging.RetagOptions{Since: from, Untagged: *untagged, BatchSize: *batch})
	}
	if err := stage.Load(ctx); err != nil {
		return err
	}
	return tagLines(ctx, env.Stdin, env.Stdout, stage)
}

func retagCmd(ctx context.Context, env Env, stage *tagging.Stage, opt tagging.RetagOptions) error {
	var bar *progressbar.ProgressBar
	if f, ok := env.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opt.Progress = func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(env.Stderr), progressbar.OptionSetDescription("retag"),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("articles"),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
			}
			_ = bar.Set(done)
		}
	}
	res, err := stage.Retag(ctx, opt)
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "%d articles re-tagged in %s\n", res.Articles, res.Duration.Round(time.Millisecond))
	return nil
}

// tagLines tags each JSON line of r and writes it to w with the added fields, one line
// out per line in. Malformed lines get an error object and make the command fail at the
// end, after every other line was processed.
func tagLines(ctx context.Context, r io.Reader, w io.Writer, stage *tagging.Stage) error {
	if r == nil {
		r = bytes.NewReader(nil)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	var (
		line     []byte
		out      []byte
		n, bad   int
		tooLong  bool
		readErr  error
		finished bool
	)
	for !finished {
		if ctx.Err() != nil {
			break
		}
		if br.Buffered() == 0 {
			// About to block on input: whoever reads our output gets what is done.
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		line, tooLong, readErr = readLine(br, line[:0], maxTagLine)
		if readErr == io.EOF {
			finished = true
			if len(line) == 0 && !tooLong {
				break
			}
		} else if readErr != nil {
			return readErr
		}
		n++
		out = out[:0]
		switch {
		case tooLong:
			out = errorLine(out, nil, n, fmt.Sprintf("line longer than %d bytes", maxTagLine))
			bad++
		case len(bytes.TrimSpace(line)) == 0:
			// A blank line stays a blank line: one line out per line in.
		default:
			var err error
			out, err = tagLine(out, line, n, stage)
			if err != nil {
				bad++
			}
		}
		out = append(out, '\n')
		if _, err := bw.Write(out); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d lines malformed (see the error objects in the output)", bad, n)
	}
	return nil
}

// readLine reads one line without its end of line into buf, keeping at most max bytes;
// tooLong says it had more (the rest is read and dropped).
func readLine(br *bufio.Reader, buf []byte, max int) (line []byte, tooLong bool, err error) {
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong && len(buf)+len(frag) <= max+1 {
			buf = append(buf, frag...)
		} else {
			tooLong, buf = true, buf[:0]
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if err == io.EOF && (len(buf) > 0 || tooLong) {
			// A last line without an end of line is a line.
			return buf, tooLong, io.EOF
		}
		return buf, tooLong, err
	}
}

type field struct {
	key string
	raw json.RawMessage
}

// tagLine tags one JSON object and appends the output object to out.
func tagLine(out, line []byte, n int, stage *tagging.Stage) ([]byte, error) {
	fields, err := objectFields(line)
	if err != nil {
		return errorLine(out, nil, n, "not a JSON object: "+err.Error()), err
	}
	var id json.RawMessage
	for _, f := range fields {
		if f.key == "id" {
			id = f.raw // for the error object, wherever the bad field is
		}
	}
	text := map[string]string{}
	present := map[string]bool{}
	for _, f := range fields {
		switch f.key {
		case "title", "summary", "lang", "country":
			if string(f.raw) == "null" {
				continue
			}
			var s string
			if err := json.Unmarshal(f.raw, &s); err != nil {
				err = fmt.Errorf("%s must be a string", f.key)
				return errorLine(out, id, n, err.Error()), err
			}
			text[f.key], present[f.key] = s, true
		}
	}
	if !present["title"] && !present["summary"] {
		err := errors.New("title and summary are both missing")
		return errorLine(out, id, n, err.Error()), err
	}
	cc := strings.ToUpper(strings.TrimSpace(text["country"]))
	if cc != "" && (len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z') {
		err := fmt.Errorf("country %q is not an ISO 3166-1 alpha-2 code", text["country"])
		return errorLine(out, id, n, err.Error()), err
	}
	res, err := stage.TagText(context.Background(), text["title"], text["summary"], text["lang"], cc)
	if err != nil {
		return errorLine(out, id, n, err.Error()), err
	}

	out = append(out, '{')
	first := true
	for _, f := range fields {
		if isAdded(f.key) {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out, _ = appendJSON(out, f.key)
		out = append(out, ':')
		var c bytes.Buffer
		if json.Compact(&c, f.raw) == nil {
			out = append(out, c.Bytes()...)
		} else {
			out = append(out, f.raw...)
		}
	}
	for _, kv := range []struct {
		key string
		v   any
	}{{"groups", res.Slugs()}, {"topics", topics(res)}, {"mentions", stage.Mentions(res)}, {"evidence", evidence(res)}} {
		if !first {
			out = append(out, ',')
		}
		first = false
		out, _ = appendJSON(out, kv.key)
		out = append(out, ':')
		if out, err = appendJSON(out, kv.v); err != nil {
			return out, err
		}
	}
	return append(out, '}'), nil
}

func isAdded(key string) bool {
	for _, a := range added {
		if a == key {
			return true
		}
	}
	return false
}

// objectFields reads a JSON object's members in order, values kept as they are written.
func objectFields(line []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("want an object, got %v", tok)
	}
	var fields []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		fields = append(fields, field{key, raw})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the object")
	}
	return fields, nil
}

// errorLine appends {"id": …, "line": n, "error": msg}, without id when there is none.
func errorLine(out []byte, id json.RawMessage, n int, msg string) []byte {
	out = append(out, '{')
	if id != nil {
		out = append(out, `"id":`...)
		out = append(out, id...)
		out = append(out, ',')
	}
	out = fmt.Appendf(out, `"line":%d,"error":`, n)
	out, _ = appendJSON(out, msg)
	return append(out, '}')
}

func appendJSON(out []byte, v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return out, err
	}
	return append(out, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...), nil
}

// topics are the topic slugs in the database's spelling (administration_decentralisation).
func topics(res tag.Result) []string {
	out := make([]string, 0, len(res.Topics))
	for _, t := range res.Topics {
		if s, ok := tagging.Topic(t.Slug); ok {
			out = append(out, string(s))
		}
	}
	return out
}

type because struct {
	Score  float64  `json:"score"`
	Method string   `json:"method,omitempty"`
	Terms  []string `json:"terms"`
}

// evidence explains each group and topic: its score, the method of its strongest
// evidence, and the terms matched.
func evidence(res tag.Result) map[string]map[string]because {
	ev := map[string]map[string]because{"groups": {}, "topics": {}}
	for _, g := range res.Groups {
		ev["groups"][g.Slug] = because{Score: g.Score, Method: g.Method, Terms: nonNil(g.Evidence)}
	}
	for _, t := range res.Topics {
		if s, ok := tagging.Topic(t.Slug); ok {
			ev["topics"][string(s)] = because{Score: t.Score, Terms: nonNil(t.Evidence)}
		}
	}
	return ev
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
