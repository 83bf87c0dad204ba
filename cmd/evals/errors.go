package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/evalkit/together-evals/wrappers"
)

// How an error is said: every error a command returns is printed by printError, once, in the
// words of the command line: flag names rather than wire names, no Go package or function names,
// ids cut short in prefixes.

// msgf writes a message for people to w (stderr). A failed write to stderr cannot be reported
// anywhere, so its error is dropped, here only.
func msgf(w io.Writer, format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }

// msgf writes a message for people to stderr.
func (a *app) msgf(format string, args ...any) { msgf(a.stderr, format, args...) }

// errText is an error's message for people: the package prefixes of wrapped errors left out.
func errText(err error) string {
	return clean(strings.ReplaceAll(err.Error(), "wrappers: ", ""))
}

// fileErrText is the message of an error about a local file: "x.jsonl: no such file or
// directory", without the name of the system call ("open") or the caller's own prefix.
func fileErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return clean(pe.Path) + ": " + errText(pe.Err)
	}
	return errText(err)
}

// maxArgRunes is where an id or file name is cut in the prefix of an error message.
const maxArgRunes = 40

// opError names what a command was doing when err happened, such as "get eval-1", for the prefix
// of its message.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// opErr wraps err with the command and its argument (cleaned and cut short), or with the command
// alone when arg is "".
func opErr(cmd, arg string, err error) error {
	op := cmd
	if arg != "" {
		op += " " + cut(clean(arg), maxArgRunes)
	}
	return &opError{op: op, err: err}
}

// toldError is an error that the command has already told the user about in its own words (a
// wait that gave up or was interrupted): printError adds nothing, the exit code still follows err.
type toldError struct{ err error }

func (e *toldError) Error() string { return e.err.Error() }
func (e *toldError) Unwrap() error { return e.err }

// wrapPrefix returns what the outermost fmt.Errorf("...: %w") in err's chain put before the error
// it wraps, such as "gate eval-1", for the prefix of a message whose command did not use opErr;
// "" if there is none (or only the client's own "wrappers" words).
func wrapPrefix(err error) string {
	for cur := err; cur != nil; {
		inner := errors.Unwrap(cur)
		if inner == nil {
			return ""
		}
		// Only fmt.Errorf's wrappers: other error types (a *fs.PathError) are said whole.
		if fmt.Sprintf("%T", cur) == "*fmt.wrapError" {
			if p, ok := strings.CutSuffix(cur.Error(), ": "+inner.Error()); ok && p != "" && !strings.HasPrefix(p, "wrappers") {
				return p
			}
		}
		cur = inner
	}
	return ""
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

// printError prints err on stderr once, in the words of the command line: validation errors name
// the flags at fault, API errors say what the API answered, and a hint follows where one helps.
func (a *app) printError(ctx context.Context, cmd *cobra.Command, err error) {
	var told *toldError
	if errors.As(err, &told) {
		return
	}
	st := a.errStyle()
	prefix := st.red("evals:") + " "
	op := ""
	var oe *opError
	if errors.As(err, &oe) {
		op = oe.op + ": "
	} else if p := wrapPrefix(err); p != "" {
		op = cut(clean(p), 2*maxArgRunes) + ": "
	}
	var (
		usage    *usageError
		ran      *runError
		apiErr   *wrappers.APIError
		notAPI   *wrappers.NotAPIError
		failed   *wrappers.JobFailedError
		invalid  *wrappers.InvalidIDError
		inputErr *wrappers.InputError
		sig      *signalError
		pathErr  *fs.PathError
	)
	helpHint := true
	switch {
	case errors.As(context.Cause(ctx), &sig) || errors.Is(err, context.Canceled):
		a.msgf("%s\n", prefix+op+"interrupted")
		if errors.Is(err, wrappers.ErrCreateOutcomeUnknown) {
			a.msgf("The service may have created the job anyway: run 'evals list' before creating it again.\n")
		}
		helpHint = false
	case errors.As(err, &notAPI):
		a.msgf("%s\n", prefix+a.describeNotAPI(notAPI))
		a.msgf("%s\n", a.baseURLHint())
		helpHint = false
	case errors.As(err, &apiErr):
		note := ""
		var wt *waitTries
		if errors.As(err, &wt) {
			note = wt.triesNote()
		}
		a.msgf("%s\n", prefix+op+describeAPIError(apiErr)+note)
		if apiErr.StatusCode == http.StatusUnauthorized {
			a.msgf("The API refused the key in %s: check it (the key itself is never printed).\n", "$"+wrappers.EnvAPIKey)
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
	case errors.As(err, &invalid):
		// The id is in the message: the prefix would repeat it.
		a.msgf("%s\n", prefix+describeInvalidID(invalid))
	case errors.As(err, &inputErr):
		for i, line := range describeInputError(err, inputErr) {
			if i == 0 {
				line = prefix + line
			}
			a.msgf("%s\n", line)
		}
		helpHint = false
	case errors.As(err, &pathErr):
		a.msgf("%s\n", prefix+op+clean(pathErr.Path)+": "+clean(pathErr.Err.Error()))
		helpHint = false
	case len(wrappers.ValidationErrors(err)) > 0:
		for _, line := range describeValidation(wrappers.ValidationErrors(err)) {
			a.msgf("%s\n", prefix+line)
		}
	default:
		text := ""
		if t, ok := a.describeTransport(err); ok {
			text = op + t
		} else {
			text = strings.ReplaceAll(err.Error(), "wrappers: ", "")
		}
		for i, line := range strings.Split(text, "\n") {
			if i == 0 {
				line = prefix + clean(line)
			} else {
				line = clean(line)
			}
			a.msgf("%s\n", line)
		}
	}
	if errors.Is(err, errNoKey) {
		helpHint = false
	}
	if helpHint && (errors.As(err, &usage) || !errors.As(err, &ran)) && cmd != nil {
		a.msgf("Run '%s --help' for usage.\n", cmd.CommandPath())
	}
}

// describeNotAPI says that the base URL answered, but not as the API does.
func (a *app) describeNotAPI(e *wrappers.NotAPIError) string {
	from := ""
	if a.baseSource != "" {
		from = " (from " + a.baseSource + ")"
	}
	return fmt.Sprintf("the base URL %s%s does not answer as the Evaluations API: %s %s got %s",
		clean(e.BaseURL), from, e.Method, cut(clean(e.Path), 80), clean(e.Answer))
}

// baseURLHint says where the base URL comes from and what it should look like.
func (a *app) baseURLHint() string {
	hint := "Check --base-url or $" + wrappers.EnvBaseURL + ": the hosted API is at " + wrappers.DefaultBaseURL +
		", and 'evals serve' prints the URL of a local one"
	if a.usedBaseURL != "" && !hasVersionPath(a.usedBaseURL) {
		hint += "; this one does not end in /v1, where the API's paths start"
	}
	return hint + "."
}

// describeAPIError says what the API answered, with the flag behind a refused field and, for a
// 429, how long the service asked to wait.
func describeAPIError(e *wrappers.APIError) string {
	var b strings.Builder
	flag := ""
	if e.Param != "" {
		flag = flagForField(e.Param)
	}
	switch {
	case e.Message != "" && flag != "" && strings.HasPrefix(e.Message, e.Param+": "):
		// The message starts with the field's wire name: the flag's name instead.
		b.WriteString(flag + ": " + clean(strings.TrimPrefix(e.Message, e.Param+": ")))
		flag = ""
	case e.Message != "":
		b.WriteString(clean(e.Message))
	case e.Body != "":
		b.WriteString(short(e.Body))
	default:
		b.WriteString("the API answered " + strconv.Itoa(e.StatusCode))
	}
	if flag != "" {
		b.WriteString(" (" + flag + ")")
	}
	b.WriteString(" [")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Method != "" {
		b.WriteString(", " + e.Method + " " + cut(clean(e.Path), 80))
	}
	if e.RequestID != "" {
		b.WriteString(", request id " + clean(e.RequestID))
	}
	b.WriteString("]")
	if e.StatusCode == http.StatusTooManyRequests {
		if e.RetryAfter > 0 {
			b.WriteString("; the service asked to wait " + formatDuration(e.RetryAfter) + " before trying again")
		} else {
			b.WriteString("; the service did not say how long to wait")
		}
	}
	return b.String()
}

// describeInvalidID says why an id was refused, the id quoted and cut short.
func describeInvalidID(e *wrappers.InvalidIDError) string {
	kind := e.Kind
	if kind == "evaluation" {
		kind = "job"
	}
	id := e.ID
	if utf8.RuneCountInString(id) > maxArgRunes {
		id = string([]rune(id)[:maxArgRunes-1]) + "…"
	}
	q := strconv.QuoteToGraphic(id)
	return fmt.Sprintf("invalid %s id %s: %s", kind, q, e.Problem)
}

// describeInputError says what is wrong with a local input file, in lines, and, when it was
// about to be uploaded, that nothing was.
func describeInputError(err error, e *wrappers.InputError) []string {
	var oe *opError
	flag := ""
	if errors.As(err, &oe) && strings.HasPrefix(oe.op, "--") {
		flag = oe.op + ": "
	}
	text := wirePaths.ReplaceAllStringFunc(e.Error(), func(p string) string {
		if f := flagForField(p); f != "" {
			return f
		}
		return p
	})
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	lines[0] = flag + lines[0]
	var nu *notUploadedError
	if errors.As(err, &nu) {
		lines = append(lines, "Nothing was uploaded.")
	}
	return lines
}

// wirePaths finds the wire paths of request fields in a text, such as
// parameters.judge.system_template.
var wirePaths = regexp.MustCompile(`\bparameters(?:\.[a-z_]+(?:\[\d+\])?)+`)

// describeValidation says each problem once, naming its flag: the first problem of each flag
// only; problems of the items of a list flag together ("--labels: items 1, 2 and 3: must not be
// empty"); nothing about a flag checked against another that has a problem itself (pass labels
// against labels); and wire names in a problem become flag names.
func describeValidation(errs []*wrappers.ValidationError) []string {
	type entry struct {
		flag, problem string
		items         []int
	}
	var order []*entry
	byFlag := map[string]*entry{}
	for _, v := range errs {
		flag, problem := describeField(v.Field), clean(flagWords(v.Field, v.Problem))
		e := byFlag[flag]
		if e == nil {
			e = &entry{flag: flag, problem: problem}
			byFlag[flag] = e
			order = append(order, e)
		} else if e.problem != problem {
			continue // one problem per flag: the first
		}
		if m := lastIndex.FindStringSubmatch(v.Field); m != nil && strings.HasPrefix(flag, "--") {
			n, _ := strconv.Atoi(m[1])
			e.items = append(e.items, n+1)
		}
	}
	lines := make([]string, 0, len(order))
	for _, e := range order {
		if on, ok := checkedAgainst[e.flag]; ok && byFlag[on] != nil {
			continue
		}
		line := e.flag + ": "
		if len(e.items) > 0 && !strings.Contains(e.problem, `"`) {
			// Which items, unless the problem quotes the value at fault.
			line += itemList(e.items) + ": "
		}
		lines = append(lines, line+e.problem)
	}
	return lines
}

// checkedAgainst maps a flag to the flag it is checked against or comes from: when the latter
// has a problem, the former's would only repeat it.
var checkedAgainst = map[string]string{
	"--pass-labels":    "--labels",
	"--judge-template": "--judge-template-file",
}

var lastIndex = regexp.MustCompile(`\[(\d+)\]$`)

// itemList says "item 2" or "items 1, 2 and 3".
func itemList(n []int) string {
	if len(n) == 1 {
		return "item " + strconv.Itoa(n[0])
	}
	s := make([]string, len(n))
	for i, v := range n {
		s[i] = strconv.Itoa(v)
	}
	return "items " + strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// wireWord is a request field's name as it may appear in a problem's text: snake_case.
var wireWord = regexp.MustCompile(`\b[a-z]+(?:_[a-z]+)+\b`)

// flagWords replaces the wire names of request fields in a problem about field with the flags
// that set them: "must be greater than min_score" becomes "must be greater than --min-score".
// A name is looked up beside field first, then at the top of the parameters.
func flagWords(field, problem string) string {
	parent := field
	if i := strings.LastIndexByte(parent, '.'); i >= 0 {
		parent = parent[:i]
	}
	parent = indexSuffix.ReplaceAllString(parent, "")
	return wireWord.ReplaceAllStringFunc(problem, func(w string) string {
		if f := flagForField(parent + "." + w); f != "" {
			return f
		}
		if f := flagForField("parameters." + w); f != "" {
			return f
		}
		return w
	})
}

// describeTransport says, without Go's words, why a request got no answer: the connection was
// refused, the host is unknown, no answer came within --request-timeout. ok is false for any
// other error.
func (a *app) describeTransport(err error) (string, bool) {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return "", false
	}
	host := ue.URL
	if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
		host = u.Scheme + "://" + u.Host
	}
	tries := ""
	var wt *waitTries
	if errors.As(err, &wt) {
		tries = wt.triesNote()
	} else if m := attempts.FindStringSubmatch(err.Error()); m != nil {
		tries = " (tried " + m[1] + " times)"
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case ue.Timeout():
		return fmt.Sprintf("no answer from %s within --request-timeout %s%s", clean(host), a.requestTimeout, tries), true
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot find the host of %s: %s%s", clean(host), clean(dnsErr.Err), tries), true
	case errors.As(err, &opErr) && opErr.Op == "dial":
		reason := "the connection failed"
		if opErr.Err != nil {
			reason = opErr.Err.Error()
			if i := strings.LastIndex(reason, ": "); i >= 0 {
				reason = reason[i+2:]
			}
		}
		return fmt.Sprintf("cannot connect to %s: %s%s", clean(host), clean(reason), tries), true
	}
	return "", false
}

var attempts = regexp.MustCompile(`after (\d+) attempts`)

// describeField names a request field by its flag where one sets it, else by its wire path.
func describeField(field string) string {
	if flag := flagForField(field); flag != "" {
		return flag
	}
	return field
}

// badFlagValue matches pflag's message for a value its type cannot parse.
var badFlagValue = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-\w, )?(--[\w-]+)" flag: (.*)$`)

// flagError rewrites pflag's message for a value it cannot parse, which quotes Go's parser
// (`strconv.ParseFloat: parsing "abc": invalid syntax`), in the words of the command line:
// `--min-score: "abc" is not a number`. Other flag errors are kept as they are.
func flagError(cmd *cobra.Command, err error) error {
	m := badFlagValue.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	value, name, why := m[1], m[2], m[3]
	// pflag quoted the value already (%q): unquote it, so that it is quoted once below.
	if v, err := strconv.Unquote(`"` + value + `"`); err == nil {
		value = v
	}
	typ := ""
	if f := cmd.Flags().Lookup(strings.TrimPrefix(name, "--")); f != nil {
		if _, ok := f.Value.(*listValue); ok {
			return fmt.Errorf("%s: %s", name, why) // listValue says it in its own words
		}
		typ = f.Value.Type()
	}
	what := ""
	switch {
	case strings.Contains(why, "value out of range"):
		what = "is out of range"
	case typ == "float64" || typ == "float32":
		what = "is not a number"
	case strings.HasPrefix(typ, "int") || strings.HasPrefix(typ, "uint"):
		what = "is not a whole number"
	case typ == "duration":
		what = "is not a duration such as 90s, 30m or 1h30m"
	case typ == "bool":
		what = "is not true or false"
	case strings.HasPrefix(why, strconv.Quote(value)+" "):
		return fmt.Errorf("%s: %s", name, why) // the value says it in its own words
	default:
		what = "is not valid: " + strings.ReplaceAll(why, "strconv.", "")
	}
	return fmt.Errorf("%s: %s %s", name, strconv.Quote(value), what)
}
