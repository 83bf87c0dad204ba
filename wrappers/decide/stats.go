package decide

import (
	"math"
	"math/big"

	"gonum.org/v1/gonum/stat/distuv"
)

// The methods the statistics use, as the output names them.
const (
	// MethodMcNemar is the test of a change in paired pass rate: the exact McNemar test, a
	// two-sided binomial test (p = 1/2) on the discordant pairs.
	MethodMcNemar = "exact McNemar (two-sided binomial test on discordant pairs)"
	// MethodNewcombe is the interval for a change in paired pass rate: Newcombe's hybrid score
	// interval for a difference of paired proportions (Newcombe 1998, method 10), built from the
	// Wilson score intervals of both rates and the correlation of the pairs (with Newcombe's
	// correction of a positive correlation), as in Fagerland, Lydersen and Laake (2017), ch. 8.
	MethodNewcombe = "Newcombe hybrid score interval (paired, method 10)"
	// MethodPairedT is the test and interval of a change in mean score: Student's t on the
	// per-row differences of the paired scores.
	MethodPairedT = "paired t"
)

// confidence is the level of every interval: 95%.
const confidence = 0.95

// PairedProportion is the change in pass rate between two runs, over the rows paired between
// them. Rates are fractions (0 to 1); [PairedProportion.Delta], CILow and CIHigh are in the same
// unit.
type PairedProportion struct {
	// N is the number of paired rows.
	N int
	// BothPass counts pairs that pass in both runs; Regressed pairs pass in the base run only;
	// Improved pairs pass in the new run only; NeitherPass pass in neither. Regressed and
	// Improved are the discordant pairs the test looks at.
	BothPass, Regressed, Improved, NeitherPass int
	// Base and New are the pass rates of the paired rows in each run.
	Base, New float64
	// Delta is New - Base; CILow and CIHigh bound it with 95% confidence ([MethodNewcombe]).
	Delta, CILow, CIHigh float64
	// PValue is the two-sided p-value of [MethodMcNemar]: 1 when there is no discordant pair.
	PValue float64
	// TooSmall is true when there are so few discordant pairs that no split of them could be
	// significant at the level asked for: the sample is too small to tell.
	TooSmall bool
}

// pairedProportion computes the statistics of a 2×2 table of paired outcomes: a pass in both,
// b pass in base only, c pass in new only, d pass in neither.
func pairedProportion(a, b, c, d int, alpha float64) PairedProportion {
	n := a + b + c + d
	p := PairedProportion{N: n, BothPass: a, Regressed: b, Improved: c, NeitherPass: d, PValue: 1}
	p.PValue = mcNemarExact(b, c)
	p.TooSmall = mcNemarTooSmall(b+c, alpha)
	if n == 0 {
		p.CILow, p.CIHigh = math.NaN(), math.NaN()
		return p
	}
	p.Base = float64(a+b) / float64(n)
	p.New = float64(a+c) / float64(n)
	p.Delta = float64(c-b) / float64(n)
	p.CILow, p.CIHigh = newcombePaired(a, b, c, d)
	return p
}

// mcNemarExact is the two-sided exact McNemar p-value for b and c discordant pairs: twice the
// smaller binomial tail under p = 1/2, at most 1. Up to exactSumMax discordant pairs the tail is
// summed in integers and rounded once, so that a p-value that is a power of two (5 pairs all on
// one side: 0.0625) compares with an alpha of that value as the number it is; the incomplete beta
// function behind gonum's CDF can land one rounding step below it.
func mcNemarExact(b, c int) float64 {
	n := b + c
	if n == 0 {
		return 1
	}
	k := min(b, c)
	if n <= exactSumMax {
		return math.Min(1, binomialHalfTailTwice(n, k))
	}
	tail := distuv.Binomial{N: float64(n), P: 0.5}.CDF(float64(k))
	return math.Min(1, 2*tail)
}

// exactSumMax is the most discordant pairs whose tail is summed exactly (about 20 ms at most,
// once per diff; beyond it the p-value of any split that matters is far from an alpha's rounding step).
const exactSumMax = 20000

// binomialHalfTailTwice is 2 × P(X ≤ k) for X ~ Binomial(n, 1/2): the sum of C(n, i) for i ≤ k,
// over 2^(n-1), rounded to the nearest float64.
func binomialHalfTailTwice(n, k int) float64 {
	sum := big.NewInt(1)
	term := big.NewInt(1)
	var tmp big.Int
	for i := 1; i <= k; i++ {
		term.Mul(term, tmp.SetInt64(int64(n-i+1)))
		term.Quo(term, tmp.SetInt64(int64(i))) // exact: C(n, i-1)·(n-i+1) = C(n, i)·i
		sum.Add(sum, term)
	}
	den := new(big.Int).Lsh(big.NewInt(1), uint(n-1))
	f, _ := new(big.Rat).SetFrac(sum, den).Float64()
	return f
}

// mcNemarTooSmall reports whether n discordant pairs are too few for the exact test to reach
// alpha even with the most lopsided split (all on one side: p = 2 × 0.5^n).
func mcNemarTooSmall(n int, alpha float64) bool {
	return 2*math.Pow(0.5, float64(n)) >= alpha
}

// wilson is the Wilson score interval for x successes in n trials at the module's confidence.
func wilson(x, n int) (lo, hi float64) {
	z := zCritical()
	p := float64(x) / float64(n)
	nf := float64(n)
	z2 := z * z
	center := p + z2/(2*nf)
	half := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	den := 1 + z2/nf
	return math.Max(0, (center-half)/den), math.Min(1, (center+half)/den)
}

// zCritical is the two-sided critical value of the standard normal at the confidence level.
func zCritical() float64 { return distuv.UnitNormal.Quantile(1 - (1-confidence)/2) }

// newcombePaired is Newcombe's method 10 interval for p2 - p1, where p1 = (a+b)/n is the base
// rate and p2 = (a+c)/n the new rate.
func newcombePaired(a, b, c, d int) (lo, hi float64) {
	n := a + b + c + d
	l1, u1 := wilson(a+b, n)
	l2, u2 := wilson(a+c, n)
	p1 := float64(a+b) / float64(n)
	p2 := float64(a+c) / float64(n)
	delta := p2 - p1
	// phi estimates the correlation of the two rates, with Newcombe's correction: a positive
	// ad - bc is reduced by n/2 (and no lower than 0).
	phi := 0.0
	if den := float64(a+b) * float64(c+d) * float64(a+c) * float64(b+d); den > 0 {
		ad := float64(a)*float64(d) - float64(b)*float64(c)
		switch half := float64(n) / 2; {
		case ad > half:
			phi = (ad - half) / math.Sqrt(den)
		case ad < 0:
			phi = ad / math.Sqrt(den)
		}
	}
	dl := math.Sqrt(math.Max(0, sq(p2-l2)-2*phi*(p2-l2)*(u1-p1)+sq(u1-p1)))
	du := math.Sqrt(math.Max(0, sq(u2-p2)-2*phi*(u2-p2)*(p1-l1)+sq(p1-l1)))
	return math.Max(-1, delta-dl), math.Min(1, delta+du)
}

func sq(x float64) float64 { return x * x }

// PairedMean is the change in mean score between two runs, over the rows scored in both.
type PairedMean struct {
	// N is the number of rows scored in both runs.
	N int
	// Base and New are the mean scores of those rows in each run.
	Base, New float64
	// Delta is the mean of the per-row differences (new - base); CILow and CIHigh bound it with
	// 95% confidence ([MethodPairedT]); NaN when N < 2.
	Delta, CILow, CIHigh float64
	// PValue is the two-sided p-value of the paired t test; NaN when N < 2. When every
	// difference is the same, it is 0 (or 1 when they are all 0).
	PValue float64
	// TooSmall is true when fewer than 2 rows were scored in both runs.
	TooSmall bool
}

// meanAcc accumulates paired scores (Welford's method on the differences).
type meanAcc struct {
	n               int
	sumBase, sumNew float64
	meanDiff, m2    float64
}

func (m *meanAcc) add(base, next float64) {
	m.n++
	m.sumBase += base
	m.sumNew += next
	d := next - base
	delta := d - m.meanDiff
	m.meanDiff += delta / float64(m.n)
	m.m2 += delta * (d - m.meanDiff)
}

func (m *meanAcc) result() PairedMean {
	r := PairedMean{N: m.n, Delta: math.NaN(), CILow: math.NaN(), CIHigh: math.NaN(), PValue: math.NaN()}
	if m.n > 0 {
		r.Base = m.sumBase / float64(m.n)
		r.New = m.sumNew / float64(m.n)
		r.Delta = m.meanDiff
	}
	if m.n < 2 {
		r.TooSmall = true
		return r
	}
	sd := math.Sqrt(m.m2 / float64(m.n-1))
	se := sd / math.Sqrt(float64(m.n))
	if se == 0 || math.IsNaN(se) {
		r.CILow, r.CIHigh = r.Delta, r.Delta
		r.PValue = 0
		if r.Delta == 0 {
			r.PValue = 1
		}
		return r
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(m.n - 1)}
	q := t.Quantile(1 - (1-confidence)/2)
	r.CILow, r.CIHigh = r.Delta-q*se, r.Delta+q*se
	r.PValue = math.Min(1, 2*t.Survival(math.Abs(r.Delta/se)))
	return r
}
