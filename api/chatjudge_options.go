package api

import (
	"fmt"
	"net/http"
	"time"
)

// Defaults of the chat judge (see [WithChatJudge]).
const (
	// DefaultJudgeRetries is how many times a failed chat call is sent again (so at most
	// DefaultJudgeRetries+1 attempts).
	DefaultJudgeRetries = 3
	// DefaultJudgeCallTimeout bounds one attempt of a chat call, from sending to the last byte of
	// the answer.
	DefaultJudgeCallTimeout = 5 * time.Minute
	// DefaultJudgeRetryWaitMin and DefaultJudgeRetryWaitMax bound the wait before a retry: it grows
	// from the first to the second, with jitter; a Retry-After answer is honoured up to the second.
	DefaultJudgeRetryWaitMin = 500 * time.Millisecond
	DefaultJudgeRetryWaitMax = 30 * time.Second
	// DefaultJudgeMaxAnswerBytes bounds the body of one chat answer.
	DefaultJudgeMaxAnswerBytes = 8 << 20
)

// Defaults of the judge's own call where the job does not say, as the provider documents them.
const (
	defaultJudgeMaxTokens   = 32768
	defaultJudgeTemperature = 0.05
)

// ChatJudgeOption configures the chat judge of [WithChatJudge].
type ChatJudgeOption func(*chatJudgeConfig)

type chatJudgeConfig struct {
	baseURL        string
	key            string
	allowExternal  bool
	httpClient     *http.Client
	retries        int
	callTimeout    time.Duration
	waitMin        time.Duration
	waitMax        time.Duration
	maxAnswerBytes int64
}

// WithChatJudge makes the server judge every job with real models instead of the stand-in: each
// row's outputs are generated first where the job names a model configuration, then the judge
// model is asked for its verdict, all through the OpenAI-compatible chat-completions operation
// (POST /chat/completions, operation createChatCompletion of openapi.yaml, generated into
// generated/chat). Models whose model_source is serverless or dedicated are called at baseURL
// ("https://api.together.ai/v1", "http://127.0.0.1:11434/v1"; a base URL with no path gets
// "/v1", as the provider's examples of external_base_url have none) with the key of
// [WithJudgeAPIKey]. A job whose judge or model is external is refused (user_error) unless
// [WithJudgeAllowExternal] is given.
//
// The judge follows the service's semantics; the package documentation says how ("The chat
// judge").
func WithChatJudge(baseURL string, opts ...ChatJudgeOption) Option {
	cfg := chatJudgeConfig{
		baseURL:        baseURL,
		retries:        DefaultJudgeRetries,
		callTimeout:    DefaultJudgeCallTimeout,
		waitMin:        DefaultJudgeRetryWaitMin,
		waitMax:        DefaultJudgeRetryWaitMax,
		maxAnswerBytes: DefaultJudgeMaxAnswerBytes,
	}
	for _, opt := range opts {
		opt(&cfg)
	}
	return func(c *config) {
		// The judge logs where the server does; the logger is read when the server is built.
		c.judge = newChatJudge(cfg, func() *config { return c })
	}
}

// WithJudgeAPIKey is the bearer key sent to the judge's base URL (none by default: local servers
// such as Ollama need none). It never appears in an answer, a log line or an error.
func WithJudgeAPIKey(key string) ChatJudgeOption {
	return func(c *chatJudgeConfig) { c.key = key }
}

// WithJudgeAllowExternal lets jobs whose judge or model has model_source external call their own
// external_base_url with their own external_api_token (off by default: a server that calls any
// URL a client names is a way into the network it runs in).
func WithJudgeAllowExternal(on bool) ChatJudgeOption {
	return func(c *chatJudgeConfig) { c.allowExternal = on }
}

// WithJudgeHTTPClient sends the judge's calls through client's transport (http.DefaultTransport
// by default). The client's own Timeout is replaced by the call timeout, and its CheckRedirect by
// one that follows no redirect (a redirected call fails: the key goes only to the URL given).
func WithJudgeHTTPClient(client *http.Client) ChatJudgeOption {
	return func(c *chatJudgeConfig) {
		if client != nil {
			c.httpClient = client
		}
	}
}

// WithJudgeRetries is how many times a chat call is sent again after a lost connection, a
// timeout, 408, 429 or a 5xx answer other than 501 ([DefaultJudgeRetries]; 0 sends once).
// Negative values count as 0.
func WithJudgeRetries(n int) ChatJudgeOption {
	return func(c *chatJudgeConfig) { c.retries = max(n, 0) }
}

// WithJudgeCallTimeout bounds each attempt of a chat call ([DefaultJudgeCallTimeout]); values
// <= 0 restore the default.
func WithJudgeCallTimeout(d time.Duration) ChatJudgeOption {
	return func(c *chatJudgeConfig) {
		if d <= 0 {
			d = DefaultJudgeCallTimeout
		}
		c.callTimeout = d
	}
}

// WithJudgeRetryWait bounds the wait before a retry (see [DefaultJudgeRetryWaitMin]); a
// Retry-After answer longer than maxWait waits maxWait. Negative values count as 0.
func WithJudgeRetryWait(minWait, maxWait time.Duration) ChatJudgeOption {
	return func(c *chatJudgeConfig) {
		c.waitMin, c.waitMax = max(minWait, 0), max(maxWait, minWait, 0)
	}
}

// JudgeURL checks a judge base URL as [WithChatJudge] reads it and returns the URL its calls go
// to ("https://api.openai.com" gives "https://api.openai.com/v1/chat/completions"). withKey says a
// key will be sent: then the URL must be https, or plain http to a loopback address.
func JudgeURL(baseURL string, withKey bool) (string, error) {
	base, err := chatBase(baseURL)
	if err != nil {
		return "", fmt.Errorf("%q %w", baseURL, err)
	}
	if withKey && plainRemote(base) {
		return "", fmt.Errorf("%q: a key is sent only over https or to a loopback address", baseURL)
	}
	return base + "/chat/completions", nil
}
