package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestFlagForField(t *testing.T) {
	for field, want := range map[string]string{
		"parameters.labels":                            "--labels",
		"parameters.labels[3]":                         "--labels",
		"parameters.pass_labels[0]":                    "--pass-labels",
		"parameters.min_score":                         "--min-score",
		"parameters.max_score":                         "--max-score",
		"parameters.pass_threshold":                    "--threshold",
		"parameters.input_data_file_path":              "--input-file-id",
		"parameters.judge.model":                       "--judge-model",
		"parameters.judge.system_template":             "--judge-template",
		"parameters.judge.model_source":                "--judge-source",
		"parameters.judge.external_api_token":          "--judge-token-env",
		"parameters.judge.external_base_url":           "--judge-base-url",
		"parameters.judge.num_workers":                 "--judge-workers",
		"parameters.judge.max_tokens":                  "--judge-max-tokens",
		"parameters.judge.temperature":                 "--judge-temperature",
		"parameters.model_to_evaluate":                 "--model-column",
		"parameters.model_to_evaluate.model":           "--model",
		"parameters.model_to_evaluate.input_template":  "--model-input-template",
		"parameters.model_to_evaluate.system_template": "--model-system-template",
		"parameters.model_to_evaluate.max_tokens":      "--model-max-tokens",
		"parameters.model_a.temperature":               "--model-a-temperature",
		"parameters.model_b.external_api_token":        "--model-b-token-env",
		"parameters.model_b.model_source":              "--model-b-source",
		"parameters.disable_position_bias_correction":  "--no-position-bias-correction",
		"status":                         "--status",
		"limit":                          "--limit",
		"model_source":                   "--source",
		"--input":                        "--input",
		"parameters.something_new":       "",
		"parameters.judge.something_new": "",
		"parameters.model_to_evaluate.something_new": "",
	} {
		if got := flagForField(field); got != want {
			t.Errorf("flagForField(%q) = %q, want %q", field, got, want)
		}
	}
}

// TestEveryMappedFlagExists checks that the flags errors point to are flags of the create commands.
func TestEveryMappedFlagExists(t *testing.T) {
	a := newApp(func(string) string { return "" }, nil, &bytes.Buffer{}, &bytes.Buffer{})
	flags := map[string]bool{}
	for _, cmd := range a.createCmd().Commands() {
		for _, name := range []string{"judge-model", "judge-template", "input-file-id"} {
			if cmd.Flags().Lookup(name) == nil {
				t.Errorf("create %s has no --%s", cmd.Name(), name)
			}
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) { flags["--"+f.Name] = true })
	}
	for _, field := range []string{
		"parameters.labels", "parameters.pass_labels", "parameters.min_score", "parameters.max_score",
		"parameters.pass_threshold", "parameters.input_data_file_path", "parameters.disable_position_bias_correction",
	} {
		if f := flagForField(field); !flags[f] {
			t.Errorf("%s maps to %s, which no create command has", field, f)
		}
	}
	for _, slot := range []string{"judge", "model_to_evaluate", "model_a", "model_b"} {
		for _, sub := range []string{"model", "system_template", "model_source", "external_api_token", "external_base_url", "num_workers", "max_tokens", "temperature"} {
			field := "parameters." + slot + "." + sub
			if f := flagForField(field); !flags[f] {
				t.Errorf("%s maps to %q, which no create command has", field, f)
			}
		}
	}
}

func TestFormatting(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 850 * time.Millisecond: "850ms", 12 * time.Second: "12s", 185 * time.Second: "3m05s",
		62 * time.Minute: "1h02m", -2 * time.Second: "-2s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%s) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 20: "5 MiB", 3 << 30: "3 GiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for f, want := range map[float64]string{10: "10%", 66.66666666666667: "66.7%", 0: "0%", 100: "100%"} {
		if got := formatPercent(f); got != want {
			t.Errorf("formatPercent(%v) = %q, want %q", f, got, want)
		}
	}
	for in, want := range map[string]string{
		"plain": "plain", "tab\there": `tab\there`, "\x1b[31mred": `\x1b[31mred`, "bad\xffbyte": `bad\xffbyte`, "émoji 🎉": "émoji 🎉",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBars(t *testing.T) {
	var b bytes.Buffer
	if err := writeBars(&b, "", []bar{{label: "a", count: 100}, {label: "bb", count: 1, mark: "pass", good: true}, {label: "c", count: 0}}, style{}); err != nil {
		t.Fatal(err)
	}
	want := "a   " + strings.Repeat("█", barWidth) + "  100\n" +
		"bb  █" + strings.Repeat(" ", barWidth-1) + "    1  pass\n" +
		"c   " + strings.Repeat(" ", barWidth) + "    0\n"
	if b.String() != want {
		t.Errorf("bars:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestReadmeSampleIsCurrent checks that the `evals get` sample of the repository's README.md is the
// golden output of the test suite.
func TestReadmeSampleIsCurrent(t *testing.T) {
	const marker = "$ evals get eval-000000000001\n"
	want, err := os.ReadFile(filepath.Join("testdata", "golden", "get_api_classify.txt"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, path := range []string{filepath.Join("..", "..", "README.md")} {
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(b, []byte(marker)) {
			continue
		}
		found = true
		sample, _, _ := strings.Cut(strings.SplitN(string(b), marker, 2)[1], "```")
		if sample != string(want) {
			t.Errorf("the sample in %s differs from the golden file:\n%s", path, lineDiff(string(want), sample))
		}
	}
	if !found {
		t.Errorf("no README holds the `evals get` sample (%q)", strings.TrimSpace(marker))
	}
}
