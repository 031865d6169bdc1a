package browsertest

import (
	"runtime"
	"testing"
)

// recordingTB records how Require stops a test, without stopping this one.
type recordingTB struct {
	testing.TB
	fatal, skip bool
}

func (r *recordingTB) Helper()               {}
func (r *recordingTB) Fatal(...any)          { r.fatal = true; runtime.Goexit() }
func (r *recordingTB) Skip(...any)           { r.skip = true; runtime.Goexit() }
func (r *recordingTB) Fatalf(string, ...any) { r.Fatal() }
func (r *recordingTB) Skipf(string, ...any)  { r.Skip() }

func runRequire() *recordingTB {
	r := &recordingTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Require(r)
	}()
	<-done
	return r
}

func TestRequireWithoutChromium(t *testing.T) {
	t.Setenv("COOPDESK_CHROMIUM", "/nonexistent/chromium")
	if _, ok := Available(); ok {
		t.Fatal("Available found a browser at a path that does not exist")
	}

	t.Setenv("CI", "")
	if r := runRequire(); !r.skip || r.fatal {
		t.Errorf("outside CI: skip=%v fatal=%v, want a skip", r.skip, r.fatal)
	}
	t.Setenv("CI", "true")
	if r := runRequire(); !r.fatal || r.skip {
		t.Errorf("with CI=true: skip=%v fatal=%v, want a failure", r.skip, r.fatal)
	}
}
