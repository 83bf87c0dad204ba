package wrappers

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what a secret prints as.
const redacted = "[REDACTED]"

// Secret is a credential, such as an external judge's API token. It prints as "[REDACTED]" with
// every fmt verb and in slog output; string(s) gives the value back.
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

// apiKey holds the client's API key. It is a pointer to a struct so that printing any value that
// holds one, even with %#v and through unexported fields, shows an address and never the key.
type apiKey struct {
	value string
}

// String returns "[REDACTED]".
func (*apiKey) String() string { return redacted }

// GoString returns "[REDACTED]".
func (*apiKey) GoString() string { return redacted }

// Format prints "[REDACTED]" whatever the verb and flags.
func (*apiKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }
