package api

import (
	"context"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
)

// TestChatCallErrorsInWords checks that a judge the runner cannot reach is said in words in the
// job's error, without the network package's ("dial tcp 127.0.0.1:1: connect: ...").
func TestChatCallErrorsInWords(t *testing.T) {
	c := &chatCaller{cfg: chatJudgeConfig{retries: 3}}
	where := "judge failed: m: http://127.0.0.1:1/v1/chat/completions"
	for _, tc := range []struct {
		err  error
		want string
	}{
		{
			&url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/chat/completions", Err: &net.OpError{
				Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED},
			}},
			where + ": cannot connect: connection refused (after 4 attempts)",
		},
		{
			&url.Error{Op: "Post", URL: "http://judge.invalid/v1/chat/completions", Err: &net.OpError{
				Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "judge.invalid", IsNotFound: true},
			}},
			where + ": cannot find the host: no such host (after 4 attempts)",
		},
	} {
		if got := c.callError(context.Background(), where, &attemptsError{attempts: 4, err: tc.err}, "").Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}
