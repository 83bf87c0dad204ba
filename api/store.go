package api

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/evalkit/together-evals/generated"
)

// store holds the server's files and jobs in memory. Files never change once stored and jobs change
// only through their own sync.Once, so the lock guards the maps and nothing else.
type store struct {
	mu     sync.RWMutex
	files  map[string]*storedFile
	nfiles int // files ever stored: the next file's seq
	jobs   map[string]*job
	order  []*job // in creation order
	owners map[string]string
}

func newStore() *store {
	return &store{files: map[string]*storedFile{}, jobs: map[string]*job{}, owners: map[string]string{}}
}

// storedFile is an uploaded or generated file. data is never modified after it is stored.
type storedFile struct {
	id  string
	seq int // the order files were stored in

	name     string
	purpose  generated.FilePurpose
	fileType generated.FileType
	created  time.Time
	data     []byte
}

func (f *storedFile) object() generated.FileObject {
	return generated.FileObject{
		ID:        f.id,
		Object:    generated.FileObjectObjectFile,
		CreatedAt: f.created.Unix(),
		Filename:  f.name,
		Bytes:     int64(len(f.data)),
		Purpose:   f.purpose,
		FileType:  f.fileType,
		Processed: false,
	}
}

// addFile stores f under a new id and returns it.
func (s *store) addFile(f *storedFile) *storedFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		f.id = "file-" + uuid.NewString()
		if _, taken := s.files[f.id]; !taken {
			break
		}
	}
	f.seq = s.nfiles
	s.nfiles++
	s.files[f.id] = f
	return f
}

// listFiles returns every stored file, newest first.
func (s *store) listFiles() []*storedFile {
	s.mu.RLock()
	out := make([]*storedFile, 0, len(s.files))
	for _, f := range s.files {
		out = append(out, f)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *storedFile) int { return cmp.Compare(b.seq, a.seq) })
	return out
}

// deleteFile removes a file from the store and reports whether there was one. A job created on
// the file keeps its own reference to it, so the job still reads the data it was created with.
func (s *store) deleteFile(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.files[id]; !ok {
		return false
	}
	delete(s.files, id)
	return true
}

func (s *store) file(id string) (*storedFile, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.files[id]
	return f, ok
}

// addJob stores j under a new id.
func (s *store) addJob(j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		j.id = "eval-" + randomHex(6)
		if _, taken := s.jobs[j.id]; !taken {
			break
		}
	}
	j.seq = len(s.order)
	s.jobs[j.id] = j
	s.order = append(s.order, j)
}

func (s *store) job(id string) (*job, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	j, ok := s.jobs[id]
	return j, ok
}

// newestJobs returns every job, newest first.
func (s *store) newestJobs() []*job {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*job, len(s.order))
	for i, j := range s.order {
		out[len(out)-1-i] = j
	}
	return out
}

// owner returns the owner id of an API key: "user-1" for the first key seen, and so on. The key
// itself is kept only as a map key, never shown.
func (s *store) owner(key string) string {
	s.mu.RLock()
	id, ok := s.owners[key]
	s.mu.RUnlock()
	if ok {
		return id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.owners[key]; ok {
		return id
	}
	id = "user-" + strconv.Itoa(len(s.owners)+1)
	s.owners[key] = id
	return id
}

type ownerKey struct{}

func withOwner(ctx context.Context, owner string) context.Context {
	return context.WithValue(ctx, ownerKey{}, owner)
}

func ownerOf(ctx context.Context) string {
	owner, _ := ctx.Value(ownerKey{}).(string)
	return owner
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
