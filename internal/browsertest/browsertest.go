// Package browsertest drives a headless Chromium (Debian's chromium package)
// through the Chrome DevTools Protocol, for tests that must see what a user's
// browser sees: that coopdesk's GraphQL IDE page loads offline under its
// Content-Security-Policy, sends the API token and shows the result.
//
// It is test-support code: import it only from _test.go files. It talks only
// to the URL it is given (tests serve on loopback), and starts Chromium with
// networking features that would phone home turned off.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Launch flags known to work on this project's machines (root, no display,
// no network but loopback). --no-sandbox is needed because tests run as root.
var launchFlags = map[string]any{
	"headless":                      true,
	"no-sandbox":                    true,
	"disable-gpu":                   true,
	"disable-quic":                  true,
	"no-first-run":                  true,
	"no-default-browser-check":      true,
	"disable-background-networking": true,
	"disable-component-update":      true,
	"disable-sync":                  true,
	"disable-extensions":            true,
	"disable-default-apps":          true,
	"disable-breakpad":              true,
	"disable-dev-shm-usage":         true,
	"no-proxy-server":               true, // only loopback is ever targeted
	"password-store":                "basic",
	"use-mock-keychain":             true,
	"hide-scrollbars":               true,
	"mute-audio":                    true,
}

// candidates are tried in order by Available; Debian installs /usr/bin/chromium.
var candidates = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome-stable", "google-chrome"}

// Available returns the Chromium binary to use: $COOPDESK_CHROMIUM when set,
// else the first of Debian's /usr/bin/chromium and the usual names on $PATH.
func Available() (path string, ok bool) {
	if p := os.Getenv("COOPDESK_CHROMIUM"); p != "" {
		p, err := exec.LookPath(p)
		return p, err == nil
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, true
		}
	}
	return "", false
}

// Require returns the Chromium binary, or stops the test when there is none:
// it skips with a message normally, and fails when CI=true, because CI must
// never pass by silently skipping the browser tests.
func Require(tb testing.TB) string {
	tb.Helper()
	p, ok := Available()
	if ok {
		return p
	}
	const msg = "headless Chromium not found (install it with: apt-get install -y chromium; or set COOPDESK_CHROMIUM)"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Browser is one running Chromium with its own fresh profile. Each page it
// opens gets its own tab. A Browser is safe for use by several goroutines.
type Browser struct {
	ctx     context.Context // the browser's first tab; new tabs derive from it
	cancel  context.CancelFunc
	dataDir string
	once    sync.Once
}

// Start launches Chromium with a fresh, temporary user-data-dir. ctx bounds
// only the start-up; the browser lives until Close.
func Start(ctx context.Context) (*Browser, error) {
	path, ok := Available()
	if !ok {
		return nil, errors.New("browsertest: no Chromium binary found")
	}
	dir, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
	}
	for name, v := range launchFlags {
		opts = append(opts, chromedp.Flag(name, v))
	}
	// The browser must outlive ctx (it is often a short start-up deadline),
	// so it hangs off a context of its own, ended by Close.
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.WithoutCancel(ctx), opts...)
	tabCtx, tabCancel := chromedp.NewContext(allocCtx)
	b := &Browser{
		ctx:     tabCtx,
		dataDir: dir,
		cancel: func() {
			tabCancel()
			allocCancel()
		},
	}
	// The first action starts the process; abandon it if ctx ends first.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tabCtx) }()
	select {
	case err = <-started:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("browsertest: starting %s: %w", path, err)
	}
	return b, nil
}

// Close stops Chromium and removes its profile directory.
func (b *Browser) Close() {
	b.once.Do(func() {
		b.cancel() // waits for the process to exit
		_ = os.RemoveAll(b.dataDir)
	})
}

// newTab opens a tab that closes when the returned func is called or when
// ctx ends, whichever comes first.
func (b *Browser) newTab(ctx context.Context) (context.Context, func(), error) {
	tab, cancel := chromedp.NewContext(b.ctx)
	// The tab's first action must not carry ctx's deadline (that would bind
	// the tab's lifetime to it), so ctx is linked by cancellation instead.
	stop := context.AfterFunc(ctx, cancel)
	closeTab := func() {
		stop()
		cancel()
	}
	if err := chromedp.Do(tab); err != nil {
		closeTab()
		return nil, nil, ctxErr(ctx, err)
	}
	return tab, closeTab, nil
}

// ctxErr prefers the caller's context error, which says more than the
// "context canceled" that chromedp reports when a tab is cut short.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// waitFor polls cond every interval until it reports true, returns an error,
// or ctx ends.
func waitFor(ctx context.Context, interval time.Duration, what string, cond func() (bool, error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}
