import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadPack } from '../packs/load.ts';
import { createUnderstander } from '../understand/index.ts';
import { loadLabelled } from '../understand/labelled.ts';

export interface UnderstandFigures {
  startupSeconds: number;
  fromProcessStartSeconds: number;
  messages: number;
  perSecond: number;
  p50Micros: number;
  p99Micros: number;
}

/**
 * understand() on one core: build the pack's understander (start-up), then run a few hundred thousand real
 * messages through it (the project's labelled messages and reviews, the pack's FAQ questions and category
 * examples, in all three locales) and time each call.
 */
export function benchUnderstand(bot: string, messages = 300_000): UnderstandFigures {
  const t0 = performance.now();
  const pack = loadPack(bot);
  const understand = createUnderstander(pack);
  const startupSeconds = (performance.now() - t0) / 1000;
  const fromProcessStartSeconds = performance.now() / 1000;
  const corpus = [
    ...loadLabelled().map((e) => e.text),
    ...Object.values(pack.faq).flatMap((entries) => entries!.flatMap((e) => e.questions)),
    ...pack.categories.flatMap((c) => Object.values(c.examples).flat()),
  ];
  // Warm up, so the figures describe the steady state a running service is in.
  for (let i = 0; i < 20_000; i++) understand(corpus[i % corpus.length]!);
  const times = new Float64Array(messages);
  const start = performance.now();
  for (let i = 0; i < messages; i++) {
    const t = performance.now();
    understand(corpus[(i * 7919) % corpus.length]!);
    times[i] = performance.now() - t;
  }
  const seconds = (performance.now() - start) / 1000;
  times.sort();
  return {
    startupSeconds,
    fromProcessStartSeconds,
    messages,
    perSecond: messages / seconds,
    p50Micros: times[Math.floor(messages * 0.5)]! * 1000,
    p99Micros: times[Math.floor(messages * 0.99)]! * 1000,
  };
}

export function printUnderstandFigures(bot: string, f: UnderstandFigures): void {
  console.log(`understand() with the ${bot} pack, one core (${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node})`);
  console.log(`  start-up: ${f.startupSeconds.toFixed(2)} s to load the pack and learn its models (${f.fromProcessStartSeconds.toFixed(2)} s from process start)`);
  console.log(`  ${f.messages.toLocaleString('en')} messages: ${Math.round(f.perSecond).toLocaleString('en')} messages/s, p50 ${f.p50Micros.toFixed(1)} µs, p99 ${f.p99Micros.toFixed(1)} µs`);
}
