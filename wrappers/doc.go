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
//     never creates two jobs. The retry loop is hashicorp/go-retryablehttp's, chosen over a
//     hand-written one because its CheckRetry, Backoff and ErrorHandler hooks express this policy
//     whole (the method reaches CheckRetry through the request's context, and the last retryable
//     answer is handed back to become an [*APIError]), and it rewinds request bodies for retries.
//     Retrieve and Status, the calls programs make in loops, send their first attempt straight to
//     the transport and hand over to that loop only when the attempt does not settle the call,
//     with the attempt's outcome as the loop's own first attempt: the same retries, cheaper.
//   - Every non-2xx answer is an [*APIError]; [ErrNotFound], [ErrUnauthorized] and [ErrRateLimited]
//     work with errors.Is. An answer the API cannot have sent (a 404 without its JSON error body, a
//     web page) is a [*NotAPIError] instead, matching [ErrNotEvaluationsAPI] and never
//     [ErrNotFound]: the base URL points elsewhere.
//   - A [Job] offers typed results chosen by the job's type ([ClassifyResults], [ScoreResults],
//     [CompareResults], [ErrorResults]) and decodes label_counts, which the service sends as a JSON
//     object serialised into a string: [Job.LabelCounts] turns "{\"yes\": 10, \"no\": 0}" into
//     map[yes:10 no:0].
//   - [Client.Wait] polls the light status endpoint with backoff until the job ends, and returns a
//     [*JobFailedError] for jobs that end in error or user_error.
//   - [CheckInputFile] checks an input file before it costs anything (UTF-8, one JSON object per line,
//     the same fields on every line, every field used by the job's templates or columns), naming the
//     file, line and field; [Client.UploadFile] runs that check, then streams the file from disk
//     with purpose eval; [Client.Upload] does the same for data read from an io.Reader, held in
//     memory up to a bound ([WithUploadMaxBytes]).
//   - [Client.Files] lists the stored files, [Client.File] returns one's metadata,
//     [Client.FileContent] streams its bytes and [Client.DeleteFile] deletes it. A delete, like a
//     create, is sent again only where the service certainly did not act on it.
//   - [Client.ResultRows] and [Client.JobResultRows] stream a job's per-row results as an
//     iter.Seq2 with bounded memory; [Client.CheckJobRows] adds them up and reports any
//     disagreement with the job's own results.
//
// Tests can run the client against the project's in-memory API instead of a mock:
// httptest.NewServer(api.NewHandler()) from package github.com/evalkit/together-evals/api. Its jobs
// take about 2 s to end by default, and [Client.Wait] first waits 1 s between polls; a test makes
// jobs end at once, and Wait poll without delay, with
//
//	srv := httptest.NewServer(api.NewHandler(api.WithPhaseDurations(0, 0, 0)))
//	job, err := client.Wait(ctx, id, wrappers.WaitOptions{FirstInterval: time.Millisecond})
//
// (api.WithClock with an api.FakeClock steps a job through its phases without waiting at all:
// Server.WaitIdle, then FakeClock.Advance.)
//
// A [*Client] is safe for concurrent use.
package wrappers
