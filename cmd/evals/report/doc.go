// Package report renders an evaluation job as a report people can share: one self-contained HTML
// file, or GitHub-flavoured Markdown sized for a pull-request comment or $GITHUB_STEP_SUMMARY.
//
// It is the CLI's presentation of `evals report`; the figures come from package wrappers and the
// comparison with a baseline from package wrappers/decide.
//
// # HTML
//
// One file, built from an html/template embedded in the binary: styles, charts (inline SVG) and a
// few lines of script are inside it, and its Content-Security-Policy forbids every request, so
// opening it from disk fetches nothing. It reads the same without JavaScript; the script only adds
// a filter over the rows. It shows the job's parameters (judge model and template, what is
// evaluated, labels or score range), the headline figures, bar charts of the label counts, the
// score histogram or the A / B / tie verdicts, the comparison with a baseline when there is one
// (both runs side by side, the change with its interval and test, the regressed rows), then the
// rows: their inputs, outputs, verdicts and the judge's feedback.
//
// Every value that comes from a dataset, a model or the judge is untrusted text: html/template
// escapes it in its context, so a row holding <script>, "><img onerror=...> or javascript: shows
// as text and runs nothing.
//
// # Size
//
// Rows are read once, as a stream; the report keeps at most [Options.MaxRows] of them (200 by
// default): the failed and invalid rows first, in file order, then the first of the others. Each
// row shows at most 20 input fields (the others are counted), each value cut at
// [Options.MaxValueRunes] characters (500 by default). Rows beyond the cap are not listed: the
// report says how many there are, and they are counted in every figure and chart. The HTML file's
// size is therefore bounded whatever the job's size (85 KB for the 200,000 short rows of
// BenchmarkReport200k; at most some megabytes for rows of 20 long fields), and so is a
// comparison's list of regressed rows, capped the same way.
//
// # Markdown
//
// The same summary and the worst rows (regressed first, then failed and invalid), as tables.
// Every value from a row is escaped: ASCII punctuation backslash-escaped, <, > and & written as
// entities, line breaks and tabs as spaces, so no raw HTML passes through and a | or a newline
// cannot break a table. Rows are added while the document stays under [MarkdownBudget] (60 KB,
// GitHub's limit for a step summary is 1 MiB and for a comment 65,536 characters), whatever the
// job's size; the document says how many rows it left out.
package report
