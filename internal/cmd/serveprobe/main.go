// Command serveprobe runs a real `evals serve` and probes it the way a hostile or careless client
// would, printing the server's resident memory (peak during each probe, and after it) and what
// each probe met. It is how the figures of `evals serve` in the README are made (Linux only: it
// reads /proc).
//
//	go build -o /tmp/evals ./cmd/evals && go run ./internal/cmd/serveprobe -evals /tmp/evals
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	bin := flag.String("evals", "evals", "the evals binary to run")
	only := flag.String("only", "", "run only the probes whose names contain this")
	flag.Parse()
	if err := run(*bin, *only); err != nil {
		fmt.Fprintln(os.Stderr, "serveprobe:", err)
		os.Exit(1)
	}
}

type server struct {
	cmd  *exec.Cmd
	base string
	host string
	pid  int
}

const key = "probe-key"

func start(bin, dir string) (*server, error) {
	cmd := exec.CommandContext(context.Background(), bin, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--max-store-bytes", "2GiB", "--pending", "0", "--queued", "0", "--running", "0") //nolint:gosec // the binary named on the command line
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		for _, f := range strings.Fields(sc.Text()) {
			if v, ok := strings.CutPrefix(f, "TOGETHER_BASE_URL="); ok {
				go func() { _, _ = io.Copy(io.Discard, out) }()
				host := strings.TrimSuffix(strings.TrimPrefix(v, "http://"), "/v1")
				return &server{cmd: cmd, base: v, host: host, pid: cmd.Process.Pid}, nil
			}
		}
	}
	_ = cmd.Process.Kill()
	return nil, errors.New("serve printed no base URL")
}

// memory reads the process's resident set (VmRSS) and its peak since the last reset (VmHWM), in MB.
func (s *server) memory() (rss, peak float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return -1, -1
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// resetPeak starts a new peak (Linux: writing 5 to clear_refs resets VmHWM).
func (s *server) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.pid), []byte("5"), 0o600)
}

func (s *server) do(ctx context.Context, method, path string, body io.Reader, contentType string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

// rows writes n bytes (rounded up to whole rows) of JSONL input.
func rows(w io.Writer, n int64) error {
	pad := strings.Repeat("x", 400)
	var written int64
	for i := 0; written < n; i++ {
		k, err := fmt.Fprintf(w, `{"question": "q%d", "reference": "r", "answer": "%s"}`+"\n", i, pad)
		if err != nil {
			return err
		}
		written += int64(k)
	}
	return nil
}

// upload streams an upload of size bytes (chunked: no Content-Length).
func (s *server) upload(ctx context.Context, size int64) (int, string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("purpose", "eval")
		_ = mw.WriteField("file_name", "big.jsonl")
		w, err := mw.CreateFormFile("file", "big.jsonl")
		if err == nil {
			err = rows(w, size)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	status, b, err := s.do(ctx, http.MethodPost, "/files/upload", pr, mw.FormDataContentType())
	_ = pr.Close()
	var f struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b, &f)
	return status, f.ID, err
}

type probe struct {
	name string
	run  func(ctx context.Context, s *server) (string, error)
}

func run(bin, only string) error {
	dir, err := os.MkdirTemp("", "serveprobe-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	s, err := start(bin, filepath.Join(dir, "data"))
	if err != nil {
		return err
	}
	defer func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() }()
	ctx := context.Background()
	var bigFile string

	probes := []probe{
		{"one 1 GB chunked upload", func(ctx context.Context, s *server) (string, error) {
			status, _, err := s.upload(ctx, 1<<30)
			return fmt.Sprintf("answered %d", status), err
		}},
		{"three 1 GB chunked uploads at once", func(ctx context.Context, s *server) (string, error) {
			var wg sync.WaitGroup
			statuses := make([]int, 3)
			for i := range 3 {
				wg.Go(func() { statuses[i], _, _ = s.upload(ctx, 1<<30) })
			}
			wg.Wait()
			return fmt.Sprintf("answered %v", statuses), nil
		}},
		{"five accepted 200 MB files", func(ctx context.Context, s *server) (string, error) {
			var statuses []int
			for range 5 {
				status, id, err := s.upload(ctx, 200<<20)
				if err != nil {
					return "", err
				}
				statuses = append(statuses, status)
				bigFile = id
			}
			return fmt.Sprintf("answered %v", statuses), nil
		}},
		{"a 300-byte create on a 200 MB file, and the reads while it runs", func(ctx context.Context, s *server) (string, error) {
			body := fmt.Sprintf(`{"type": "classify", "parameters": {"judge": {"model": "m", "model_source": "serverless", "system_template": "{{question}} {{reference}}"}, "labels": ["yes", "no"], "pass_labels": ["yes"], "model_to_evaluate": "answer", "input_data_file_path": %q}}`, bigFile)
			status, b, err := s.do(ctx, http.MethodPost, "/evaluation", strings.NewReader(body), "application/json")
			if err != nil || status != http.StatusOK {
				return "", fmt.Errorf("create: %d %s %w", status, b, err)
			}
			var created struct {
				ID string `json:"workflow_id"`
			}
			_ = json.Unmarshal(b, &created)
			var slowest time.Duration
			reads := 0
			for {
				t0 := time.Now()
				_, b, err := s.do(ctx, http.MethodGet, "/evaluation/"+created.ID, nil, "")
				if err != nil {
					return "", err
				}
				slowest = max(slowest, time.Since(t0))
				reads++
				var j struct {
					Status  string `json:"status"`
					Results struct {
						ResultFileID string `json:"result_file_id"`
					} `json:"results"`
				}
				_ = json.Unmarshal(b, &j)
				if j.Status == "completed" || j.Status == "error" {
					_, fb, _ := s.do(ctx, http.MethodGet, "/files/"+j.Results.ResultFileID, nil, "")
					var f struct {
						Bytes int64 `json:"bytes"`
					}
					_ = json.Unmarshal(fb, &f)
					return fmt.Sprintf("job %s; %d reads while it ran, the slowest %v; result file %d MB on disk", j.Status, reads, slowest.Round(time.Millisecond), f.Bytes>>20), nil
				}
				time.Sleep(200 * time.Millisecond)
			}
		}},
		{"GET /evaluation?limit=40000 and ?limit=1000 from 20 clients, over 1000 jobs", func(ctx context.Context, s *server) (string, error) {
			status, id, err := s.upload(ctx, 1000)
			if err != nil || status != http.StatusOK {
				return "", fmt.Errorf("upload: %d %w", status, err)
			}
			body := fmt.Sprintf(`{"type": "classify", "parameters": {"judge": {"model": "m", "model_source": "serverless", "system_template": "{{question}} {{reference}}"}, "labels": ["yes", "no"], "pass_labels": ["yes"], "model_to_evaluate": "answer", "input_data_file_path": %q}}`, id)
			for range 1000 {
				if status, b, err := s.do(ctx, http.MethodPost, "/evaluation", strings.NewReader(body), "application/json"); err != nil || status != http.StatusOK {
					return "", fmt.Errorf("create: %d %s %w", status, b, err)
				}
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			seen := map[string]int{}
			for i := range 20 {
				wg.Go(func() {
					limit := []string{"40000", "1000"}[i%2]
					status, b, _ := s.do(ctx, http.MethodGet, "/evaluation?limit="+limit, nil, "")
					mu.Lock()
					seen[fmt.Sprintf("limit=%s: %d (%d KB)", limit, status, len(b)>>10)]++
					mu.Unlock()
				})
			}
			wg.Wait()
			return fmt.Sprint(seen), nil
		}},
		{"300 requests to an unknown path, each with a new 1 MB key, then 300 with a new 60 KB key", func(ctx context.Context, s *server) (string, error) {
			seen := map[int]int{}
			for _, size := range []int{1 << 20, 60 << 10} {
				for i := range 300 {
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/no/such/path", nil)
					req.Header.Set("Authorization", "Bearer "+strconv.Itoa(i)+strings.Repeat("k", size))
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						seen[-1]++
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					seen[resp.StatusCode]++
				}
			}
			return fmt.Sprintf("answers by status %v", seen), nil
		}},
		{"500 connections sending a body one byte every 2 s; open after 35 s and after 65 s", func(ctx context.Context, s *server) (string, error) {
			return s.trickle(ctx, 500)
		}},
		{"200 idle keep-alive connections; open after 45 s and after 65 s", func(ctx context.Context, s *server) (string, error) {
			return s.idle(ctx, 200)
		}},
	}
	fmt.Printf("evals serve --data (pid %d)\n", s.pid)
	for _, p := range probes {
		if only != "" && !strings.Contains(p.name, only) {
			continue
		}
		before, _ := s.memory()
		if err := s.resetPeak(); err != nil {
			return fmt.Errorf("reset the peak: %w", err)
		}
		var peak atomic.Value
		peak.Store(0.0)
		stop := make(chan struct{})
		go func() { // a second reading of the peak, in case the kernel's is coarse
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					if rss, _ := s.memory(); rss > peak.Load().(float64) {
						peak.Store(rss)
					}
				}
			}
		}()
		t0 := time.Now()
		what, err := p.run(ctx, s)
		took := time.Since(t0)
		close(stop)
		_, hwm := s.memory()
		time.Sleep(10 * time.Second)
		after, _ := s.memory()
		if err != nil {
			what = "failed: " + err.Error()
		}
		fmt.Printf("- %s\n  RSS before %.0f MB, peak %.0f MB, 10 s after %.0f MB; took %v; %s\n",
			p.name, before, max(hwm, peak.Load().(float64)), after, took.Round(100*time.Millisecond), what)
	}
	return nil
}

// trickle opens n connections that send headers, then one body byte every 2 s, and counts how
// many the server still holds open after 35 s and 65 s.
func (s *server) trickle(ctx context.Context, n int) (string, error) {
	var open atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", s.host)
		if err != nil {
			return "", err
		}
		open.Add(1)
		wg.Go(func() {
			defer func() { _ = c.Close() }()
			defer open.Add(-1)
			_, _ = fmt.Fprintf(c, "POST /v1/files/upload HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000\r\n\r\n", s.host, key)
			go func() { // the server closing the connection ends the read
				_, _ = io.Copy(io.Discard, c)
				_ = c.Close()
			}()
			for {
				select {
				case <-done:
					return
				case <-time.After(2 * time.Second):
					if _, err := c.Write([]byte("x")); err != nil {
						return
					}
				}
			}
		})
	}
	time.Sleep(35 * time.Second)
	at35 := open.Load()
	time.Sleep(30 * time.Second)
	at65 := open.Load()
	close(done)
	wg.Wait()
	return fmt.Sprintf("%d of %d still open after 35 s, %d after 65 s", at35, n, at65), nil
}

// idle opens n keep-alive connections, each after one request, and counts those still open.
func (s *server) idle(ctx context.Context, n int) (string, error) {
	var open atomic.Int64
	var wg sync.WaitGroup
	for range n {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", s.host)
		if err != nil {
			return "", err
		}
		if _, err := fmt.Fprintf(c, "GET /v1/evaluation/model-list HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", s.host, key); err != nil {
			return "", err
		}
		open.Add(1)
		wg.Go(func() {
			defer open.Add(-1)
			defer func() { _ = c.Close() }()
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			_, _ = io.Copy(io.Discard, br) // until the server closes the idle connection
		})
	}
	time.Sleep(45 * time.Second)
	at45 := open.Load()
	time.Sleep(20 * time.Second)
	at65 := open.Load()
	return fmt.Sprintf("%d of %d still open after 45 s, %d after 65 s", at45, n, at65), nil
}
