import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ENCODER_DIMENSION, type EncoderGraph } from './encoder-graph.ts';

// Learning a large FAQ embeds every question once: about a minute for ten thousand on one core. embed() is
// synchronous (learning is), so the calling thread cannot await other threads; instead the texts go into
// shared memory, helper threads and the caller take batches from one counter, and the caller blocks on
// Atomics.wait for the helpers' last batches. A helper that never starts, fails or stalls costs nothing but
// time: the caller does whatever is left itself.

/** A large embedding in shared memory. Texts are in length order; batches are runs of `batch` texts. */
export interface SharedJob {
  /** Every text's piece ids, one after another. */
  ids: Int32Array;
  /** Text k's ids are ids[starts[k]] to ids[starts[k + 1]]. */
  starts: Int32Array;
  /** Text k's vector starts at out[k * dimension]. */
  out: Float32Array;
  /** [next batch to take, batches finished, helper failures]. */
  state: Int32Array;
  /** 1 for each batch whose vectors are in `out`. */
  done: Int32Array;
  batch: number;
}

const NEXT = 0;
const FINISHED = 1;
const FAILED = 2;
/** A batch takes well under a second; a helper this long without finishing one is taken to be stuck. */
const STALL_MS = 30_000;
/** Helpers started for a job that never came are stopped after this long. */
const IDLE_MS = 60_000;
/** Two cores or four: beyond this, each helper's 30 MB of weights and start-up buy little. */
const MOST_HELPERS = 3;

const batchesOf = (job: SharedJob) => Math.ceil((job.starts.length - 1) / job.batch);

function runBatch(job: SharedJob, b: number, graph: EncoderGraph): void {
  const first = b * job.batch;
  const last = Math.min(job.starts.length - 1, first + job.batch);
  const ids: Int32Array[] = [];
  for (let k = first; k < last; k++) ids.push(job.ids.subarray(job.starts[k]!, job.starts[k + 1]!));
  job.out.set(graph.run(ids), first * ENCODER_DIMENSION);
}

/** Takes batches until none are left, and says how many it took. Run by the caller and every helper on a job. */
export function takeBatches(job: SharedJob, graph: EncoderGraph): number {
  const batches = batchesOf(job);
  let taken = 0;
  for (let b = Atomics.add(job.state, NEXT, 1); b < batches; b = Atomics.add(job.state, NEXT, 1), taken++) {
    runBatch(job, b, graph);
    Atomics.store(job.done, b, 1);
    Atomics.add(job.state, FINISHED, 1);
    Atomics.notify(job.state, FINISHED);
  }
  return taken;
}

/** A helper that cannot go on says so, and the caller stops waiting for it. */
export function helperFailed(job: SharedJob): void {
  Atomics.add(job.state, FAILED, 1);
  Atomics.notify(job.state, FINISHED);
}

interface Helpers {
  workers: Worker[];
  ready: Promise<void>;
  idle: NodeJS.Timeout;
}
let helpers: Helpers | undefined;

function helperCount(): number {
  return Math.max(0, Math.min(MOST_HELPERS, availableParallelism() - 1));
}

/**
 * Starts the helper threads (if this machine has a core to spare and they are not running): call it ahead of a
 * large embedding, so they load while the caller does other work. Resolves when each has loaded or failed to.
 */
export function startHelpers(): Promise<void> {
  if (helpers) return helpers.ready;
  const workers = Array.from({ length: helperCount() }, () => {
    const worker = new Worker(new URL('./encoder-helper-thread.mjs', import.meta.url));
    // A helper that dies is simply not there: the caller finishes its batches (see finishShared).
    worker.on('error', () => {});
    worker.unref();
    return worker;
  });
  const ready = Promise.all(
    workers.map((w) => new Promise<void>((resolve) => (w.once('message', () => resolve()), w.once('exit', () => resolve())))),
  ).then(() => undefined);
  helpers = { workers, ready, idle: setTimeout(stopHelpers, IDLE_MS).unref() };
  return ready;
}

export function stopHelpers(): void {
  if (!helpers) return;
  clearTimeout(helpers.idle);
  for (const w of helpers.workers) void w.terminate();
  helpers = undefined;
}

let lastJob = { batches: 0, byHelpers: 0 };
/** How the last shared embedding was split: how many of its batches the helpers did. */
export function lastSharedJob(): { batches: number; byHelpers: number } {
  return lastJob;
}

/**
 * Puts texts already cut into pieces and sorted by length into shared memory, and sends them to the helper
 * threads (starting them if need be), which begin as soon as they have loaded. `finishShared` joins in.
 */
export function startShared(sorted: ReadonlyArray<readonly number[]>, batch: number): SharedJob {
  const total = sorted.reduce((n, ids) => n + ids.length, 0);
  const shared = <T>(Type: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number) =>
    new Type(new SharedArrayBuffer(Math.max(1, n) * Type.BYTES_PER_ELEMENT));
  const job: SharedJob = {
    ids: shared(Int32Array, total),
    starts: shared(Int32Array, sorted.length + 1),
    out: shared(Float32Array, sorted.length * ENCODER_DIMENSION),
    state: shared(Int32Array, 3),
    done: shared(Int32Array, Math.ceil(sorted.length / batch)),
    batch,
  };
  let at = 0;
  sorted.forEach((ids, k) => (job.ids.set(ids, at), (at += ids.length), (job.starts[k + 1] = at)));
  void startHelpers();
  for (const w of helpers?.workers ?? []) w.postMessage(job);
  return job;
}

/**
 * The job's vectors, row after row: this thread takes the batches still left, then waits for the helpers'.
 * The helpers are stopped afterwards: learning embeds once, then only single messages.
 */
export function finishShared(job: SharedJob, graph: EncoderGraph): Float32Array {
  const mine = takeBatches(job, graph);
  const batches = batchesOf(job);
  let left = 0;
  let seen = Atomics.load(job.state, FINISHED);
  let since = Date.now();
  while (seen < batches) {
    if (Atomics.load(job.state, FAILED) > 0 || Date.now() - since > STALL_MS) {
      // Whatever a helper left: it may still write the same batch, but the vectors it writes are the same.
      for (let b = 0; b < batches; b++) if (!Atomics.load(job.done, b)) runBatch(job, b, graph), left++;
      break;
    }
    Atomics.wait(job.state, FINISHED, seen, 250);
    const now = Atomics.load(job.state, FINISHED);
    if (now !== seen) (seen = now), (since = Date.now());
  }
  stopHelpers();
  lastJob = { batches, byHelpers: batches - mine - left };
  return job.out;
}
