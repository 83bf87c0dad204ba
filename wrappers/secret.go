package wrappers

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what a secret prints as.
const redacted = "[REDACTED]"

// Secret is a credential, such as an external judge's API token. It prints as "[REDACTED]" with
// every fmt verb, in slog output and when marshalled to JSON or text, also as a field of a larger
// value; string(s) gives the value back (the client sends it that way).
//
// An untyped string constant converts implicitly, so a field of type Secret can be set with
// ExternalAPIToken: "sk-...", and a string variable with wrappers.Secret(token).
type Secret string

// String returns "[REDACTED]".
func (Secret) String() string { return redacted }

// GoString returns "[REDACTED]", so that %#v does not print the value either.
func (Secret) GoString() string { return redacted }

// Format prints "[REDACTED]" whatever the verb and flags.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue keeps the value out of slog output.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[REDACTED]", so that encoding/json and slog's JSON handler do not show the
// value of a Secret inside a struct.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// apiKey holds the client's API key inside a closure: neither fmt (any verb, at any depth) nor
// reflection can reach a closure's variables, so printing a value that holds one cannot show the
// key.
type apiKey func() string

func newAPIKey(key string) apiKey { return func() string { return key } }
