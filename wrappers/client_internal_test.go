package wrappers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEditRequestAddsTheKeyOnlyForTheBaseOrigin(t *testing.T) {
	c, err := NewClient(WithAPIKey("sk-secret"), WithBaseURL("https://api.together.ai/v1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://api.together.ai/v1/evaluation/x", true},
		{"https://API.together.ai:443/v1/evaluation", true},
		{"https://api.together.ai./v1/evaluation", true},
		{"http://api.together.ai/v1/evaluation", false},
		{"https://api.together.ai:8443/v1/evaluation", false},
		{"https://evil.api.together.ai/v1/evaluation", false},
		{"https://example.com/v1/evaluation", false},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		req := &http.Request{URL: u, Header: http.Header{}}
		err = c.editRequest(context.Background(), req)
		if got := req.Header.Get("Authorization") == "Bearer sk-secret"; got != tc.ok || (err == nil) != tc.ok {
			t.Errorf("%s: key added %v, error %v", tc.url, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "sk-secret") {
			t.Errorf("the error shows the key: %v", err)
		}
	}
}

func TestWithHTTPClientIsCopied(t *testing.T) {
	mine := &http.Client{Timeout: 5 * time.Second}
	c, err := NewClient(WithAPIKey("k"), WithHTTPClient(mine), WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if mine.CheckRedirect != nil || mine.Timeout != 5*time.Second {
		t.Error("NewClient changed the caller's *http.Client")
	}
	d := c.api.Client.(*doer)
	if d.direct == mine || d.direct.Timeout != time.Second || d.direct.CheckRedirect == nil {
		t.Errorf("the client's copy: timeout %s, redirect policy %v", d.direct.Timeout, d.direct.CheckRedirect != nil)
	}
	rh := d.retrying.HTTPClient
	if rh.CheckRedirect == nil || d.retrying.Logger != nil || d.retrying.RetryMax != DefaultMaxRetries {
		t.Error("the retrying client is not set up as documented")
	}
	// The retrying layer sees the transport without CloseIdleConnections (see keepIdleConns),
	// which applies the attempt timeout in place of Client.Timeout.
	if _, ok := rh.Transport.(interface{ CloseIdleConnections() }); ok {
		t.Error("retryablehttp can close the shared pool's idle connections")
	}
	if nc, ok := rh.Transport.(noCloseIdle); !ok || nc.timeout != d.direct.Timeout || rh.Timeout != 0 {
		t.Errorf("the retrying client's timeout: %s on the client, %+v on the transport; want %s on the transport", rh.Timeout, rh.Transport, d.direct.Timeout)
	}
}

func TestDefaultTransport(t *testing.T) {
	c, err := NewClient(WithAPIKey("k"))
	if err != nil {
		t.Fatal(err)
	}
	d := c.api.Client.(*doer)
	tr, ok := d.direct.Transport.(*http.Transport)
	if !ok || tr.MaxIdleConnsPerHost != 64 || tr.Proxy == nil || d.direct.Timeout != DefaultTimeout {
		t.Errorf("transport = %#v, timeout %s", d.direct.Transport, d.direct.Timeout)
	}
	if tr == http.DefaultTransport {
		t.Error("the default transport is shared, not cloned")
	}
}
