// Package decide turns evaluation jobs into decisions, on the client side, for every job type:
// a gate that checks one job against thresholds ([Gate]), and a row-by-row comparison of two runs
// with paired statistics ([Diff]).
//
// It works on top of package wrappers only, the same way against the hosted Evaluations API, the
// project's local API, and result files on disk ([File]); it needs nothing from the server but
// GET /evaluation/{id} and GET /files/{id}/content.
//
// # Gate
//
// [Thresholds] hold a minimum pass percentage (classify, score), a minimum mean score (score), a
// maximum share of invalid judge answers, of judge failures and of generation failures (every
// type), and a minimum win rate of model B (compare: B wins / (A wins + B wins + ties)). [Gate]
// checks them against a job's own results, [GateRows] against the rows of a result file on disk,
// and returns each figure with whether it held. A figure
// exactly at its threshold holds (80% against a minimum of 80 holds).
//
// # Diff
//
// [Diff] pairs the rows of two runs (by key columns, by line when both jobs read the same input
// file, else by input fields; see [Diff]), says for each whether it regressed, improved or stayed
// (see [Compare]), lists the rows found in one run only apart, and computes on the paired rows:
//
//   - the change in pass rate ([Verdict.Pass]; model B's win rate for compare jobs) with a 95%
//     confidence interval by Newcombe's hybrid score method for paired proportions, and the
//     p-value of the exact McNemar test: a two-sided binomial test with p = 1/2 on the discordant
//     pairs, summed exactly in integers (gonum's distuv.Binomial past 20,000 discordant pairs);
//   - for score jobs, the change in mean score with a 95% paired t interval and its p-value, from
//     gonum's distuv.StudentsT;
//   - whether the sample is too small to tell: fewer discordant pairs than any significant split
//     needs at the level asked for (6 at 0.05), or fewer than 2 rows scored in both runs.
//
// Memory stays small whatever the runs' size: the base run becomes a compact index of about 70
// bytes a row, and the new run streams past it.
package decide
