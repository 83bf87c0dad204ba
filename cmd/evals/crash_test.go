package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evalkit/together-evals/wrappers"
)

// holdingJudge is an OpenAI-compatible chat endpoint that labels every answer "correct", or,
// while held, keeps each call open until its client goes away (a judge still thinking).
type holdingJudge struct {
	hold  atomic.Bool
	calls atomic.Int64
}

func (h *holdingJudge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Read the body first: only then does the server notice a client that goes away.
	_, _ = io.Copy(io.Discard, r.Body)
	h.calls.Add(1)
	if h.hold.Load() {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "{\"feedback\": \"fine\", \"label\": \"correct\"}"}}]}`)
}

// serveProcess is a running `evals serve --data DIR`.
type serveProcess struct {
	cmd    *exec.Cmd
	client *wrappers.Client
	base   string
	key    string
	stderr *bytes.Buffer
}

// startServe starts the binary on dir and reads the environment it prints; the client is built
// from that environment as a user's shell would.
func startServe(t *testing.T, bin, dir, judgeURL string) *serveProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dir,
		"--pending", "0", "--queued", "0", "--running", "0", "--judge-base-url", judgeURL)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, stderr: &stderr}
	t.Cleanup(func() { p.kill() })
	sc := bufio.NewScanner(stdout)
	env := map[string]string{}
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			for _, kv := range strings.Fields(line) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	p.base, p.key = env["TOGETHER_BASE_URL"], env["TOGETHER_API_KEY"]
	if p.base == "" || p.key == "" {
		p.kill()
		t.Fatalf("serve printed no export line; stderr:\n%s", stderr.String())
	}
	p.client, err = wrappers.NewClient(wrappers.WithBaseURL(p.base), wrappers.WithAPIKey(p.key), wrappers.WithMaxRetries(0))
	if err != nil {
		t.Fatalf("the printed environment is not one the client takes: %v", err)
	}
	return p
}

// kill sends SIGKILL: no shutdown, no flush.
func (p *serveProcess) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

// waitFor polls cond every 20 ms for at most a minute (a bound on the test, not a timing checked).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 3000 {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("gave up waiting: %s", what)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// snapshot reads every file the key has, by id: its bytes' SHA-256.
func snapshot(ctx context.Context, t *testing.T, c *wrappers.Client) map[string]string {
	t.Helper()
	files, err := c.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		rc, err := c.FileContent(ctx, f.ID)
		if err != nil {
			t.Fatalf("content of listed file %s: %v", f.ID, err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != f.Bytes {
			t.Errorf("file %s: %d bytes listed, %d read", f.ID, f.Bytes, len(b))
		}
		out[f.ID] = sha(b)
	}
	return out
}

// checkDataDir checks what a killed server left on disk once a new one has opened it: no file
// being written, and no contents the store does not list.
func checkDataDir(t *testing.T, dir string, listed map[string]string) {
	t.Helper()
	tmp, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil || len(tmp) != 0 {
		t.Errorf("partial files left in tmp: %v %v", tmp, err)
	}
	onDisk, err := os.ReadDir(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range onDisk {
		if _, ok := listed[e.Name()]; !ok {
			t.Errorf("contents on disk that no list shows: %s", e.Name())
		}
	}
	if len(onDisk) != len(listed) {
		t.Errorf("%d files on disk, %d listed", len(onDisk), len(listed))
	}
}

// TestServeSurvivesSIGKILL kills a real `evals serve --data DIR` while a job's rows are with the
// judge and again during an upload, restarts it each time on the same directory, and checks what
// it promises: every job and file as it was, byte for byte; no partial file; no job done without
// its result file; the job that was running ended in error with a reason that says the server
// stopped.
func TestServeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildEvals(t)
	judge := &holdingJudge{}
	judgeSrv := httptest.NewServer(judge)
	defer judgeSrv.Close()
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// 1. A job that completes, then one whose rows are with a judge that does not answer: kill.
	p := startServe(t, bin, dir, judgeSrv.URL+"/v1")
	input := filepath.Join(t.TempDir(), "demo.jsonl")
	if err := os.WriteFile(input, demoData, 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := p.client.UploadFile(ctx, input)
	if err != nil {
		t.Fatal(err)
	}
	req := demoRequest("openai/gpt-oss-120b")
	req.InputFileID = in.ID
	done, err := p.client.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var doneJob *wrappers.Job
	waitFor(t, "the first job to complete", func() bool {
		doneJob, err = p.client.Retrieve(ctx, done.ID)
		return err == nil && doneJob.Status == wrappers.StatusCompleted
	})
	before := snapshot(ctx, t, p.client)
	if len(before) != 2 {
		t.Fatalf("want the input and the result file, have %v", before)
	}
	judge.hold.Store(true)
	calls := judge.calls.Load()
	running, err := p.client.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second job's rows to reach the judge", func() bool { return judge.calls.Load() > calls })
	p.kill()
	judge.hold.Store(false)

	// 2. Restarted: everything as it was, the running job ended with the reason.
	p = startServe(t, bin, dir, judgeSrv.URL+"/v1")
	after := snapshot(ctx, t, p.client)
	for id, sum := range before {
		if after[id] != sum {
			t.Errorf("file %s changed across the kill", id)
		}
	}
	if len(after) != len(before) {
		t.Errorf("files before the kill %v, after %v", before, after)
	}
	checkDataDir(t, dir, after)
	doneResult, _ := doneJob.ResultFileID()
	again, err := p.client.Retrieve(ctx, done.ID)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := again.ResultFileID(); again.Status != wrappers.StatusCompleted || id != doneResult || string(again.Raw) != string(doneJob.Raw) {
		t.Errorf("the completed job changed across the kill:\n%s\n%s", doneJob.Raw, again.Raw)
	}
	var stopped *wrappers.Job
	waitFor(t, "the interrupted job to show its end", func() bool {
		stopped, err = p.client.Retrieve(ctx, running.ID)
		return err == nil && stopped.Done()
	})
	if reason, _ := stopped.ErrorResult(); stopped.Status != wrappers.StatusError || !strings.Contains(reason, "the server stopped while the job was running") {
		t.Errorf("the job that was running: %s %q", stopped.Status, reason)
	}

	// 3. Killed during an upload: half a file has reached the disk.
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(p.base, "/v1"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	u, _ := url.Parse(p.base)
	chunk := bytes.Repeat([]byte(`{"question": "q", "reference": "r", "answer": "a"}`+"\n"), 5000)
	_, _ = fmt.Fprintf(conn, "POST %s/files/upload HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n"+
		"--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\neval\r\n"+
		"--b\r\nContent-Disposition: form-data; name=\"file_name\"\r\n\r\nbig.jsonl\r\n"+
		"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jsonl\"\r\n\r\n",
		u.Path, u.Host, p.key, 100*len(chunk))
	if _, err := conn.Write(chunk); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "part of the upload to reach the disk", func() bool {
		tmp, _ := os.ReadDir(filepath.Join(dir, "tmp"))
		for _, e := range tmp {
			if fi, err := e.Info(); err == nil && fi.Size() > 0 {
				return true
			}
		}
		return false
	})
	p.kill()

	// 4. Restarted: no trace of the upload, everything else as it was.
	p = startServe(t, bin, dir, judgeSrv.URL+"/v1")
	final := snapshot(ctx, t, p.client)
	if len(final) != len(after) {
		t.Errorf("files after the killed upload %v, before it %v", final, after)
	}
	for id, sum := range after {
		if final[id] != sum {
			t.Errorf("file %s changed across the second kill", id)
		}
	}
	checkDataDir(t, dir, final)
	jobs, err := p.client.List(ctx, wrappers.ListOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Errorf("%d jobs listed, want 2", len(jobs))
	}
	for _, j := range jobs {
		if j.Status == wrappers.StatusCompleted {
			if id, err := j.ResultFileID(); err != nil || final[id] == "" {
				t.Errorf("job %s is completed without its result file: %v", j.ID, err)
			}
		}
	}
}
