package wrappers

// Benchmarks for the performance targets (issues 7 and 15). Each benchmark has three sub-benchmarks,
// run side by side on the same input in the same process: impl=floor, a hand-written client
// (net/http and encoding/json into a minimal struct: what a typical hand-written client does),
// impl=floorv2, the same on the wrappers' own decoder, json/v2, doing the same work as the wrappers
// (bench_floorv2_test.go: the limit), and impl=wrappers, this package. scripts/bench.sh runs them
// interleaved several times and prints the ratios wrappers/floor and wrappers/floorv2.
//
// The servers of the end-to-end benchmarks run in a child process (this test binary re-executed,
// see benchproc_test.go), so that the CPU time measured with getrusage in the benchmark's process
// is the clients' alone; every client talks to the same server. The peak memory benchmark runs each
// client in a child process of its own and reads its peak RSS (VmHWM) and peak heap.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
)

// Names of the sub-benchmarks.
const (
	implFloor    = "impl=floor"
	implWrappers = "impl=wrappers"
	benchKey     = "sk-bench-0123456789"
	benchJobID   = "eval-1234aedf"
)

// floorJob is the minimal struct a hand-written client decodes a job into: every field a caller
// reads, as plain values.
type floorJob struct {
	WorkflowID    string          `json:"workflow_id"`
	Type          string          `json:"type"`
	OwnerID       string          `json:"owner_id"`
	Status        string          `json:"status"`
	StatusUpdates []floorUpdate   `json:"status_updates"`
	Parameters    json.RawMessage `json:"parameters"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	Results       *floorResults   `json:"results"`
}

type floorUpdate struct {
	Status    string    `json:"status"`
	Message   string    `json:"message"`
	Timestamp time.Time `json:"timestamp"`
}

type floorResults struct {
	GenerationFailCount float64 `json:"generation_fail_count"`
	JudgeFailCount      float64 `json:"judge_fail_count"`
	ResultFileID        string  `json:"result_file_id"`
	Error               string  `json:"error"`
	LabelCounts         string  `json:"label_counts"`
	InvalidLabelCount   float64 `json:"invalid_label_count"`
	PassPercentage      float64 `json:"pass_percentage"`
	AggregatedScores    *struct {
		MeanScore      float64 `json:"mean_score"`
		StdScore       float64 `json:"std_score"`
		PassPercentage float64 `json:"pass_percentage"`
	} `json:"aggregated_scores"`
	InvalidScoreCount float64 `json:"invalid_score_count"`
	FailedSamples     float64 `json:"failed_samples"`
	AWins             float64 `json:"A_wins"`
	BWins             float64 `json:"B_wins"`
	Ties              float64 `json:"Ties"`
	NumSamples        float64 `json:"num_samples"`
}

// floorClient is the hand-written client: one http.Client whose transport keeps as many idle
// connections per host as the wrappers' default one, so that the concurrent benchmark compares
// clients, not pool sizes.
type floorClient struct {
	hc   *http.Client
	base string
}

func newFloorClient(base string) *floorClient {
	dt, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		panic("http.DefaultTransport is not an *http.Transport")
	}
	t := dt.Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 64
	return &floorClient{hc: &http.Client{Transport: t, Timeout: time.Minute}, base: base}
}

func (f *floorClient) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchKey)
	req.Header.Set("Accept", "application/json")
	resp, err := f.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (f *floorClient) retrieve(ctx context.Context, id string) (*floorJob, error) {
	var j floorJob
	return &j, f.get(ctx, "/evaluation/"+url.PathEscape(id), &j)
}

func (f *floorClient) list(ctx context.Context) ([]floorJob, error) {
	var jobs []floorJob
	return jobs, f.get(ctx, "/evaluation", &jobs)
}

// Sinks keep the compiler from dropping the work.
var (
	sinkFloorJob    *floorJob
	sinkFloorJobs   []floorJob
	sinkFloorV2     *floorJobV2
	sinkFloorV2s    []floorJobV2
	sinkFloorV2Full []floorJobV2Eager
	sinkJob         *Job
	sinkJobs        []*Job
	sinkCounts      map[string]int
)

// floorLabelCounts decodes label_counts with encoding/json, as a hand-written client would.
func floorLabelCounts(r *floorResults) (map[string]int, error) {
	if r == nil || r.LabelCounts == "" {
		return nil, nil
	}
	var counts map[string]int
	return counts, json.Unmarshal([]byte(r.LabelCounts), &counts)
}

// BenchmarkDecodeJob decodes the documented job (535 B as stored), label_counts into counts on every
// side: the encoding/json floor into its minimal struct, history and all; the json/v2 floor into
// its minimal struct with the history left raw (the wrappers decode it on first use); the wrappers
// into the generated type and the job view.
func BenchmarkDecodeJob(b *testing.B) {
	body, _ := benchBodies()
	b.Run(implFloor, func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		cpu0 := processCPU()
		for b.Loop() {
			var j floorJob
			if err := json.Unmarshal(body, &j); err != nil {
				b.Fatal(err)
			}
			var err error
			if sinkCounts, err = floorLabelCounts(j.Results); err != nil {
				b.Fatal(err)
			}
			sinkFloorJob = &j
		}
		reportCPU(b, cpu0)
	})
	b.Run(implFloorV2, func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		cpu0 := processCPU()
		for b.Loop() {
			j, counts, err := floorV2Decode(body)
			if err != nil {
				b.Fatal(err)
			}
			sinkFloorV2, sinkCounts = j, counts
		}
		reportCPU(b, cpu0)
	})
	b.Run(implWrappers, func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		cpu0 := processCPU()
		for b.Loop() {
			j, err := decodeJob(body)
			if err != nil {
				b.Fatal(err)
			}
			if sinkCounts, err = j.LabelCounts(); err != nil {
				b.Fatal(err)
			}
			sinkJob = j
		}
		reportCPU(b, cpu0)
	})
}

// decodeFloorV1List is the encoding/json floor's list: every history built.
func decodeFloorV1List(b *testing.B, body []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	cpu0 := processCPU()
	for b.Loop() {
		var jobs []floorJob
		if err := json.Unmarshal(body, &jobs); err != nil {
			b.Fatal(err)
		}
		sinkFloorJobs = jobs
	}
	reportCPU(b, cpu0)
}

// BenchmarkDecodeList decodes a list of 1000 jobs with 20 status updates each (about 3.3 MB). The
// wrappers check every status history but decode one only when it is read (Job.StatusUpdates); the
// json/v2 floor leaves them raw; the encoding/json floor builds them all.
func BenchmarkDecodeList(b *testing.B) {
	_, body := benchBodies()
	b.Run(implFloor, func(b *testing.B) { decodeFloorV1List(b, body) })
	b.Run(implFloorV2, func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		cpu0 := processCPU()
		for b.Loop() {
			var jobs []floorJobV2
			if err := jsonv2.Unmarshal(body, &jobs); err != nil {
				b.Fatal(err)
			}
			sinkFloorV2s = jobs
		}
		reportCPU(b, cpu0)
	})
	b.Run(implWrappers, func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		cpu0 := processCPU()
		for b.Loop() {
			jobs, err := decodeJobs(body)
			if err != nil {
				b.Fatal(err)
			}
			sinkJobs = jobs
		}
		reportCPU(b, cpu0)
	})
}

// BenchmarkDecodeListHistories decodes the same list with every job's status history built on
// every side: the wrappers read each job's StatusUpdates.
func BenchmarkDecodeListHistories(b *testing.B) {
	_, body := benchBodies()
	b.Run(implFloor, func(b *testing.B) { decodeFloorV1List(b, body) })
	b.Run(implFloorV2, func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		cpu0 := processCPU()
		for b.Loop() {
			var jobs []floorJobV2Eager
			if err := jsonv2.Unmarshal(body, &jobs); err != nil {
				b.Fatal(err)
			}
			sinkFloorV2Full = jobs
		}
		reportCPU(b, cpu0)
	})
	b.Run(implWrappers, func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		cpu0 := processCPU()
		for b.Loop() {
			jobs, err := decodeJobs(body)
			if err != nil {
				b.Fatal(err)
			}
			for _, j := range jobs {
				if len(j.StatusUpdates()) != benchListUpdates {
					b.Fatalf("job %s: %d status updates", j.ID, len(j.StatusUpdates()))
				}
			}
			sinkJobs = jobs
		}
		reportCPU(b, cpu0)
	})
}

// cannedTransport answers every request with body, without a network: it isolates the client's own
// work per request (building it, the retry layer, reading and decoding the answer).
type cannedTransport struct{ body []byte }

func (t cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(t.body))}},
		ContentLength: int64(len(t.body)), Body: io.NopCloser(bytes.NewReader(t.body)), Request: r,
	}, nil
}

// benchImpls are the three clients of the retrieve benchmarks, in the order of their names.
var benchImpls = []string{implFloor, implFloorV2, implWrappers}

// retriever returns impl's retrieve of the documented job, label counts decoded, through hc (nil:
// the client's own transport) against base.
func retriever(tb testing.TB, impl, base string, hc *http.Client) func(context.Context) error {
	tb.Helper()
	switch impl {
	case implFloor, implFloorV2:
		fc := newFloorClient(base)
		if hc != nil {
			fc.hc = hc
		}
		if impl == implFloor {
			return func(ctx context.Context) error {
				j, err := fc.retrieve(ctx, benchJobID)
				if err == nil {
					sinkCounts, err = floorLabelCounts(j.Results)
				}
				sinkFloorJob = j
				return err
			}
		}
		return func(ctx context.Context) error {
			j, counts, err := fc.retrieveV2(ctx, benchJobID)
			sinkFloorV2, sinkCounts = j, counts
			return err
		}
	default:
		opts := []Option{WithAPIKey(benchKey), WithBaseURL(base)}
		if hc != nil {
			opts = append(opts, WithHTTPClient(hc))
		}
		c, err := NewClient(opts...)
		if err != nil {
			tb.Fatal(err)
		}
		return func(ctx context.Context) error {
			j, err := c.Retrieve(ctx, benchJobID)
			if err == nil {
				sinkCounts, err = j.LabelCounts()
			}
			sinkJob = j
			return err
		}
	}
}

// BenchmarkRetrieveNoNetwork retrieves the documented job through a transport that answers at once:
// the client-side work of one retrieve, without the noise of a network and a server. Every client
// has a one-minute attempt timeout, as in the other benchmarks.
func BenchmarkRetrieveNoNetwork(b *testing.B) {
	body, _ := benchBodies()
	const base = "http://127.0.0.1:9/v1"
	hc := &http.Client{Transport: cannedTransport{body}, Timeout: time.Minute}
	for _, impl := range benchImpls {
		b.Run(impl, func(b *testing.B) {
			do := retriever(b, impl, base, hc)
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				if err := do(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkRetrieveSequential retrieves the documented job over loopback, one request at a time,
// from a server in another process. cpu-ns/op is the client process's CPU time (user and system,
// from getrusage) per request; req/s the rate.
func BenchmarkRetrieveSequential(b *testing.B) {
	base := benchServer(b)
	for _, impl := range benchImpls {
		b.Run(impl, func(b *testing.B) {
			do := retriever(b, impl, base, nil)
			ctx := context.Background()
			if err := do(ctx); err != nil { // open the connection before timing
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0 := processCPU()
			start := time.Now()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := do(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportRate(b, start, cpu0)
		})
	}
}

// BenchmarkRetrieveConcurrent retrieves the documented job from 32 goroutines sharing one client.
// conns is the number of connections the client opened during the run (counted with httptrace).
func BenchmarkRetrieveConcurrent(b *testing.B) {
	const workers = 32
	base := benchServer(b)
	for _, impl := range benchImpls {
		b.Run(impl, func(b *testing.B) {
			do := retriever(b, impl, base, nil)
			var conns atomic.Int64
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				GotConn: func(info httptrace.GotConnInfo) {
					if !info.Reused {
						conns.Add(1)
					}
				},
			})
			var next atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			b.ReportAllocs()
			cpu0 := processCPU()
			start := time.Now()
			b.ResetTimer()
			for range workers {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						if err := do(ctx); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			close(errs)
			if err := errors.Join(drain(errs)...); err != nil {
				b.Fatal(err)
			}
			reportRate(b, start, cpu0)
			b.ReportMetric(float64(conns.Load()), "conns")
		})
	}
}

func drain(errs <-chan error) []error {
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return all
}

// reportCPU reports the process's CPU time (user and system, GC included) per operation since cpu0:
// on a machine shared with other work it moves far less than the wall time of ns/op.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	if cpu := processCPU(); cpu > 0 {
		b.ReportMetric(float64(cpu-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// reportRate reports requests per second and client CPU per request since start and cpu0.
func reportRate(b *testing.B, start time.Time, cpu0 time.Duration) {
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	if cpu := processCPU(); cpu > 0 {
		b.ReportMetric(float64(cpu-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkRetrievePaired runs the three clients in one benchmark, in alternating blocks (the order
// rotates from one block to the next) against the same server, so that all see the same state of a
// shared, noisy machine: b.N requests each, one at a time (mode=sequential) or from 32 goroutines
// (mode=concurrent). It reports each client's rate and CPU per request (the process's CPU time over
// the client's own blocks) and the ratios wrappers/floor and wrappers/floorv2, which
// scripts/bench.sh holds to the targets.
func BenchmarkRetrievePaired(b *testing.B) {
	base := benchServer(b)
	for _, mode := range []struct {
		name    string
		workers int
		block   int // requests per worker and block
	}{{"sequential", 1, 64}, {"concurrent", 32, 16}} {
		b.Run("mode="+mode.name, func(b *testing.B) {
			const n = 3 // floor, floorv2, wrappers: the order of benchImpls
			var clients [n]func(context.Context) error
			for i, impl := range benchImpls {
				clients[i] = retriever(b, impl, base, nil)
			}
			ctx := context.Background()
			var wall, cpu [n]time.Duration
			var done [n]int
			run := func(impl, count int) {
				per := (count + mode.workers - 1) / mode.workers
				errs := make(chan error, mode.workers)
				var wg sync.WaitGroup
				cpu0, start := processCPU(), time.Now()
				for range mode.workers {
					wg.Go(func() {
						for range per {
							if err := clients[impl](ctx); err != nil {
								errs <- err
								return
							}
						}
					})
				}
				wg.Wait()
				wall[impl] += time.Since(start)
				cpu[impl] += processCPU() - cpu0
				done[impl] += per * mode.workers
				close(errs)
				if err := errors.Join(drain(errs)...); err != nil {
					b.Fatal(err)
				}
			}
			// Open the connections of all before timing.
			for i := range n {
				run(i, mode.workers)
			}
			wall, cpu, done = [n]time.Duration{}, [n]time.Duration{}, [n]int{}
			b.ResetTimer()
			for k := 0; done[0] < b.N || done[1] < b.N || done[2] < b.N; k++ {
				for i := range n {
					impl := (k + i) % n // each client first in one block of three
					run(impl, min(mode.block*mode.workers, max(b.N-done[impl], mode.workers)))
				}
			}
			b.StopTimer()
			rate := func(i int) float64 { return float64(done[i]) / wall[i].Seconds() }
			perReq := func(i int) float64 { return float64(cpu[i]) / float64(done[i]) }
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(rate(0), "floor-req/s")
			b.ReportMetric(rate(1), "floorv2-req/s")
			b.ReportMetric(rate(2), "wrappers-req/s")
			b.ReportMetric(rate(2)/rate(0), "ratio-req/s")
			b.ReportMetric(rate(2)/rate(1), "ratiov2-req/s")
			if cpu[0] > 0 && cpu[1] > 0 {
				b.ReportMetric(perReq(0), "floor-cpu-ns/op")
				b.ReportMetric(perReq(1), "floorv2-cpu-ns/op")
				b.ReportMetric(perReq(2), "wrappers-cpu-ns/op")
				b.ReportMetric(perReq(2)/perReq(0), "ratio-cpu")
				b.ReportMetric(perReq(2)/perReq(1), "ratiov2-cpu")
			}
		})
	}
}

// BenchmarkPeakMemoryList fetches the 1000-job list 50 times in a fresh child process per client
// and reports the child's peak RSS (VmHWM), its peak heap (runtime/metrics sampled every 200 µs and
// after each fetch) and its RSS before the first fetch (the test binary's own baseline, the same
// for every client).
func BenchmarkPeakMemoryList(b *testing.B) {
	base := benchServer(b)
	for _, impl := range benchImpls {
		b.Run(impl, func(b *testing.B) {
			var sum peakResult
			for i := 0; i < b.N; i++ {
				r, err := runPeakClient(impl, base)
				if err != nil {
					b.Fatal(err)
				}
				sum.PeakRSS += r.PeakRSS
				sum.PeakHeap += r.PeakHeap
				sum.BaseRSS += r.BaseRSS
			}
			const mib = 1 << 20
			n := float64(b.N)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(sum.PeakRSS)/n/mib, "peak-RSS-MiB")
			b.ReportMetric(float64(sum.PeakHeap)/n/mib, "peak-heap-MiB")
			b.ReportMetric(float64(sum.BaseRSS)/n/mib, "base-RSS-MiB")
		})
	}
}

// peakFetch fetches the list once with the given client; the caller keeps the answer until the
// next fetch, as a program that polls the list does.
func peakFetch(impl, base string) func(context.Context) (any, error) {
	switch impl {
	case implFloor:
		fc := newFloorClient(base)
		return func(ctx context.Context) (any, error) { return fc.list(ctx) }
	case implFloorV2:
		fc := newFloorClient(base)
		return func(ctx context.Context) (any, error) { return fc.listV2(ctx) }
	default:
		c, err := NewClient(WithAPIKey(benchKey), WithBaseURL(base))
		if err != nil {
			return func(context.Context) (any, error) { return nil, err }
		}
		return func(ctx context.Context) (any, error) { return c.List(ctx, ListOptions{}) }
	}
}
