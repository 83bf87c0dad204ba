package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/evalkit/together-evals/generated"
)

// maxFieldBytes bounds each text field of an upload form.
const maxFieldBytes = 4096

// uploadForm is an upload as read from its multipart body.
type uploadForm struct {
	fields  map[string]string // purpose, file_name, file_type
	order   []string          // the fields in the order they came
	hasFile bool
	data    []byte
}

// uploadFields are the text fields of the spec's FileUploadForm.
var uploadFields = map[string]bool{"purpose": true, "file_name": true, "file_type": true}

// UploadFile stores an uploaded file. The multipart body streams straight into the store (bounded
// by the upload limit); the form's fields are then checked against the spec, and an evaluation
// input file must be JSONL whose every line is a JSON object.
func (h handlers) UploadFile(ctx context.Context, req generated.UploadFileRequestObject) (generated.UploadFileResponseObject, error) {
	form, status, data := readUpload(req.Body, h.s.cfg.maxUpload)
	if status != 0 {
		return uploadError(status, data), nil
	}
	if status, data := h.s.checkUploadFields(ctx, form); status != 0 {
		return uploadError(status, data), nil
	}
	purpose := generated.FilePurpose(form.fields["purpose"])
	fileType := generated.FileTypeJsonl
	if t, ok := form.fields["file_type"]; ok {
		fileType = generated.FileType(t)
	}
	if purpose == generated.FilePurposeEval {
		if fileType != generated.FileTypeJsonl {
			return uploadError(http.StatusBadRequest, badRequest("file_type", "an evaluation input file (purpose eval) must be jsonl, not %s", fileType)), nil
		}
		if err := checkJSONL(form.data); err != nil {
			return uploadError(http.StatusBadRequest, badRequest("file", "not a valid evaluation input file: %v", err)), nil
		}
	}
	f := h.s.store.addFile(&storedFile{
		name:     form.fields["file_name"],
		purpose:  purpose,
		fileType: fileType,
		created:  stamp(h.s.cfg.clock.Now()),
		data:     form.data,
	})
	return generated.UploadFile200JSONResponse(f.object()), nil
}

func uploadError(status int, data generated.ErrorData) generated.UploadFileResponseObject {
	if status == http.StatusRequestEntityTooLarge {
		return generated.UploadFile413JSONResponse{TooLargeJSONResponse: generated.TooLargeJSONResponse(data)}
	}
	return generated.UploadFile400JSONResponse{BadRequestJSONResponse: generated.BadRequestJSONResponse(data)}
}

// readUpload reads the parts of an upload. On failure it returns the status (400 or 413) and the
// ErrorData to answer with.
func readUpload(mr *multipart.Reader, maxUpload int64) (uploadForm, int, generated.ErrorData) {
	form := uploadForm{fields: map[string]string{}}
	readErr := func(param string, err error) (uploadForm, int, generated.ErrorData) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return form, http.StatusRequestEntityTooLarge, apiError(errTypeInvalidRequest, "", "file_too_large",
				fmt.Sprintf("the upload is larger than the limit of %d bytes", maxUpload))
		}
		return form, http.StatusBadRequest, badRequest(param, "not a valid multipart form: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, 0, generated.ErrorData{}
		}
		if err != nil {
			return readErr("", err)
		}
		name := part.FormName()
		switch {
		case name == "file":
			if form.hasFile {
				return form, http.StatusBadRequest, badRequest("file", "given more than once")
			}
			var buf bytes.Buffer
			if _, err := io.Copy(&buf, part); err != nil {
				return readErr("file", err)
			}
			form.hasFile, form.data = true, buf.Bytes()
		case uploadFields[name]:
			if _, dup := form.fields[name]; dup {
				return form, http.StatusBadRequest, badRequest(name, "given more than once")
			}
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return readErr(name, err)
			}
			if len(b) > maxFieldBytes {
				return form, http.StatusBadRequest, badRequest(name, "longer than %d bytes", maxFieldBytes)
			}
			form.fields[name] = string(b)
			form.order = append(form.order, name)
		default:
			return form, http.StatusBadRequest, badRequest(name, "unexpected form field; the fields are purpose, file_name, file_type and file")
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

// GetFile returns a file's metadata.
func (h handlers) GetFile(_ context.Context, req generated.GetFileRequestObject) (generated.GetFileResponseObject, error) {
	f, ok := h.s.store.file(req.ID)
	if !ok {
		return generated.GetFile404JSONResponse{NotFoundJSONResponse: generated.NotFoundJSONResponse(notFound("File", req.ID))}, nil
	}
	return generated.GetFile200JSONResponse(f.object()), nil
}

// GetFileContent streams a file's bytes as text/plain.
func (h handlers) GetFileContent(_ context.Context, req generated.GetFileContentRequestObject) (generated.GetFileContentResponseObject, error) {
	f, ok := h.s.store.file(req.ID)
	if !ok {
		return generated.GetFileContent404JSONResponse{NotFoundJSONResponse: generated.NotFoundJSONResponse(notFound("File", req.ID))}, nil
	}
	return generated.GetFileContent200TextResponse{
		Body:          bytes.NewReader(f.data),
		ContentType:   "text/plain; charset=utf-8",
		ContentLength: int64(len(f.data)),
	}, nil
}

// ListFiles lists the stored files, newest first.
func (h handlers) ListFiles(_ context.Context, _ generated.ListFilesRequestObject) (generated.ListFilesResponseObject, error) {
	files := h.s.store.listFiles()
	data := make([]generated.FileObject, len(files))
	for i, f := range files {
		data[i] = f.object()
	}
	return generated.ListFiles200JSONResponse{Data: data}, nil
}

// DeleteFile deletes a stored file. A job created on it keeps the data it was created with.
func (h handlers) DeleteFile(_ context.Context, req generated.DeleteFileRequestObject) (generated.DeleteFileResponseObject, error) {
	if !h.s.store.deleteFile(req.ID) {
		return generated.DeleteFile404JSONResponse{NotFoundJSONResponse: generated.NotFoundJSONResponse(notFound("File", req.ID))}, nil
	}
	return generated.DeleteFile200JSONResponse{ID: req.ID, Deleted: true}, nil
}
