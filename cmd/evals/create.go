package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

// createCmd is `evals create classify|score|compare`: POST /evaluation, after any upload.
func (a *app) createCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a classify, score or compare job",
		Long: `Create an evaluation job. Every parameter of the API has a flag; the input is a
local JSONL file (--input FILE, checked then uploaded) or a file already uploaded
(--input-file-id ID). Invalid combinations are refused before anything is sent,
naming the flag at fault.

The job id is printed on stdout (with -o json, the API's answer); --wait follows the
job to its end and prints it as 'evals get' does instead.

Credentials of external models are read from environment variables named by the
--*-token-env flags, never from a flag's value.`,
		Args: cobra.ArbitraryArgs,
		RunE: groupRunE,
	}
	cmd.AddCommand(a.createClassifyCmd(), a.createScoreCmd(), a.createCompareCmd())
	return cmd
}

// judgeFlags are the flags of the judge, on every create command.
type judgeFlags struct {
	model, source, template, templateFile, baseURL, tokenEnv string
	maxTokens, workers                                       int
	temperature                                              float64
}

func (f *judgeFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.model, "judge-model", "", "the judge model, e.g. openai/gpt-oss-120b (required; see 'evals models')")
	fs.StringVar(&f.template, "judge-template", "", "the judge's system prompt; {{column}} placeholders name input columns")
	fs.StringVar(&f.templateFile, "judge-template-file", "", "read the judge's system prompt from this file instead")
	fs.StringVar(&f.source, "judge-source", "", "where the judge is served: serverless (default), dedicated or external")
	fs.IntVar(&f.maxTokens, "judge-max-tokens", 0, "the most tokens the judge may generate per row (default: the service's)")
	fs.Float64Var(&f.temperature, "judge-temperature", 0, "the judge's sampling temperature, 0 to 2 (default: the service's)")
	fs.IntVar(&f.workers, "judge-workers", 0, "concurrent requests to the judge (default: the model's)")
	fs.StringVar(&f.baseURL, "judge-base-url", "", "this job's external judge: its OpenAI-compatible base URL, sent as judge.external_base_url (with --judge-source external); not the server's endpoint, which 'evals serve --judge-base-url' sets")
	fs.StringVar(&f.tokenEnv, "judge-token-env", "", "the name of the environment variable holding an external judge's API token")
}

// targetFlags are the flags of one thing evaluated: model_to_evaluate, model_a or model_b. The
// prefix is "model", "model-a" or "model-b".
type targetFlags struct {
	prefix, what                                                            string
	column, model, systemTemplate, inputTemplate, source, baseURL, tokenEnv string
	maxTokens, workers                                                      int
	temperature                                                             float64
}

func (f *targetFlags) register(fs *pflag.FlagSet) {
	p := "--" + f.prefix
	fs.StringVar(&f.column, f.prefix+"-column", "", "the input column that holds "+f.what+" (or use "+p+" to generate them)")
	fs.StringVar(&f.model, f.prefix, "", "a model that generates "+f.what+" from each row (with "+p+"-input-template and "+p+"-max-tokens)")
	fs.StringVar(&f.systemTemplate, f.prefix+"-system-template", "", "the system prompt of "+p)
	fs.StringVar(&f.inputTemplate, f.prefix+"-input-template", "", "the user prompt of "+p+"; {{column}} placeholders name input columns")
	fs.IntVar(&f.maxTokens, f.prefix+"-max-tokens", 0, "the most tokens "+p+" may generate per row (required with "+p+")")
	fs.Float64Var(&f.temperature, f.prefix+"-temperature", 0, "the sampling temperature of "+p+", 0 to 2 (required with "+p+")")
	fs.StringVar(&f.source, f.prefix+"-source", "", "where "+p+" is served: serverless (default), dedicated or external")
	fs.IntVar(&f.workers, f.prefix+"-workers", 0, "concurrent requests to "+p+" (default: the model's)")
	fs.StringVar(&f.baseURL, f.prefix+"-base-url", "", "an external "+p+"'s OpenAI-compatible base URL")
	fs.StringVar(&f.tokenEnv, f.prefix+"-token-env", "", "the name of the environment variable holding an external "+p+"'s API token")
}

// modelFlagNames are the flags of a target that only apply to a generating model.
func (f *targetFlags) modelFlagNames() []string {
	names := []string{"system-template", "input-template", "max-tokens", "temperature", "source", "workers", "base-url", "token-env"}
	for i, n := range names {
		names[i] = f.prefix + "-" + n
	}
	return names
}

// createFlags are the flags every create command has besides the judge.
type createFlags struct {
	judge       judgeFlags
	input       string
	inputFileID string
	wait        bool
	timeout     time.Duration
	gate        thresholdFlags
}

func (f *createFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	f.judge.register(fs)
	fs.StringVar(&f.input, "input", "", "a local JSONL input file (- for standard input): checked, then uploaded with purpose eval")
	fs.StringVar(&f.inputFileID, "input-file-id", "", "the id of an input file already uploaded")
	fs.BoolVar(&f.wait, "wait", false, "follow the job to its end and print it as 'evals get' does")
	fs.DurationVar(&f.timeout, "timeout", 0, "with --wait: give up waiting after this long and exit 6; the job keeps running")
	f.gate.register(fs)
	_ = cmd.MarkFlagFilename("input", "jsonl")
	_ = cmd.MarkFlagFilename("judge-template-file")
	for _, name := range []string{"judge-source"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(modelSources, cobra.ShellCompDirectiveNoFileComp))
	}
}

// problemList gathers the problems of a command line, each naming its flag.
type problemList []error

func (p *problemList) add(flag, format string, args ...any) {
	*p = append(*p, &wrappers.ValidationError{Field: flag, Problem: fmt.Sprintf(format, args...)})
}

// judge builds the judge from its flags.
func (a *app) judge(fs *pflag.FlagSet, f *judgeFlags, p *problemList) wrappers.Judge {
	j := wrappers.Judge{
		Model: f.model, SystemTemplate: f.template, ModelSource: wrappers.ModelSource(f.source),
		ExternalBaseURL: f.baseURL, NumWorkers: f.workers, MaxTokens: f.maxTokens,
	}
	if fs.Changed("judge-template-file") {
		if fs.Changed("judge-template") {
			p.add("--judge-template-file", "cannot be used with --judge-template")
		} else if b, err := readTemplateFile(f.templateFile); err != nil {
			p.add("--judge-template-file", "%s", fileErrText(err))
		} else if b == "" {
			p.add("--judge-template-file", "%s: %s", clean(f.templateFile), emptyTemplateFile)
			j.SystemTemplate = localTemplate // said once: not again as the request's missing template
		} else {
			j.SystemTemplate = b
		}
	}
	if fs.Changed("judge-temperature") {
		j.Temperature = wrappers.Float64(f.temperature)
	}
	if fs.Changed("judge-max-tokens") && f.maxTokens < 1 {
		p.add("--judge-max-tokens", "must be at least 1, got %d", f.maxTokens)
	}
	if fs.Changed("judge-workers") && f.workers < 1 {
		p.add("--judge-workers", "must be at least 1, got %d", f.workers)
	}
	j.ExternalAPIToken = wrappers.Secret(a.token(fs, "judge-token-env", f.tokenEnv, p))
	return j
}

// token reads a credential from the environment variable named by a --*-token-env flag.
func (a *app) token(fs *pflag.FlagSet, flag, name string, p *problemList) string {
	if !fs.Changed(flag) {
		return ""
	}
	if !envName.MatchString(name) {
		p.add("--"+flag, "takes the name of an environment variable (such as JUDGE_TOKEN), not a token; got a value that is not a variable name")
		return ""
	}
	v := a.getenv(name)
	if v == "" {
		p.add("--"+flag, "the environment variable %s is not set or empty", name)
	}
	return v
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// target builds what is evaluated from its flags: a column, a model, or nil when none is given.
func (a *app) target(fs *pflag.FlagSet, f *targetFlags, p *problemList) wrappers.Target {
	var modelFlags []string
	for _, n := range f.modelFlagNames() {
		if fs.Changed(n) {
			modelFlags = append(modelFlags, "--"+n)
		}
	}
	switch {
	case fs.Changed(f.prefix+"-column") && fs.Changed(f.prefix):
		p.add("--"+f.prefix+"-column", "cannot be used with --%s: evaluate a column or a model, not both", f.prefix)
		return nil
	case fs.Changed(f.prefix + "-column"):
		if len(modelFlags) > 0 {
			p.add(modelFlags[0], "only applies with --%s, not with --%s-column", f.prefix, f.prefix)
		}
		return wrappers.Column(f.column)
	case fs.Changed(f.prefix):
		m := &wrappers.Model{
			Name: f.model, SystemTemplate: f.systemTemplate, InputTemplate: f.inputTemplate,
			MaxTokens: f.maxTokens, ModelSource: wrappers.ModelSource(f.source),
			ExternalBaseURL: f.baseURL, NumWorkers: f.workers,
		}
		if fs.Changed(f.prefix + "-temperature") {
			m.Temperature = wrappers.Float64(f.temperature)
		}
		if fs.Changed(f.prefix+"-workers") && f.workers < 1 {
			p.add("--"+f.prefix+"-workers", "must be at least 1, got %d", f.workers)
		}
		m.ExternalAPIToken = wrappers.Secret(a.token(fs, f.prefix+"-token-env", f.tokenEnv, p))
		return m
	default:
		if len(modelFlags) > 0 {
			p.add(modelFlags[0], "needs --%s (the model's name)", f.prefix)
		}
		return nil
	}
}

// emptyTemplateFile is the problem of a --judge-template-file that holds nothing.
const emptyTemplateFile = "the file is empty: it holds the judge's system prompt"

// localTemplate stands for a judge template already found wrong while a request is validated.
const localTemplate = "local-template"

// readTemplateFile reads a --judge-template-file whole.
func readTemplateFile(path string) (string, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the user names the template file to read
	return string(b), err
}

// localInputID stands for the id of a file still to be uploaded while a request is validated.
const localInputID = "local-input"

// inputID checks the input flags and returns the file id to validate the request with.
func inputID(fs *pflag.FlagSet, f *createFlags, p *problemList) string {
	switch {
	case fs.Changed("input") && fs.Changed("input-file-id"):
		p.add("--input", "cannot be used with --input-file-id: give a local file or an uploaded one")
		return localInputID // said once: the request itself is not missing its file
	case fs.Changed("input"):
		if f.input == "" {
			p.add("--input", "is empty")
		}
		return localInputID
	case fs.Changed("input-file-id"):
		if f.inputFileID == "" {
			p.add("--input-file-id", "is empty")
			return localInputID // said once
		}
		return f.inputFileID
	default:
		p.add("--input", "an input file is required: --input FILE (a local JSONL file) or --input-file-id ID")
		return localInputID // said once: not again as the request's missing file
	}
}

// runCreate validates the request built from the flags, then (with --input) checks and uploads
// the input file, creates the job and prints it, or follows it with --wait.
func (a *app) runCreate(cmd *cobra.Command, f *createFlags, req wrappers.CreateRequest, setInput func(string), p problemList) error {
	fs := cmd.Flags()
	if fs.Changed("timeout") && !f.wait {
		p.add("--timeout", "only applies with --wait")
	}
	if f.timeout < 0 {
		p.add("--timeout", "must not be negative, got %s", f.timeout)
	}
	if err := req.Validate(); err != nil {
		p = append(p, err)
	}
	gate := f.gate.thresholds(fs, &p)
	if !gate.Empty() {
		if !f.wait {
			for _, name := range f.gate.names() {
				if fs.Changed(name) {
					p.add("--"+name, "only applies with --wait")
				}
			}
		} else {
			for _, name := range f.gate.names() {
				if ok, types := decide.Applies(name, req.Type()); fs.Changed(name) && !ok {
					p.add("--"+name, "applies to %s jobs, and this creates a %s job", types, req.Type())
				}
			}
		}
	}
	if len(p) > 0 {
		return &usageError{err: errors.Join(p...)}
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if fs.Changed("input") {
		file, err := uploadInput(ctx, a, c, f.input, req)
		if err != nil {
			return opErr("--input", "", err)
		}
		setInput(file.ID)
	}
	created, err := c.Create(ctx, req)
	if err != nil {
		return opErr("create "+string(req.Type())+" job", "", err)
	}
	a.msgf("Created %s job %s (%s).\n", req.Type(), clean(created.ID), clean(string(created.Status)))
	if f.wait {
		if gate.Empty() {
			return a.waitAndPrint(ctx, c, created.ID, a.wait, f.timeout)
		}
		job, err := a.waitAndPrintJob(ctx, c, created.ID, a.wait, f.timeout)
		if err != nil {
			return err
		}
		// The job is on stdout; with -o json the checks go to stderr, so that stdout stays one
		// JSON document.
		out, asJSON := a.stdout, a.output == outputJSON
		if asJSON {
			out, asJSON = a.stderr, false
		}
		return a.gateJob(ctx, c, job, gate, out, asJSON)
	}
	if a.output == outputJSON {
		return writeJSON(a.stdout, map[string]string{"workflow_id": created.ID, "status": string(created.Status)})
	}
	a.msgf("Follow it with: evals wait %s\n", clean(created.ID))
	_, err = fmt.Fprintln(a.stdout, clean(created.ID))
	return err
}

func (a *app) createClassifyCmd() *cobra.Command {
	var f createFlags
	t := targetFlags{prefix: "model", what: "the outputs to evaluate"}
	var labels, passLabels []string
	cmd := &cobra.Command{
		Use:   "classify",
		Short: "Create a job that gives each row one of a set of labels",
		Example: `  evals create classify --input data.jsonl \
    --judge-model openai/gpt-oss-120b \
    --judge-template 'Is the answer to {{prompt}} correct? Answer yes or no.' \
    --labels yes,no --pass-labels yes --model-column response --wait`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var p problemList
			fs := cmd.Flags()
			req := &wrappers.ClassifyRequest{
				Judge: a.judge(fs, &f.judge, &p), Labels: labels, PassLabels: passLabels,
				ModelToEvaluate: a.target(fs, &t, &p),
			}
			req.InputFileID = inputID(fs, &f, &p)
			return a.runCreate(cmd, &f, req, func(id string) { req.InputFileID = id }, p)
		},
	}
	f.register(cmd)
	listVar(cmd.Flags(), &labels, "labels", "the labels the judge chooses from, comma-separated (at least 2)")
	listVar(cmd.Flags(), &passLabels, "pass-labels", "the labels that count as a pass, comma-separated (each one of --labels)")
	t.register(cmd.Flags())
	return cmd
}

func (a *app) createScoreCmd() *cobra.Command {
	var f createFlags
	t := targetFlags{prefix: "model", what: "the outputs to evaluate"}
	var minScore, maxScore, threshold float64
	cmd := &cobra.Command{
		Use:   "score",
		Short: "Create a job that gives each row a score",
		Example: `  evals create score --input data.jsonl \
    --judge-model openai/gpt-oss-120b \
    --judge-template 'Rate the answer to {{prompt}} from 1 to 10.' \
    --min-score 1 --max-score 10 --threshold 7 --model-column response`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var p problemList
			fs := cmd.Flags()
			for _, name := range []string{"min-score", "max-score", "threshold"} {
				if !fs.Changed(name) {
					p.add("--"+name, "is required")
				}
			}
			req := &wrappers.ScoreRequest{
				Judge: a.judge(fs, &f.judge, &p), MinScore: minScore, MaxScore: maxScore, PassThreshold: threshold,
				ModelToEvaluate: a.target(fs, &t, &p),
			}
			req.InputFileID = inputID(fs, &f, &p)
			if len(p) > 0 {
				// Score bounds that were not given would only add confusing problems.
				return &usageError{err: errors.Join(p...)}
			}
			return a.runCreate(cmd, &f, req, func(id string) { req.InputFileID = id }, p)
		},
	}
	f.register(cmd)
	cmd.Flags().Float64Var(&minScore, "min-score", 0, "the lowest score (required)")
	cmd.Flags().Float64Var(&maxScore, "max-score", 0, "the highest score (required)")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, "the score at or above which a row passes (required)")
	t.register(cmd.Flags())
	return cmd
}

func (a *app) createCompareCmd() *cobra.Command {
	var f createFlags
	ta := targetFlags{prefix: "model-a", what: "output A"}
	tb := targetFlags{prefix: "model-b", what: "output B"}
	var noBiasCorrection bool
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Create a job that asks which of two outputs is better for each row",
		Example: `  evals create compare --input data.jsonl \
    --judge-model openai/gpt-oss-120b \
    --judge-template 'Which answer to {{prompt}} is better?' \
    --model-a-column response_a --model-b-column response_b`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var p problemList
			fs := cmd.Flags()
			req := &wrappers.CompareRequest{
				Judge: a.judge(fs, &f.judge, &p), ModelA: a.target(fs, &ta, &p), ModelB: a.target(fs, &tb, &p),
				DisablePositionBiasCorrection: noBiasCorrection,
			}
			for _, t := range []*targetFlags{&ta, &tb} {
				if !fs.Changed(t.prefix) && !fs.Changed(t.prefix+"-column") {
					p.add("--"+t.prefix+"-column", "is required: --%s-column NAME, or a model with --%s NAME", t.prefix, t.prefix)
				}
			}
			req.InputFileID = inputID(fs, &f, &p)
			return a.runCreate(cmd, &f, req, func(id string) { req.InputFileID = id }, p)
		},
	}
	f.register(cmd)
	ta.register(cmd.Flags())
	tb.register(cmd.Flags())
	cmd.Flags().BoolVar(&noBiasCorrection, "no-position-bias-correction", false, "judge each pair once, in the order given (by default both orders are judged)")
	return cmd
}

// flagForField names the flag that sets a request field given by its wire path, such as
// "parameters.labels[1]" (--labels) or "parameters.model_a.max_tokens" (--model-a-max-tokens); ""
// if no flag does.
func flagForField(field string) string {
	if strings.HasPrefix(field, "--") {
		return field
	}
	field = indexSuffix.ReplaceAllString(field, "")
	switch field {
	case "parameters.labels":
		return "--labels"
	case "parameters.pass_labels":
		return "--pass-labels"
	case "parameters.min_score":
		return "--min-score"
	case "parameters.max_score":
		return "--max-score"
	case "parameters.pass_threshold":
		return "--threshold"
	case "parameters.input_data_file_path":
		return "--input-file-id"
	case "parameters.disable_position_bias_correction":
		return "--no-position-bias-correction"
	case "status":
		return "--status"
	case "limit":
		return "--limit"
	case "model_source":
		return "--source"
	}
	if rest, ok := strings.CutPrefix(field, "parameters.judge"); ok {
		rest = strings.TrimPrefix(rest, ".")
		if rest == "" || rest == "model" {
			return "--judge-model"
		}
		if rest == "system_template" {
			return "--judge-template"
		}
		if s, ok := subFlags[rest]; ok {
			return "--judge-" + s
		}
		return ""
	}
	for wire, prefix := range map[string]string{
		"parameters.model_to_evaluate": "model", "parameters.model_a": "model-a", "parameters.model_b": "model-b",
	} {
		if rest, ok := strings.CutPrefix(field, wire); ok {
			rest = strings.TrimPrefix(rest, ".")
			switch rest {
			case "":
				return "--" + prefix + "-column"
			case "model":
				return "--" + prefix
			case "system_template":
				return "--" + prefix + "-system-template"
			case "input_template":
				return "--" + prefix + "-input-template"
			}
			if s, ok := subFlags[rest]; ok {
				return "--" + prefix + "-" + s
			}
			return ""
		}
	}
	return ""
}

// subFlags are the flag suffixes of the fields a judge and a model share.
var subFlags = map[string]string{
	"model_source": "source", "external_api_token": "token-env", "external_base_url": "base-url",
	"num_workers": "workers", "max_tokens": "max-tokens", "temperature": "temperature",
}

var indexSuffix = regexp.MustCompile(`\[\d+\]`)
