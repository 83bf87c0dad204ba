package api

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"runtime/debug"
	"strings"

	"github.com/evalkit/together-evals/generated"
)

// The middleware below wraps the generated handler, outermost first:
//
//	recoverPanics -> route -> injectFaults -> validateResponses -> authenticate -> limitBody ->
//	validateRequests -> ServeMux (generated routes, then the ErrorData fallback)

// recoverPanics turns a panic into 500 ErrorData, so that no handler bug ever reaches a client as a
// dropped connection. http.ErrAbortHandler (a deliberate abort) goes through.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.cfg.logger.Error("api: handler panicked", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if tw.wrote {
				// Part of an answer is out; all that is left is to cut it short.
				panic(http.ErrAbortHandler)
			}
			writeError(w, http.StatusInternalServerError, apiError(errTypeServer, "", "", "internal error"))
		}()
		next.ServeHTTP(tw, r)
	})
}

// trackingWriter remembers whether an answer has started.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *trackingWriter) WriteHeader(status int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *trackingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *trackingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// route finds the operation a request is for (the generated ServeMux and the spec's router must
// agree), records it in the context and counts the request.
func (s *Server) route(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var op operation
		if _, pattern := s.mux.Handler(r); pattern != "" && pattern != fallbackPattern && isClean(r.URL.EscapedPath()) {
			if route, _, err := s.validator.Route(r); err == nil {
				if id, ok := canonicalOp(route.Operation.OperationID); ok {
					op = operation{id: id, has400: route.Operation.Responses.Status(http.StatusBadRequest) != nil}
				}
			}
		}
		if op.id != "" {
			s.requests[op.id].Add(1)
		}
		next.ServeHTTP(w, r.WithContext(withOperation(r.Context(), op)))
	})
}

// isClean says whether an escaped path is in the form the ServeMux serves without redirecting (no "//",
// "." or ".." segments). Other paths match no operation.
func isClean(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// injectFaults applies the next injected fault of the request's operation.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := operationOf(r.Context())
		if op.id != "" {
			if fault, ok := s.faults.take(op.id); ok {
				s.cfg.logger.Info("api: injecting fault", "operation", op.id, "status", fault.Status,
					"delay", fault.Delay, "drop", fault.Drop, "malformed", fault.Malformed, "cut", fault.Cut)
				if fault.apply(w, r) {
					return
				}
				if fault.Cut {
					cw := newCutWriter(w)
					next.ServeHTTP(cw, r)
					cw.cut()
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate requires `Authorization: Bearer <key>` with an accepted key.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, key, found := strings.Cut(r.Header.Get("Authorization"), " ")
		key = strings.TrimSpace(key)
		switch {
		case !found || !strings.EqualFold(scheme, "Bearer") || key == "":
			unauthorized(w, "Missing API key: send the header \"Authorization: Bearer <key>\"")
		case !s.keyAccepted(key):
			unauthorized(w, "Invalid API key provided")
		default:
			next.ServeHTTP(w, r.WithContext(withOwner(r.Context(), ownerOfKey(key))))
		}
	})
}

func (s *Server) keyAccepted(key string) bool {
	if len(s.cfg.keys) == 0 {
		return true
	}
	ok := 0
	for _, k := range s.cfg.keys {
		ok |= subtle.ConstantTimeCompare([]byte(k), []byte(key))
	}
	return ok == 1
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="together-evals"`)
	writeError(w, http.StatusUnauthorized, apiError(errTypeInvalidRequest, "", "invalid_api_key", msg))
}

// limitBody bounds every request body: uploads by the configured size, JSON by maxJSONBodyBytes.
// A declared length over the bound is refused before anything is read.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := operationOf(r.Context())
		limit := int64(maxJSONBodyBytes)
		if op.id == OpUploadFile {
			limit = s.cfg.maxUpload
		}
		if r.ContentLength > limit {
			status, data := requestErrorAnswer(op, &http.MaxBytesError{Limit: limit}, s.cfg.maxUpload)
			// The client may still be sending; do not keep the connection for the rest.
			w.Header().Set("Connection", "close")
			writeError(w, status, data)
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// validateRequests checks each request against the spec before a handler sees it. Uploads are
// streamed and checked by their handler instead (see UploadFile), so that a large file is never
// held twice. A request for no operation of the spec (the ServeMux would take a HEAD for a GET)
// goes to the fallback.
func (s *Server) validateRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := operationOf(r.Context())
		if op.id == "" {
			s.fallback(w, r)
			return
		}
		if op.id == OpUploadFile {
			next.ServeHTTP(w, r)
			return
		}
		if r.Body != nil && r.ContentLength != 0 && strings.Contains(r.Header.Get("Content-Type"), "json") {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				status, data := requestErrorAnswer(op, err, s.cfg.maxUpload)
				writeError(w, status, data)
				return
			}
			if err := checkJSONText(body); err != nil {
				writeError(w, http.StatusBadRequest, createError(err))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if err := s.validator.ValidateRequest(r.Context(), r); err != nil {
			status, data := requestErrorAnswer(op, err, s.cfg.maxUpload)
			writeError(w, status, data)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// fallbackPattern catches every request that no operation of the spec matches.
const fallbackPattern = "/"

// fallback answers requests for no operation: 405 with an Allow header where the path exists
// with other methods, 404 otherwise, both as ErrorData.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) {
	if allowed := s.allowedMethods(r); len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, apiError(errTypeInvalidRequest, "", "",
			fmt.Sprintf("Method %s is not allowed for %s; use %s", r.Method, r.URL.EscapedPath(), strings.Join(allowed, " or "))))
		return
	}
	writeError(w, http.StatusNotFound, apiError(errTypeNotFound, "", "",
		fmt.Sprintf("Unknown request URL: %s %s", r.Method, r.URL.EscapedPath())))
}

// allowedMethods lists the methods the spec has for r's path, if r's own is not one of them. The
// router tells a wrong method only for paths without parameters, so each method is tried.
func (s *Server) allowedMethods(r *http.Request) []string {
	if !isClean(r.URL.EscapedPath()) {
		return nil
	}
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		rr := r.Clone(r.Context())
		rr.Method = m
		if _, pattern := s.mux.Handler(rr); pattern == "" || pattern == fallbackPattern {
			continue
		}
		if _, _, err := s.validator.Route(rr); err == nil {
			allowed = append(allowed, m)
		}
	}
	return allowed
}

// strictOptions replace the generated error handlers, which answer in text/plain.
func (s *Server) strictOptions() generated.StrictHTTPServerOptions {
	return generated.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			status, data := requestErrorAnswer(operationOf(r.Context()), err, s.cfg.maxUpload)
			writeError(w, status, data)
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			s.cfg.logger.Error("api: handler failed", "method", r.Method, "path", r.URL.Path, "error", err)
			writeError(w, http.StatusInternalServerError, apiError(errTypeServer, "", "", "internal error"))
		},
	}
}

// paramError answers a parameter the generated wrapper could not bind (validation normally catches
// these first).
func (s *Server) paramError(w http.ResponseWriter, r *http.Request, err error) {
	op := operationOf(r.Context())
	var pe *generated.InvalidParamFormatError
	if errors.As(err, &pe) && pe.ParamName == "id" && !op.has400 {
		writeError(w, http.StatusNotFound, apiError(errTypeNotFound, "", "", "not found: the id is not valid"))
		return
	}
	param := ""
	if errors.As(err, &pe) {
		param = pe.ParamName
	}
	writeError(w, http.StatusBadRequest, badRequest(param, "%s", firstLine(err.Error())))
}
