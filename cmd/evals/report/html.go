package report

import (
	"bufio"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"

	"github.com/evalkit/together-evals/wrappers"
	"github.com/evalkit/together-evals/wrappers/decide"
)

//go:embed templates/report.html.tmpl templates/filter.js
var files embed.FS

var (
	htmlTemplate = template.Must(template.ParseFS(files, "templates/report.html.tmpl"))
	script       = mustRead("templates/filter.js")
	// csp forbids every request the page could make, and every script but its own.
	csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-" + scriptHash() + "'; " +
		"form-action 'none'; base-uri 'none'"
)

func mustRead(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func scriptHash() string {
	sum := sha256.Sum256([]byte(script))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Chart geometry, in pixels.
const (
	chartLabelWidth = 180
	chartBarMax     = 420
	chartRow        = 24
)

type svgBar struct {
	Label                  string
	Count                  int
	Good                   bool
	X, Y, W, TextY, CountX int
}

type svgChart struct {
	Title         string
	Width, Height int
	Bars          []svgBar
}

func svg(c Chart) svgChart {
	most := 0
	for _, b := range c.Bars {
		most = max(most, b.Count)
	}
	out := svgChart{Title: c.Title, Width: chartLabelWidth + chartBarMax + 80, Height: len(c.Bars)*chartRow + 4}
	for i, b := range c.Bars {
		w := 0
		if most > 0 && b.Count > 0 {
			w = max(1, int(math.Round(float64(b.Count)*chartBarMax/float64(most))))
		}
		y := i*chartRow + 2
		out.Bars = append(out.Bars, svgBar{
			Label: Cut(b.Label, 28), Count: b.Count, Good: b.Good,
			X: chartLabelWidth, Y: y, W: w, TextY: y + 13, CountX: chartLabelWidth + w + 6,
		})
	}
	return out
}

// compareLine is one line of the side-by-side table.
type compareLine struct {
	Name, Base, New, Change, Test string
}

type compareView struct {
	BaseID                                                    string
	MatchedBy                                                 string
	Paired, OnlyBase, OnlyNew, Regressed, Improved, Unchanged int
	Lines                                                     []compareLine
	Note                                                      string
	Sections                                                  []rowSection
}

// rowSection is one list of compared rows: the regressed rows, or the rows found in one run only.
type rowSection struct {
	Title string
	// Total counts every row of the kind; Rows are the first of them, up to the cap.
	Total int
	Rows  []Row
	Bad   bool
}

// CompareLines are the figures of both runs side by side, with the change and its test on the
// paired rows, benchstat-like: the change only where the test finds it, "~" where not.
func CompareLines(s *decide.Summary) []compareLine {
	p := s.PassRate
	rate := "Pass rate (paired rows)"
	if s.Type == wrappers.TypeCompare {
		rate = "Win rate of model B (paired rows)"
	}
	lines := []compareLine{{
		Name: "Rows", Base: fmt.Sprint(s.Base.Rows), New: fmt.Sprint(s.New.Rows),
	}}
	pl := compareLine{Name: rate, Base: "-", New: "-", Change: "~", Test: "no paired rows"}
	if p.N > 0 {
		pl.Base, pl.New = percent(100*p.Base), percent(100*p.New)
		pl.Test = testText(p.PValue, p.N, p.TooSmall)
		if p.PValue < s.Alpha {
			pl.Change = fmt.Sprintf("%s points [%s, %s]", signed(100*p.Delta), signed(100*p.CILow), signed(100*p.CIHigh))
		}
	}
	lines = append(lines, pl)
	if m := s.MeanScore; m != nil {
		ml := compareLine{Name: "Mean score (rows scored in both)", Base: "-", New: "-", Change: "~", Test: "no row scored in both runs"}
		if m.N > 0 {
			ml.Base, ml.New = number(m.Base), number(m.New)
			ml.Test = testText(m.PValue, m.N, m.TooSmall)
			if !m.TooSmall && m.PValue < s.Alpha {
				ml.Change = fmt.Sprintf("%s [%s, %s]", signed(m.Delta), signed(m.CILow), signed(m.CIHigh))
			}
		}
		lines = append(lines, ml)
	}
	return lines
}

// CompareNote says what the comparison table's marks and methods are.
func CompareNote(s *decide.Summary) string {
	n := fmt.Sprintf("~: not significant at alpha %s. Intervals are 95%%: %s for the pass rate", decide.FormatNumber(s.Alpha), decide.MethodNewcombe)
	if s.MeanScore != nil {
		n += ", " + decide.MethodPairedT + " for the mean score"
	}
	return n + ". Test: " + decide.MethodMcNemar + "."
}

func testText(p float64, n int, tooSmall bool) string {
	s := "p=-"
	if !math.IsNaN(p) {
		s = fmt.Sprintf("p=%.3g", p)
	}
	s += fmt.Sprintf(" n=%d", n)
	if tooSmall {
		s += ", too small to tell"
	}
	return s
}

func signed(f float64) string {
	s := decide.FormatNumber(math.Round(f*10) / 10)
	if f > 0 {
		return "+" + s
	}
	return s
}

// RowsNote says how many rows are listed and how the others are summarised.
func (r *Report) RowsNote() string {
	if len(r.Rows) == r.TotalRows {
		return fmt.Sprintf("All %d rows, failed and invalid first.", r.TotalRows)
	}
	return fmt.Sprintf("%d of %d rows are listed: the failed and invalid rows first (%d in all), then the first of the others in file order. "+
		"The %d rows not listed are counted in every figure and chart above; 'evals results %s' prints them all.",
		len(r.Rows), r.TotalRows, r.BadRows, r.TotalRows-len(r.Rows), r.JobID)
}

// WriteHTML writes the report as one self-contained HTML file.
func (r *Report) WriteHTML(w io.Writer) error {
	view := struct {
		R        *Report
		CSP      string
		Script   template.JS
		Charts   []svgChart
		Compare  *compareView
		RowsNote string
	}{R: r, CSP: csp, Script: template.JS(script), RowsNote: r.RowsNote()} //nolint:gosec // the script is the package's own embedded file, never data
	for _, c := range r.Charts {
		view.Charts = append(view.Charts, svg(c))
	}
	if c := r.Comparison; c != nil {
		s := &c.Summary
		matched := s.MatchedBy.String()
		if s.MatchedBy == decide.ByKey {
			matched += " " + fmt.Sprint(s.Key)
		}
		view.Compare = &compareView{
			BaseID: c.BaseID, MatchedBy: matched, Paired: s.Paired, OnlyBase: s.OnlyBase, OnlyNew: s.OnlyNew,
			Regressed: s.Regressed, Improved: s.Improved, Unchanged: s.Unchanged,
			Lines: CompareLines(s), Note: CompareNote(s),
		}
		for _, sec := range []rowSection{
			{Title: "Regressed rows", Total: s.Regressed, Rows: c.Regressed, Bad: true},
			{Title: "Rows only in the baseline", Total: s.OnlyBase, Rows: c.OnlyBase},
			{Title: "Rows only in this run", Total: s.OnlyNew, Rows: c.OnlyNew},
		} {
			if sec.Total > 0 {
				view.Compare.Sections = append(view.Compare.Sections, sec)
			}
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := htmlTemplate.Execute(bw, view); err != nil {
		return err
	}
	return bw.Flush()
}
