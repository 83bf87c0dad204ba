package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/evalkit/together-evals/generated/chat"
)

// endpoint is where a model is called: a chat-completions base URL and the key sent there.
type endpoint struct {
	base string // normalised: scheme://host[/path], no trailing slash
	key  string // "" sends no Authorization header
}

// chatBase normalises a base URL for the generated client: an absolute http or https URL with a
// host; a URL with no path gets "/v1" (the provider writes external_base_url without it), a URL
// that already ends in /chat/completions loses it (the client appends it). Userinfo is refused: a
// credential belongs in the key, not in a URL that is logged.
func chatBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", errors.New("is not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("must start with http:// or https://")
	case u.Host == "":
		return "", errors.New("has no host")
	case u.User != nil:
		return "", errors.New("must not hold a user name or password (give the key separately)")
	case u.RawQuery != "" || u.Fragment != "":
		return "", errors.New("must not have a query or a fragment")
	}
	path := strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/chat/completions")
	if path == "" {
		path = "/v1"
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(path, "/"), nil
}

// plainRemote reports whether base is plain http to a host that is not a loopback address: where
// a key is never sent.
func plainRemote(base string) bool {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// chatCaller makes chat calls through generated clients (one per base URL) that share one
// retrying HTTP client.
type chatCaller struct {
	cfg  chatJudgeConfig
	doer chat.HttpRequestDoer

	mu      sync.RWMutex
	clients map[string]*chat.Client
}

func newChatCaller(cfg chatJudgeConfig) *chatCaller {
	base := cfg.httpClient
	if base == nil {
		base = &http.Client{Transport: judgeTransport()}
	}
	attempt := *base
	attempt.Timeout = cfg.callTimeout
	attempt.CheckRedirect = noRedirects
	rc := &retryablehttp.Client{
		HTTPClient:   &attempt,
		RetryWaitMin: cfg.waitMin,
		RetryWaitMax: cfg.waitMax,
		RetryMax:     cfg.retries,
		CheckRetry:   retryChat,
		Backoff:      backoff,
		ErrorHandler: countAttempts,
	}
	doer := retryDoer{rc: rc, maxBody: cfg.maxAnswerBytes, readAnswer: answerReader(cfg.maxAnswerBytes)}
	return &chatCaller{cfg: cfg, doer: doer, clients: map[string]*chat.Client{}}
}

// noRedirects stops the HTTP client at a redirect, which the call then reports as an error. Go
// would follow a redirect to the same host name on another port or scheme with the Authorization
// header (a key sent to another server, or over plain http), and a chat completion has no reason
// to be redirected.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// judgeTransport is http.DefaultTransport's settings with room for the connections a job's
// workers keep open to one endpoint (the default keeps 2 idle per host, so that 25 workers would
// open a new connection for most calls).
func judgeTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = int(DefaultMaxRowsInFlight)
	return t
}

// maxChatClients bounds the generated clients kept, one per base URL.
const maxChatClients = 64

// client is the generated client for a base URL.
func (c *chatCaller) client(base string) (*chat.Client, error) {
	c.mu.RLock()
	cl, ok := c.clients[base]
	c.mu.RUnlock()
	if ok {
		return cl, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[base]; ok {
		return cl, nil
	}
	if len(c.clients) >= maxChatClients {
		clear(c.clients) // external URLs come and go with jobs; the transport's pool is shared
	}
	cl, err := chat.NewClient(base, chat.WithHTTPClient(c.doer))
	if err != nil {
		return nil, err
	}
	c.clients[base] = cl
	return cl, nil
}

// retryChat says whether to send a chat call again: after a lost connection or a timeout, and on
// 408, 429 and 5xx answers but 501 (retryablehttp's policy, plus 408). A cancelled context stops
// at once.
func retryChat(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err == nil && resp.StatusCode == http.StatusRequestTimeout {
		return true, nil
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// backoff is the wait before retry number attempt+1: what a Retry-After header says (seconds or an
// HTTP date), or min doubled per attempt with jitter (between half and all of it); never more than
// max.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, maxWait)
		}
	}
	d := minWait
	for i := 0; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1) //nolint:gosec // jitter, not a secret
}

// attemptsError is a call's last error with the number of attempts made.
type attemptsError struct {
	attempts int
	err      error
}

func (e *attemptsError) Error() string { return e.err.Error() }
func (e *attemptsError) Unwrap() error { return e.err }

// countAttempts is retryablehttp.PassthroughErrorHandler that notes, with the error, how many
// attempts were made (a call that is not retried is sent once, not as often as it could be).
func countAttempts(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err != nil {
		err = &attemptsError{attempts: attempts, err: err}
	}
	return resp, err
}

// attemptsOf words how many attempts the error of a call says were made.
func attemptsOf(err error) string {
	n := 1
	if a, ok := errors.AsType[*attemptsError](err); ok {
		n = a.attempts
	}
	if n == 1 {
		return "after 1 attempt"
	}
	return fmt.Sprintf("after %d attempts", n)
}

// retryAfter reads a Retry-After value: whole seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryDoer sends a request through retryablehttp and bounds the answer's body.
type retryDoer struct {
	rc      *retryablehttp.Client
	maxBody int64
	// readAnswer is the response handler that reads a 200 answer within its attempt (built once:
	// a call allocates no closure for it).
	readAnswer retryablehttp.ResponseHandlerFunc
}

func (d retryDoer) Do(req *http.Request) (*http.Response, error) {
	rr, err := retryRequest(req)
	if err != nil {
		return nil, err
	}
	rr.SetResponseHandler(d.readAnswer)
	resp, err := d.rc.Do(rr)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{r: io.LimitReader(resp.Body, d.maxBody+1), c: resp.Body, left: d.maxBody}
	return resp, nil
}

// answerReader returns the response handler of a retryDoer. An attempt runs to the answer's last
// byte: a 200 answer is read within it (at most maxBody+1 bytes, in one buffer of the announced
// length when there is one), so that a connection lost or an attempt timed out while its body is
// read is retried like one before the status. Error answers are read by the caller, 64 KiB at
// most.
func answerReader(maxBody int64) retryablehttp.ResponseHandlerFunc {
	return func(resp *http.Response) error {
		if resp.StatusCode != http.StatusOK {
			return nil
		}
		defer func() { _ = resp.Body.Close() }()
		var b []byte
		var err error
		if n := resp.ContentLength; n >= 0 && n <= min(maxBody, answerPrealloc) {
			b = make([]byte, n)
			_, err = io.ReadFull(resp.Body, b)
		} else {
			// A larger announced length is not taken on trust: the buffer grows as bytes come (an
			// endpoint announcing 8 MiB and sending one byte holds no 8 MiB).
			b, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		}
		if err != nil {
			var ne net.Error
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.As(err, &ne) {
				return fmt.Errorf("%w: %w", errAnswerLost, err)
			}
			return &answerReadError{err: err}
		}
		body := &answerBody{}
		body.Reset(b)
		resp.Body = body
		return nil
	}
}

// answerPrealloc is the largest announced answer read into a buffer of its length at once.
const answerPrealloc = 64 << 10

// answerBody is an answer read within its attempt.
type answerBody struct{ bytes.Reader }

// Close does nothing: the connection's body was closed when it was read.
func (*answerBody) Close() error { return nil }

// errAnswerUnreadable is an answer whose body failed to read for a reason of its own, not the
// connection's; answerReadError carries the reason.
var errAnswerUnreadable = errors.New("the answer could not be read")

// answerReadError is an answer's body that failed to read, not for a lost connection.
type answerReadError struct{ err error }

func (e *answerReadError) Error() string   { return errAnswerUnreadable.Error() + ": " + e.err.Error() }
func (e *answerReadError) Unwrap() []error { return []error{errAnswerUnreadable, e.err} }

// errAnswerLost is an answer whose body could not be read to its end: the connection was lost.
var errAnswerLost = errors.New("the connection was lost while the answer was read")

// retryRequest wraps req for retryablehttp. A body that can be had again (GetBody, as
// http.NewRequest sets it for the generated client's JSON) is taken from there for each attempt
// rather than read into a copy first.
func retryRequest(req *http.Request) (*retryablehttp.Request, error) {
	getBody := req.GetBody
	if getBody == nil || req.Body == nil || req.Body == http.NoBody {
		return retryablehttp.FromRequest(req)
	}
	rr := &retryablehttp.Request{Request: req}
	n := req.ContentLength
	if err := rr.SetBody(retryablehttp.ReaderFunc(func() (io.Reader, error) { return getBody() })); err != nil {
		return nil, err
	}
	rr.ContentLength = n // SetBody cannot tell the length of what GetBody returns
	return rr, nil
}

// errAnswerTooLarge is an answer body past the judge's bound.
var errAnswerTooLarge = errors.New("the answer is larger than the judge reads")

// limitedBody reads at most left bytes, then fails with errAnswerTooLarge.
type limitedBody struct {
	r    io.Reader
	c    io.Closer
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, errAnswerTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.c.Close() }

// chatRequest is one call: who is called, and what is asked.
type chatRequest struct {
	ep          endpoint
	model       string
	system      string
	user        string
	maxTokens   int
	temperature float64
}

// chatAnswer is what a call brought back.
type chatAnswer struct {
	text  string
	usage *tokenUsage
}

// call asks a model for a completion. Its error is a sentence for a result row: it names the URL
// called and what went wrong, and holds no key.
func (c *chatCaller) call(ctx context.Context, r chatRequest) (chatAnswer, error) {
	where := r.ep.base + "/chat/completions"
	cl, err := c.client(r.ep.base)
	if err != nil {
		return chatAnswer{}, fmt.Errorf("%s: %w", where, err)
	}
	var messages []chat.ChatMessage
	if r.system != "" {
		messages = append(messages, chat.ChatMessage{Role: "system", Content: &r.system})
	}
	messages = append(messages, chat.ChatMessage{Role: "user", Content: &r.user})
	body := chat.ChatCompletionRequest{Model: r.model, Messages: messages, MaxTokens: &r.maxTokens, Temperature: &r.temperature}
	auth := func(_ context.Context, req *http.Request) error {
		if r.ep.key != "" {
			req.Header.Set("Authorization", "Bearer "+r.ep.key)
		}
		return nil
	}
	resp, err := cl.CreateChatCompletion(ctx, body, auth)
	if err != nil {
		return chatAnswer{}, c.callError(ctx, where, err, r.ep.key)
	}
	defer func() { _ = resp.Body.Close() }()
	// The status line and the headers are the endpoint's words too: a key it echoes there is
	// scrubbed as in its body.
	status := scrub(resp.Status, r.ep.key)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return chatAnswer{}, fmt.Errorf("%s answered %s: redirects are not followed (the key goes only to the URL given); give the URL it points at", where, status)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return chatAnswer{}, fmt.Errorf("%s answered %s%s", where, status, errorDetail(b, r.ep.key))
	}
	parsed, err := chat.ParseCreateChatCompletionResponse(resp)
	switch {
	case errors.Is(err, errAnswerTooLarge):
		return chatAnswer{}, fmt.Errorf("%s: the answer is larger than %d bytes", where, c.cfg.maxAnswerBytes)
	case err != nil:
		return chatAnswer{}, c.callError(ctx, where, err, r.ep.key)
	case parsed.JSON200 == nil:
		return chatAnswer{}, fmt.Errorf("%s answered %q, not a chat completion in JSON", where, scrub(resp.Header.Get("Content-Type"), r.ep.key))
	case len(parsed.JSON200.Choices) == 0:
		return chatAnswer{}, fmt.Errorf("%s answered no choices", where)
	}
	var a chatAnswer
	if m := parsed.JSON200.Choices[0].Message; m != nil && m.Content != nil {
		// A model (or a proxy in front of it) that repeats the key in its answer must not put it
		// in a result row's feedback, judge_answer or generated output.
		a.text = scrub(*m.Content, r.ep.key)
	}
	a.usage = usageOf(parsed.JSON200.Usage)
	return a, nil
}

// usageOf is the token usage an answer reports; none where it reports none, or a count below zero
// (which no count is: the API's usage counts are at least 0).
func usageOf(u *chat.ChatUsage) *tokenUsage {
	if u == nil {
		return nil
	}
	count := func(n *int) int64 {
		if n == nil {
			return 0
		}
		return int64(*n)
	}
	usage := &tokenUsage{prompt: count(u.PromptTokens), completion: count(u.CompletionTokens)}
	if u.TotalTokens != nil {
		usage.total = count(u.TotalTokens)
	} else {
		usage.total = sumCounts(usage.prompt, usage.completion)
	}
	if usage.prompt < 0 || usage.completion < 0 || usage.total < 0 {
		return nil
	}
	return usage
}

// callError words a failed call: the server stopping, a timeout, a lost connection, or an answer
// that is not JSON.
func (c *chatCaller) callError(ctx context.Context, where string, err error, key string) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: the job was stopped before the model answered", where)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("%s: no answer within %s (%s)", where, c.cfg.callTimeout, attemptsOf(err))
	case errors.Is(err, errAnswerLost):
		return fmt.Errorf("%s: %w (%s)", where, errAnswerLost, attemptsOf(err))
	case errors.Is(err, errAnswerUnreadable):
		// The body's own reason (a gzip body that is not gzip), scrubbed of the key.
		var ue *answerReadError
		reason := "no reason given"
		if errors.As(err, &ue) && ue.err != nil {
			reason = scrub(ue.err.Error(), key)
		}
		return fmt.Errorf("%s: %w: %s (%s)", where, errAnswerUnreadable, reason, attemptsOf(err))
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%s answered something that is not JSON", where)
	case errors.As(err, &typ):
		return fmt.Errorf("%s answered JSON that is not a chat completion (%s holds a %s)", where, typ.Field, typ.Value)
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Errorf("%s: cannot find the host: %s (%s)", where, dnsErr.Err, attemptsOf(err))
	case errors.As(err, &opErr) && opErr.Op == "dial" && opErr.Err != nil:
		// "dial tcp 127.0.0.1:1: connect: connection refused": the reason is the last part.
		reason := opErr.Err.Error()
		if i := strings.LastIndex(reason, ": "); i >= 0 {
			reason = reason[i+2:]
		}
		return fmt.Errorf("%s: cannot connect: %s (%s)", where, reason, attemptsOf(err))
	}
	attempts := attemptsOf(err)
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return fmt.Errorf("%s: %s (%s)", where, scrub(err.Error(), key), attempts)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// errorDetail is the message of an error answer, read leniently ({"error": {"message": ...}},
// {"error": "..."}, {"message": ...} or text), shortened and without the key.
func errorDetail(body []byte, key string) string {
	msg := strings.TrimSpace(string(body))
	var v struct {
		Error   any    `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &v) == nil {
		switch e := v.Error.(type) {
		case string:
			msg = e
		case map[string]any:
			if m, ok := e["message"].(string); ok {
				msg = m
			}
		default:
			if v.Message != "" {
				msg = v.Message
			}
		}
	}
	msg = strings.Join(strings.Fields(scrub(msg, key)), " ")
	if msg == "" {
		return ""
	}
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "..."
	}
	return ": " + msg
}

// scrub removes a key from text an endpoint or a library wrote.
func scrub(text, key string) string {
	if len(key) < 4 {
		return text
	}
	return strings.ReplaceAll(text, key, "[REDACTED]")
}
