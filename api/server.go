package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/evalkit/together-evals/generated"
	"github.com/evalkit/together-evals/internal/contract"
)

// Server is an in-memory Evaluations API. Build one with [New], serve [Server.Handler], and use the
// rest of its methods to steer and observe it from tests. It is safe for concurrent use.
type Server struct {
	cfg       config
	validator *contract.Validator
	store     store
	runner    *runner
	faults    *Faults
	requests  map[string]*atomic.Int64 // per operation; the keys never change
	mux       *http.ServeMux
	handler   http.Handler

	closeOnce sync.Once
	closeErr  error

	violationsMu sync.Mutex
	violations   []error
}

// handlers implements the generated strict server interface over the Server's store.
type handlers struct{ s *Server }

var _ generated.StrictServerInterface = handlers{}

// New returns a Server configured by opts. It panics if the spec embedded in package generated/spec
// cannot be loaded, which the package's tests rule out.
func New(opts ...Option) *Server {
	cfg := configure(opts)
	s, err := newServer(cfg, newMemStore(cfg.maxStore))
	if err != nil {
		panic(fmt.Sprintf("api: %v", err))
	}
	return s
}

func configure(opts []Option) config {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	return cfg
}

// Open returns a Server whose jobs, files and result files are kept in dir (created if need be):
// metadata in an SQLite database (dir/evals.db), file contents under dir/files. A Server opened
// again on the same dir serves every job and file as it was. What a crash may have left is
// cleaned up first: partial files are removed; a job that was being judged ends in `error` with a
// reason that says the server stopped (its rows are not judged again); a job the runner had not
// yet taken is taken now. Close the Server to close the database.
func Open(ctx context.Context, dir string, opts ...Option) (*Server, error) {
	cfg := configure(opts)
	st, err := openDiskStore(ctx, dir, cfg.maxStore, cfg.logger)
	if err != nil {
		return nil, err
	}
	s, err := newServer(cfg, st)
	if err != nil {
		_ = st.close()
		return nil, err
	}
	if err := s.resume(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// msgStopped is why a job that was being judged when the server stopped ended in error.
const msgStopped = "the server stopped while the job was running, before all its rows were judged; create the job again"

// resume ends the jobs a stopped server was judging and hands the runner those it had not taken.
func (s *Server) resume(ctx context.Context) error {
	jobs, err := s.store.unfinishedJobs(ctx)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	for _, j := range jobs {
		_, err := storedSpec(j.request)
		if j.state == jobStarted || err != nil {
			msg := msgStopped
			if err != nil {
				msg = "the stored job cannot be read again: " + err.Error()
			}
			end := failedEnd(generated.EvaluationStatusError, msg)
			end.at = stamp(s.cfg.clock.Now())
			if err := s.store.endJob(ctx, j.id, end, nil, fileMeta{}); err != nil {
				return fmt.Errorf("data directory: %w", err)
			}
			continue
		}
		s.enqueue(j.id, j.owner)
	}
	return nil
}

// storedSpec decodes a stored create request again.
func storedSpec(request json.RawMessage) (jobSpec, error) {
	var body generated.EvaluationCreateRequest
	if err := json.Unmarshal(request, &body); err != nil {
		return jobSpec{}, err
	}
	spec, _, err := decodeCreate(&body)
	return spec, err
}

func newServer(cfg config, st store) (*Server, error) {
	v, err := validatorFor(cfg.basePath)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		validator: v,
		store:     st,
		runner:    newRunner(cfg.maxJobs, cfg.maxRows),
		faults:    newFaults(),
		requests:  map[string]*atomic.Int64{},
		mux:       http.NewServeMux(),
	}
	for _, op := range Operations() {
		s.requests[op] = new(atomic.Int64)
	}

	strict := generated.NewStrictHandlerWithOptions(handlers{s}, cfg.strictMiddlewares, s.strictOptions())
	generated.HandlerWithOptions(strict, generated.StdHTTPServerOptions{
		BaseURL:          cfg.basePath,
		BaseRouter:       s.mux,
		ErrorHandlerFunc: s.paramError,
	})
	s.mux.HandleFunc(fallbackPattern, s.fallback)

	var h http.Handler = s.mux
	h = s.validateRequests(h)
	h = s.limitBody(h)
	h = s.authenticate(h)
	if cfg.validateResponses {
		h = s.validateResponses(h)
	}
	h = s.injectFaults(h)
	h = s.route(h)
	if cfg.control {
		h = s.controlAPI(h)
	}
	s.handler = s.recoverPanics(h)
	return s, nil
}

// Close stops the background runner (the judge's calls in flight are cancelled) and closes the
// store; later calls do nothing. A job that was being judged stays unfinished: a durable store ends it, with a reason that
// says the server stopped, when it is next opened (see [Open]). Close does not stop an
// http.Server that serves [Server.Handler]; shut that down first.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.runner.stop()
		s.closeErr = s.store.close()
	})
	return s.closeErr
}

// NewHandler is New(opts...).Handler(): the API, ready to serve, for when nothing else of the
// Server is needed.
func NewHandler(opts ...Option) http.Handler { return New(opts...).Handler() }

// Handler returns the http.Handler that serves the API.
func (s *Server) Handler() http.Handler { return s.handler }

// Faults returns the server's fault injection: what the next requests to an operation meet.
func (s *Server) Faults() *Faults { return s.faults }

// Requests says how many requests for the operation (an Op constant, e.g. [OpGetEvaluation]) the
// server has received, whatever their outcome: rejected, faulted and served ones alike. It panics on
// an unknown operation id.
func (s *Server) Requests(operationID string) int {
	return int(s.requests[mustOp(operationID)].Load())
}

// Violations returns every answer the server found breaking the spec (and replaced by a 500), when
// response validation is on. A test of a healthy server expects none.
func (s *Server) Violations() []error {
	s.violationsMu.Lock()
	defer s.violationsMu.Unlock()
	return append([]error(nil), s.violations...)
}

func (s *Server) recordViolation(err error) {
	s.cfg.logger.Error("api: answer breaks the spec", "error", firstLine(err.Error()))
	s.violationsMu.Lock()
	defer s.violationsMu.Unlock()
	s.violations = append(s.violations, err)
}

var validators sync.Map // base path -> *contract.Validator

// validatorFor returns a validator of the embedded spec for the base path, built once per path.
func validatorFor(basePath string) (*contract.Validator, error) {
	if v, ok := validators.Load(basePath); ok {
		return v.(*contract.Validator), nil
	}
	embedded, err := contract.Embedded()
	if err != nil {
		return nil, err
	}
	v := embedded
	if basePath != DefaultBasePath {
		if v, err = contract.New(embedded.Doc(), basePath); err != nil {
			return nil, err
		}
	}
	actual, _ := validators.LoadOrStore(basePath, v)
	return actual.(*contract.Validator), nil
}
