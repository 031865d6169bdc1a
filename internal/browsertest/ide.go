package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Selectors of coopdesk's IDE page (internal/server/ide/page/index.html) and
// of GraphiQL 3's markup. GraphiQL 3 uses CodeMirror 5, whose wrapper element
// carries the editor instance as its CodeMirror property: the reliable way to
// set and read editor text (typing would fight its auto-closing brackets).
const (
	selToken    = "#cd-token"
	selQuery    = ".graphiql-query-editor .CodeMirror"
	selResponse = ".graphiql-response .CodeMirror"
	selExecute  = "button.graphiql-execute-button"
)

// recorderJS runs before any page script and records Content-Security-Policy
// violations, which otherwise only show up as console noise.
const recorderJS = `(() => {
  const rec = window.__browsertest = { violations: [] };
  document.addEventListener('securitypolicyviolation', (e) => {
    rec.violations.push(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') +
      ' (' + (e.sourceFile || '?') + ':' + e.lineNumber + ')');
  });
})();`

// PageError reports that a page worked but misbehaved: it violated its
// Content-Security-Policy or threw an uncaught exception. Result holds what
// the IDE showed anyway.
type PageError struct {
	Result        string
	CSPViolations []string
	Exceptions    []string
}

func (e *PageError) Error() string {
	var parts []string
	if len(e.CSPViolations) > 0 {
		parts = append(parts, "CSP violations: "+strings.Join(e.CSPViolations, "; "))
	}
	if len(e.Exceptions) > 0 {
		parts = append(parts, "uncaught exceptions: "+strings.Join(e.Exceptions, "; "))
	}
	return "browsertest: page errors: " + strings.Join(parts, " | ")
}

// RunIDEQuery starts a browser, runs one query through the IDE with
// (*Browser).RunIDEQuery, and stops the browser. Tests that run several
// queries should Start one Browser and reuse it: a start costs about a second.
func RunIDEQuery(ctx context.Context, baseURL, token, query string) (string, error) {
	b, err := Start(ctx)
	if err != nil {
		return "", err
	}
	defer b.Close()
	return b.RunIDEQuery(ctx, baseURL, token, query)
}

// RunIDEQuery opens baseURL + "/" in a new tab, types token into the page's
// API token field, puts query into GraphiQL's editor, clicks the run button,
// waits for the answer and returns the text of the response pane (GraphiQL's
// pretty-printed JSON). A CSP violation or an uncaught exception on the page
// makes it fail with a *PageError that still carries the result.
//
// Set BROWSERTEST_SCREENSHOT_DIR to keep a PNG of the page as it ended.
func (b *Browser) RunIDEQuery(ctx context.Context, baseURL, token, query string) (string, error) {
	tab, closeTab, err := b.newTab(ctx)
	if err != nil {
		return "", err
	}
	defer closeTab()

	endpoint, err := url.JoinPath(baseURL, "/graphql")
	if err != nil {
		return "", fmt.Errorf("browsertest: bad base URL %q: %w", baseURL, err)
	}
	net := newGraphQLTraffic(endpoint)
	if err := chromedp.Listen(tab, net.observe); err != nil {
		return "", err
	}
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: recorderJS}); err != nil {
		return "", ctxErr(ctx, err)
	}

	result, err := b.driveIDE(tab, net, strings.TrimSuffix(baseURL, "/")+"/", token, query)
	if dir := os.Getenv("BROWSERTEST_SCREENSHOT_DIR"); dir != "" {
		saveScreenshot(tab, dir)
	}
	if err != nil {
		return result, ctxErr(ctx, err)
	}

	violations, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__browsertest.violations`))
	if err != nil {
		return result, ctxErr(ctx, err)
	}
	if exc := net.exceptionList(); len(violations) > 0 || len(exc) > 0 {
		return result, &PageError{Result: result, CSPViolations: violations, Exceptions: exc}
	}
	return result, nil
}

func (b *Browser) driveIDE(tab context.Context, net *graphqlTraffic, pageURL, token, query string) (string, error) {
	err := chromedp.Do(tab,
		chromedp.Navigate(pageURL),
		// GraphiQL's editors exist only once the page's script has run, and
		// that script fills the token field from localStorage: wait for them
		// before touching the field.
		chromedp.WaitVisible(chromedp.CSS(selQuery)),
		chromedp.WaitVisible(chromedp.CSS(selExecute)),
		chromedp.WaitVisible(chromedp.CSS(selToken)),
		// Type the token as a user would; leaving the field fires its change
		// event, on which the page fetches the schema again with the token.
		// chromedp.Clear only resets the value attribute, which no longer
		// counts once the script has filled the field: reset the live value.
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ""`, selToken)),
		chromedp.SendKeys(chromedp.CSS(selToken), token),
		chromedp.Blur(chromedp.CSS(selToken)),
	)
	if err != nil {
		return "", fmt.Errorf("loading the IDE at %s: %w", pageURL, err)
	}
	// Let the schema requests settle so that the run below is the only
	// request left to wait for.
	if err := net.waitQuiet(tab, 300*time.Millisecond); err != nil {
		return "", err
	}

	q, _ := json.Marshal(query) // a string always marshals
	err = chromedp.Do(tab,
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).CodeMirror.setValue(%s)`, selQuery, q)),
		// An empty pane lets the wait below tell the new answer from an old one.
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).CodeMirror.setValue("")`, selResponse)),
	)
	if err != nil {
		return "", fmt.Errorf("filling the editor: %w", err)
	}
	sentBefore := net.sentCount()
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(selExecute))); err != nil {
		return "", fmt.Errorf("clicking run: %w", err)
	}

	// Done when a request sent by the click has finished, GraphiQL is no
	// longer fetching (its button says "Execute" again, not "Stop") and the
	// response pane shows something.
	var text string
	err = waitFor(tab, 50*time.Millisecond, "the IDE's response", func() (bool, error) {
		if net.sentCount() <= sentBefore || net.pendingCount() > 0 {
			return false, nil
		}
		st, err := chromedp.Run(tab, chromedp.Evaluate[struct {
			Label string `json:"label"`
			Text  string `json:"text"`
		}](fmt.Sprintf(`({label: document.querySelector(%q).getAttribute("aria-label") || "",
			text: document.querySelector(%q).CodeMirror.getValue()})`, selExecute, selResponse)))
		if err != nil {
			return false, err
		}
		text = st.Text
		return strings.HasPrefix(st.Label, "Execute") && strings.TrimSpace(st.Text) != "", nil
	})
	return text, err
}

func saveScreenshot(tab context.Context, dir string) {
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		return // a debugging aid only
	}
	name := filepath.Join(dir, fmt.Sprintf("ide-%d.png", time.Now().UnixNano()))
	_ = os.WriteFile(name, png, 0o644)
}

// graphqlTraffic counts the tab's requests to the GraphQL endpoint, from the
// protocol's network events, and collects uncaught page exceptions.
type graphqlTraffic struct {
	endpoint string

	mu         sync.Mutex
	ids        map[network.RequestID]bool // in flight
	sent       int
	lastChange time.Time
	exceptions []string
}

func newGraphQLTraffic(endpoint string) *graphqlTraffic {
	return &graphqlTraffic{endpoint: endpoint, ids: map[network.RequestID]bool{}, lastChange: time.Now()}
}

// observe runs on chromedp's reading goroutine: it must be quick.
func (g *graphqlTraffic) observe(ev any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		u := ev.Request.URL
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		if u == g.endpoint && ev.Request.Method != "OPTIONS" {
			g.ids[ev.RequestID] = true
			g.sent++
			g.lastChange = time.Now()
		}
	case *network.EventLoadingFinished:
		g.done(ev.RequestID)
	case *network.EventLoadingFailed:
		g.done(ev.RequestID)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		g.exceptions = append(g.exceptions, msg)
	}
}

func (g *graphqlTraffic) done(id network.RequestID) {
	if g.ids[id] {
		delete(g.ids, id)
		g.lastChange = time.Now()
	}
}

func (g *graphqlTraffic) sentCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sent
}

func (g *graphqlTraffic) pendingCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.ids)
}

func (g *graphqlTraffic) exceptionList() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.exceptions...)
}

// waitQuiet waits until no GraphQL request is in flight and none started or
// ended for the given period.
func (g *graphqlTraffic) waitQuiet(ctx context.Context, period time.Duration) error {
	return waitFor(ctx, 25*time.Millisecond, "GraphQL requests to settle", func() (bool, error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.ids) == 0 && time.Since(g.lastChange) >= period, nil
	})
}
