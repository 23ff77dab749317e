// Fits the calibration of LinearModel scores: a logistic curve from z to "the top label is right and the
// message in scope", over CLINC150 validation (with its out-of-scope questions) and the Banking77 held-out split.
// Out-of-scope questions count ten times, as a stand-in for a chat where one message in four or so is off-topic.
// Run: node --import tsx test/eval/calibrate.ts
import { LinearModel } from '../../engine/understand/linear-model.ts';
import { normalize } from '../../engine/understand/text.ts';
import { banking77, clinc150 } from './datasets.ts';

const points: Array<{ z: number; y: number; w: number }> = [];
function collect(train: Array<{ text: string; label: string }>, test: Array<{ text: string; label: string }>, oos: string[]) {
  const model = new LinearModel(train.map((r) => ({ text: normalize(r.text), label: r.label })));
  for (const r of test) {
    const top = model.predict(normalize(r.text), 1)[0];
    if (top) points.push({ z: top.z, y: top.label === r.label ? 1 : 0, w: 1 });
  }
  for (const text of oos) {
    const top = model.predict(normalize(text), 1)[0];
    if (top) points.push({ z: top.z, y: 0, w: 10 });
  }
}
const c = clinc150();
collect(c.train, c.test, c.oos);
const b = banking77();
collect(b.train, b.test, []);

// Newton's method on the weighted log-loss of y ~ sigmoid(a z + b).
let a = 1;
let b0 = 0;
for (let iter = 0; iter < 50; iter++) {
  let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
  for (const { z, y, w } of points) {
    const p = 1 / (1 + Math.exp(-(a * z + b0)));
    const r = w * (p - y);
    const s = w * p * (1 - p);
    ga += r * z;
    gb += r;
    haa += s * z * z;
    hab += s * z;
    hbb += s;
  }
  haa += 1e-6;
  hbb += 1e-6;
  const det = haa * hbb - hab * hab;
  // Damped steps: a full Newton step from a poor start can overshoot into saturation.
  const da = (hbb * ga - hab * gb) / det;
  const db = (haa * gb - hab * ga) / det;
  const damp = Math.min(1, 2 / Math.max(Math.abs(da), Math.abs(db), 1e-9));
  a -= damp * da;
  b0 -= damp * db;
}
console.log(`slope ${a.toFixed(2)}, midpoint ${(-b0 / a).toFixed(2)} over ${points.length} points`);
// Reliability: predicted vs observed in score bins.
const bins = Array.from({ length: 10 }, () => ({ n: 0, p: 0, y: 0 }));
for (const { z, y, w } of points) {
  const p = 1 / (1 + Math.exp(-(a * z + b0)));
  const bin = bins[Math.min(9, Math.floor(p * 10))]!;
  bin.n += w;
  bin.p += w * p;
  bin.y += w * y;
}
for (const [i, bin] of bins.entries()) if (bin.n) console.log(`score ${i / 10}-${(i + 1) / 10}: predicted ${(bin.p / bin.n).toFixed(2)}, observed ${(bin.y / bin.n).toFixed(2)} (weight ${bin.n})`);
