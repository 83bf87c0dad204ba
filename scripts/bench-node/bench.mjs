// The node side of scripts/bench-node.sh: the provider's TypeScript SDK (together-ai) against the
// benchmarks' server (the wrappers test binary in server mode), on the same workloads as the Go
// benchmarks. Prints one "BenchmarkNode/<row> <value> <unit>" line per figure.
//
//   node bench.mjs rates URL [seconds]   JSON.parse of the list body; sequential and 32 concurrent
//                                        client.evals.retrieve(id)
//   node bench.mjs peak URL              the list fetched 50 times through client.evals.list(), in
//                                        a fresh process: peak RSS (resourceUsage().maxRSS)
import Together from 'together-ai';

const key = 'sk-bench-0123456789'; // the key the benchmarks' server expects
const jobID = 'eval-1234aedf';
const listLength = 1000;
const fetches = 50; // as benchFetches in wrappers/benchproc_test.go
const workers = 32;

const [mode, baseURL, secondsArg] = process.argv.slice(2);
if (!['rates', 'peak'].includes(mode) || !baseURL) {
  console.error('usage: node bench.mjs rates|peak BASE_URL [seconds]');
  process.exit(2);
}
const seconds = Number(secondsArg ?? 1);
// maxRetries 0: a failed request fails the run instead of being retried out of sight.
const client = new Together({ apiKey: key, baseURL, maxRetries: 0 });

const report = (row, value, unit) => console.log(`BenchmarkNode/${row} ${value} ${unit}`);
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
let sink;

function checkJob(job) {
  if (!job || job.workflow_id !== jobID) throw new Error(`retrieve: unexpected answer ${JSON.stringify(job).slice(0, 200)}`);
}

async function rates() {
  // JSON.parse of the very bytes the server sends for the list.
  const resp = await fetch(`${baseURL}/evaluation`, { headers: { Authorization: `Bearer ${key}` } });
  if (!resp.ok) throw new Error(`GET /evaluation: ${resp.status}`);
  const body = await resp.text();
  if (JSON.parse(body).length !== listLength) throw new Error('the list body does not hold 1000 jobs');
  for (let i = 0; i < 5; i++) sink = JSON.parse(body);
  {
    let n = 0;
    const start = process.hrtime.bigint();
    const until = start + BigInt(Math.round(seconds * 1e9));
    let now = start;
    while (now < until || n < 5) {
      sink = JSON.parse(body);
      n++;
      now = process.hrtime.bigint();
    }
    report('DecodeList', Number(now - start) / n, 'ns/op');
    report('DecodeList', body.length, 'body-bytes');
  }

  // Sequential retrieves: requests per second and client CPU per request.
  for (let i = 0; i < 200; i++) checkJob(await client.evals.retrieve(jobID));
  {
    let n = 0;
    const cpu0 = cpuMicros();
    const start = performance.now();
    const until = start + seconds * 1000;
    while (performance.now() < until) {
      sink = await client.evals.retrieve(jobID);
      n++;
    }
    const wall = (performance.now() - start) / 1000;
    checkJob(sink);
    report('RetrieveSequential', n / wall, 'req/s');
    report('RetrieveSequential', ((cpuMicros() - cpu0) * 1000) / n, 'cpu-ns/op');
  }

  // 32 concurrent retrieves sharing one client.
  const concurrent = async (ms) => {
    let n = 0;
    const cpu0 = cpuMicros();
    const start = performance.now();
    const until = start + ms;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (performance.now() < until) {
          checkJob(await client.evals.retrieve(jobID));
          n++;
        }
      }),
    );
    return { n, wall: (performance.now() - start) / 1000, cpu: cpuMicros() - cpu0 };
  };
  await concurrent(200); // open the connections before timing
  {
    const { n, wall, cpu } = await concurrent(seconds * 1000);
    report('RetrieveConcurrent', n / wall, 'req/s');
    report('RetrieveConcurrent', (cpu * 1000) / n, 'cpu-ns/op');
  }
}

async function peak() {
  const mib = 1024 * 1024;
  const baseRSS = process.memoryUsage().rss;
  let kept;
  let peakHeap = 0;
  for (let i = 0; i < fetches; i++) {
    kept = await client.evals.list();
    if (!Array.isArray(kept) || kept.length !== listLength) throw new Error('list: unexpected answer');
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  sink = kept;
  // maxRSS is in kilobytes (getrusage ru_maxrss), the same high-water mark as VmHWM.
  report('PeakMemoryList', (process.resourceUsage().maxRSS * 1024) / mib, 'peak-RSS-MiB');
  report('PeakMemoryList', peakHeap / mib, 'peak-heap-MiB');
  report('PeakMemoryList', baseRSS / mib, 'base-RSS-MiB');
}

await (mode === 'rates' ? rates() : peak());
