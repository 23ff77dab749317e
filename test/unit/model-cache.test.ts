import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPack } from '../../engine/packs/load.ts';
import { createUnderstander } from '../../engine/understand/index.ts';
import { LinearModel } from '../../engine/understand/linear-model.ts';
import { cachedModel, decodeSnapshot, encodeSnapshot, modelCacheDir } from '../../engine/understand/model-cache.ts';

// A small FAQ where a label is told by a pair of words, so the hidden networks (forced on with `hidden`) matter.
const topics = ['card', 'transfer', 'refund', 'meter', 'bill', 'parcel'];
const verbs = ['lost', 'late', 'wrong', 'blocked'];
const rows = topics.flatMap((t) => verbs.flatMap((v) => [`my ${t} is ${v}`, `${v} ${t} help`, `the ${t} was ${v} again`].map((text) => ({ text, label: `${t}_${v}` }))));
const probes = ['my card got lost', 'parcel late again', 'is the bill wrong', 'meter blocked', 'what is the weather'];
const answers = (m: LinearModel) => probes.map((p) => m.predict(p, 2).map((x) => [x.label, x.score.toFixed(6), x.probability.toFixed(6)]));

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'intake-models-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const modelFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.model'));

describe('saved FAQ models', () => {
  it('a restored model answers exactly as the model it was saved from, networks included', () => {
    const model = new LinearModel(rows, { hidden: 8 });
    const restored = LinearModel.restore(decodeSnapshot(encodeSnapshot(model.snapshot())));
    expect(answers(restored)).toEqual(answers(model));
    // A model without networks and with few labels (dense weights) round-trips too.
    const small = new LinearModel(rows.filter((r) => r.label.endsWith('_lost')));
    expect(answers(LinearModel.restore(decodeSnapshot(encodeSnapshot(small.snapshot()))))).toEqual(answers(small));
  });

  it('the second start loads the saved file instead of learning again', () => {
    const dir = tempDir();
    const first = cachedModel(dir, rows, { hidden: 8 });
    const [file] = modelFiles(dir);
    expect(file).toBeDefined();
    // Put another model's snapshot under the same name: if the next start loads the file, it answers as that one.
    const other = new LinearModel(rows.map((r) => ({ ...r, label: `x_${r.label.split('_')[1]}` })));
    writeFileSync(join(dir, file!), encodeSnapshot(other.snapshot()));
    const second = cachedModel(dir, rows, { hidden: 8 });
    expect(answers(second)).toEqual(answers(other));
    expect(answers(second)).not.toEqual(answers(first));
  });

  it('other training rows or options never load a model saved for different ones', () => {
    const dir = tempDir();
    cachedModel(dir, rows, { hidden: 8 });
    cachedModel(dir, rows.slice(1), { hidden: 8 });
    cachedModel(dir, rows, { hidden: 0 });
    expect(modelFiles(dir)).toHaveLength(3);
  });

  it('a damaged or cut-short file is learned again and replaced, without an error', () => {
    const dir = tempDir();
    const learned = answers(cachedModel(dir, rows, { hidden: 8 }));
    const path = join(dir, modelFiles(dir)[0]!);
    const whole = readFileSync(path);
    for (const damage of [whole.subarray(0, whole.length - 8), Buffer.from('not a model at all'), Buffer.concat([whole, Buffer.alloc(8)]), Buffer.alloc(0)]) {
      writeFileSync(path, damage);
      expect(answers(cachedModel(dir, rows, { hidden: 8 }))).toEqual(learned);
      expect(readFileSync(path).equals(whole)).toBe(true);
    }
  });

  it('a directory that cannot be written still gives a learned model', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a-file'), '');
    const model = cachedModel(join(dir, 'a-file', 'models'), rows, { hidden: 8 });
    expect(answers(model)).toEqual(answers(new LinearModel(rows, { hidden: 8 })));
  });

  it('keeps the newest eight models when an edited FAQ leaves old ones behind', () => {
    const dir = tempDir();
    const seen = new Set<string>();
    const written: string[] = [];
    for (let i = 0; i < 10; i++) {
      cachedModel(dir, rows.slice(i), { hidden: 0 });
      const added = modelFiles(dir).find((f) => !seen.has(f))!;
      seen.add(added);
      written.push(added);
      // Distinct modification times, oldest first, whatever the file system's resolution.
      const t = new Date(Date.now() - (10 - i) * 60_000);
      utimesSync(join(dir, added), t, t);
    }
    // The tenth write pruned the two oldest.
    expect(modelFiles(dir).sort()).toEqual(written.slice(2).sort());
  });

  it('decoding refuses what is not a saved model', () => {
    expect(() => decodeSnapshot(Buffer.from('INTAKEM1'))).toThrow();
    expect(() => decodeSnapshot(Buffer.from('something else entirely'))).toThrow('not a saved model');
    const bytes = encodeSnapshot(new LinearModel(rows).snapshot());
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 1))).toThrow();
    // A header naming something that is not a typed array.
    const header = Buffer.from(JSON.stringify({ meta: {}, arrays: [['constructor', 0]] }));
    const forged = Buffer.concat([Buffer.from('INTAKEM1'), Buffer.alloc(4), header]);
    forged.writeUInt32LE(header.length, 8);
    expect(() => decodeSnapshot(Buffer.concat([forged, Buffer.alloc((8 - (forged.length % 8)) % 8)]))).toThrow('bad array header');
  });

  it('restoring refuses weight rows that do not fit the vocabulary or the labels', () => {
    const snapshot = new LinearModel(rows).snapshot();
    // Arrays: hashes, idf, bias, then the sparse rows (start, class, weight).
    const rowClass = snapshot.arrays[4] as Uint16Array;
    const outOfRange = { ...snapshot, arrays: snapshot.arrays.map((a, i) => (i === 4 ? Uint16Array.from(rowClass, () => 999) : a)) };
    expect(() => LinearModel.restore(outOfRange)).toThrow('do not fit');
    const cutShort = { ...snapshot, arrays: snapshot.arrays.map((a, i) => (i === 5 ? (a as Float32Array).subarray(1) : a)) };
    expect(() => LinearModel.restore(cutShort)).toThrow('do not fit');
    // With networks: after the rows come each label's examples (four arrays), then the first network's input weights.
    const withNets = new LinearModel(rows, { hidden: 8 }).snapshot();
    const w1 = 6 + 4 * withNets.meta.labels.length;
    const cutNet = { ...withNets, arrays: withNets.arrays.map((a, i) => (i === w1 ? (a as Float32Array).subarray(8) : a)) };
    expect(() => LinearModel.restore(cutNet)).toThrow('networks do not fit');
  });

  it('MODEL_CACHE_DIR names the directory, `off` turns saving off, unset falls back', () => {
    expect(modelCacheDir(undefined, '/x')).toBe('/x');
    expect(modelCacheDir('', '/x')).toBe('/x');
    expect(modelCacheDir('/var/models', '/x')).toBe('/var/models');
    expect(modelCacheDir('off', '/x')).toBe(false);
  });

  it('createUnderstander saves a large FAQ list and answers the same from the saved model', () => {
    const dir = tempDir();
    const base = loadPack('power-utility');
    // 1,200 questions: large enough to be worth saving.
    const entries = topics.flatMap((t) =>
      verbs.map((v) => ({ id: `${t}_${v}`, answer: `${t} ${v}`, questions: Array.from({ length: 50 }, (_, i) => `${t} ${v} case ${i} please`) })),
    );
    const pack = { ...base, faq: { 'zh-CN': entries, 'zh-TW': entries, en: entries } };
    const ask = (u: ReturnType<typeof createUnderstander>) => probes.map((p) => u(p, { locale: 'en' }).faq);
    const learned = ask(createUnderstander(pack, { modelCache: dir }));
    expect(modelFiles(dir)).toHaveLength(1);
    expect(ask(createUnderstander(pack, { modelCache: dir }))).toEqual(learned);
    expect(learned.filter((f) => f !== null).length).toBeGreaterThan(0);
    // A pack's own small FAQ is learned in milliseconds and never saved.
    const small = tempDir();
    createUnderstander(base, { modelCache: small });
    expect(modelFiles(small)).toHaveLength(0);
  });
});
