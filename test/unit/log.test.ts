import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskText } from '../../engine/log.ts';

describe('logs never carry personal data', () => {
  it('masks phones and ID numbers inside strings', () => {
    expect(maskText('call 13912345678 now')).toBe('call 139****78 now');
    expect(maskText('id 110101199003071234')).toBe('id 110***********34');
    expect(maskText('+44 7700 900123')).not.toMatch(/7700 900123/);
  });

  it('masks and redacts through the logger', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = createLogger('info', sink);
    log.info({ phone: '13912345678', text: '我的电话是13912345678', token: 'sekret-value', nested: { note: 'id 110101199003071234' } }, 'customer 13800001111 wrote');
    await new Promise((r) => setImmediate(r));
    const out = lines.join('');
    expect(out).not.toMatch(/13912345678|13800001111|110101199003071234|sekret-value/);
    expect(out).toMatch(/139\*\*\*\*78/);
  });
});
