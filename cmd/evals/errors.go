package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// How an error is said: every error a command returns is printed by printError, once, in the
// words of the command line.

// msgf writes a message for people to w (stderr). A failed write to stderr cannot be reported
// anywhere, so its error is dropped, here only.
func msgf(w io.Writer, format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }

// msgf writes a message for people to stderr.
func (a *app) msgf(format string, args ...any) { msgf(a.stderr, format, args...) }

// errText is an error's message for people: the package prefixes of wrapped errors left out.
func errText(err error) string {
	return clean(strings.ReplaceAll(err.Error(), "wrappers: ", ""))
}

// hasVersionPath reports whether a base URL's path ends in a version segment such as /v1.
func hasVersionPath(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return true // not ours to judge: NewClient has refused it already
	}
	last := path.Base(strings.TrimRight(u.Path, "/"))
	return len(last) >= 2 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == ""
}

// printError prints err on stderr, in the words of the command line: validation errors name the
// flags at fault and API errors say what the API answered.
func (a *app) printError(cmd *cobra.Command, err error) {
	st := a.errStyle()
	prefix := st.red("evals:") + " "
	var usage *usageError
	var ran *runError
	var apiErr *wrappers.APIError
	var failed *wrappers.JobFailedError
	switch {
	case errors.As(err, &apiErr):
		a.msgf("%s\n", prefix+describeAPIError(apiErr))
		if apiErr.StatusCode == 401 {
			a.msgf("The API refused the key in %s: check it (the key itself is never printed).\n", "$"+wrappers.EnvAPIKey)
		}
		if apiErr.StatusCode == 404 && a.usedBaseURL != "" && !hasVersionPath(a.usedBaseURL) {
			a.msgf("The base URL %s does not end in /v1, where the API's paths start: is it the right one?\n", clean(a.usedBaseURL))
		}
		if errors.Is(err, wrappers.ErrCreateOutcomeUnknown) {
			a.msgf("The service may have created the job anyway: run 'evals list' before creating it again.\n")
		}
	case errors.As(err, &failed):
		id := ""
		if failed.Job != nil {
			id = failed.Job.ID
		}
		msg := fmt.Sprintf("job %s ended in %s", clean(id), st.status(failed.Status))
		if failed.Message != "" {
			msg += ": " + clean(failed.Message)
		}
		a.msgf("%s\n", prefix+msg)
	case len(wrappers.ValidationErrors(err)) > 0 && !errors.As(err, &apiErr):
		for _, v := range wrappers.ValidationErrors(err) {
			a.msgf("%s\n", prefix+describeField(v.Field)+": "+clean(v.Problem))
		}
	default:
		for i, line := range strings.Split(strings.ReplaceAll(err.Error(), "wrappers: ", ""), "\n") {
			if i == 0 {
				line = prefix + clean(line)
			} else {
				line = clean(line)
			}
			a.msgf("%s\n", line)
		}
	}
	var inputErr *wrappers.InputError
	hint := !errors.As(err, &inputErr) && !errors.Is(err, errNoKey)
	if hint && (errors.As(err, &usage) || !errors.As(err, &ran)) && cmd != nil {
		a.msgf("Run '%s --help' for usage.\n", cmd.CommandPath())
	}
}

// describeAPIError says what the API answered, with the flag behind a refused field.
func describeAPIError(e *wrappers.APIError) string {
	var b strings.Builder
	switch {
	case e.Message != "":
		b.WriteString(clean(e.Message))
	case e.Body != "":
		b.WriteString(short(e.Body))
	default:
		b.WriteString("the API answered " + strconv.Itoa(e.StatusCode))
	}
	if e.Param != "" {
		if flag := flagForField(e.Param); flag != "" {
			b.WriteString(" (" + flag + ")")
		}
	}
	b.WriteString(" [")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Method != "" {
		b.WriteString(", " + e.Method + " " + clean(e.Path))
	}
	if e.RequestID != "" {
		b.WriteString(", request id " + clean(e.RequestID))
	}
	b.WriteString("]")
	return b.String()
}

// describeField names a request field by its flag where one sets it, else by its wire path.
func describeField(field string) string {
	if flag := flagForField(field); flag != "" {
		return flag
	}
	return field
}
