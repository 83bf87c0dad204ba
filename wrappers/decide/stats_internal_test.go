package decide

import (
	"math"
	"math/big"
	"testing"
)

func near(a, b, eps float64) bool { return math.Abs(a-b) <= eps }

// The exact McNemar p-values of small tables, computed by hand from the binomial(n, 1/2)
// distribution: p = min(1, 2 × P(X ≤ min(b, c))).
func TestMcNemarExactSmallTables(t *testing.T) {
	cases := []struct {
		b, c int
		want float64
	}{
		{0, 0, 1},
		{0, 5, 2.0 / 32},              // 2 × (1/32)
		{5, 0, 2.0 / 32},              // symmetric
		{1, 9, 2 * 11.0 / 1024},       // 2 × (1 + 10) / 1024
		{2, 8, 2 * 56.0 / 1024},       // 2 × (1 + 10 + 45) / 1024
		{3, 1, 2 * 5.0 / 16},          // 2 × (1 + 4) / 16
		{0, 10, 2.0 / 1024},           // 2 / 1024
		{10, 10, 1},                   // capped at 1
		{0, 1, 1},                     // 2 × 1/2
		{4, 16, 2 * 6196.0 / 1048576}, // 2 × (1 + 20 + 190 + 1140 + 4845) / 2^20
	}
	for _, c := range cases {
		if got := mcNemarExact(c.b, c.c); !near(got, c.want, 1e-12) {
			t.Errorf("mcNemarExact(%d, %d) = %.15g, want %.15g", c.b, c.c, got, c.want)
		}
	}
}

func TestMcNemarTooSmall(t *testing.T) {
	// 5 discordant pairs can reach 2/32 = 0.0625 at best: too few at 0.05; 6 reach 2/64.
	if !mcNemarTooSmall(5, 0.05) || mcNemarTooSmall(6, 0.05) {
		t.Error("the limit at alpha 0.05 is 6 discordant pairs")
	}
	if !mcNemarTooSmall(6, 0.01) || mcNemarTooSmall(8, 0.01) {
		t.Error("the limit at alpha 0.01 is 8 discordant pairs")
	}
}

// Newcombe's method 10 for a=36, b=12, c=2, d=0 (n=50), computed by hand with the formula of
// Newcombe (1998), Statistics in Medicine 17:2635: Wilson intervals 48/50 -> [0.865, 0.989] and
// 38/50 -> [0.626, 0.857], phi = -24/sqrt(48*2*38*12) = -0.1147; the change from base to new,
// (c - b)/n = -0.2, lies in [-0.34043, -0.05693].
func TestNewcombeByHand(t *testing.T) {
	lo, hi := newcombePaired(36, 12, 2, 0)
	if !near(lo, -0.3404276, 5e-7) || !near(hi, -0.0569296, 5e-7) {
		t.Fatalf("interval = [%.7f, %.7f], want [-0.3404276, -0.0569296]", lo, hi)
	}
	// No discordant pair: the interval holds 0.
	if lo, hi := newcombePaired(5, 0, 0, 5); lo > 0 || hi < 0 || lo < -1 || hi > 1 {
		t.Errorf("no change: [%g, %g]", lo, hi)
	}
}

// A published example: complete response before and after consolidation therapy (Cavo et al.,
// 2012) in Fagerland, Lydersen and Laake, "Statistical Analysis of Contingency Tables" (2017),
// chapter 8, as the R package contingencytables checks it: for the table 59, 6 / 16, 80 the
// Newcombe square-and-add interval of p1+ - p+1 = -0.0621 is -0.1186 to -0.0046. Here the base
// run is the rows (6 pass only in it) and the new run the columns (16 pass only in it): the
// change is +0.0621, in [0.0046, 0.1186].
func TestNewcombePublishedExample(t *testing.T) {
	p := pairedProportion(59, 6, 16, 80, 0.05)
	if !near(p.Delta, 0.0621, 5e-5) || !near(p.CILow, 0.0046, 5e-5) || !near(p.CIHigh, 0.1186, 5e-5) {
		t.Fatalf("change %.4f in [%.4f, %.4f], want 0.0621 in [0.0046, 0.1186]", p.Delta, p.CILow, p.CIHigh)
	}
}

func TestWilsonByHand(t *testing.T) {
	// x = 0, n = 10: [0, z²/(n+z²)] = [0, 3.8415/13.8415] = [0, 0.27753].
	lo, hi := wilson(0, 10)
	if !near(lo, 0, 1e-12) || !near(hi, 0.27753, 5e-5) {
		t.Fatalf("wilson(0, 10) = [%g, %g]", lo, hi)
	}
}

func TestPairedMeanByHand(t *testing.T) {
	// Differences 1, 2, 3, 4: mean 2.5, sd = sqrt(5/3) = 1.290994, se = 0.645497,
	// t(3) critical 3.182446: interval 2.5 ± 2.054260; t = 3.872983, p = 0.030466 (two-sided).
	var m meanAcc
	for i, d := range []float64{1, 2, 3, 4} {
		m.add(float64(i), float64(i)+d)
	}
	r := m.result()
	if r.N != 4 || !near(r.Delta, 2.5, 1e-12) || r.TooSmall {
		t.Fatalf("result = %+v", r)
	}
	if !near(r.CILow, 0.445740, 5e-6) || !near(r.CIHigh, 4.554260, 5e-6) {
		t.Errorf("interval = [%.6f, %.6f], want [0.445740, 4.554260]", r.CILow, r.CIHigh)
	}
	if !near(r.PValue, 0.030466, 5e-6) {
		t.Errorf("p = %.6f, want 0.030466", r.PValue)
	}
}

func TestPairedMeanTooSmallAndConstant(t *testing.T) {
	var one meanAcc
	one.add(1, 2)
	if r := one.result(); !r.TooSmall || !math.IsNaN(r.PValue) || r.Delta != 1 {
		t.Errorf("one pair: %+v", r)
	}
	var same meanAcc
	same.add(1, 2)
	same.add(3, 4)
	if r := same.result(); r.PValue != 0 || r.CILow != 1 || r.CIHigh != 1 {
		t.Errorf("constant differences: %+v", r)
	}
	var zero meanAcc
	zero.add(1, 1)
	zero.add(3, 3)
	if r := zero.result(); r.PValue != 1 || r.Delta != 0 {
		t.Errorf("no difference: %+v", r)
	}
}

// R's paired t test on its sleep data (Student, 1908), the example of ?t.test:
// t.test(extra ~ group, data = sleep, paired = TRUE) gives a mean difference of -1.58, t = -4.0621
// on 9 degrees of freedom, p = 0.002833 and the 95% interval -2.4598858 to -0.7001142.
func TestPairedMeanPublishedExample(t *testing.T) {
	group1 := []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
	group2 := []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}
	var m meanAcc
	for i := range group1 {
		m.add(group2[i], group1[i])
	}
	r := m.result()
	if !near(r.Delta, -1.58, 1e-12) || !near(r.CILow, -2.4598858, 5e-7) || !near(r.CIHigh, -0.7001142, 5e-7) || !near(r.PValue, 0.002833, 5e-7) {
		t.Fatalf("result = %+v", r)
	}
}

// TestMcNemarExactIsTheNumberItIs: a p-value that is a dyadic number comes out as that number,
// not one rounding step below it (the incomplete beta function gave 0.0624999… for 5 pairs all on
// one side, so an alpha of 0.0625 called the change significant while the same result said the
// pairs were too few to tell), and every p-value up to 400 discordant pairs is the correctly
// rounded exact sum.
func TestMcNemarExactIsTheNumberItIs(t *testing.T) {
	for _, c := range []struct {
		b, c int
		want float64
	}{
		{0, 5, 0.0625}, {5, 0, 0.0625}, {0, 3, 0.25}, {0, 7, 1.0 / 64}, {1, 4, 0.375}, {0, 40, 0x1p-39},
	} {
		if got := mcNemarExact(c.b, c.c); got != c.want {
			t.Errorf("mcNemarExact(%d, %d) = %.17g, want exactly %.17g", c.b, c.c, got, c.want)
		}
	}
	if p, alpha := mcNemarExact(0, 5), 0.0625; p < alpha || !mcNemarTooSmall(5, alpha) {
		t.Errorf("5 pairs all on one side at alpha %v: p %.17g and too small %v; want p = alpha and too small", alpha, p, mcNemarTooSmall(5, alpha))
	}
	// The reference: the tail summed with big.Rat, term by term from Pascal's rule.
	for n := 1; n <= 400; n += 13 {
		row := []*big.Int{big.NewInt(1)}
		for i := 1; i <= n; i++ {
			next := make([]*big.Int, i+1)
			next[0], next[i] = big.NewInt(1), big.NewInt(1)
			for j := 1; j < i; j++ {
				next[j] = new(big.Int).Add(row[j-1], row[j])
			}
			row = next
		}
		for k := 0; k <= n/2; k += 1 + n/7 {
			sum := new(big.Int)
			for i := 0; i <= k; i++ {
				sum.Add(sum, row[i])
			}
			want, _ := new(big.Rat).SetFrac(new(big.Int).Lsh(sum, 1), new(big.Int).Lsh(big.NewInt(1), uint(n))).Float64()
			want = math.Min(1, want)
			if got := mcNemarExact(k, n-k); got != want {
				t.Errorf("mcNemarExact(%d, %d) = %.17g, want %.17g", k, n-k, got, want)
			}
		}
	}
}
