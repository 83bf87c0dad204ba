package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"unicode/utf8"

	"github.com/evalkit/together-evals/generated"
)

// maxFieldBytes bounds each text field of an upload form.
const maxFieldBytes = 4096

// uploadForm is an upload as read from its multipart body.
type uploadForm struct {
	fields  map[string]string // purpose, file_name, file_type
	order   []string          // the fields in the order they came
	hasFile bool
	file    fileWriter    // the file's contents, in the store but not yet committed
	check   *jsonlChecker // the JSONL check of the contents, as they streamed by
}

// uploadFields are the text fields of the spec's FileUploadForm.
var uploadFields = map[string]bool{"purpose": true, "file_name": true, "file_type": true}

// uploadFailure is an upload refused: the status (400, 413, 507) and the ErrorData to answer with.
type uploadFailure struct {
	status int
	data   generated.ErrorData
}

// UploadFile (POST /files/upload) stores an uploaded file. The file part streams straight into
// the store (bounded by the upload limit and by the store's), checked as JSONL on the way; the
// form's fields are then checked against the spec, and an evaluation input file must be JSONL
// whose every line is a JSON object. Nothing is stored unless all of it passes.
func (h handlers) UploadFile(ctx context.Context, req generated.UploadFileRequestObject) (generated.UploadFileResponseObject, error) {
	form, fail := h.s.readUpload(ctx, req.Body)
	if form.file != nil {
		defer form.file.abort()
	}
	if fail != nil {
		return uploadError(fail), nil
	}
	if status, data := h.s.checkUploadFields(ctx, form); status != 0 {
		return uploadError(&uploadFailure{status, data}), nil
	}
	purpose := generated.FilePurpose(form.fields["purpose"])
	fileType := generated.FileTypeJsonl
	if t, ok := form.fields["file_type"]; ok {
		fileType = generated.FileType(t)
	}
	if purpose == generated.FilePurposeEval {
		if fileType != generated.FileTypeJsonl {
			return uploadError(&uploadFailure{http.StatusBadRequest, badRequest("file_type", "an evaluation input file (purpose eval) must be jsonl, not %s", fileType)}), nil
		}
		if err := form.check.finish(); err != nil {
			return uploadError(&uploadFailure{http.StatusBadRequest, badRequest("file", "not a valid evaluation input file: %v", err)}), nil
		}
	}
	f, err := h.s.store.addFile(ctx, form.file, fileMeta{
		owner:    ownerOf(ctx),
		name:     form.fields["file_name"],
		purpose:  purpose,
		fileType: fileType,
		created:  stamp(h.s.cfg.clock.Now()),
	})
	if err != nil {
		return nil, err
	}
	return generated.UploadFile200JSONResponse(f.object()), nil
}

func uploadError(f *uploadFailure) generated.UploadFileResponseObject {
	switch f.status {
	case http.StatusRequestEntityTooLarge:
		return generated.UploadFile413JSONResponse{TooLargeJSONResponse: generated.TooLargeJSONResponse(f.data)}
	case http.StatusInsufficientStorage:
		return generated.UploadFile507JSONResponse{StoreFullJSONResponse: generated.StoreFullJSONResponse(f.data)}
	case http.StatusInternalServerError:
		return generated.UploadFile500JSONResponse{InternalErrorJSONResponse: generated.InternalErrorJSONResponse(f.data)}
	}
	return generated.UploadFile400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(f.data)}
}

// lenientChecker feeds the JSONL check without letting its verdict stop the copy: whether the
// verdict matters depends on the purpose, which may come after the file.
type lenientChecker struct{ c *jsonlChecker }

func (l lenientChecker) Write(p []byte) (int, error) {
	_, _ = l.c.Write(p)
	return len(p), nil
}

// readUpload reads the parts of an upload, streaming the file part into the store.
func (s *Server) readUpload(ctx context.Context, mr *multipart.Reader) (uploadForm, *uploadFailure) {
	form := uploadForm{fields: map[string]string{}, check: &jsonlChecker{}}
	readErr := func(param string, err error) *uploadFailure {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return &uploadFailure{http.StatusRequestEntityTooLarge, apiError(errTypeInvalidRequest, "", "file_too_large",
				fmt.Sprintf("the upload is larger than the limit of %d bytes", s.cfg.maxUpload))}
		case errors.Is(err, errStoreFull):
			used, limit := s.store.usage()
			return &uploadFailure{http.StatusInsufficientStorage, apiError(errTypeServer, "file", "store_full",
				fmt.Sprintf("the server's store is full: %d of its %d bytes are used; delete files or raise the limit", used, limit))}
		case errors.Is(err, errTooSlow):
			return &uploadFailure{http.StatusBadRequest, badRequest(param, "%v", err)}
		case ctx.Err() != nil:
			return &uploadFailure{http.StatusBadRequest, badRequest(param, "the upload was cut short")}
		}
		return &uploadFailure{http.StatusBadRequest, badRequest(param, "not a valid multipart form: %v", err)}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return form, readErr("", err)
		}
		name := part.FormName()
		switch {
		case name == "file":
			if form.hasFile {
				return form, &uploadFailure{http.StatusBadRequest, badRequest("file", "given more than once")}
			}
			w, err := s.store.newFile(ctx)
			if err != nil {
				return form, readErr("file", err)
			}
			form.hasFile, form.file = true, w
			if _, err := io.Copy(w, io.TeeReader(part, lenientChecker{form.check})); err != nil {
				return form, readErr("file", err)
			}
		case uploadFields[name]:
			if _, dup := form.fields[name]; dup {
				return form, &uploadFailure{http.StatusBadRequest, badRequest(name, "given more than once")}
			}
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return form, readErr(name, err)
			}
			if len(b) > maxFieldBytes {
				return form, &uploadFailure{http.StatusBadRequest, badRequest(name, "longer than %d bytes", maxFieldBytes)}
			}
			if !utf8.Valid(b) {
				return form, &uploadFailure{http.StatusBadRequest, badRequest(name, "not valid UTF-8")}
			}
			form.fields[name] = string(b)
			form.order = append(form.order, name)
		default:
			return form, &uploadFailure{http.StatusBadRequest, badRequest(name, "unexpected form field; the fields are purpose, file_name, file_type and file")}
		}
		_ = part.Close()
	}
}

// checkUploadFields validates the form against the spec's FileUploadForm with kin-openapi. The
// file's bytes, already read and checked elsewhere, are left out: the validator sees the fields and
// an empty file part (or none, when the upload had none).
func (s *Server) checkUploadFields(ctx context.Context, form uploadForm) (int, generated.ErrorData) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, name := range form.order {
		if err := mw.WriteField(name, form.fields[name]); err != nil {
			return http.StatusInternalServerError, apiError(errTypeServer, "", "", "internal error")
		}
	}
	if form.hasFile {
		if _, err := mw.CreateFormFile("file", form.fields["file_name"]); err != nil {
			return http.StatusInternalServerError, apiError(errTypeServer, "", "", "internal error")
		}
	}
	if err := mw.Close(); err != nil {
		return http.StatusInternalServerError, apiError(errTypeServer, "", "", "internal error")
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.basePath+"/files/upload", &body)
	if err != nil {
		return http.StatusInternalServerError, apiError(errTypeServer, "", "", "internal error")
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if err := s.validator.ValidateRequest(ctx, r); err != nil {
		return requestErrorAnswer(operation{id: OpUploadFile, has400: true}, err, s.cfg.maxUpload)
	}
	return 0, generated.ErrorData{}
}

// GetFile (GET /files/{id}) returns one of the caller's files' metadata.
func (h handlers) GetFile(ctx context.Context, req generated.GetFileRequestObject) (generated.GetFileResponseObject, error) {
	f, err := h.s.store.file(ctx, ownerOf(ctx), req.ID)
	if errors.Is(err, errNotFound) {
		return generated.GetFile404JSONResponse{NotFoundJSONResponse: generated.NotFoundJSONResponse(notFound("File", req.ID))}, nil
	}
	if err != nil {
		return nil, err
	}
	return generated.GetFile200JSONResponse(f.object()), nil
}

// GetFileContent (GET /files/{id}/content) streams one of the caller's files as text/plain.
func (h handlers) GetFileContent(ctx context.Context, req generated.GetFileContentRequestObject) (generated.GetFileContentResponseObject, error) {
	rc, f, err := h.s.store.openFile(ctx, ownerOf(ctx), req.ID)
	if errors.Is(err, errNotFound) {
		return generated.GetFileContent404JSONResponse{NotFoundJSONResponse: generated.NotFoundJSONResponse(notFound("File", req.ID))}, nil
	}
	if err != nil {
		return nil, err
	}
	return generated.GetFileContent200TextResponse{
		Body:          rc,
		ContentType:   "text/plain; charset=utf-8",
		ContentLength: f.size,
	}, nil
}

// maxFileList bounds a GET /files answer: the newest files first, at most this many.
const maxFileList = 1000

// ListFiles (GET /files) lists the caller's files, newest first, at most maxFileList of them.
func (h handlers) ListFiles(ctx context.Context, _ generated.ListFilesRequestObject) (generated.ListFilesResponseObject, error) {
	files, err := h.s.store.filesBefore(ctx, ownerOf(ctx), 0, maxFileList)
	if err != nil {
		return nil, err
	}
	data := make([]generated.FileObject, len(files))
	for i, f := range files {
		data[i] = f.object()
	}
	return generated.ListFiles200JSONResponse{Data: data}, nil
}

// DeleteFile (DELETE /files/{id}) deletes one of the caller's files. A job created on it keeps the
// data it was created with.
func (h handlers) DeleteFile(ctx context.Context, req generated.DeleteFileRequestObject) (generated.DeleteFileResponseObject, error) {
	err := h.s.store.deleteFile(ctx, ownerOf(ctx), req.ID)
	if errors.Is(err, errNotFound) {
		return generated.DeleteFile404JSONResponse{NotFoundJSONResponse: generated.NotFoundJSONResponse(notFound("File", req.ID))}, nil
	}
	if err != nil {
		return nil, err
	}
	return generated.DeleteFile200JSONResponse{ID: req.ID, Deleted: true}, nil
}
