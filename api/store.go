package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/evalkit/together-evals/generated"
)

// store keeps a server's files and jobs: in memory ([newMemStore], the default) or in SQLite with
// the file contents on disk ([openDiskStore], [Open]). Every read takes the owner (the hash of the
// key that asks): another owner's files and jobs are not found, so existence is not revealed.
// Implementations are safe for concurrent use.
type store interface {
	// newFile starts a file whose contents are then written to the returned writer; they count
	// against the store's limit as they arrive (a write past it fails with errStoreFull). The file
	// exists only once addFile commits it.
	newFile(ctx context.Context) (fileWriter, error)
	// addFile commits a file written through w under a new id and returns its metadata (id, size
	// and digest filled in). w is closed either way.
	addFile(ctx context.Context, w fileWriter, meta fileMeta) (fileMeta, error)
	// file returns a file's metadata, or errNotFound.
	file(ctx context.Context, owner, id string) (fileMeta, error)
	// openFile opens a file's contents for reading, or returns errNotFound.
	openFile(ctx context.Context, owner, id string) (io.ReadCloser, fileMeta, error)
	// filesBefore lists at most n of the owner's files created before the one with sequence
	// number before (0: from the newest), newest first.
	filesBefore(ctx context.Context, owner string, before int64, n int) ([]fileMeta, error)
	// deleteFile removes one of the owner's files, or returns errNotFound. The contents of a file
	// that an unfinished job reads stay (readable through readInput, counted in usage) until no
	// unfinished job reads them.
	deleteFile(ctx context.Context, owner, id string) error
	// readInput opens the contents of a job's input file, deleted or not.
	readInput(ctx context.Context, id string) (io.ReadCloser, error)

	// addJob stores a new job under a new id (and sequence number), both set in rec, or returns
	// errNotFound when its input file is no longer the owner's (deleted since it was looked up):
	// the check and the insert are one step, so that a file is never purged under a new job.
	addJob(ctx context.Context, rec *jobRecord) error
	// job returns one of the owner's jobs, or errNotFound.
	job(ctx context.Context, owner, id string) (jobRecord, error)
	// jobsBefore lists at most n of the owner's jobs created before the one with sequence number
	// before (0: from the newest), newest first.
	jobsBefore(ctx context.Context, owner string, before int64, n int) ([]jobRecord, error)
	// startJob records that the runner has taken the job.
	startJob(ctx context.Context, id string) error
	// endJob records how a job ended and, for a completed job, commits its result file (w, meta)
	// with it, at once: no job claims to be done without its result file.
	endJob(ctx context.Context, id string, end jobEnd, w fileWriter, meta fileMeta) error
	// unfinishedJobs lists the jobs that have not ended, oldest first: those the runner must take
	// (again) when a store is opened.
	unfinishedJobs(ctx context.Context) ([]jobRecord, error)

	// usage says how many bytes of file contents the store holds, and its limit.
	usage() (used, limit int64)
	close() error
}

// fileWriter receives a new file's contents. Abort drops them (and is a no-op after a commit).
type fileWriter interface {
	io.Writer
	abort()
}

// Errors of a store.
var (
	errNotFound  = errors.New("not found")
	errStoreFull = errors.New("the store is full")
)

// fileMeta is what a store knows of a file besides its contents.
type fileMeta struct {
	id       string
	seq      int64
	owner    string
	name     string
	purpose  generated.FilePurpose
	fileType generated.FileType
	created  time.Time
	size     int64
	sha256   string // hex
}

func (f fileMeta) object() generated.FileObject {
	return generated.FileObject{
		ID:        f.id,
		Object:    generated.FileObjectObjectFile,
		CreatedAt: f.created.Unix(),
		Filename:  f.name,
		Bytes:     f.size,
		Purpose:   f.purpose,
		FileType:  f.fileType,
		Processed: false,
	}
}

// jobState is where a job stands with the runner.
type jobState int

const (
	jobWaiting jobState = iota // created, not yet taken by the runner
	jobStarted                 // the runner is judging its rows
	jobEnded                   // it ended; end holds how
)

// jobRecord is a stored job. Everything but the runner's fields is fixed at creation.
type jobRecord struct {
	id      string
	seq     int64
	owner   string
	request json.RawMessage // the create request as sent: the job's spec is decoded from it
	params  json.RawMessage // the parameters shown (external tokens redacted)
	typ     generated.EvaluationType
	inputID string
	created time.Time
	// the moments the job becomes queued, running, and may end
	queuedAt, runningAt, endsAt time.Time

	state jobState
	end   jobEnd // when ended
}

// jobEnd is how a job ended.
type jobEnd struct {
	status  generated.EvaluationStatus
	results generated.EvaluationResults
	judged  int       // rows judged
	total   int       // rows in the input
	at      time.Time // when the runner ended the job (the clock's reading)
}

// ownerOfKey is the owner of an API key: its SHA-256, in hex. Stores keep this hash, never the key.
func ownerOfKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// ownerID is the owner_id a job shows: a short, stable name derived from the key's hash.
func ownerID(owner string) string {
	if len(owner) > 16 {
		owner = owner[:16]
	}
	return "user-" + owner
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
