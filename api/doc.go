// Package api is an in-memory implementation of the Together AI Evaluations API and of the file
// endpoints evaluations use, checked against the project's openapi.yaml on every request and
// response.
//
// It serves the CLI's `evals demo` and `evals serve`, the tests and benchmarks of this project, and
// users' own tests, which can start it instead of mocking a client:
//
//	srv := httptest.NewServer(api.NewHandler())
//	defer srv.Close()
//	// point a client at srv.URL + "/v1" with any non-empty API key
//
// Its jobs take about 2 s to end by default, and wrappers' Client.Wait first waits 1 s between
// polls. A test makes jobs end as soon as they are judged, and polls without delay, with
//
//	srv := httptest.NewServer(api.NewHandler(api.WithPhaseDurations(0, 0, 0)))
//	job, err := client.Wait(ctx, id, wrappers.WaitOptions{FirstInterval: time.Millisecond})
//
// or steps a job through its phases without waiting at all with [WithClock] and a [FakeClock]
// ([Server.WaitIdle], then [FakeClock.Advance]).
//
// The handler implements the server interface generated from openapi.yaml
// (generated.StrictServerInterface) on a ServeMux; no route or schema is written by hand.
// [NewHandler] returns the handler alone; [New] returns a [Server], whose methods steer and observe
// it: [Server.Faults], [Server.Requests], [Server.Violations].
//
// # Requests
//
// Every request needs `Authorization: Bearer <key>`: any non-empty key, or one of those given to
// [WithAPIKeys]; otherwise the answer is 401. A request that matches no operation gets 404 (405 for
// a known path with another method). Each request is then validated against the spec with
// kin-openapi; a bad one gets 400 with an ErrorData body whose `param` names the field at fault
// ("parameters.labels", "limit", "purpose") and whose message starts with it. A malformed id on an
// operation that declares no 400 gets 404. Request bodies are bounded: an upload by
// [WithMaxUploadBytes] (413 past it), a JSON body by 1 MiB (400 past it). A panic in a handler
// becomes a 500 ErrorData. Every error answer is ErrorData JSON.
//
// # Responses
//
// With response validation on (the default; see [WithResponseValidation]) every answer is checked
// against the spec before it leaves; one that breaks it is replaced by a 500 ErrorData and recorded
// in [Server.Violations]. JSON answers are checked whole. The content of a file streams: the status
// and headers of GET /files/{id}/content are checked, its body is not. Injected faults are not
// checked.
//
// # Files
//
// POST /files/upload takes a multipart form (purpose, file_name, optional file_type, file) and
// streams the file into the store (memory by default), checked on the way; nothing is kept unless
// the whole upload passes. The store holds at most [WithMaxStoreBytes] bytes of file contents
// (1 GiB by default; uploads and result files together): an upload that would pass it gets 507.
// A file with purpose `eval` must be JSONL: valid UTF-8, every line one JSON object of at most
// 4 MiB (a last newline is allowed), at least one line; otherwise 400 names the first bad line.
// GET /files/{id} returns the metadata; GET /files/{id}/content streams the bytes as
// `text/plain; charset=utf-8`. GET /files lists the caller's files, uploads and result files
// alike, newest first (at most 1000). DELETE /files/{id} removes a file ({"id": ..., "deleted":
// true}; 404 for an unknown one); a job created on it keeps the data it was created with and ends
// as it would have (the contents go once no unfinished job reads them), while a new job naming it
// gets 400. A job's result_file_id may name a deleted file; its content is then 404.
//
// # Jobs
//
// POST /evaluation checks what the service checks: the input file exists and has purpose `eval`;
// labels are distinct and pass labels are among them; min_score < max_score and pass_threshold lies
// between them; a compare job names both model_a and model_b; a model with model_source `external`
// has an external_base_url. Each failure is a 400 naming the field. The answer is
// {workflow_id, status: "pending"}. External API tokens are shown as "REDACTED" in the job's
// parameters.
//
// # Where data is kept
//
// [New] keeps everything in memory: lost when the process ends. [Open] keeps jobs, files and
// result files in a directory (SQLite for the metadata, files for the contents; see [Open]) and
// serves them again after a restart or a crash. Either way, file contents are bounded by
// [WithMaxStoreBytes]. [NewHTTPServer] and [GuardListener] wrap the handler in an http.Server fit
// to be left running (timeouts for slow clients, caps on connections and requests in flight).
//
// # Keys keep their data apart
//
// Every file and job belongs to the key that uploaded or created it; another key gets 404 for it
// (existence is not revealed) and never sees it in a list, nor can it start a job on it. The server
// keeps a SHA-256 of each key, never the key, and only for what a key stored; a job's owner_id is
// "user-" and the first 16 hex digits of that hash.
//
// # Jobs run in the background
//
// A new job goes to a background runner, which judges at most [DefaultMaxJobsInFlight] jobs at once
// and at most [DefaultMaxRowsInFlight] rows with the judge across them (see [WithRunnerLimits]);
// within that, each model of a job (the judge, and a generating model_to_evaluate, model_a or
// model_b) has its own num_workers calls in flight (by default 25 for serverless, 5 for dedicated,
// 20 for external with a base URL), and a job as many rows as its busiest model. Result rows are written in input order as they are judged, straight
// into the store. Reads never do a job's work: they show what the runner recorded.
//
// A job's phases follow the [Clock]: pending for the first phase duration after creation, then
// queued, then running (see [WithPhaseDurations]); a job whose running time has come while the
// runner has no slot for it stays queued. It is shown ended once its running phase has passed and
// the runner has ended it, whichever is later. `status_updates` holds one entry per phase reached,
// stamped with the moment the phase began, and, while the job runs, a last "running" entry "Judged
// N of M rows" stamped with the time of the read; `updated_at` is the last of them. On a
// [FakeClock], call [Server.WaitIdle] before reading a job to see it as the runner left it.
//
// A job ends in:
//   - `user_error`, with results {"error": "Unsupported dataset column(s): a, b"}, when the input has
//     a column the job does not use, as the service does. A column is used when a template of the
//     job (the judge's system_template, a generating model's system_template or input_template)
//     has a {{column}} placeholder ({{info.q}} uses info), when model_to_evaluate, model_a or model_b
//     names it, or when it is image_data_urls or __judge (below). A column that a template or a
//     model parameter names but that no row has fails the job the same way ("Missing dataset
//     column(s): x"), and so
//     does a row that lacks a field, or a part of one, that a placeholder reads ("Row 2: {{info.q}}
//     reads info.q, which the row does not have in parameters.judge.system_template"). Templates
//     follow internal/jinja, the rules the client's pre-flight checks by.
//   - `error`, with results {"error": "judge model fail/x is not available"}, when the judge model's
//     name starts with "fail/": a way for clients to test failed jobs.
//   - `error`, with results {"error": "4 of 10 rows failed (more than 30%); the first: ..."}, when
//     more than 30% of the rows failed at the judge or at generation, as the service does.
//   - `completed` otherwise, with a result file (purpose `eval-output`).
//
// GET /evaluation lists jobs newest first, in one `status` if asked, at most `limit` (10 by
// default). GET /evaluation/{id}/status returns the status and results alone.
// GET /evaluation/model-list returns a small fixed catalogue, filtered by `model_source`.
//
// # The stand-in judge
//
// No model is called. A deterministic stand-in judges each row from an FNV-1a hash of the row's
// canonical JSON (keys sorted), so the same row always gets the same verdict: about 2% of rows
// fail at the judge, 3% get an answer that is not an allowed verdict, and, where a model generates
// the outputs, 2% fail at generation; the others get a label (uniform over the job's labels), a
// score (a whole number between min_score and max_score when both are whole, else a number with two
// decimals), or A / B / Tie. A row can force its verdict with a `__judge` field: "judge_fail",
// "generation_fail", "invalid", or the verdict itself (a label, a score as a number or a string,
// or "A", "B", "Tie"); a forced verdict the job does not allow is an invalid answer. A generating
// model's output is "Stand-in output of <model> for: <its input_template filled from the row>".
//
// The result file has one JSON object per input row, in input order: every field of the input row
// as written, then
//
//	<slot>_output             for model_to_evaluate / model_a / model_b given as a model (left out
//	                          for the model whose generation failed)
//	success                   false when generation or judging failed
//	error                     only when success is false; starts "generation failed" or "judge failed"
//	feedback                  the judge's explanation ("" when it failed)
//	is_invalid_judge_output   the judge answered something not allowed
//	label, final_decision     classify: the label and "pass" / "fail", or null
//	score, final_decision     score: the score and "pass" / "fail" (score >= pass_threshold), or null
//	final_decision            compare: "A", "B", "Tie", or null
//	judge_answer              the judge's answer as given, when it was not an allowed verdict
//	usage                     the tokens the row's model calls used, where the endpoint reported
//	                          them (a real judge only): prompt_tokens, completion_tokens,
//	                          total_tokens
//
// The results add the rows up: generation_fail_count and judge_fail_count for every type;
// classify: label_counts (a JSON object serialised into a string, every label in the job's order,
// as the service sends it), invalid_label_count, pass_percentage (100 * pass rows / rows with a
// label, 0 when none); score: aggregated_scores (mean_score and population std_score over valid
// scores, null when there are none; pass_percentage of valid scores at or above the threshold, 0
// when none), invalid_score_count, failed_samples (rows with success false); compare: A_wins,
// B_wins, Ties, num_samples (all rows). And result_file_id, and usage: the rows' usage summed,
// when any row has one.
//
// # The chat judge
//
// With [WithChatJudge], real models judge instead: every call is an OpenAI-compatible chat
// completion (POST <base URL>/chat/completions, through the client generated from openapi.yaml
// into generated/chat). For each row:
//
//   - Templates are filled from the row with the rules of internal/jinja: {{field}}, {{ field }},
//     {{a.b}}, {{a["b"]}}, {{a[0]}}; strings as written, other values as Jinja2 prints them
//     (True, None, {'k': 1}). A template with statements or filters, a model source the server
//     may not call, or a row without a field a template reads ends the job in user_error before
//     any model is called.
//   - Where model_to_evaluate, model_a or model_b is a model configuration, its output is
//     generated first (its rendered system_template as the system message, input_template as the
//     user message, its max_tokens and temperature); a failed call is a generation failure of
//     the row.
//   - The judge gets its rendered system_template followed by the engine's instruction to answer
//     one JSON object with "feedback" and "label" (one of the labels), "score" (a number in the
//     range) or "choice" ("A", "B" or "Tie"); the user message holds the output ("Response to
//     evaluate:") or the two outputs ("Response A:", "Response B:"). The judge's max_tokens and
//     temperature are the job's, else the provider's documented 32768 and 0.05.
//   - The answer is read leniently (the first JSON object with a verdict key, in a code fence
//     or among other text) and checked strictly: a label not among the labels, a score out of
//     range or a choice other than A, B, Tie is an invalid answer, kept in judge_answer.
//   - Compare asks twice, A and B swapped the second time; a choice that does not survive the
//     swap is a tie; when one pass gives no valid choice the other's stands and the row is marked
//     is_invalid_judge_output. disable_position_bias_correction asks once.
//   - A call is sent again after a lost connection or a timeout (also while its answer is read),
//     408, 429 (after Retry-After) or a 5xx answer other than 501, with growing, jittered waits
//     ([WithJudgeRetries], [WithJudgeRetryWait]); each attempt is bounded by
//     [WithJudgeCallTimeout]. A call that still fails fails the row (error "judge failed: <model>:
//     <URL> answered 503 ..."; an error without an answer says how many attempts were made).
//   - Token usage reported by the endpoint goes into the row's usage and the job's results.usage.
//
// Serverless and dedicated models are called at the server's judge base URL with its key; an
// external model at its own external_base_url with its external_api_token, only with
// [WithJudgeAllowExternal] (a token is never sent over plain http except to loopback). Keys and
// tokens never appear in an answer, a log line or an error; a key an endpoint echoes back is
// replaced by [REDACTED].
//
// # Fault injection
//
// [Server.Faults] queues faults per operation (an Op constant, e.g. [OpGetEvaluation]): the next n
// requests to it get a given status (with Retry-After and an ErrorData body), a delay, a dropped
// connection, a truncated JSON body, or their answer cut off halfway through its body; see [Fault]. Faults act before authentication and
// validation. [Server.Requests] counts the requests each operation received, faulted or not.
//
// With [WithControlAPI], the same is reachable over HTTP, with the API's bearer keys, for clients
// not written in Go:
//
//	POST   /_control/faults    {"operation": "GetEvaluation", "times": 2, "status": 429,
//	                            "retry_after": "1", "message": "", "delay_ms": 0,
//	                            "drop": false, "malformed": false, "cut": false}  -> 204
//	DELETE /_control/faults    drop every waiting fault                   -> 204
//	GET    /_control/requests  {"GetEvaluation": 3, ...}                  -> 200
package api
