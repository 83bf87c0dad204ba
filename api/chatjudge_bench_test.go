package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/evalkit/together-evals/generated"
	"github.com/evalkit/together-evals/generated/chat"
)

// benchWorkers is the judge's num_workers in the benchmarks, and the floor's worker count.
const benchWorkers = 25

// benchAnswer is what the fake endpoint answers to every call, at once.
const benchAnswer = `{"id": "chatcmpl-1", "object": "chat.completion", "model": "m", "created": 1,
"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{\"feedback\": \"fine\", \"label\": \"yes\"}"}}],
"usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}}`

// benchJudge is a fake chat endpoint that answers at once, and counts the calls.
func benchJudge(b *testing.B) (*httptest.Server, *atomic.Int64) {
	b.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, benchAnswer)
	}))
	b.Cleanup(srv.Close)
	return srv, &calls
}

const benchTemplate = "Does the response answer {{prompt}}?"

func benchInput(rows int) string {
	var sb strings.Builder
	for i := range rows {
		fmt.Fprintf(&sb, `{"prompt": "question %d", "response": "answer %d"}`+"\n", i, i)
	}
	return sb.String()
}

// benchEngine is a server with the chat judge at judgeURL, an input file of rows, and a way to run
// one classify job over it to its end.
type benchEngine struct {
	s      *Server
	ts     *httptest.Server
	fileID string
	rows   int
}

func newBenchEngine(b *testing.B, judgeURL string, rows int) *benchEngine {
	b.Helper()
	return newBenchEngineWith(b, New(WithPhaseDurations(0, 0, 0), WithChatJudge(judgeURL)), rows)
}

// newBenchEngineWith is newBenchEngine on a server of the caller's.
func newBenchEngineWith(b *testing.B, s *Server, rows int) *benchEngine {
	b.Helper()
	ts := httptest.NewServer(s.Handler())
	e := &benchEngine{s: s, ts: ts, rows: rows}
	b.Cleanup(e.close)
	body, ctype := multipartUpload(benchInput(rows))
	var f generated.FileObject
	e.do(b, http.MethodPost, "/files/upload", ctype, body, &f)
	e.fileID = f.ID
	return e
}

func (e *benchEngine) close() {
	e.ts.Close()
	_ = e.s.Close()
}

func multipartUpload(content string) (io.Reader, string) {
	const boundary = "benchboundary"
	var sb strings.Builder
	for _, f := range [][2]string{{"purpose", "eval"}, {"file_name", "bench.jsonl"}} {
		fmt.Fprintf(&sb, "--%s\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", boundary, f[0], f[1])
	}
	fmt.Fprintf(&sb, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n%s\r\n--%s--\r\n", boundary, content, boundary)
	return strings.NewReader(sb.String()), "multipart/form-data; boundary=" + boundary
}

func (e *benchEngine) do(b *testing.B, method, path, ctype string, body io.Reader, out any) {
	b.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.ts.URL+"/v1"+path, body)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer bench-key")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		b.Fatal(err)
	}
}

// job creates one classify job and waits until the runner has judged it; it checks the result.
func (e *benchEngine) job(b *testing.B) {
	b.Helper()
	req := fmt.Sprintf(`{"type": "classify", "parameters": {"judge": {"model": "m", "model_source": "serverless",
		"system_template": %q, "num_workers": %d}, "labels": ["yes", "no"], "pass_labels": ["yes"],
		"model_to_evaluate": "response", "input_data_file_path": %q}}`, benchTemplate, benchWorkers, e.fileID)
	var created generated.EvaluationCreateResponse
	e.do(b, http.MethodPost, "/evaluation", "application/json", strings.NewReader(req), &created)
	if err := e.s.WaitIdle(context.Background()); err != nil {
		b.Fatal(err)
	}
	var st generated.EvaluationStatusResponse
	e.do(b, http.MethodGet, "/evaluation/"+created.WorkflowID+"/status", "", nil, &st)
	want := fmt.Sprintf(`"{\"yes\": %d, \"no\": 0}"`, e.rows)
	if st.Status != generated.EvaluationStatusCompleted || st.Results == nil || st.Results.LabelCounts == nil || string(*st.Results.LabelCounts) != want {
		b.Fatalf("job %s: %+v", st.Status, st.Results)
	}
}

// floorRequest is the chat request the engine sends for row i of the benchmark's input, built the
// plain way: the row's prompt in the judge's sentence, the engine's instruction after it.
func floorRequest(i int, instr string) chat.ChatCompletionRequest {
	maxTokens, temperature := defaultJudgeMaxTokens, defaultJudgeTemperature
	system := fmt.Sprintf("Does the response answer question %d?\n\n%s", i, instr)
	user := fmt.Sprintf("Response to evaluate:\nanswer %d", i)
	return chat.ChatCompletionRequest{
		Model: "m", MaxTokens: &maxTokens, Temperature: &temperature,
		Messages: []chat.ChatMessage{{Role: "system", Content: &system}, {Role: "user", Content: &user}},
	}
}

// floor sends the rows' requests through the generated client with benchWorkers workers: the
// least any engine must do to judge the rows.
func floor(b *testing.B, cl *chat.ClientWithResponses, rows int) {
	b.Helper()
	instr := instruction(jobSpec{typ: generated.EvaluationTypeClassify, labels: []string{"yes", "no"}})
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range benchWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= rows {
					return
				}
				resp, err := cl.CreateChatCompletionWithResponse(context.Background(), floorRequest(i, instr))
				if err != nil || resp.JSON200 == nil || len(resp.JSON200.Choices) == 0 {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d floor calls failed", n)
	}
}

// BenchmarkChatJudgeJob: a 10,000-row classify job judged by the chat judge against an endpoint that
// answers at once, side by side with the floor: the same 10,000 chat requests sent by a bare loop
// through the generated client with the same number of workers. Each round runs the floor, the
// engine, and (to tell the runner's share from the chat judge's) the engine with a judge that only
// makes the floor's call (runner-*), in rotating order; the ratio engine/floor is reported (target:
// at most 1.25), by wall time and by CPU time.
//
//	go test -run '^$' -bench BenchmarkChatJudgeJob -benchtime 8x -count 3 ./api
func BenchmarkChatJudgeJob(b *testing.B) {
	const rows = 10000
	judgeSrv, calls := benchJudge(b)
	judgeURL := judgeSrv.URL + "/v1"
	cl, err := chat.NewClientWithResponses(judgeURL, chat.WithHTTPClient(&http.Client{Transport: judgeTransport()}))
	if err != nil {
		b.Fatal(err)
	}
	bare := bareJudge{cl: cl, instr: instruction(jobSpec{typ: generated.EvaluationTypeClassify, labels: []string{"yes", "no"}})}
	engines := []func() *benchEngine{
		func() *benchEngine { return newBenchEngine(b, judgeURL, rows) },
		func() *benchEngine {
			return newBenchEngineWith(b, New(WithPhaseDurations(0, 0, 0), withJudge(bare)), rows)
		},
	}
	floor(b, cl, benchWorkers*4) // warm the connection pools
	for _, mk := range engines {
		e := mk()
		e.job(b)
		e.close()
	}

	// sides: 0 floor, 1 engine, 2 runner with the bare judge.
	var wall, cpu [3]time.Duration
	var ratios []float64
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var took [3]time.Duration
		for k := range 3 {
			side := (i + k) % 3
			var e *benchEngine
			if side > 0 {
				// A fresh server each round (set up outside the timing), so that the result files
				// of earlier rounds do not weigh on this one.
				e = engines[side-1]()
			}
			runtime.GC()
			t, c := time.Now(), cpuTime()
			if side == 0 {
				floor(b, cl, rows)
			} else {
				e.job(b)
			}
			took[side] = time.Since(t)
			cpu[side] += cpuTime() - c
			if e != nil {
				e.close()
			}
		}
		for k := range 3 {
			wall[k] += took[k]
		}
		if os.Getenv("JUDGE_BENCH_LOG") != "" {
			b.Logf("round %d: floor %s, engine %s, runner %s", i, took[0], took[1], took[2])
		}
		ratios = append(ratios, took[1].Seconds()/took[0].Seconds())
	}
	b.StopTimer()
	n := float64(len(ratios))
	slices.Sort(ratios)
	ms := func(d time.Duration) float64 { return d.Seconds() / n * 1000 }
	b.ReportMetric(ms(wall[0]), "floor-ms/job")
	b.ReportMetric(ms(wall[1]), "engine-ms/job")
	b.ReportMetric(ms(wall[2]), "runner-ms/job")
	b.ReportMetric(ratios[len(ratios)/2], "median-ratio")
	b.ReportMetric(wall[1].Seconds()/wall[0].Seconds(), "ratio")
	b.ReportMetric(ms(cpu[0]), "floor-cpu-ms/job")
	b.ReportMetric(ms(cpu[1]), "engine-cpu-ms/job")
	b.ReportMetric(ms(cpu[2]), "runner-cpu-ms/job")
	b.ReportMetric(cpu[1].Seconds()/cpu[0].Seconds(), "cpu-ratio")
	if c := calls.Load(); c < int64(3*rows*len(ratios)) {
		b.Fatalf("%d calls for %d rounds of %d rows", c, len(ratios), rows)
	}
}

// bareJudge only makes the floor's call for each row: the runner's share of the engine's cost.
type bareJudge struct {
	cl    *chat.ClientWithResponses
	instr string
}

func (bareJudge) jobProblem(jobSpec) string { return "" }

func (j bareJudge) judgeRow(ctx context.Context, _ jobSpec, _ inputRow) verdict {
	resp, err := j.cl.CreateChatCompletionWithResponse(ctx, floorRequest(1, j.instr))
	if err != nil || resp.JSON200 == nil || len(resp.JSON200.Choices) == 0 {
		return verdict{kind: verdictJudgeFail, errMsg: "judge failed"}
	}
	return verdict{label: "yes"}
}

// BenchmarkChatJudgeHeap: the peak of the live heap (as each GC during the job measured it, above
// the live heap before the job) while the chat judge runs a job of 1,000 and of 10,000 rows, and
// the part of it that is the result file the in-memory store keeps (result-file-MiB). What the
// engine itself holds (engine-live-MiB, the difference) must not grow with the rows. GOGC=25 makes
// GCs, and so readings, frequent.
//
//	go test -run '^$' -bench BenchmarkChatJudgeHeap -benchtime 3x -count 3 ./api
func BenchmarkChatJudgeHeap(b *testing.B) {
	for _, rows := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			defer debug.SetGCPercent(debug.SetGCPercent(25))
			judgeSrv, _ := benchJudge(b)
			e := newBenchEngine(b, judgeSrv.URL+"/v1", rows)
			e.job(b) // warm up: connections, pools
			var peak, file float64
			for b.Loop() {
				runtime.GC()
				used0, _ := e.s.store.usage()
				before := liveHeap()
				stop := samplePeak(before)
				e.job(b)
				p := stop()
				used1, _ := e.s.store.usage()
				peak = max(peak, float64(p-before)/(1<<20))
				file = float64(used1-used0) / (1 << 20)
			}
			b.ReportMetric(peak, "peak-live-MiB")
			b.ReportMetric(file, "result-file-MiB")
			b.ReportMetric(peak-file, "engine-live-MiB")
		})
	}
}

var liveSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// liveHeap is the live heap as the last GC measured it.
func liveHeap() uint64 {
	metrics.Read(liveSample)
	return liveSample[0].Value.Uint64()
}

// samplePeak samples the live heap every millisecond until the returned function is called, which
// returns the highest reading.
func samplePeak(start uint64) func() uint64 {
	done := make(chan struct{})
	result := make(chan uint64, 1)
	go func() {
		peak := start
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				result <- max(peak, liveHeap())
				return
			case <-t.C:
				peak = max(peak, liveHeap())
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}

// cpuTime is the CPU time the process has used (user and system): the fake endpoint's share is
// the same on both sides.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
