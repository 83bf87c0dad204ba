package api

import (
	"log/slog"
	"strings"
	"time"

	"github.com/evalkit/together-evals/generated"
)

// Defaults of a server built with no options: ready for a demo, where a small job ends within a few
// seconds.
const (
	DefaultBasePath        = "/v1"
	DefaultPendingDuration = 300 * time.Millisecond
	DefaultQueuedDuration  = 300 * time.Millisecond
	DefaultRunningDuration = 1500 * time.Millisecond
	DefaultMaxUploadBytes  = 512 << 20
	// DefaultMaxStoreBytes bounds the file contents a server keeps (uploads and result files).
	DefaultMaxStoreBytes = 1 << 30
)

// maxJSONBodyBytes bounds the JSON body of a create request. The operation declares no 413, so a
// larger body is answered with 400.
const maxJSONBodyBytes = 1 << 20

// Option configures a [Server].
type Option func(*config)

type config struct {
	basePath          string
	keys              []string
	clock             Clock
	pending           time.Duration
	queued            time.Duration
	running           time.Duration
	maxUpload         int64
	maxStore          int64
	maxJobs           int
	maxRows           int
	validateResponses bool
	control           bool
	logger            *slog.Logger
	judge             rowJudge
	strictMiddlewares []generated.StrictMiddlewareFunc
}

func defaultConfig() config {
	return config{
		basePath:          DefaultBasePath,
		clock:             realClock{},
		pending:           DefaultPendingDuration,
		queued:            DefaultQueuedDuration,
		running:           DefaultRunningDuration,
		maxUpload:         DefaultMaxUploadBytes,
		maxStore:          DefaultMaxStoreBytes,
		maxJobs:           DefaultMaxJobsInFlight,
		maxRows:           DefaultMaxRowsInFlight,
		validateResponses: true,
		logger:            slog.New(slog.DiscardHandler),
		judge:             standInJudge{},
	}
}

// WithBasePath serves the API under path instead of [DefaultBasePath] ("/v1"). "" or "/" serves it at
// the root. A missing leading slash is added and a trailing one removed.
func WithBasePath(path string) Option {
	return func(c *config) {
		path = strings.TrimRight(strings.TrimSpace(path), "/")
		if path != "" && !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		c.basePath = path
	}
}

// WithAPIKeys accepts only the given bearer keys; every other request gets 401. With no keys (the
// default) any non-empty key is accepted.
func WithAPIKeys(keys ...string) Option {
	return func(c *config) {
		c.keys = nil
		for _, k := range keys {
			if k != "" {
				c.keys = append(c.keys, k)
			}
		}
	}
}

// WithClock reads the time from clock instead of the system clock. With a [FakeClock], job
// lifecycles move only when the clock is advanced.
func WithClock(clock Clock) Option {
	return func(c *config) {
		if clock != nil {
			c.clock = clock
		}
	}
}

// WithPhaseDurations sets how long a new job stays pending, then queued, then running, before it
// ends. Negative durations count as zero. The defaults are [DefaultPendingDuration],
// [DefaultQueuedDuration] and [DefaultRunningDuration].
func WithPhaseDurations(pending, queued, running time.Duration) Option {
	return func(c *config) {
		c.pending, c.queued, c.running = max(pending, 0), max(queued, 0), max(running, 0)
	}
}

// WithMaxUploadBytes bounds the size of an upload request (the whole multipart body); a larger one
// gets 413. n <= 0 restores [DefaultMaxUploadBytes].
func WithMaxUploadBytes(n int64) Option {
	return func(c *config) {
		if n <= 0 {
			n = DefaultMaxUploadBytes
		}
		c.maxUpload = n
	}
}

// WithMaxStoreBytes bounds the file contents the server keeps, uploads and result files together
// (in memory, or on disk with [Open]); an upload that would pass it gets 507, a job whose result
// file would pass it ends in error. n <= 0 restores [DefaultMaxStoreBytes].
func WithMaxStoreBytes(n int64) Option {
	return func(c *config) {
		if n <= 0 {
			n = DefaultMaxStoreBytes
		}
		c.maxStore = n
	}
}

// WithRunnerLimits bounds the background runner: at most jobs jobs are judged at once (the others
// wait, queued), and at most rows rows are with the judge at once across them (each model's own
// num_workers applies within that). Values below 1 restore [DefaultMaxJobsInFlight] and
// [DefaultMaxRowsInFlight].
func WithRunnerLimits(jobs, rows int) Option {
	return func(c *config) {
		if jobs < 1 {
			jobs = DefaultMaxJobsInFlight
		}
		if rows < 1 {
			rows = DefaultMaxRowsInFlight
		}
		c.maxJobs, c.maxRows = jobs, rows
	}
}

// WithResponseValidation turns the check of every response against openapi.yaml on or off (on by
// default). A response that breaks the spec is replaced by a 500 ErrorData, logged, and recorded in
// [Server.Violations].
func WithResponseValidation(on bool) Option {
	return func(c *config) { c.validateResponses = on }
}

// WithControlAPI serves the control endpoints under /_control/ (off by default): fault injection and
// request counts over HTTP, for clients that cannot call [Server.Faults] from Go. See the package
// documentation.
func WithControlAPI(on bool) Option {
	return func(c *config) { c.control = on }
}

// WithLogger logs contract violations, recovered panics and injected faults to logger (nothing is
// logged by default). API keys are never logged.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) {
		if logger != nil {
			c.logger = logger
		}
	}
}

// withJudge makes j judge every job's rows instead of the stand-in (the exported options that
// choose a real judge are built on it).
func withJudge(j rowJudge) Option {
	return func(c *config) { c.judge = j }
}
