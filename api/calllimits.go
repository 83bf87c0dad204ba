package api

import (
	"context"

	"golang.org/x/sync/semaphore"

	"github.com/evalkit/together-evals/generated"
)

// callLimits bound a job's model calls in flight, each model by its own num_workers, as the
// provider documents it ("concurrent workers for inference requests ... for this model"): the
// judge's calls by the judge's, each generating model's (model_to_evaluate, model_a, model_b) by
// its own. They are made once per run of the job; a nil *callLimits bounds nothing.
type callLimits struct {
	byParam map[string]*semaphore.Weighted // "parameters.judge", "parameters.model_a", ...
	rows    int64                          // rows worth having in flight: the most any model allows
}

func newCallLimits(spec jobSpec) *callLimits {
	j := spec.judge
	n := modelWorkers(j.ModelSource, j.NumWorkers, j.ExternalBaseURL)
	l := &callLimits{byParam: map[string]*semaphore.Weighted{judgeCall(spec).param: semaphore.NewWeighted(n)}, rows: n}
	for _, s := range spec.slots {
		if s.model == nil {
			continue
		}
		m := s.model
		n := modelWorkers(m.ModelSource, m.NumWorkers, m.ExternalBaseURL)
		l.byParam[generationCall(s).param] = semaphore.NewWeighted(n)
		l.rows = max(l.rows, n)
	}
	return l
}

// acquire waits until the model of param may take one more call, and returns what to give back
// to [release] when the call is done (nil when nothing bounds the model).
func (l *callLimits) acquire(ctx context.Context, param string) (*semaphore.Weighted, error) {
	if l == nil {
		return nil, nil
	}
	sem := l.byParam[param]
	if sem == nil {
		return nil, nil
	}
	if err := sem.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	return sem, nil
}

// release gives back a call taken with [callLimits.acquire].
func release(sem *semaphore.Weighted) {
	if sem != nil {
		sem.Release(1)
	}
}

// modelWorkers is how many calls one model of a job has in flight: its num_workers, or the
// service's default for its model source (25 serverless; 5, also the least, dedicated; 20 external
// with a base URL, 2 without).
func modelWorkers(source generated.ModelSource, numWorkers *int, externalBaseURL *string) int64 {
	n := 0
	if numWorkers != nil {
		n = *numWorkers
	}
	switch source {
	case generated.ModelSourceDedicated:
		return int64(max(n, 5))
	case generated.ModelSourceExternal:
		if n > 0 {
			return int64(n)
		}
		if externalBaseURL != nil && *externalBaseURL != "" {
			return 20
		}
		return 2
	default:
		if n > 0 {
			return int64(n)
		}
		return 25
	}
}
