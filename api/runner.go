package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/evalkit/together-evals/generated"
)

// Defaults of the background runner.
const (
	// DefaultMaxJobsInFlight is how many jobs the runner judges at once; more wait, queued.
	DefaultMaxJobsInFlight = 4
	// DefaultMaxRowsInFlight is how many rows are with the judge at once, across all jobs.
	DefaultMaxRowsInFlight = 64
)

// failedRowsShare is the share of failed rows (judge or generation failures) past which a job ends
// in error, as the service does: more than 30%.
const failedRowsShare = 0.30

// runner judges jobs in the background: a bounded number of jobs, and of rows across them, are in
// flight; the rest wait. It never runs inside a request: reads only look at what it recorded.
type runner struct {
	ctx    context.Context
	cancel context.CancelFunc
	jobs   *semaphore.Weighted
	rows   *semaphore.Weighted
	// maxRows is the size of rows: a job never asks for more workers than that.
	maxRows int64
	wg      sync.WaitGroup

	mu      sync.Mutex
	active  map[string]*progress // jobs taken and not yet ended, by id
	pending int                  // jobs handed to the runner and not yet done with
	idle    chan struct{}        // closed while pending is 0
}

// progress is how far the runner has got with one job. It does not read the clock: a read
// stamps what it sees with its own time.
type progress struct {
	mu     sync.Mutex
	judged int
	total  int
}

func (p *progress) get() (judged, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.judged, p.total
}

func (p *progress) setTotal(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = total
}

func (p *progress) judgedOne() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.judged++
}

func newRunner(jobs, rows int) *runner {
	ctx, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &runner{
		ctx: ctx, cancel: cancel,
		jobs:    semaphore.NewWeighted(int64(jobs)),
		rows:    semaphore.NewWeighted(int64(rows)),
		maxRows: int64(rows),
		active:  map[string]*progress{},
		idle:    idle,
	}
}

// progressOf returns the runner's progress on a job it is judging, if it is.
func (r *runner) progressOf(id string) (*progress, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.active[id]
	return p, ok
}

// add counts a job handed to the runner (its goroutine is started by the caller).
func (r *runner) add() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == 0 {
		r.idle = make(chan struct{})
	}
	r.pending++
	r.wg.Add(1)
}

func (r *runner) done(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.active, id)
	r.pending--
	if r.pending == 0 {
		close(r.idle)
	}
	r.wg.Done()
}

// stop cancels every job in flight and waits for the runner's goroutines to return.
func (r *runner) stop() {
	r.cancel()
	r.wg.Wait()
}

// WaitIdle waits until the background runner has no job left: every job created so far has been
// judged and its end recorded (it is still shown ended only once its phases have passed on the
// server's [Clock]). Tests on a [FakeClock] call it before reading a job, so that what they read
// does not depend on how fast the runner is. It returns ctx's error if ctx ends first.
func (s *Server) WaitIdle(ctx context.Context) error {
	s.runner.mu.Lock()
	idle := s.runner.idle
	s.runner.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// enqueue hands a stored job to the runner. A job waiting for a slot holds its id and owner
// alone: its create request (up to a JSON body's limit) is read from the store once it is taken,
// so that what waiting jobs hold does not grow with the size of what clients sent.
func (s *Server) enqueue(id, owner string) {
	s.runner.add()
	go s.runJob(id, owner)
}

// runJob takes a job when a slot is free, judges it and records how it ended. When the server
// closes first, the job is left as it is in the store: the next start of a durable store ends it
// with a reason that says the server stopped.
func (s *Server) runJob(id, owner string) {
	r := s.runner
	defer r.done(id)
	ctx := r.ctx
	if err := r.jobs.Acquire(ctx, 1); err != nil {
		return
	}
	defer r.jobs.Release(1)
	rec, err := s.store.job(ctx, owner, id)
	if err != nil {
		if ctx.Err() != nil {
			return // the server is stopping: the job runs after a restart
		}
		// Left waiting, it would show as queued until a restart: it ends here instead.
		s.cfg.logger.Error("api: cannot read a job back", "job", id, "error", err)
		end := failedEnd(generated.EvaluationStatusError, "the job could not be read back from the store to start it; create the job again")
		end.at = stamp(s.cfg.clock.Now())
		if err := s.store.endJob(ctx, id, end, nil, fileMeta{}); err != nil {
			s.cfg.logger.Error("api: cannot record a job's end", "job", id, "error", err)
		}
		return
	}
	spec, err := storedSpec(rec.request)
	if err != nil {
		end := failedEnd(generated.EvaluationStatusError, "the stored job cannot be read again: "+err.Error())
		end.at = stamp(s.cfg.clock.Now())
		if err := s.store.endJob(ctx, id, end, nil, fileMeta{}); err != nil {
			s.cfg.logger.Error("api: cannot record a job's end", "job", id, "error", err)
		}
		return
	}
	prog := &progress{}
	r.mu.Lock()
	r.active[rec.id] = prog
	r.mu.Unlock()
	if err := s.store.startJob(ctx, rec.id); err != nil {
		s.cfg.logger.Error("api: cannot start a job", "job", rec.id, "error", err)
		return
	}

	end, w := s.judgeJob(ctx, rec, spec, prog)
	if ctx.Err() != nil {
		if w != nil {
			w.abort()
		}
		return
	}
	now := stamp(s.cfg.clock.Now())
	end.at = now
	var meta fileMeta
	if w != nil {
		meta = fileMeta{
			owner:    rec.owner,
			name:     rec.id + "-results.jsonl",
			purpose:  generated.FilePurposeEvalOutput,
			fileType: generated.FileTypeJsonl,
			created:  later(rec.endsAt, now),
		}
	}
	if err := s.store.endJob(ctx, rec.id, end, w, meta); err != nil {
		s.cfg.logger.Error("api: cannot record a job's end", "job", rec.id, "error", err)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// failedEnd is a job that ended without results.
func failedEnd(status generated.EvaluationStatus, msg string) jobEnd {
	return jobEnd{status: status, results: generated.EvaluationResults{Error: &msg}}
}

// judgeJob judges every row of a job. A completed job comes with the writer that holds its result
// file, to commit with its end; a failed one comes without.
func (s *Server) judgeJob(ctx context.Context, rec jobRecord, spec jobSpec, prog *progress) (jobEnd, fileWriter) {
	if strings.HasPrefix(spec.judge.Model, failJudgePrefix) {
		return failedEnd(generated.EvaluationStatusError, "judge model "+spec.judge.Model+" is not available"), nil
	}
	// A job the judge cannot run (a template it cannot render, a model it may not call) ends
	// before any row is read or any model called.
	if problem := s.cfg.judge.jobProblem(spec); problem != "" {
		return failedEnd(generated.EvaluationStatusUserError, problem), nil
	}
	// First pass: the columns present, and the number of rows.
	present := map[string]bool{}
	total := 0
	rowIssue := "" // the first row the job's templates cannot be filled from
	err := s.eachInputRow(ctx, rec, func(n int, row inputRow) error {
		total++
		for _, m := range row.members {
			present[m.key] = true
		}
		if rowIssue == "" {
			rowIssue = rowProblem(spec, n, row)
		}
		return nil
	})
	if err != nil {
		return failedEnd(generated.EvaluationStatusError, err.Error()), nil
	}
	if problem := cmp.Or(columnProblem(spec, present), rowIssue); problem != "" {
		return failedEnd(generated.EvaluationStatusUserError, problem), nil
	}
	prog.setTotal(total)

	w, err := s.store.newFile(ctx)
	if err != nil {
		return failedEnd(generated.EvaluationStatusError, "cannot write the result file: "+err.Error()), nil
	}
	t := newTally(spec)
	sum, err := s.judgeRows(ctx, rec, spec, w, t, prog)
	if err != nil {
		w.abort()
		msg := "cannot write the result file: " + err.Error()
		if errors.Is(err, errStoreFull) {
			used, limit := s.store.usage()
			msg = fmt.Sprintf("cannot write the result file: the server's store is full (%d of %d bytes used)", used, limit)
		}
		return failedEnd(generated.EvaluationStatusError, msg), nil
	}
	if failed := t.genFail + t.judgeFail; float64(failed) > failedRowsShare*float64(t.rows) {
		w.abort()
		msg := fmt.Sprintf("%d of %d rows failed (more than 30%%)", failed, t.rows)
		if sum.firstError != "" {
			msg += "; the first: " + sum.firstError
		}
		end := failedEnd(generated.EvaluationStatusError, msg)
		end.judged, end.total = t.rows, total
		return end, nil
	}
	end := jobEnd{status: generated.EvaluationStatusCompleted, results: t.results(""), judged: t.rows, total: total}
	return end, w
}

// eachInputRow reads a job's input file row by row.
func (s *Server) eachInputRow(ctx context.Context, rec jobRecord, fn func(n int, row inputRow) error) error {
	rc, err := s.store.readInput(ctx, rec.inputID)
	if err != nil {
		return fmt.Errorf("cannot read the input file: %w", err)
	}
	defer func() { _ = rc.Close() }()
	if err := scanRows(rc, fn); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("cannot read the input file: %w", err)
	}
	return nil
}

// pendingRow is a row with the judge: its verdict arrives on done.
type pendingRow struct {
	row  inputRow
	done chan verdict
}

// rowsSummary is what the runner notes beside the tally (which sums the tokens used): the first
// failed row's error.
type rowsSummary struct {
	firstError string
}

// add notes a row's verdict and the fields of its result row.
func (r *rowsSummary) add(v verdict, fields []member) {
	if r.firstError != "" || (v.kind != verdictJudgeFail && v.kind != verdictGenFail) {
		return
	}
	for _, m := range fields {
		if m.key == "error" {
			_ = json.Unmarshal(m.value, &r.firstError)
		}
	}
}

// judgeRows gives every row its verdict with up to the job's workers in flight (as many rows as
// its busiest model's num_workers, each model's calls bounded by its own; and within the runner's
// cap across jobs), and writes the result rows in input order as they come.
func (s *Server) judgeRows(ctx context.Context, rec jobRecord, spec jobSpec, w io.Writer, t *tally, prog *progress) (rowsSummary, error) {
	var sum rowsSummary
	r := s.runner
	spec.limits = newCallLimits(spec)
	spec.instr = instruction(spec)
	workers := min(spec.limits.rows, r.maxRows)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// The job's workers live as long as the job: a goroutine per row would start each call on a
	// small stack and grow it again (a measurable share of a fast judge's cost).
	queue := make(chan *pendingRow, 4*workers) // in input order, for the writer below
	work := make(chan *pendingRow)             // to the job's workers: at most workers rows in flight
	for range workers {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			for pr := range work {
				pr.done <- s.judgeOne(ctx, spec, pr.row)
				r.rows.Release(1)
			}
		}()
	}
	produced := make(chan error, 1)
	go func() {
		defer close(queue)
		defer close(work)
		produced <- s.eachInputRow(ctx, rec, func(_ int, row inputRow) error {
			if err := r.rows.Acquire(ctx, 1); err != nil {
				return err
			}
			pr := &pendingRow{row: row, done: make(chan verdict, 1)}
			select {
			case work <- pr:
			case <-ctx.Done():
				r.rows.Release(1)
				return ctx.Err()
			}
			select {
			case queue <- pr:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()

	var writeErr error
	for pr := range queue {
		v := <-pr.done
		if writeErr != nil {
			continue // drain what is in flight
		}
		t.add(v)
		fields := resultFields(spec, pr.row, v)
		sum.add(v, fields)
		line, err := encodeRow(pr.row.members, fields)
		if err == nil {
			line = append(line, '\n')
			_, err = w.Write(line)
		}
		if err != nil {
			writeErr = err
			cancel()
			continue
		}
		prog.judgedOne()
	}
	if err := <-produced; err != nil && writeErr == nil {
		return sum, err
	}
	return sum, writeErr
}

// judgeOne asks the judge for one row's verdict; a judge that panics fails the row, not the server.
func (s *Server) judgeOne(ctx context.Context, spec jobSpec, row inputRow) (v verdict) {
	defer func() {
		if p := recover(); p != nil {
			s.cfg.logger.Error("api: the judge panicked", "panic", fmt.Sprint(p))
			v = verdict{kind: verdictJudgeFail, errMsg: "judge failed: internal error"}
		}
	}()
	return s.cfg.judge.judgeRow(ctx, spec, row)
}
