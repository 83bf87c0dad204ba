package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evalkit/together-evals/api"
	"github.com/evalkit/together-evals/wrappers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testKey is the API key of every test: recognisable, so that the leak test can look for it.
const testKey = "sk-test-0123456789abcdef-DO-NOT-PRINT"

// fixedNow is the clock of progress lines and of the fake server clock.
var fixedNow = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// fastWait polls quickly, for tests.
var fastWait = wrappers.WaitOptions{FirstInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond}

// result is what one run of the CLI produced.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// cli runs the CLI in-process with the given environment and arguments.
type cli struct {
	t   *testing.T
	env map[string]string
	// setup changes the app before it runs (hooks).
	setup func(a *app)
	ctx   context.Context
}

func newCLI(t *testing.T, baseURL string) *cli {
	t.Helper()
	env := map[string]string{wrappers.EnvAPIKey: testKey}
	if baseURL != "" {
		env[wrappers.EnvBaseURL] = baseURL
	}
	return &cli{t: t, env: env, ctx: context.Background()}
}

func (c *cli) app(stdout, stderr io.Writer) *app {
	env := c.env
	a := newApp(func(k string) string { return env[k] }, strings.NewReader(""), stdout, stderr)
	a.isTerminal = func(io.Writer) bool { return false }
	a.now = func() time.Time { return fixedNow }
	a.wait = fastWait
	a.demoWait = fastWait
	a.progressTick = time.Millisecond
	a.clientOpts = []wrappers.Option{wrappers.WithRetryWaitBounds(time.Millisecond, 2*time.Millisecond)}
	if c.setup != nil {
		c.setup(a)
	}
	return a
}

// run runs evals with args and returns what it printed and its exit code.
func (c *cli) run(args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := c.app(&out, &errb).run(c.ctx, args)
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// mustRun runs evals and fails the test unless it exits with want.
func (c *cli) mustRun(want int, args ...string) result {
	c.t.Helper()
	r := c.run(args...)
	if r.code != want {
		c.t.Fatalf("evals %s: exit %d, want %d\n%s", strings.Join(args, " "), r.code, want, r)
	}
	return r
}

// apiServer is the in-memory API on loopback, on a fake clock.
type apiServer struct {
	*api.Server
	URL   string // the base URL, with /v1
	clock *api.FakeClock
}

func startAPI(t *testing.T, opts ...api.Option) *apiServer {
	t.Helper()
	clock := api.NewFakeClock(fixedNow)
	srv := api.New(append([]api.Option{api.WithClock(clock)}, opts...)...)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { _ = srv.Close() })
	t.Cleanup(hs.Close)
	t.Cleanup(func() {
		for _, v := range srv.Violations() {
			t.Errorf("the API answered outside its spec: %v", v)
		}
	})
	return &apiServer{Server: srv, URL: hs.URL + api.DefaultBasePath, clock: clock}
}

// totalRequests counts the requests the server received, over every operation.
func (s *apiServer) totalRequests() int {
	n := 0
	for _, op := range api.Operations() {
		n += s.Requests(op)
	}
	return n
}

// endJobs moves the fake clock past every phase of a job created before, once the background
// runner has judged them.
func (s *apiServer) endJobs() {
	s.waitIdle()
	s.clock.Advance(time.Hour)
}

// waitIdle waits (a minute at most) until the background runner has judged every job created.
func (s *apiServer) waitIdle() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		panic("the runner did not finish its jobs: " + err.Error())
	}
}

// tickingClock is an api.Clock on which time passes by step at each reading, so that jobs on a
// real HTTP server move through their phases while a client polls them, deterministically.
type tickingClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

// fixtureServer serves fixed API answers (files of the repository's testdata or inline JSON) by
// method and path, checking the key, and counts the requests it received.
type fixtureServer struct {
	URL      string
	routes   map[string]fixture
	requests atomic.Int64
}

type fixture struct {
	status int
	body   string
}

// fixtureFile reads a fixture of the repository's testdata.
func fixtureFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func startFixtures(t *testing.T, routes map[string]fixture) *fixtureServer {
	t.Helper()
	fs := &fixtureServer{routes: routes}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"message":"Invalid API key provided","type":"invalid_request_error"}}`)
			return
		}
		f, ok := routes[r.Method+" "+r.URL.RequestURI()]
		if !ok {
			t.Logf("fixture server: no route for %s %s", r.Method, r.URL.RequestURI())
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"message":"Evaluation job not found","type":"not_found_error"}}`)
			return
		}
		if f.status == 0 {
			f.status = http.StatusOK
		}
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, f.body)
	}))
	t.Cleanup(hs.Close)
	fs.URL = hs.URL + "/v1"
	return fs
}

// golden compares got with testdata/golden/name, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/evals -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test ./cmd/evals -update rewrites it):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff shows the lines that differ between want and got.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
		}
	}
	return b.String()
}

var (
	jobIDPattern  = regexp.MustCompile(`eval-[0-9a-f]{12}`)
	fileIDPattern = regexp.MustCompile(`file-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
)

// normalizeIDs replaces the random ids of the in-memory API with stable ids of the same length,
// numbered in order of appearance (eval-000000000001, file-00000000-0000-0000-0000-000000000001),
// so that outputs, tables included, can be compared with golden files.
func normalizeIDs(s string) string {
	for _, p := range []struct {
		re     *regexp.Regexp
		format string
	}{{jobIDPattern, "eval-%012d"}, {fileIDPattern, "file-00000000-0000-0000-0000-%012d"}} {
		seen := map[string]string{}
		s = p.re.ReplaceAllStringFunc(s, func(id string) string {
			if n, ok := seen[id]; ok {
				return n
			}
			seen[id] = fmt.Sprintf(p.format, len(seen)+1)
			return seen[id]
		})
	}
	return s
}

// writeFile writes a file in a temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
