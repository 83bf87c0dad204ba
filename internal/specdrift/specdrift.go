package specdrift

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/diff"
)

// Default file names, relative to the repository root.
const (
	DefaultSpec       = "openapi.yaml"
	DefaultDeviations = "openapi-deviations.yaml"
)

// Report is the outcome of a comparison.
type Report struct {
	// Upstream, Spec and Deviations are the files compared and applied.
	Upstream   string `json:"upstream"`
	Spec       string `json:"spec"`
	Deviations string `json:"deviations"`
	// Findings are the differences no deviation covers.
	Findings []Finding `json:"findings"`
	// Stale are the deviations that covered no difference.
	Stale []Deviation `json:"stale"`
	// Covered counts the differences that deviations covered.
	Covered int `json:"covered"`
}

// Quiet reports whether there is nothing to act on: no finding and no stale deviation.
func (r *Report) Quiet() bool { return len(r.Findings) == 0 && len(r.Stale) == 0 }

type config struct {
	spec, deviations string
}

// Option configures [Check].
type Option func(*config)

// WithSpec names the project's OpenAPI document (default openapi.yaml).
func WithSpec(name string) Option { return func(c *config) { c.spec = name } }

// WithDeviations names the deviations file (default openapi-deviations.yaml). An empty name
// applies no deviations.
func WithDeviations(name string) Option { return func(c *config) { c.deviations = name } }

// Check compares the provider's OpenAPI document in the file upstream with the project's, for the
// operations the project's document has and the operations of the provider under the same first
// path segments (/evaluation, /files, ...), and applies the deviations file. An unreadable or
// malformed input is an [*InputError].
func Check(upstream string, opts ...Option) (*Report, error) {
	cfg := config{spec: DefaultSpec, deviations: DefaultDeviations}
	for _, o := range opts {
		o(&cfg)
	}
	var devs []Deviation
	if cfg.deviations != "" {
		var err error
		if devs, err = loadDeviations(cfg.deviations); err != nil {
			return nil, atRoot(err, cfg.deviations == DefaultDeviations, "-deviations")
		}
	}
	ours, err := loadDocument(cfg.spec)
	if err != nil {
		return nil, atRoot(err, cfg.spec == DefaultSpec, "-spec")
	}
	up, err := loadDocument(upstream)
	if err != nil {
		return nil, err
	}
	raws, err := compare(ours, up)
	if err != nil {
		return nil, err
	}
	rep := &Report{Upstream: upstream, Spec: cfg.spec, Deviations: cfg.deviations, Findings: []Finding{}, Stale: []Deviation{}}
	rep.Findings, rep.Stale, rep.Covered = apply(raws, devs, ours)
	return rep, nil
}

// atRoot adds a hint to a default file that is missing: the command runs from the repository root.
func atRoot(err error, isDefault bool, flag string) error {
	var ie *InputError
	if isDefault && errors.As(err, &ie) && ie.Msg == msgNoSuchFile {
		ie.Msg += " (run from the repository root, or name the file with " + flag + ")"
	}
	return err
}

// compare diffs the two documents and returns every difference, one per place.
func compare(ours, up *document) ([]raw, error) {
	keep := areas(ours.doc)
	restrict(up.doc, keep)
	if up.doc.Paths.Len() == 0 {
		names := sortedKeys(keep)
		for i, a := range names {
			names[i] = "/" + a
		}
		return nil, &InputError{File: up.name, Msg: "has no path under " + strings.Join(names, ", ") + ", where " +
			ours.name + " has its operations: is it the provider's document?"}
	}
	ours.normalize()
	up.normalize()

	cfg := diff.NewConfig(diff.WithExcludeElements([]string{
		diff.ExcludeExamplesOption, diff.ExcludeDescriptionOption, diff.ExcludeTitleOption,
		diff.ExcludeSummaryOption, diff.ExcludeExtensionsOption, diff.ExcludeTagsOption,
	}))
	// Only what the operations reach is compared: the components are left out of oasdiff's view.
	base, rev := *ours.doc, *up.doc
	base.Components, rev.Components = &openapi3.Components{}, &openapi3.Components{}
	d, err := diff.Get(cfg, &base, &rev)
	if err != nil {
		return nil, fmt.Errorf("comparing %s with %s: %w", ours.name, up.name, err)
	}
	w := &walker{ours: ours, up: up, upPaths: map[*openapi3.PathItem]string{}, stack: map[*diff.SchemaDiff]bool{}}
	for path, item := range up.doc.Paths.Map() {
		w.upPaths[item] = path
	}
	w.servers(d)
	w.paths(d)
	return w.out, nil
}

// areas are the first segments of the project's paths: /evaluation, /files.
func areas(doc *openapi3.T) map[string]bool {
	out := map[string]bool{}
	for _, p := range doc.Paths.InMatchingOrder() {
		out[firstSegment(p)] = true
	}
	return out
}

func firstSegment(p string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return seg
}

// restrict drops the provider's paths outside the project's areas.
func restrict(doc *openapi3.T, keep map[string]bool) {
	for _, p := range doc.Paths.InMatchingOrder() {
		if !keep[firstSegment(p)] {
			doc.Paths.Delete(p)
		}
	}
}

// apply removes what the deviations cover, tells each remaining difference once, and finds the
// deviations that covered nothing.
func apply(raws []raw, devs []Deviation, ours *document) (findings []Finding, stale []Deviation, covered int) {
	used := make([]bool, len(devs))
	byKey := map[[5]string]int{}
	findings, stale = []Finding{}, []Deviation{}
	for _, r := range raws {
		hit := false
		for i, d := range devs {
			if d.matches(r) {
				used[i], hit = true, true
			}
		}
		if hit {
			covered++
			continue
		}
		if i, ok := byKey[r.key()]; ok {
			f := &findings[i]
			if !slices.Contains(f.Operations, r.op) {
				f.Operations = append(f.Operations, r.op)
			}
			if !slices.Contains(f.Where, r.where) {
				f.Where = append(f.Where, r.where)
			}
			continue
		}
		byKey[r.key()] = len(findings)
		findings = append(findings, Finding{
			Kind: r.kind, Operations: []string{r.op}, Where: []string{r.where}, Value: r.value, Detail: r.detail,
			Upstream: r.upstream, Ours: r.ours, OursLine: ours.line(r.ours),
		})
	}
	for i, d := range devs {
		if !used[i] {
			stale = append(stale, d)
		}
	}
	order := map[string]int{}
	for i, k := range Kinds {
		order[k] = i
	}
	for i := range findings {
		slices.Sort(findings[i].Operations)
	}
	slices.SortStableFunc(findings, func(a, b Finding) int {
		if c := order[a.Kind] - order[b.Kind]; c != 0 {
			return c
		}
		if c := strings.Compare(a.Operations[0], b.Operations[0]); c != 0 {
			return c
		}
		if c := strings.Compare(a.Ours, b.Ours); c != 0 {
			return c
		}
		if c := strings.Compare(a.Upstream, b.Upstream); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return findings, stale, covered
}
