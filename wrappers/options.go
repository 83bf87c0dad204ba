package wrappers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Defaults used by [NewClient].
const (
	// DefaultBaseURL is the API's base URL when neither [WithBaseURL] nor TOGETHER_BASE_URL is set.
	DefaultBaseURL = "https://api.together.ai/v1"
	// DefaultMaxRetries is how many times a failed request is retried, where retrying is safe.
	DefaultMaxRetries = 2
	// DefaultTimeout bounds each HTTP attempt (connecting, sending, reading the answer); see
	// [WithTimeout].
	DefaultTimeout = 60 * time.Second
	// DefaultRetryWaitMin is the base of the exponential backoff between retries.
	DefaultRetryWaitMin = 500 * time.Millisecond
	// DefaultRetryWaitMax caps the wait between retries; an answer whose Retry-After asks for more
	// is not retried but returned at once, as an *APIError with RetryAfter set.
	DefaultRetryWaitMax = 30 * time.Second
	// DefaultUserAgent is sent as User-Agent unless [WithUserAgent] replaces it.
	DefaultUserAgent = "together-evals-go/" + Version
	// Version is the version of this package, as sent in the default User-Agent.
	Version = "0.1.0"
)

// Environment variables read by [NewClient] when the matching option is not given.
const (
	EnvAPIKey  = "TOGETHER_API_KEY"
	EnvBaseURL = "TOGETHER_BASE_URL"
)

// Option configures a [Client] in [NewClient].
type Option func(*config) error

// config is what the options set. It holds the key only inside an apiKey closure, so printing it
// cannot show the key.
type config struct {
	key          apiKey
	baseURL      string
	httpClient   *http.Client
	maxRetries   int
	timeout      time.Duration
	timeoutSet   bool
	userAgent    string
	retryWaitMin time.Duration
	retryWaitMax time.Duration
	logger       *slog.Logger
	onRetry      func(Retry)
}

// WithAPIKey sets the API key sent as "Authorization: Bearer <key>". Without it the key comes from
// the TOGETHER_API_KEY environment variable.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if key == "" {
			return errors.New("WithAPIKey: the key is empty")
		}
		c.key = newAPIKey(key)
		return nil
	}
}

// WithBaseURL sets the API's base URL, such as "https://api.together.ai/v1" or
// "http://127.0.0.1:8080/v1" for a local server. Without it the base URL comes from the
// TOGETHER_BASE_URL environment variable, else [DefaultBaseURL]. Plain http is allowed only for
// loopback hosts.
func WithBaseURL(baseURL string) Option {
	return func(c *config) error {
		if baseURL == "" {
			return errors.New("WithBaseURL: the URL is empty")
		}
		c.baseURL = baseURL
		return nil
	}
}

// WithHTTPClient sets the HTTP client that sends each attempt. The client is copied, not changed:
// the copy gets a redirect policy that keeps the API key on the base URL's host, and the timeout of
// [WithTimeout] if that option is given too. Retries happen around it.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("WithHTTPClient: the client is nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithMaxRetries sets how many times a failed request is retried where that is safe (default 2).
// Zero turns retries off.
func WithMaxRetries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("WithMaxRetries: %d is negative", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithTimeout bounds each HTTP attempt: connecting, sending and reading the whole answer (default
// 60 s). For file uploads and downloads, which may take longer, it bounds instead the wait for
// the answer once the request is sent and each read of the body. Zero means no limit besides the
// context's. Bound a whole call, retries included, with the context. With [WithHTTPClient] and no
// WithTimeout, that client's own Timeout is kept.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithTimeout: %s is negative", d)
		}
		c.timeout = d
		c.timeoutSet = true
		return nil
	}
}

// WithUserAgent replaces the User-Agent header (default [DefaultUserAgent]).
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if ua == "" {
			return errors.New("WithUserAgent: the user agent is empty")
		}
		for i := 0; i < len(ua); i++ {
			if ua[i] < 0x20 || ua[i] == 0x7f {
				return errors.New("WithUserAgent: the user agent holds a control character")
			}
		}
		c.userAgent = ua
		return nil
	}
}

// WithRetryWaitBounds sets the base and the cap of the wait between retries (default 500 ms and
// 30 s). The n-th retry waits a random time between 0 and min·2ⁿ⁻¹, capped at max; a Retry-After
// answer is honoured up to max.
func WithRetryWaitBounds(minWait, maxWait time.Duration) Option {
	return func(c *config) error {
		if minWait <= 0 || maxWait < minWait {
			return fmt.Errorf("WithRetryWaitBounds: need 0 < min <= max, got min %s, max %s", minWait, maxWait)
		}
		c.retryWaitMin, c.retryWaitMax = minWait, maxWait
		return nil
	}
}

// WithLogger logs requests (method, path, status, duration) at debug level and retries at info
// level. Headers, bodies and the API key are never logged. Without it nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}
