package cli_test

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"coopdesk/internal/testdb"
)

// BenchmarkServeReady measures how long `coopdesk serve` takes, on an existing database,
// from the process start to the first successful /readyz.
//
//	go test -run '^$' -bench ServeReady -benchtime 10x ./internal/cli/
func BenchmarkServeReady(b *testing.B) {
	for _, engine := range testdb.Engines {
		b.Run(engine, func(b *testing.B) {
			var url string
			if engine == "postgres" {
				url = testdb.PostgresSchema(b)
			} else {
				url = "sqlite:" + filepath.Join(b.TempDir(), "coopdesk.db")
			}
			env := append(os.Environ(), "COOPDESK_DATABASE_URL="+url)
			migrate := exec.Command(binary, "migrate")
			migrate.Env = env
			if out, err := migrate.CombinedOutput(); err != nil {
				b.Fatalf("migrate: %v\n%s", err, out)
			}
			addrRE := regexp.MustCompile(`listening on (http://[^/ ]+)/`)
			var total time.Duration
			b.ResetTimer()
			for range b.N {
				cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0")
				cmd.Env = env
				stdout, _ := cmd.StdoutPipe()
				start := time.Now()
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				sc := bufio.NewScanner(stdout)
				var base string
				for base == "" && sc.Scan() {
					if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
						base = m[1]
					}
				}
				for {
					resp, err := http.Get(base + "/readyz")
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == 200 {
							break
						}
					}
					time.Sleep(2 * time.Millisecond)
				}
				total += time.Since(start)
				_ = cmd.Process.Signal(syscall.SIGTERM)
				_ = cmd.Wait()
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-ready")
		})
	}
}
