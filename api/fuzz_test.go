package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsonlOracle says whether data is a valid evaluation input file, by the rule written plainly:
// UTF-8; split at newlines, a last empty piece (a final newline) dropped; at least one line; each
// line (a final \r dropped) one JSON object.
func jsonlOracle(data []byte) (rows int, ok bool) {
	if !utf8.Valid(data) {
		return 0, false
	}
	lines := strings.Split(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if len(l) > maxRowBytes {
			return 0, false
		}
		var obj map[string]json.RawMessage
		dec := json.NewDecoder(strings.NewReader(l))
		if dec.Decode(&obj) != nil || obj == nil {
			return 0, false
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return 0, false
		}
	}
	return len(lines), len(lines) > 0
}

// FuzzJSONL: the streaming check of an upload agrees with the plain rule however the bytes are
// split across writes, and every file it accepts reads back row by row.
func FuzzJSONL(f *testing.F) {
	for _, s := range []string{"{\"a\": 1}\n", "{\"a\": 1}\r\n{\"b\": [1, 2]}", "\n", "", "{}\n\n", "[1]\n", "{\"a\": \"\xff\"}", "{} {}\n", "{\"a\": 1e999}\n"} {
		f.Add([]byte(s), uint16(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		at := int(cut) % (len(data) + 1)
		var c jsonlChecker
		_, _ = c.Write(data[:at])
		_, _ = c.Write(data[at:])
		err := c.finish()
		rows, ok := jsonlOracle(data)
		if (err == nil) != ok {
			t.Fatalf("check %v, the rule says valid=%v, for %q", err, ok, data)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") && err.Error() != "the file has no rows" {
				t.Errorf("the error names no line: %v", err)
			}
			return
		}
		n := 0
		if err := scanRows(bytes.NewReader(data), func(int, inputRow) error { n++; return nil }); err != nil || n != rows {
			t.Fatalf("scanRows: %d rows, %v; want %d", n, err, rows)
		}
	})
}

// FuzzUpload: whatever multipart body arrives, the server answers 200, 400 or 413 with ErrorData
// (the answer checked against the spec), never panics, and stores exactly the file part it read.
func FuzzUpload(f *testing.F) {
	seed := func(parts ...[2]string) []byte {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.SetBoundary("fuzzboundary")
		for _, p := range parts {
			if p[0] == "file" {
				w, _ := mw.CreateFormFile("file", "in.jsonl")
				_, _ = io.WriteString(w, p[1])
			} else {
				_ = mw.WriteField(p[0], p[1])
			}
		}
		_ = mw.Close()
		return b.Bytes()
	}
	f.Add(seed([2]string{"purpose", "eval"}, [2]string{"file_name", "a.jsonl"}, [2]string{"file", "{\"a\": 1}\n"}))
	f.Add(seed([2]string{"file", "{\"a\": 1}\n"}, [2]string{"purpose", "eval"}, [2]string{"file_name", "a.jsonl"}))
	f.Add(seed([2]string{"purpose", "fine-tune"}, [2]string{"file_name", "x"}, [2]string{"file", "not json"}))
	f.Add(seed([2]string{"purpose", "eval"}, [2]string{"file_name", "a"}, [2]string{"file", "{\"a\": \"\xff\"}"}))
	f.Add(seed([2]string{"purpose", "eval"}, [2]string{"purpose", "eval"}))
	f.Add([]byte("--fuzzboundary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n{}"))
	s := New(WithMaxUploadBytes(1<<16), WithMaxStoreBytes(1<<20))
	defer func() { _ = s.Close() }()
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/v1/files/upload", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=fuzzboundary")
		r.Header.Set("Authorization", "Bearer fuzz")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
			var obj struct {
				ID    string `json:"id"`
				Bytes int64  `json:"bytes"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &obj); err != nil {
				t.Fatalf("200 with %q", w.Body.String())
			}
			rc, _, err := s.store.openFile(t.Context(), ownerOfKey("fuzz"), obj.ID)
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := io.ReadAll(rc)
			if int64(len(stored)) != obj.Bytes || !bytes.Equal(stored, filePart(body)) {
				t.Fatalf("stored %q, the file part is %q", stored, filePart(body))
			}
			_ = s.store.deleteFile(t.Context(), ownerOfKey("fuzz"), obj.ID)
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			var d struct {
				Error struct{ Message string } `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil || d.Error.Message == "" {
				t.Fatalf("%d with %q", w.Code, w.Body.String())
			}
		default:
			t.Fatalf("answered %d: %s", w.Code, w.Body.String())
		}
		if v := s.Violations(); len(v) > 0 {
			t.Fatalf("an answer broke the spec: %v", v[0])
		}
	})
}

// filePart reads the file part of a multipart body with the standard library alone.
func filePart(body []byte) []byte {
	mr := multipart.NewReader(bytes.NewReader(body), "fuzzboundary")
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil
		}
		if p.FormName() == "file" {
			b, _ := io.ReadAll(p)
			return b
		}
	}
}
