package wrappers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/evalkit/together-evals/generated"
)

// Client calls the Together AI Evaluations API. Create one with [NewClient]; it is safe for
// concurrent use and holds no state between calls besides its connection pool.
type Client struct {
	base    *url.URL
	baseURL string // base.String(), which paths are appended to
	key     apiKey
	// authorization returns the Authorization header's value, "Bearer " and the key, as the
	// slice every request shares (a closure, like key, so that nothing prints it).
	authorization func() []string
	api           *generated.Client
	doer          *doer // the generated client's doer, for the requests built here
	logger        *slog.Logger
	userAgent     []string // the User-Agent header's value, shared by every request

	// sleep waits for d or until ctx is done; now tells the time. Tests replace both.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// NewClient returns a client configured by opts. Without options the API key comes from
// TOGETHER_API_KEY and the base URL from TOGETHER_BASE_URL, else [DefaultBaseURL].
//
// It fails, without sending anything, when there is no API key, when the base URL is not an
// absolute http(s) URL, or when it is plain http to a host that is not loopback (the key would
// cross the network in clear).
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{
		maxRetries:   DefaultMaxRetries,
		timeout:      DefaultTimeout,
		userAgent:    DefaultUserAgent,
		retryWaitMin: DefaultRetryWaitMin,
		retryWaitMax: DefaultRetryWaitMax,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("wrappers: %w", err)
		}
	}
	if cfg.key == nil {
		if k := strings.TrimSpace(os.Getenv(EnvAPIKey)); k != "" {
			cfg.key = newAPIKey(k)
		}
	}
	if cfg.key == nil {
		return nil, errors.New("wrappers: no API key: set the " + EnvAPIKey +
			" environment variable or pass wrappers.WithAPIKey(key) to NewClient")
	}
	if err := checkKey(cfg.key()); err != nil {
		return nil, err
	}
	if cfg.baseURL == "" {
		cfg.baseURL = strings.TrimSpace(os.Getenv(EnvBaseURL))
	}
	if cfg.baseURL == "" {
		cfg.baseURL = DefaultBaseURL
	}
	base, err := parseBaseURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	auth := []string{"Bearer " + cfg.key()}
	c := &Client{
		authorization: func() []string { return auth },
		base:          base,
		baseURL:       base.String(),
		key:           cfg.key,
		logger:        logger,
		userAgent:     []string{cfg.userAgent},
		sleep:         sleepContext,
		now:           time.Now,
	}
	doer := newDoer(&cfg, base, logger)
	c.doer = doer
	api, err := generated.NewClient(base.String(),
		generated.WithHTTPClient(doer),
		generated.WithRequestEditorFn(c.editRequest),
	)
	if err != nil {
		return nil, fmt.Errorf("wrappers: %w", err)
	}
	c.api = api
	return c, nil
}

// BaseURL returns the base URL the client sends requests to.
func (c *Client) BaseURL() string { return c.base.String() }

// String describes the client without its API key.
func (c *Client) String() string {
	if c == nil {
		return "wrappers.Client(nil)"
	}
	return fmt.Sprintf("wrappers.Client{BaseURL: %q, APIKey: %s}", c.base.String(), redacted)
}

// GoString is [Client.String], so that %#v does not print the key either.
func (c *Client) GoString() string { return c.String() }

// Format prints [Client.String] whatever the verb, so no fmt verb prints the key.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// editRequest adds the API key, User-Agent and Accept headers to every request the generated client
// builds. It refuses to add the key for any URL that is not on the base URL's scheme and host.
func (c *Client) editRequest(_ context.Context, req *http.Request) error {
	if !sameOrigin(c.base, req.URL) {
		return fmt.Errorf("wrappers: refusing to send the API key to %s://%s: not the base URL's host", req.URL.Scheme, req.URL.Host)
	}
	// The values are slices shared by every request (net/http and a RoundTripper only read a
	// request's headers; one that adds a value gets a slice of its own): no allocation per header.
	h := req.Header
	if h == nil {
		h = make(http.Header)
		req.Header = h
	}
	h["Authorization"] = c.authorization()
	h["User-Agent"] = c.userAgent
	if h.Get("Accept") == "" {
		h["Accept"] = acceptJSON
	}
	return nil
}

// acceptJSON is the Accept header of the requests that do not set their own.
var acceptJSON = []string{"application/json"}

// get sends GET base URL + path, path already escaped, through the same editor and doer as the
// generated client's requests, and has its answer read whole within the attempt (withWholeBody).
// Retrieve and Status, the calls programs make in loops, build their request here: the generated
// builder parses the base URL and the path on every call, which cost about 5% of a retrieve's
// client CPU on loopback. FuzzID checks that the URL is the one the generated client builds.
//
// Its first attempt goes straight to the transport when nothing needs the retrying layer
// (first_attempt.go), which then takes over only if that attempt does not settle the call.
func (c *Client) get(ctx context.Context, path string) (*http.Response, error) {
	var rec *recorded
	if c.doer.cheapFirst(ctx) {
		resp, r, ok := c.doer.first.try(ctx, c, path)
		if ok {
			return resp, nil
		}
		rec = r
	}
	req, err := c.newGet(ctx, path)
	if err == nil {
		err = c.editRequest(ctx, req)
	}
	if err != nil {
		if rec != nil && rec.resp != nil && rec.resp.Body != nil {
			_ = rec.resp.Body.Close()
		}
		return nil, err
	}
	return c.doer.do(req, rec)
}

// newGet returns the request of [Client.get], its context already carrying what the doer and the
// retry policy need to know (wholeGet).
func (c *Client) newGet(ctx context.Context, path string) (*http.Request, error) {
	return http.NewRequestWithContext(context.WithValue(ctx, requestKey{}, wholeGet), http.MethodGet, c.baseURL+path, nil)
}

// checkKey refuses a key that cannot be sent as a header. The error never holds the key.
func checkKey(key string) error {
	for i := 0; i < len(key); i++ {
		if b := key[i]; b <= ' ' || b == 0x7f {
			return errors.New("wrappers: the API key holds a space or a control character; check " + EnvAPIKey)
		}
	}
	return nil
}

// parseBaseURL checks that raw is an absolute http(s) URL without credentials, query or fragment,
// and that it is https unless the host is loopback.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the URL whole, credentials included: only say why.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("wrappers: base URL: not a URL: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("wrappers: base URL %q: the scheme must be https (or http for loopback)", u.Redacted())
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("wrappers: base URL %q: no host", u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("wrappers: base URL %q: must not hold credentials", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("wrappers: base URL %q: must not have a query or fragment", u.Redacted())
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("wrappers: base URL %q: refusing to send the API key over plain http to a host that is not loopback; use https", u.Redacted())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// isLoopback reports whether host (no port) is "localhost" or a loopback IP address. It never
// resolves names.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin reports whether u has base's scheme and host (host names compared without case,
// default ports made explicit).
func sameOrigin(base, u *url.URL) bool {
	if u != nil && u.Scheme == base.Scheme && u.Host == base.Host {
		return true // the usual case, without building host:port strings
	}
	if u == nil || !strings.EqualFold(u.Scheme, base.Scheme) {
		return false
	}
	return strings.EqualFold(hostPort(base), hostPort(u))
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return net.JoinHostPort(strings.TrimSuffix(u.Hostname(), "."), port)
}

// sleepContext waits for d, or until ctx is done, whichever comes first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
