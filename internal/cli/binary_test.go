package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"coopdesk/ent/apitoken"
	"coopdesk/internal/auth"
	"coopdesk/internal/database"
	"coopdesk/internal/testdb"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "coopdesk-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "coopdesk")
	out, err := exec.Command("go", "build", "-o", binary, "coopdesk/cmd/coopdesk").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build coopdesk: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run runs the binary with env and returns stdout, stderr and the exit code.
func run(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func databaseURL(t *testing.T, engine string) string {
	if engine == "postgres" {
		return testdb.PostgresSchema(t)
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "coopdesk.db")
}

var tokenLine = regexp.MustCompile(`^cdk_[A-Za-z0-9_-]{43}\n$`)

func TestTokenCreate(t *testing.T) {
	for _, engine := range testdb.Engines {
		t.Run(engine, func(t *testing.T) {
			url := databaseURL(t, engine)
			env := []string{"COOPDESK_DATABASE_URL=" + url}
			stdout, stderr, code := run(t, env, "token", "create", "--name", "Tableau de bord", "--role", "viewer")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !tokenLine.MatchString(stdout) {
				t.Fatalf("stdout is not just a token: %q", stdout)
			}
			token := strings.TrimSpace(stdout)
			db, err := database.Open(context.Background(), url, database.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// Stored hashed: the token itself is nowhere in the table.
			stored, err := db.Client.APIToken.Query().Where(apitoken.Hash(auth.Digest(token))).WithUser().Only(context.Background())
			if err != nil {
				t.Fatalf("token not stored by its digest: %v", err)
			}
			if stored.Hash == token || stored.Edges.User.Role != auth.Viewer || stored.Edges.User.Name != "Tableau de bord" {
				t.Errorf("stored token: %+v", stored)
			}
			p, err := auth.Authenticate(context.Background(), db.Client, token)
			if err != nil || p.Role != auth.Viewer {
				t.Errorf("authenticate: %v %v", p, err)
			}
		})
	}
	t.Run("bad input", func(t *testing.T) {
		env := []string{"COOPDESK_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "x.db")}
		for _, args := range [][]string{
			{"token", "create", "--name", "X", "--role", "superuser"},
			{"token", "create", "--role", "staff"},
			{"token", "delete"},
			{"nonsense"},
		} {
			stdout, stderr, code := run(t, env, args...)
			if code != 2 || stdout != "" || stderr == "" {
				t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
			}
		}
		_, stderr, code := run(t, []string{"COOPDESK_DATABASE_URL=mysql://x"}, "migrate")
		if code != 1 || !strings.Contains(stderr, "COOPDESK_DATABASE_URL") {
			t.Errorf("bad database URL: exit %d, %s", code, stderr)
		}
		for _, cmd := range []string{"serve", "migrate", "token"} {
			_, stderr, code := run(t, env, cmd, "--help")
			if code != 0 || !strings.Contains(stderr, "Usage: coopdesk "+cmd) {
				t.Errorf("%s --help: exit %d, %s", cmd, code, stderr)
			}
		}
	})
}

// TestServe starts the real binary: first start prints the URL and a bootstrap admin token
// that works; a second start prints no token; SIGINT stops it cleanly.
func TestServe(t *testing.T) {
	for _, engine := range testdb.Engines {
		t.Run(engine, func(t *testing.T) {
			url := databaseURL(t, engine)
			dir := t.TempDir()
			start := func() (*exec.Cmd, string, []string, *bytes.Buffer) {
				cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0")
				cmd.Env = append(os.Environ(), "COOPDESK_DATABASE_URL="+url)
				cmd.Dir = dir
				stdout, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
				lines := make(chan string)
				go func() {
					sc := bufio.NewScanner(stdout)
					for sc.Scan() {
						lines <- sc.Text()
					}
					close(lines)
				}()
				var base string
				var rest []string
				timeout := time.After(60 * time.Second)
				for base == "" {
					select {
					case l, ok := <-lines:
						if !ok {
							t.Fatalf("serve exited: %s", stderr.String())
						}
						if m := regexp.MustCompile(`listening on (http://[^/ ]+)/`).FindStringSubmatch(l); m != nil {
							base = m[1]
						}
					case <-timeout:
						t.Fatalf("serve did not start: %s", stderr.String())
					}
				}
				// The token line, if any, follows immediately.
				for {
					select {
					case l, ok := <-lines:
						if !ok {
							return cmd, base, rest, &stderr
						}
						rest = append(rest, l)
						if strings.HasPrefix(l, "cdk_") {
							return cmd, base, rest, &stderr
						}
					case <-time.After(2 * time.Second):
						return cmd, base, rest, &stderr
					}
				}
			}
			cmd, base, lines, stderr := start()
			var token string
			for _, l := range lines {
				if strings.HasPrefix(l, "cdk_") {
					token = l
				}
			}
			if token == "" {
				t.Fatalf("first start printed no admin token: %q", lines)
			}
			req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query":"{ me { role } countryGroups { totalCount } }"}`))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if !strings.Contains(buf.String(), `"role":"admin"`) || !strings.Contains(buf.String(), `"totalCount":4`) {
				t.Errorf("bootstrap token query: %s", buf.String())
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("serve did not exit cleanly on SIGINT: %v\n%s", err, stderr.String())
			}
			_, _, lines, _ = start()
			for _, l := range lines {
				if strings.HasPrefix(l, "cdk_") {
					t.Errorf("second start printed a token again")
				}
			}
		})
	}
}
