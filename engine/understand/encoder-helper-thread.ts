import { parentPort } from 'node:worker_threads';
import { loadEncoderGraph } from './encoder-graph.ts';
import { helperFailed, takeBatches, type SharedJob } from './encoder-helpers.ts';

// One helper thread: loads its own copy of the encoder, says so, then takes batches of every job it is sent.
const port = parentPort!;
const graph = loadEncoderGraph();
graph.then(
  () => port.postMessage('ready'),
  () => port.postMessage('failed'),
);
port.on('message', async (job: SharedJob) => {
  try {
    takeBatches(job, await graph);
  } catch {
    helperFailed(job);
  }
});
