// Package conformance checks a GraphQL endpoint against the GraphQL-over-HTTP
// specification with the audits of the npm package graphql-http.
//
// The audits exist only in JavaScript, so Audit runs this directory's
// audit.mjs under Node.js and parses its JSON report. The npm dependencies
// are pinned by package-lock.json; Ensure installs them with `npm ci` when
// node_modules is missing or stale. It is test-support code: nothing in the
// server imports it.
package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// AuditResult is the result of one graphql-http audit.
type AuditResult struct {
	ID   string `json:"id"`   // stable 4-hex-digit id, e.g. "4655"
	Name string `json:"name"` // starts with MUST, SHOULD or MAY
	// Status is "ok", or "notice", "warn" (a SHOULD or MAY not met) or
	// "error" (a MUST not met, or the request itself failed).
	Status string `json:"status"`
	Reason string `json:"reason"` // empty when Status is "ok"
}

// Passed reports whether the audit's status is "ok".
func (a AuditResult) Passed() bool { return a.Status == "ok" }

// Must reports whether the audit checks a MUST of the specification.
func (a AuditResult) Must() bool { return strings.HasPrefix(a.Name, "MUST ") }

func (a AuditResult) String() string {
	if a.Passed() {
		return fmt.Sprintf("%s %s: ok", a.ID, a.Name)
	}
	return fmt.Sprintf("%s %s: %s: %s", a.ID, a.Name, a.Status, a.Reason)
}

// Report is the outcome of a run of all audits against one URL.
type Report struct {
	URL    string         `json:"url"`
	Counts map[string]int `json:"counts"` // audits per status
	Audits []AuditResult  `json:"audits"`
}

// MustFailures lists the MUST audits that did not pass: the ones that make a
// server non-conformant.
func (r Report) MustFailures() []AuditResult {
	var out []AuditResult
	for _, a := range r.Audits {
		if a.Must() && !a.Passed() {
			out = append(out, a)
		}
	}
	return out
}

// Failures lists every audit that did not pass, MUST or not.
func (r Report) Failures() []AuditResult {
	var out []AuditResult
	for _, a := range r.Audits {
		if !a.Passed() {
			out = append(out, a)
		}
	}
	return out
}

// Summary is a one-line count, e.g. "55/61 audits ok, 13/13 MUST ok".
func (r Report) Summary() string {
	ok, must, mustOK := 0, 0, 0
	for _, a := range r.Audits {
		if a.Passed() {
			ok++
		}
		if a.Must() {
			must++
			if a.Passed() {
				mustOK++
			}
		}
	}
	return fmt.Sprintf("%d/%d audits ok, %d/%d MUST ok", ok, len(r.Audits), mustOK, must)
}

// Dir returns the directory holding package.json and audit.mjs: next to
// this source file (tests build from the source tree), or else found from
// the working directory by walking up to go.mod.
func Dir() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Dir(file)
		if fileExists(filepath.Join(dir, "audit.mjs")) {
			return dir, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if fileExists(filepath.Join(d, "go.mod")) {
			dir := filepath.Join(d, "internal", "server", "conformance")
			if fileExists(filepath.Join(dir, "audit.mjs")) {
				return dir, nil
			}
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", errors.New("conformance: cannot find internal/server/conformance/audit.mjs")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// ensureMu serialises Ensure within a process; lockDir does so across the
// test binaries that `go test ./...` runs in parallel.
var ensureMu sync.Mutex

// Ensure installs the pinned npm dependencies (`npm ci --no-audit --no-fund`)
// unless node_modules already holds the versions package-lock.json names.
// It needs node and npm on PATH, and the npm registry when it installs.
func Ensure(ctx context.Context) error {
	dir, err := Dir()
	if err != nil {
		return err
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("conformance: %s not found on PATH (install Node.js and npm: apt-get install -y nodejs npm)", tool)
		}
	}
	ensureMu.Lock()
	defer ensureMu.Unlock()
	unlock, err := lockDir(ctx, filepath.Join(dir, "node_modules.lock"))
	if err != nil {
		return fmt.Errorf("conformance: locking %s: %w", dir, err)
	}
	defer unlock()

	if installed(dir) {
		return nil
	}
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("conformance: npm ci in %s: %w\n%s", dir, err, out)
	}
	if !installed(dir) {
		return fmt.Errorf("conformance: npm ci in %s did not install the locked versions", dir)
	}
	return nil
}

// installed reports whether node_modules holds the graphql-http and graphql
// versions that package-lock.json pins, so a changed lock file reinstalls.
func installed(dir string) bool {
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil || json.Unmarshal(b, &lock) != nil {
		return false
	}
	for _, name := range []string{"graphql-http", "graphql"} {
		want := lock.Packages["node_modules/"+name].Version
		var pkg struct {
			Version string `json:"version"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", name, "package.json"))
		if err != nil || json.Unmarshal(b, &pkg) != nil || want == "" || pkg.Version != want {
			return false
		}
	}
	return true
}

// Audit runs every graphql-http server audit against url (the GraphQL
// endpoint, e.g. "http://127.0.0.1:PORT/graphql"), each request carrying
// "Authorization: Bearer token" when token is not empty. It calls Ensure
// first. The report lists all audits; use MustFailures to judge conformance.
// It returns an error when node fails or when no audit could even reach the
// server.
func Audit(ctx context.Context, url, token string) (Report, error) {
	if err := Ensure(ctx); err != nil {
		return Report{}, err
	}
	dir, err := Dir()
	if err != nil {
		return Report{}, err
	}
	cmd := exec.CommandContext(ctx, "node", "audit.mjs", url)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COOPDESK_TOKEN="+token)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Report{}, fmt.Errorf("conformance: node audit.mjs %s: %w\n%s", url, err, stderr.Bytes())
	}
	return parseReport(stdout.Bytes())
}

func parseReport(out []byte) (Report, error) {
	var r Report
	if err := json.Unmarshal(out, &r); err != nil {
		return Report{}, fmt.Errorf("conformance: reading audit.mjs output: %w\n%s", err, out)
	}
	if len(r.Audits) == 0 {
		return r, errors.New("conformance: audit.mjs reported no audits")
	}
	fatal := 0
	for _, a := range r.Audits {
		if a.Status != "ok" && strings.HasPrefix(a.Reason, "fatal: ") {
			fatal++
		}
	}
	if fatal == len(r.Audits) {
		return r, fmt.Errorf("conformance: no audit reached %s: %s", r.URL, r.Audits[0].Reason)
	}
	return r, nil
}
