package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"coopdesk/internal/server"
	"coopdesk/internal/testdb"
)

// TestGracefulShutdown: when the context ends, the listener closes at once, and a request
// already in flight still finishes with its full answer.
func TestGracefulShutdown(t *testing.T) {
	db := testdb.Open(t, "sqlite", testdb.Options{})
	s := server.New(db.DB, testConfig(t, map[string]string{"COOPDESK_SHUTDOWN_TIMEOUT": "10s"}))
	started, release := make(chan struct{}), make(chan struct{})
	s.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	// New connections are refused while the in-flight request is still running.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepts connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned before the in-flight request finished: %v", err)
	default:
	}
	close(release)
	if body := <-got; body != "finished" {
		t.Errorf("in-flight request got %q", body)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}
