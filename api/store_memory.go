package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"sort"
	"sync"

	"github.com/google/uuid"
)

// memStore is the in-memory store: the default of every Server. File contents are kept in chunks
// (no doubling buffer), and every byte held or being written counts against the limit.
type memStore struct {
	limit int64

	mu      sync.RWMutex
	used    int64 // bytes of stored files and of files being written
	files   map[string]*memFile
	jobs    map[string]*jobRecord
	fileSeq int64
	jobSeq  int64
}

type memFile struct {
	meta    fileMeta
	chunks  [][]byte
	deleted bool // deleted, kept while an unfinished job reads it
}

// memChunk is the size of the pieces a file's contents are kept in.
const memChunk = 64 << 10

func newMemStore(limit int64) *memStore {
	return &memStore{limit: limit, files: map[string]*memFile{}, jobs: map[string]*jobRecord{}}
}

// memWriter collects a new file's contents.
type memWriter struct {
	s      *memStore
	chunks [][]byte
	size   int64
	sum    hash.Hash
	done   bool
}

func (s *memStore) newFile(context.Context) (fileWriter, error) {
	return &memWriter{s: s, sum: sha256.New()}, nil
}

// reserve counts n more bytes against the limit, or says the store is full.
func (s *memStore) reserve(n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used+n > s.limit {
		return false
	}
	s.used += n
	return true
}

func (s *memStore) release(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used -= n
}

func (w *memWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, io.ErrClosedPipe
	}
	if !w.s.reserve(int64(len(p))) {
		return 0, errStoreFull
	}
	w.sum.Write(p)
	w.size += int64(len(p))
	written := len(p)
	for len(p) > 0 {
		if n := len(w.chunks); n == 0 || len(w.chunks[n-1]) == memChunk {
			w.chunks = append(w.chunks, make([]byte, 0, min(memChunk, max(len(p), 512))))
		}
		last := &w.chunks[len(w.chunks)-1]
		if cap(*last) < memChunk && cap(*last)-len(*last) < len(p) {
			// A small first chunk grows to the full chunk size once.
			grown := make([]byte, len(*last), memChunk)
			copy(grown, *last)
			*last = grown
		}
		k := min(len(p), cap(*last)-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	return written, nil
}

func (w *memWriter) abort() {
	if w.done {
		return
	}
	w.done = true
	w.s.release(w.size)
	w.chunks = nil
}

func (s *memStore) addFile(_ context.Context, fw fileWriter, meta fileMeta) (fileMeta, error) {
	w := fw.(*memWriter)
	if w.done {
		return fileMeta{}, io.ErrClosedPipe
	}
	w.done = true
	meta.size = w.size
	meta.sha256 = hex.EncodeToString(w.sum.Sum(nil))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.insertFile(&meta, w.chunks)
	return meta, nil
}

// insertFile stores a committed file under a new id; s.mu is held.
func (s *memStore) insertFile(meta *fileMeta, chunks [][]byte) {
	for {
		meta.id = "file-" + uuid.NewString()
		if _, taken := s.files[meta.id]; !taken {
			break
		}
	}
	s.fileSeq++
	meta.seq = s.fileSeq
	s.files[meta.id] = &memFile{meta: *meta, chunks: chunks}
}

func (s *memStore) file(_ context.Context, owner, id string) (fileMeta, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.files[id]
	if !ok || f.deleted || f.meta.owner != owner {
		return fileMeta{}, errNotFound
	}
	return f.meta, nil
}

func (s *memStore) openFile(_ context.Context, owner, id string) (io.ReadCloser, fileMeta, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.files[id]
	if !ok || f.deleted || f.meta.owner != owner {
		return nil, fileMeta{}, errNotFound
	}
	return f.reader(), f.meta, nil
}

func (f *memFile) reader() io.ReadCloser {
	readers := make([]io.Reader, len(f.chunks))
	for i, c := range f.chunks {
		readers[i] = bytes.NewReader(c)
	}
	return io.NopCloser(io.MultiReader(readers...))
}

func (s *memStore) readInput(_ context.Context, id string) (io.ReadCloser, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.files[id]
	if !ok {
		return nil, errNotFound
	}
	return f.reader(), nil
}

func (s *memStore) filesBefore(_ context.Context, owner string, before int64, n int) ([]fileMeta, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []fileMeta
	for _, f := range s.files {
		if !f.deleted && f.meta.owner == owner && (before == 0 || f.meta.seq < before) {
			out = append(out, f.meta)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq > out[j].seq })
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

func (s *memStore) deleteFile(_ context.Context, owner, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	if !ok || f.deleted || f.meta.owner != owner {
		return errNotFound
	}
	f.deleted = true
	s.purge(id)
	return nil
}

// purge drops a deleted file that no unfinished job reads; s.mu is held.
func (s *memStore) purge(id string) {
	f, ok := s.files[id]
	if !ok || !f.deleted {
		return
	}
	for _, j := range s.jobs {
		if j.state != jobEnded && j.inputID == id {
			return
		}
	}
	delete(s.files, id)
	s.used -= f.meta.size
}

func (s *memStore) addJob(_ context.Context, rec *jobRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.files[rec.inputID]; !ok || f.deleted || f.meta.owner != rec.owner {
		return errNotFound
	}
	for {
		rec.id = "eval-" + randomHex(6)
		if _, taken := s.jobs[rec.id]; !taken {
			break
		}
	}
	s.jobSeq++
	rec.seq = s.jobSeq
	stored := *rec
	s.jobs[rec.id] = &stored
	return nil
}

func (s *memStore) job(_ context.Context, owner, id string) (jobRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	j, ok := s.jobs[id]
	if !ok || j.owner != owner {
		return jobRecord{}, errNotFound
	}
	return *j, nil
}

func (s *memStore) jobsBefore(_ context.Context, owner string, before int64, n int) ([]jobRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []jobRecord
	for _, j := range s.jobs {
		if j.owner == owner && (before == 0 || j.seq < before) {
			out = append(out, *j)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq > out[j].seq })
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

func (s *memStore) startJob(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return errNotFound
	}
	j.state = jobStarted
	return nil
}

func (s *memStore) endJob(_ context.Context, id string, end jobEnd, fw fileWriter, meta fileMeta) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		if fw != nil {
			fw.abort()
		}
		return errNotFound
	}
	if fw != nil {
		w := fw.(*memWriter)
		w.done = true
		meta.size = w.size
		meta.sha256 = hex.EncodeToString(w.sum.Sum(nil))
		s.insertFile(&meta, w.chunks)
		end.results.ResultFileID = &meta.id
	}
	j.state, j.end = jobEnded, end
	s.purge(j.inputID)
	return nil
}

func (s *memStore) unfinishedJobs(context.Context) ([]jobRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []jobRecord
	for _, j := range s.jobs {
		if j.state != jobEnded {
			out = append(out, *j)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out, nil
}

func (s *memStore) usage() (used, limit int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.used, s.limit
}

func (s *memStore) close() error { return nil }
