package wrappers

// The child processes of the benchmarks: this test binary re-executed with -test.run naming one of
// the tests below and an environment variable that says what to do. Without that variable the tests
// skip, so `go test` never runs them.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// envBenchServer set to 1 makes TestBenchServerProcess serve the benchmarks' answers.
	envBenchServer = "TOGETHER_EVALS_BENCH_SERVER"
	// envBenchServerCPUs, a CPU list such as "1", runs the server pinned to those CPUs (with
	// taskset), so that it does not compete with the clients for their cores: scripts/bench.sh
	// pins the clients to CPU 0 and the server to CPU 1 where the machine has two or more.
	envBenchServerCPUs = "TOGETHER_EVALS_BENCH_SERVER_CPUS"
	// envBenchClient set to impl=floor or impl=wrappers makes TestBenchClientProcess fetch the list
	// benchFetches times from the server at envBenchURL and print its peak memory.
	envBenchClient = "TOGETHER_EVALS_BENCH_CLIENT"
	envBenchURL    = "TOGETHER_EVALS_BENCH_URL"
	benchFetches   = 50

	serverLinePrefix = "BENCH-SERVER "
	clientLinePrefix = "BENCH-CLIENT "
)

// benchServer starts the benchmarks' server in a child process and returns its base URL. The child
// stops when the benchmark ends (it exits when its standard input closes).
func benchServer(b *testing.B) string {
	b.Helper()
	args := []string{os.Args[0], "-test.run=^TestBenchServerProcess$", "-test.count=1", "-test.timeout=0"}
	if cpus := os.Getenv(envBenchServerCPUs); cpus != "" {
		taskset, err := exec.LookPath("taskset")
		if err != nil {
			b.Fatalf("%s=%s asks for the benchmark server to be pinned, but taskset is not installed (util-linux)", envBenchServerCPUs, cpus)
		}
		args = append([]string{taskset, "-c", cpus}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...) //nolint:gosec // the test binary itself, maybe through taskset
	cmd.Env = append(os.Environ(), envBenchServer+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	lines := bufio.NewReader(stdout)
	for {
		line, err := lines.ReadString('\n')
		if err != nil {
			b.Fatalf("the benchmark server did not start: %v", err)
		}
		if base, ok := strings.CutPrefix(strings.TrimSpace(line), serverLinePrefix); ok {
			go func() { _, _ = io.Copy(io.Discard, lines) }()
			return base
		}
	}
}

// TestBenchServerProcess is the benchmarks' server: the minimal server of the floor, answering
// GET /v1/evaluation/eval-1234aedf with the documented job and GET /v1/evaluation with the
// 1000-job list, as pre-encoded bytes. It runs until its standard input closes.
func TestBenchServerProcess(t *testing.T) {
	if os.Getenv(envBenchServer) != "1" {
		t.Skip("the benchmarks' server process; the benchmarks start it")
	}
	job, list := benchBodies()
	type answer struct {
		body   []byte
		length []string
	}
	answers := map[string]answer{
		"/v1/evaluation/" + benchJobID: {job, []string{strconv.Itoa(len(job))}},
		"/v1/evaluation":               {list, []string{strconv.Itoa(len(list))}},
	}
	contentType := []string{"application/json"}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.URL.Path]
		switch {
		case r.Header.Get("Authorization") != "Bearer "+benchKey:
			http.Error(w, `{"error":{"message":"bad key","type":"invalid_request_error"}}`, http.StatusUnauthorized)
		case !ok || r.Method != http.MethodGet:
			http.NotFound(w, r)
		default:
			hdr := w.Header()
			hdr["Content-Type"] = contentType
			hdr["Content-Length"] = a.length
			_, _ = w.Write(a.body)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("%shttp://%s/v1\n", serverLinePrefix, ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
}

// peakResult is what TestBenchClientProcess reports, in bytes.
type peakResult struct {
	PeakRSS, PeakHeap, BaseRSS int64
	Err                        string
}

// runPeakClient runs TestBenchClientProcess for impl against base and returns its report.
func runPeakClient(impl, base string) (peakResult, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchClientProcess$", "-test.count=1", "-test.timeout=0") //nolint:gosec // the test binary itself
	cmd.Env = append(os.Environ(), envBenchClient+"="+impl, envBenchURL+"="+base)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return peakResult{}, fmt.Errorf("the %s client process: %w", impl, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if j, ok := strings.CutPrefix(line, clientLinePrefix); ok {
			var r peakResult
			if err := json.Unmarshal([]byte(j), &r); err != nil {
				return r, err
			}
			if r.Err != "" {
				return r, errors.New(r.Err)
			}
			return r, nil
		}
	}
	return peakResult{}, fmt.Errorf("the %s client process printed no report: %q", impl, out)
}

// TestBenchClientProcess is one client of BenchmarkPeakMemoryList: it fetches the list benchFetches
// times, keeping each answer until the next one arrives, and prints its peak RSS, peak heap and the
// RSS it had before the first fetch.
func TestBenchClientProcess(t *testing.T) {
	impl := os.Getenv(envBenchClient)
	if impl == "" {
		t.Skip("a client process of BenchmarkPeakMemoryList; the benchmark starts it")
	}
	report := func(r peakResult) {
		j, _ := json.Marshal(r)
		fmt.Printf("%s%s\n", clientLinePrefix, j)
	}
	fetch := peakFetch(impl, os.Getenv(envBenchURL))
	runtime.GC()
	baseRSS, err := procStatus("VmRSS")
	if err != nil {
		report(peakResult{Err: err.Error()})
		return
	}

	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var mu sync.Mutex
	var peakHeap uint64
	measure := func() {
		mu.Lock()
		defer mu.Unlock()
		metrics.Read(sample)
		peakHeap = max(peakHeap, sample[0].Value.Uint64())
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				measure()
			}
		}
	}()
	var kept any
	for range benchFetches {
		v, err := fetch(context.Background())
		if err != nil {
			close(stop)
			report(peakResult{Err: err.Error()})
			return
		}
		kept = v
		measure()
	}
	close(stop)
	<-done
	runtime.KeepAlive(kept)
	peakRSS, err := procStatus("VmHWM")
	if err != nil {
		report(peakResult{Err: err.Error()})
		return
	}
	report(peakResult{PeakRSS: peakRSS, PeakHeap: int64(peakHeap), BaseRSS: baseRSS}) //nolint:gosec // a heap size fits
}

// procStatus returns a size field of /proc/self/status (Linux), in bytes.
func procStatus(field string) (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("peak memory needs /proc/self/status: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/self/status %s: %w", field, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/self/status has no %s", field)
}
