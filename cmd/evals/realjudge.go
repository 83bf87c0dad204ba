package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/evalkit/together-evals/api"
)

// realJudgeFlags choose a real judge for evals serve and evals demo: --judge-base-url, --judge-key-env
// and (serve) --allow-external.
type realJudgeFlags struct {
	baseURL       string
	keyEnv        string
	allowExternal bool
}

func (f *realJudgeFlags) register(fs *pflag.FlagSet, withExternal bool) {
	fs.StringVar(&f.baseURL, "judge-base-url", "", "the server's model endpoint: judge every job with real models at this OpenAI-compatible base URL (POST <URL>/chat/completions) instead of the stand-in; not a job's external judge, which 'evals create --judge-base-url' names")
	fs.StringVar(&f.keyEnv, "judge-key-env", "", "the environment variable that holds the key for --judge-base-url (none sent if not given)")
	if withExternal {
		fs.BoolVar(&f.allowExternal, "allow-external", false, "let jobs whose model_source is external call their own external_base_url with their external_api_token")
	}
}

// options are the server options for the flags, and a line that says where models are called
// ("" for the stand-in). The key is read here and never printed.
func (f *realJudgeFlags) options(getenv func(string) string) ([]api.Option, string, error) {
	if f.baseURL == "" {
		switch {
		case f.keyEnv != "":
			return nil, "", usagef("--judge-key-env: needs --judge-base-url (the key is for that URL)")
		case f.allowExternal:
			return nil, "", usagef("--allow-external: external models are called by the real judge; give --judge-base-url too")
		}
		return nil, "", nil
	}
	var key string
	if f.keyEnv != "" {
		if key = strings.TrimSpace(getenv(f.keyEnv)); key == "" {
			return nil, "", usagef("--judge-key-env: the environment variable %s is empty or not set", f.keyEnv)
		}
	}
	url, err := api.JudgeURL(f.baseURL, key != "")
	if err != nil {
		return nil, "", usagef("--judge-base-url: %w", err)
	}
	opts := []api.ChatJudgeOption{api.WithJudgeAllowExternal(f.allowExternal)}
	keyNote := "no key"
	if key != "" {
		opts = append(opts, api.WithJudgeAPIKey(key))
		keyNote = "the key in $" + f.keyEnv
	}
	note := fmt.Sprintf("Jobs are judged by real models at %s (%s)", url, keyNote)
	if f.allowExternal {
		note += "; external models call their own URL"
	}
	return []api.Option{api.WithChatJudge(f.baseURL, opts...)}, note + ".\n", nil
}
