package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalkit/together-evals/generated"
)

// stores opens each kind of store for the same suite: in memory, and on disk in a new directory.
var stores = map[string]func(t *testing.T, limit int64) store{
	"memory": func(_ *testing.T, limit int64) store { return newMemStore(limit) },
	"disk": func(t *testing.T, limit int64) store {
		s, err := openDiskStore(context.Background(), t.TempDir(), limit, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.close() })
		return s
	},
}

func forEachStore(t *testing.T, limit int64, test func(t *testing.T, s store)) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) { test(t, open(t, limit)) })
	}
}

var when = time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)

func putFile(t *testing.T, s store, owner, content string) fileMeta {
	t.Helper()
	ctx := context.Background()
	w, err := s.newFile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, content); err != nil {
		t.Fatal(err)
	}
	f, err := s.addFile(ctx, w, fileMeta{owner: owner, name: "in.jsonl", purpose: generated.FilePurposeEval, fileType: generated.FileTypeJsonl, created: when})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func readAll(t *testing.T, rc io.ReadCloser) string {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStoreFiles(t *testing.T) {
	forEachStore(t, 1<<20, func(t *testing.T, s store) {
		ctx := context.Background()
		content := strings.Repeat(`{"a": "b"}`+"\n", 20000) // several chunks of the memory store
		f := putFile(t, s, "alice", content)
		sum := sha256.Sum256([]byte(content))
		if f.size != int64(len(content)) || f.sha256 != hex.EncodeToString(sum[:]) || !strings.HasPrefix(f.id, "file-") {
			t.Errorf("metadata %+v", f)
		}
		got, err := s.file(ctx, "alice", f.id)
		if err != nil || got != f {
			t.Errorf("file: %+v %v, want %+v", got, err, f)
		}
		rc, meta, err := s.openFile(ctx, "alice", f.id)
		if err != nil || meta != f {
			t.Fatalf("openFile: %v %+v", err, meta)
		}
		if readAll(t, rc) != content {
			t.Error("contents differ")
		}
		// Another owner finds nothing.
		if _, err := s.file(ctx, "bob", f.id); !errors.Is(err, errNotFound) {
			t.Errorf("bob's file: %v", err)
		}
		if _, _, err := s.openFile(ctx, "bob", f.id); !errors.Is(err, errNotFound) {
			t.Errorf("bob's openFile: %v", err)
		}
		if err := s.deleteFile(ctx, "bob", f.id); !errors.Is(err, errNotFound) {
			t.Errorf("bob's delete: %v", err)
		}
		if list, _ := s.filesBefore(ctx, "bob", 0, 10); len(list) != 0 {
			t.Errorf("bob lists %v", list)
		}
		// Newest first, in pages.
		g := putFile(t, s, "alice", "{}\n")
		h := putFile(t, s, "alice", "{}\n")
		list, err := s.filesBefore(ctx, "alice", 0, 2)
		if err != nil || len(list) != 2 || list[0].id != h.id || list[1].id != g.id {
			t.Fatalf("first page %v %v", list, err)
		}
		list, _ = s.filesBefore(ctx, "alice", list[1].seq, 2)
		if len(list) != 1 || list[0].id != f.id {
			t.Errorf("second page %v", list)
		}
		used, _ := s.usage()
		if used != int64(len(content)+6) {
			t.Errorf("usage %d, want %d", used, len(content)+6)
		}
		if err := s.deleteFile(ctx, "alice", f.id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.file(ctx, "alice", f.id); !errors.Is(err, errNotFound) {
			t.Errorf("a deleted file: %v", err)
		}
		if used, _ := s.usage(); used != 6 {
			t.Errorf("usage after the delete %d, want 6", used)
		}
	})
}

func TestStoreLimit(t *testing.T) {
	forEachStore(t, 100, func(t *testing.T, s store) {
		ctx := context.Background()
		putFile(t, s, "alice", strings.Repeat("x", 60))
		w, err := s.newFile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(make([]byte, 30)); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(make([]byte, 11)); !errors.Is(err, errStoreFull) {
			t.Fatalf("a write past the limit: %v", err)
		}
		w.abort()
		if used, limit := s.usage(); used != 60 || limit != 100 {
			t.Errorf("usage %d of %d after an aborted write, want 60 of 100", used, limit)
		}
		putFile(t, s, "alice", strings.Repeat("y", 40)) // the room the aborted write gave back
	})
}

func newRecord(owner, input string) *jobRecord {
	return &jobRecord{
		owner: owner, request: []byte(`{"type": "classify"}`), params: []byte(`{"labels": ["a"]}`),
		typ: generated.EvaluationTypeClassify, inputID: input,
		created: when, queuedAt: when.Add(time.Second), runningAt: when.Add(2 * time.Second), endsAt: when.Add(3 * time.Second),
	}
}

func TestStoreJobs(t *testing.T) {
	forEachStore(t, 1<<20, func(t *testing.T, s store) {
		ctx := context.Background()
		in := putFile(t, s, "alice", "{\"a\": 1}\n")
		a, b := newRecord("alice", in.id), newRecord("alice", in.id)
		for _, r := range []*jobRecord{a, b} {
			if err := s.addJob(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if a.id == b.id || !strings.HasPrefix(a.id, "eval-") || a.seq >= b.seq {
			t.Fatalf("ids %s %s seqs %d %d", a.id, b.id, a.seq, b.seq)
		}
		got, err := s.job(ctx, "alice", a.id)
		if err != nil || got.id != a.id || got.state != jobWaiting || !got.endsAt.Equal(a.endsAt) || !bytes.Equal(got.request, a.request) || string(got.params) != string(a.params) {
			t.Errorf("job: %+v %v", got, err)
		}
		if _, err := s.job(ctx, "bob", a.id); !errors.Is(err, errNotFound) {
			t.Errorf("bob's job: %v", err)
		}
		if list, _ := s.jobsBefore(ctx, "alice", 0, 10); len(list) != 2 || list[0].id != b.id {
			t.Errorf("list %v", list)
		}
		if err := s.startJob(ctx, a.id); err != nil {
			t.Fatal(err)
		}
		// Deleting the input of unfinished jobs hides it but keeps its contents for them.
		if err := s.deleteFile(ctx, "alice", in.id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.file(ctx, "alice", in.id); !errors.Is(err, errNotFound) {
			t.Errorf("a deleted input: %v", err)
		}
		if rc, err := s.readInput(ctx, in.id); err != nil || readAll(t, rc) != "{\"a\": 1}\n" {
			t.Errorf("an unfinished job cannot read its deleted input: %v", err)
		}
		un, err := s.unfinishedJobs(ctx)
		if err != nil || len(un) != 2 || un[0].id != a.id || un[0].state != jobStarted {
			t.Fatalf("unfinished %+v %v", un, err)
		}

		w, _ := s.newFile(ctx)
		_, _ = io.WriteString(w, "{\"a\": 1, \"label\": \"a\"}\n")
		res := generated.EvaluationResults{JudgeFailCount: count(0)}
		end := jobEnd{status: generated.EvaluationStatusCompleted, results: res, judged: 1, total: 1, at: when.Add(time.Minute)}
		meta := fileMeta{owner: "alice", name: a.id + "-results.jsonl", purpose: generated.FilePurposeEvalOutput, fileType: generated.FileTypeJsonl, created: when.Add(time.Minute)}
		if err := s.endJob(ctx, a.id, end, w, meta); err != nil {
			t.Fatal(err)
		}
		got, _ = s.job(ctx, "alice", a.id)
		if got.state != jobEnded || got.end.status != generated.EvaluationStatusCompleted || got.end.judged != 1 || !got.end.at.Equal(end.at) ||
			got.end.results.ResultFileID == nil || *got.end.results.JudgeFailCount != 0 {
			t.Fatalf("ended job %+v", got)
		}
		rc, _, err := s.openFile(ctx, "alice", *got.end.results.ResultFileID)
		if err != nil || readAll(t, rc) != "{\"a\": 1, \"label\": \"a\"}\n" {
			t.Errorf("result file: %v", err)
		}
		// b still reads the input; once it ends, the input goes.
		if _, err := s.readInput(ctx, in.id); err != nil {
			t.Errorf("b's input went with a's end: %v", err)
		}
		if err := s.endJob(ctx, b.id, failedEnd(generated.EvaluationStatusError, "x"), nil, fileMeta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.readInput(ctx, in.id); !errors.Is(err, errNotFound) {
			t.Errorf("the deleted input outlived its jobs: %v", err)
		}
		if un, _ := s.unfinishedJobs(ctx); len(un) != 0 {
			t.Errorf("unfinished %v", un)
		}
	})
}

// TestDiskStoreSurvivesReopening: a second open of the directory sees everything, and what a crash
// leaves (a partial upload, contents without a row) is removed.
func TestDiskStoreSurvivesReopening(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	s, err := openDiskStore(ctx, dir, 1<<20, logger)
	if err != nil {
		t.Fatal(err)
	}
	f := putFile(t, s, "alice", "{\"a\": 1}\n")
	j := newRecord("alice", f.id)
	if err := s.addJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	partial, _ := s.newFile(ctx)
	_, _ = io.WriteString(partial, "{\"half\":")
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(dir, "files", "file-orphan")
	if err := os.WriteFile(orphan, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	s, err = openDiskStore(ctx, dir, 1<<20, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.close() }()
	if got, err := s.file(ctx, "alice", f.id); err != nil || got != f {
		t.Errorf("file after reopening: %+v %v", got, err)
	}
	if got, err := s.job(ctx, "alice", j.id); err != nil || got.seq != j.seq || got.inputID != f.id {
		t.Errorf("job after reopening: %+v %v", got, err)
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("partial files left: %v", tmp)
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("contents without a row left: %v", err)
	}
	if used, _ := s.usage(); used != f.size {
		t.Errorf("usage %d, want %d", used, f.size)
	}
	var version int
	if err := s.reader.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != diskSchemaVersion {
		t.Errorf("user_version %d %v", version, err)
	}
	var mode string
	if err := s.writer.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q %v", mode, err)
	}
	var sync int
	if err := s.writer.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous %d %v, want 2 (FULL)", sync, err)
	}
}
