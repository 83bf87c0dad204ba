// Package wrappers is the client for the Together AI Evaluations API: LLM-as-a-judge jobs that
// classify, score or compare model outputs over an uploaded JSONL file.
//
// It sits on top of the code generated from the project's openapi.yaml (package generated) and adds
// what a program needs to run evaluations safely:
//
//   - [NewClient] reads the API key from [WithAPIKey] or TOGETHER_API_KEY and the base URL from
//     [WithBaseURL] or TOGETHER_BASE_URL (default https://api.together.ai/v1). The key is sent only to
//     the base URL's host, never over plain http to a host that is not loopback, and never appears in
//     an error, a log line or the printed form of a [Client].
//   - Create requests are typed Go values ([ClassifyRequest], [ScoreRequest], [CompareRequest]) that
//     are validated before any request is sent; problems come back as [*ValidationError] values
//     naming the field by its wire path, such as "parameters.labels".
//   - Job ids are checked and path-escaped, so no id can reach another endpoint.
//   - Reads are retried on connection errors, 408, 429, 500, 502, 503 and 504 with capped exponential
//     backoff and full jitter, honouring Retry-After. A create is retried only when the service
//     certainly did not act on it (429, or a connection that was never made), so a flaky network
//     never creates two jobs.
//   - Every non-2xx answer is an [*APIError]; [ErrNotFound], [ErrUnauthorized] and [ErrRateLimited]
//     work with errors.Is.
//   - A [Job] offers typed results chosen by the job's type ([ClassifyResults], [ScoreResults],
//     [CompareResults], [ErrorResults]) and decodes label_counts, which the service sends as a JSON
//     object serialised into a string: [Job.LabelCounts] turns "{\"yes\": 10, \"no\": 0}" into
//     map[yes:10 no:0].
//   - [Client.Wait] polls the light status endpoint with backoff until the job ends, and returns a
//     [*JobFailedError] for jobs that end in error or user_error.
//
// A [*Client] is safe for concurrent use.
package wrappers
