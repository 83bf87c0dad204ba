package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// controlPrefix is where the control API lives, outside the API's base path.
const controlPrefix = "/_control/"

// controlFault is the JSON body of POST /_control/faults.
type controlFault struct {
	Operation  string `json:"operation"`
	Times      int    `json:"times"`
	Status     int    `json:"status"`
	RetryAfter string `json:"retry_after"`
	Message    string `json:"message"`
	DelayMS    int64  `json:"delay_ms"`
	Drop       bool   `json:"drop"`
	Malformed  bool   `json:"malformed"`
	Cut        bool   `json:"cut"`
}

// controlAPI serves /_control/ (see the package doc) and passes every other request on. It takes
// the same bearer keys as the API.
func (s *Server) controlAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, controlPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		s.authenticate(http.HandlerFunc(s.control)).ServeHTTP(w, r)
	})
}

func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	switch what := strings.TrimPrefix(r.URL.Path, controlPrefix); {
	case what == "requests" && r.Method == http.MethodGet:
		counts := map[string]int{}
		for _, op := range Operations() {
			counts[op] = s.Requests(op)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(counts)
	case what == "faults" && r.Method == http.MethodPost:
		var f controlFault
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			writeError(w, http.StatusBadRequest, badRequest("", "request body: %v", err))
			return
		}
		op, ok := canonicalOp(f.Operation)
		if !ok {
			writeError(w, http.StatusBadRequest, badRequest("operation", "unknown operation %q; want one of %s", f.Operation, strings.Join(Operations(), ", ")))
			return
		}
		if f.Times < 1 {
			writeError(w, http.StatusBadRequest, badRequest("times", "must be at least 1"))
			return
		}
		if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
			writeError(w, http.StatusBadRequest, badRequest("status", "%s", fmt.Sprintf("%d is not an HTTP status", f.Status)))
			return
		}
		s.faults.Inject(op, f.Times, Fault{
			Status: f.Status, RetryAfter: f.RetryAfter, Message: f.Message,
			Delay: time.Duration(f.DelayMS) * time.Millisecond, Drop: f.Drop, Malformed: f.Malformed, Cut: f.Cut,
		})
		w.WriteHeader(http.StatusNoContent)
	case what == "faults" && r.Method == http.MethodDelete:
		s.faults.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusNotFound, apiError(errTypeNotFound, "", "",
			fmt.Sprintf("Unknown control request: %s %s", r.Method, r.URL.Path)))
	}
}
