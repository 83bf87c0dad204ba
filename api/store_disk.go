package api

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, "sqlite"

	"github.com/evalkit/together-evals/generated"
)

// diskSchemaVersion is the schema of a data directory's database, kept in PRAGMA user_version.
const diskSchemaVersion = 1

// diskSchema creates the tables of schema version 1. Times are Unix microseconds (UTC).
const diskSchema = `
CREATE TABLE files (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	id        TEXT NOT NULL UNIQUE,
	owner     TEXT NOT NULL,
	name      TEXT NOT NULL,
	purpose   TEXT NOT NULL,
	file_type TEXT NOT NULL,
	created   INTEGER NOT NULL,
	size      INTEGER NOT NULL,
	sha256    TEXT NOT NULL,
	deleted   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX files_by_owner ON files (owner, seq);
CREATE TABLE jobs (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	id         TEXT NOT NULL UNIQUE,
	owner      TEXT NOT NULL,
	request    BLOB NOT NULL,
	params     BLOB NOT NULL,
	type       TEXT NOT NULL,
	input_id   TEXT NOT NULL,
	created    INTEGER NOT NULL,
	queued_at  INTEGER NOT NULL,
	running_at INTEGER NOT NULL,
	ends_at    INTEGER NOT NULL,
	state      INTEGER NOT NULL,
	end_status TEXT NOT NULL DEFAULT '',
	results    BLOB,
	judged     INTEGER NOT NULL DEFAULT 0,
	total      INTEGER NOT NULL DEFAULT 0,
	ended_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_owner ON jobs (owner, seq);
`

// diskStore keeps metadata in SQLite (WAL, synchronous=FULL, one writer connection) and file
// contents as files under dir/files, each written to dir/tmp first, fsynced, checked against its
// size and SHA-256, renamed into place and the directory fsynced, before its row is committed.
type diskStore struct {
	dir    string
	writer *sql.DB // one connection: every write goes through it, in order
	reader *sql.DB
	limit  int64

	mu   sync.Mutex
	used int64 // bytes of stored files and of files being written
}

// openDiskStore opens (or creates) the store in dir and brings it back to a consistent state:
// partial writes are removed, and so are contents without a row and rows without their contents.
func openDiskStore(ctx context.Context, dir string, limit int64, logger *slog.Logger) (*diskStore, error) {
	for _, sub := range []string{"", "files", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
	}
	dsn := "file:" + (&url.URL{Path: filepath.Join(dir, "evals.db")}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	writer, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	writer.SetMaxOpenConns(1)
	reader, err := sql.Open("sqlite", dsn)
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("data directory: %w", err)
	}
	reader.SetMaxOpenConns(4)
	s := &diskStore{dir: dir, writer: writer, reader: reader, limit: limit}
	if err := s.migrate(ctx); err != nil {
		_ = s.close()
		return nil, err
	}
	if err := s.recover(ctx, logger); err != nil {
		_ = s.close()
		return nil, err
	}
	return s, nil
}

func (s *diskStore) migrate(ctx context.Context) error {
	var version int
	if err := s.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("data directory: read the database: %w", err)
	}
	switch version {
	case diskSchemaVersion:
		return nil
	case 0:
		tx, err := s.writer.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
		defer func() { _ = tx.Rollback() }()
		if _, err := tx.ExecContext(ctx, diskSchema); err != nil {
			return fmt.Errorf("data directory: create the tables: %w", err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", diskSchemaVersion)); err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
		return tx.Commit()
	default:
		return fmt.Errorf("data directory: its database has schema version %d; this evals knows version %d (a newer evals wrote it)", version, diskSchemaVersion)
	}
}

// recover removes what a crash can leave behind: files being written (dir/tmp), contents without
// a row (killed between the rename and the commit), rows whose contents are missing or of the
// wrong size, and deleted files no unfinished job reads any more. It then counts the bytes held.
func (s *diskStore) recover(ctx context.Context, logger *slog.Logger) error {
	tmp, err := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	for _, e := range tmp {
		_ = os.Remove(filepath.Join(s.dir, "tmp", e.Name()))
	}
	rows, err := s.writer.QueryContext(ctx, "SELECT id, size FROM files")
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	known := map[string]int64{}
	for rows.Next() {
		var id string
		var size int64
		if err := rows.Scan(&id, &size); err != nil {
			_ = rows.Close()
			return fmt.Errorf("data directory: %w", err)
		}
		known[id] = size
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	onDisk, err := os.ReadDir(filepath.Join(s.dir, "files"))
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	present := map[string]bool{}
	for _, e := range onDisk {
		if _, ok := known[e.Name()]; !ok {
			logger.Warn("api: removing contents without a record (a write was cut short)", "file", e.Name())
			_ = os.Remove(filepath.Join(s.dir, "files", e.Name()))
			continue
		}
		present[e.Name()] = true
	}
	for id, size := range known {
		fi, err := os.Stat(s.path(id))
		if present[id] && err == nil && fi.Size() == size {
			s.used += size
			continue
		}
		logger.Error("api: a file's contents are missing or damaged; forgetting the file", "file", id)
		if _, err := s.writer.ExecContext(ctx, "DELETE FROM files WHERE id = ?", id); err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
	}
	_, err = s.writer.ExecContext(ctx, `DELETE FROM files WHERE deleted = 1 AND id NOT IN (SELECT input_id FROM jobs WHERE state <> ?)`, jobEnded)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	return s.removeUnlisted(ctx)
}

// removeUnlisted removes contents whose row is gone, and recounts the bytes held.
func (s *diskStore) removeUnlisted(ctx context.Context) error {
	rows, err := s.writer.QueryContext(ctx, "SELECT id, size FROM files")
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	keep := map[string]bool{}
	var used int64
	for rows.Next() {
		var id string
		var size int64
		if err := rows.Scan(&id, &size); err != nil {
			_ = rows.Close()
			return fmt.Errorf("data directory: %w", err)
		}
		keep[id] = true
		used += size
	}
	_ = rows.Close()
	onDisk, err := os.ReadDir(filepath.Join(s.dir, "files"))
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	for _, e := range onDisk {
		if !keep[e.Name()] {
			_ = os.Remove(filepath.Join(s.dir, "files", e.Name()))
		}
	}
	s.mu.Lock()
	s.used = used
	s.mu.Unlock()
	return nil
}

func (s *diskStore) path(id string) string { return filepath.Join(s.dir, "files", id) }

// reserve counts n more bytes against the limit, or says the store is full.
func (s *diskStore) reserve(n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used+n > s.limit {
		return false
	}
	s.used += n
	return true
}

func (s *diskStore) release(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used -= n
}

// diskWriter writes a new file's contents to a temporary file.
type diskWriter struct {
	s    *diskStore
	f    *os.File
	sum  hash.Hash
	size int64
	done bool
}

func (s *diskStore) newFile(context.Context) (fileWriter, error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "upload-*")
	if err != nil {
		return nil, err
	}
	return &diskWriter{s: s, f: f, sum: sha256.New()}, nil
}

func (w *diskWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, io.ErrClosedPipe
	}
	if !w.s.reserve(int64(len(p))) {
		return 0, errStoreFull
	}
	n, err := w.f.Write(p)
	w.sum.Write(p[:n])
	w.size += int64(n)
	w.s.release(int64(len(p) - n))
	return n, err
}

func (w *diskWriter) abort() {
	if w.done {
		return
	}
	w.done = true
	_ = w.f.Close()
	_ = os.Remove(w.f.Name())
	w.s.release(w.size)
}

// seal makes the contents durable under their id: fsync, a check of size and SHA-256 against what
// was written, a rename into dir/files, and an fsync of that directory. It returns the digest.
func (w *diskWriter) seal(id string) (string, error) {
	if w.done {
		return "", io.ErrClosedPipe
	}
	want := hex.EncodeToString(w.sum.Sum(nil))
	fail := func(err error) (string, error) {
		w.abort()
		return "", err
	}
	if err := w.f.Sync(); err != nil {
		return fail(err)
	}
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	check := sha256.New()
	n, err := io.Copy(check, w.f)
	if err != nil {
		return fail(err)
	}
	if got := hex.EncodeToString(check.Sum(nil)); n != w.size || got != want {
		return fail(fmt.Errorf("the file written does not read back as written (%d bytes, sha256 %s; wrote %d bytes, sha256 %s)", n, got, w.size, want))
	}
	if err := w.f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(w.f.Name(), w.s.path(id)); err != nil {
		_ = os.Remove(w.f.Name())
		w.done = true
		w.s.release(w.size)
		return "", err
	}
	w.done = true
	if err := syncDir(filepath.Join(w.s.dir, "files")); err != nil {
		w.s.drop(id, w.size)
		return "", err
	}
	return want, nil
}

// drop removes sealed contents whose row was not committed.
func (s *diskStore) drop(id string, size int64) {
	_ = os.Remove(s.path(id))
	s.release(size)
}

func syncDir(dir string) error {
	d, err := os.Open(dir) //nolint:gosec // the store's own directory
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	return d.Sync()
}

func (s *diskStore) addFile(ctx context.Context, fw fileWriter, meta fileMeta) (fileMeta, error) {
	w := fw.(*diskWriter)
	meta.id = "file-" + uuid.NewString()
	meta.size = w.size
	digest, err := w.seal(meta.id)
	if err != nil {
		return fileMeta{}, err
	}
	meta.sha256 = digest
	res, err := s.writer.ExecContext(context.WithoutCancel(ctx), `INSERT INTO files (id, owner, name, purpose, file_type, created, size, sha256)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		meta.id, meta.owner, meta.name, string(meta.purpose), string(meta.fileType), meta.created.UnixMicro(), meta.size, meta.sha256)
	if err != nil {
		s.drop(meta.id, meta.size)
		return fileMeta{}, err
	}
	if meta.seq, err = res.LastInsertId(); err != nil {
		return fileMeta{}, err
	}
	return meta, nil
}

const fileColumns = "seq, id, owner, name, purpose, file_type, created, size, sha256"

func scanFile(sc interface{ Scan(...any) error }) (fileMeta, error) {
	var f fileMeta
	var purpose, fileType string
	var created int64
	if err := sc.Scan(&f.seq, &f.id, &f.owner, &f.name, &purpose, &fileType, &created, &f.size, &f.sha256); err != nil {
		return fileMeta{}, err
	}
	f.purpose, f.fileType = generated.FilePurpose(purpose), generated.FileType(fileType)
	f.created = time.UnixMicro(created).UTC()
	return f, nil
}

func (s *diskStore) file(ctx context.Context, owner, id string) (fileMeta, error) {
	f, err := scanFile(s.reader.QueryRowContext(ctx, "SELECT "+fileColumns+" FROM files WHERE id = ? AND owner = ? AND deleted = 0", id, owner))
	if errors.Is(err, sql.ErrNoRows) {
		return fileMeta{}, errNotFound
	}
	return f, err
}

func (s *diskStore) openFile(ctx context.Context, owner, id string) (io.ReadCloser, fileMeta, error) {
	f, err := s.file(ctx, owner, id)
	if err != nil {
		return nil, fileMeta{}, err
	}
	rc, err := openContents(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fileMeta{}, errNotFound // deleted since its row was read
	}
	if err != nil {
		return nil, fileMeta{}, err
	}
	return rc, f, nil
}

// openContents opens a file's contents (a variable: a test makes a delete land just before it).
var openContents = os.Open

func (s *diskStore) readInput(ctx context.Context, id string) (io.ReadCloser, error) {
	var n int
	if err := s.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM files WHERE id = ?", id).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errNotFound
	}
	return os.Open(s.path(id)) //nolint:gosec // an id of the store's own table
}

func (s *diskStore) filesBefore(ctx context.Context, owner string, before int64, n int) ([]fileMeta, error) {
	if before == 0 {
		before = 1 << 62
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT "+fileColumns+" FROM files WHERE owner = ? AND deleted = 0 AND seq < ? ORDER BY seq DESC LIMIT ?", owner, before, n)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanFile)
}

func (s *diskStore) deleteFile(ctx context.Context, owner, id string) error {
	ctx = context.WithoutCancel(ctx)
	res, err := s.writer.ExecContext(ctx, "UPDATE files SET deleted = 1 WHERE id = ? AND owner = ? AND deleted = 0", id, owner)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return err
		}
		return errNotFound
	}
	return s.purge(ctx, id)
}

// purge removes a deleted file that no unfinished job reads: its row, then its contents (a crash
// in between leaves contents without a row, which the next open removes).
func (s *diskStore) purge(ctx context.Context, id string) error {
	var size int64
	err := s.writer.QueryRowContext(ctx, `DELETE FROM files WHERE id = ? AND deleted = 1
		AND NOT EXISTS (SELECT 1 FROM jobs WHERE input_id = ? AND state <> ?) RETURNING size`, id, id, jobEnded).Scan(&size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	s.drop(id, size)
	return nil
}

func (s *diskStore) addJob(ctx context.Context, rec *jobRecord) error {
	ctx = context.WithoutCancel(ctx)
	for range 5 {
		rec.id = "eval-" + randomHex(6)
		res, err := s.writer.ExecContext(ctx, `INSERT INTO jobs (id, owner, request, params, type, input_id, created, queued_at, running_at, ends_at, state)
			SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
			WHERE EXISTS (SELECT 1 FROM files WHERE id = ? AND owner = ? AND deleted = 0)`,
			rec.id, rec.owner, []byte(rec.request), []byte(rec.params), string(rec.typ), rec.inputID,
			rec.created.UnixMicro(), rec.queuedAt.UnixMicro(), rec.runningAt.UnixMicro(), rec.endsAt.UnixMicro(), jobWaiting,
			rec.inputID, rec.owner)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				continue
			}
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return errNotFound // the input file is gone (see store.addJob)
		}
		rec.seq, err = res.LastInsertId()
		return err
	}
	return errors.New("no free job id")
}

const jobColumns = "seq, id, owner, request, params, type, input_id, created, queued_at, running_at, ends_at, state, end_status, results, judged, total, ended_at"

func scanJob(sc interface{ Scan(...any) error }) (jobRecord, error) {
	var j jobRecord
	var typ, status string
	var request, params, results []byte
	var created, queued, running, ends, ended int64
	if err := sc.Scan(&j.seq, &j.id, &j.owner, &request, &params, &typ, &j.inputID, &created, &queued, &running, &ends,
		&j.state, &status, &results, &j.end.judged, &j.end.total, &ended); err != nil {
		return jobRecord{}, err
	}
	j.request, j.params = request, params
	j.typ = generated.EvaluationType(typ)
	micro := func(us int64) time.Time { return time.UnixMicro(us).UTC() }
	j.created, j.queuedAt, j.runningAt, j.endsAt = micro(created), micro(queued), micro(running), micro(ends)
	if j.state == jobEnded {
		j.end.status = generated.EvaluationStatus(status)
		j.end.at = micro(ended)
		if err := json.Unmarshal(results, &j.end.results); err != nil {
			return jobRecord{}, fmt.Errorf("job %s: stored results: %w", j.id, err)
		}
	}
	return j, nil
}

func (s *diskStore) job(ctx context.Context, owner, id string) (jobRecord, error) {
	j, err := scanJob(s.reader.QueryRowContext(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ? AND owner = ?", id, owner))
	if errors.Is(err, sql.ErrNoRows) {
		return jobRecord{}, errNotFound
	}
	return j, err
}

func (s *diskStore) jobsBefore(ctx context.Context, owner string, before int64, n int) ([]jobRecord, error) {
	if before == 0 {
		before = 1 << 62
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT "+jobColumns+" FROM jobs WHERE owner = ? AND seq < ? ORDER BY seq DESC LIMIT ?", owner, before, n)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanJob)
}

// collect reads every row of a query with scan, and closes the rows.
func collect[T any](rows *sql.Rows, scan func(sc interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer func() { _ = rows.Close() }()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *diskStore) startJob(ctx context.Context, id string) error {
	_, err := s.writer.ExecContext(ctx, "UPDATE jobs SET state = ? WHERE id = ?", jobStarted, id)
	return err
}

func (s *diskStore) endJob(ctx context.Context, id string, end jobEnd, fw fileWriter, meta fileMeta) (err error) {
	ctx = context.WithoutCancel(ctx)
	if fw != nil {
		w := fw.(*diskWriter)
		meta.id = "file-" + uuid.NewString()
		meta.size = w.size
		if meta.sha256, err = w.seal(meta.id); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				s.drop(meta.id, meta.size)
			}
		}()
		end.results.ResultFileID = &meta.id
	}
	results, err := json.Marshal(end.results)
	if err != nil {
		return err
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if fw != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO files (id, owner, name, purpose, file_type, created, size, sha256)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			meta.id, meta.owner, meta.name, string(meta.purpose), string(meta.fileType), meta.created.UnixMicro(), meta.size, meta.sha256); err != nil {
			return err
		}
	}
	var input string
	err = tx.QueryRowContext(ctx, `UPDATE jobs SET state = ?, end_status = ?, results = ?, judged = ?, total = ?, ended_at = ?
		WHERE id = ? RETURNING input_id`,
		jobEnded, string(end.status), results, end.judged, end.total, end.at.UnixMicro(), id).Scan(&input)
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return s.purge(ctx, input)
}

func (s *diskStore) unfinishedJobs(ctx context.Context) ([]jobRecord, error) {
	rows, err := s.writer.QueryContext(ctx, "SELECT "+jobColumns+" FROM jobs WHERE state <> ? ORDER BY seq", jobEnded)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanJob)
}

func (s *diskStore) usage() (used, limit int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used, s.limit
}

func (s *diskStore) close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}
