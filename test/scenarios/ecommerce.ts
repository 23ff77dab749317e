import type { Scenario } from './types.ts';

// Online shop (电商). Cases from seed 000 (the phone that arrived with a black screen, "we will contact you
// within 24 hours" and then nothing for 48 hours, a social-media post and the regulator), seed 003/004
// (product quality, logistics, price, service attitude) and DOMAIN.md §3 (12315, media), §8 (general categories).

const PARCEL = 'DOMAIN.md §8 delivery/logistics: the missing parcel (seed 000 快递, seed 004 物流)';
const PHONE = 'seed 000 典型案例：手机到货黑屏，“24小时内联系”却48小时无人问津';
const RUDE = 'seed 003 客户投诉背后的深层原因：服务态度 (rude staff member)';
const THREAT = 'seed 000 社交媒体发帖、市场监管介入 / DOMAIN.md §3 risk signals (12315, media)';
const ANSWER = 'DOMAIN.md §5 rational customer who just wants an answer';
const PAYMENT = 'seed 003 价格争议 / DOMAIN.md §8 price disputes (charged twice)';

export const ECOMMERCE: Scenario[] = [
  // ── zh-CN ────────────────────────────────────────────────────────────────────────────────────────
  {
    name: '物流显示已签收，门卫和快递柜都没有',
    source: PARCEL,
    pack: 'ecommerce',
    locale: 'zh-CN',
    turns: [
      '物流显示我的快递前天就签收了，可我根本没收到，问了门卫，快递柜里也没有。',
      '要么补发，要么退款',
      '订单号 202611201234567',
      '快递单号 SF1234567890123',
      '13801234567',
      '短信通知',
      '确认无误',
    ],
    expect: {
      ticket: { category: 'delivery_logistics', grade: 'ordinary', details: { order_number: '202611201234567', tracking_number: 'SF1234567890123' } },
      handoff: false,
      maxQuestions: 5,
    },
  },
  {
    name: '手机到货第二天黑屏，说好24小时联系却两天没人理',
    source: PHONE,
    pack: 'ecommerce',
    locale: 'zh-CN',
    turns: [
      '买的手机到货第二天就黑屏了，开不了机。之前在线提交过售后，说24小时内联系我，结果两天了都没人理！',
      '上周六到的货，周日就黑屏了',
      '给我换一台新的',
      '订单号是202611151122334',
      '13622223333',
      '打电话',
      '对',
    ],
    expect: {
      ticket: { category: ['product_quality', 'after_sales'], grade: 'ordinary' },
      handoff: false,
      empathyFirst: true,
      maxQuestions: 5,
    },
  },
  {
    name: '客服复制粘贴敷衍，还把对话直接结束了',
    source: RUDE,
    pack: 'ecommerce',
    locale: 'zh-CN',
    turns: [
      '你们客服太敷衍了，问了三遍退货进度都是复制粘贴的话术，最后还直接把对话给结束了。',
      '今天上午十点左右',
      '希望客服认真回答问题，给我道个歉',
      '13744448888',
      '就在这里说吧',
      '对的',
    ],
    expect: { ticket: { category: 'service_attitude', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 4 },
  },
  {
    name: '买到假包不给退，要打12315、发小红书',
    source: THREAT,
    pack: 'ecommerce',
    locale: 'zh-CN',
    turns: ['买到的包是假货，申请退货你们一直拖着不给退，再这样我就打12315投诉，还要发到小红书让大家都看看！'],
    expect: {
      ticket: { category: ['product_quality', 'returns_refunds'], grade: 'major', signals: ['regulator', 'media'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 0,
    },
  },
  {
    name: '只想知道退款多久到账',
    source: ANSWER,
    pack: 'ecommerce',
    locale: 'zh-CN',
    turns: ['退款一般多久能到账？', '解决了'],
    expect: { ticket: null, handoff: false, faqId: 'refund_timing', maxQuestions: 0 },
  },
  {
    name: '一个订单扣了两次钱',
    source: PAYMENT,
    pack: 'ecommerce',
    locale: 'zh-CN',
    turns: [
      '付款的时候扣了我两次钱，订单就一个，麻烦把多扣的那笔退给我。',
      '昨天晚上九点多',
      '订单号 202611231234987',
      '交易单号 4200001234202611230012345678',
      '13955556666',
      '短信',
      '对',
    ],
    expect: {
      ticket: { category: 'payment_issue', grade: 'urgent', details: { order_number: '202611231234987', payment_reference: '4200001234202611230012345678' } },
      handoff: false,
      maxQuestions: 5,
    },
  },

  // ── zh-TW ────────────────────────────────────────────────────────────────────────────────────────
  {
    name: '物流顯示送達，管理室和信箱都沒有包裹',
    source: PARCEL,
    pack: 'ecommerce',
    locale: 'zh-TW',
    turns: [
      '物流顯示包裹前天已經送達，可是管理室和信箱都沒有，我根本沒拿到。',
      '重新寄一份給我',
      '訂單編號 202611201234568',
      '物流單號 6612345678901',
      '0912987654',
      '簡訊',
      '對',
    ],
    expect: { ticket: { category: 'delivery_logistics', grade: 'ordinary' }, handoff: false, maxQuestions: 5 },
  },
  {
    name: '問退貨進度被客服嗆自己去看規定',
    source: RUDE,
    pack: 'ecommerce',
    locale: 'zh-TW',
    turns: ['你們客服講話很衝，我只是問退貨進度，就被嗆說自己去看規定。', '昨天晚上八點多', '要那位客服道歉', '0966123456', '打電話給我', '正確'],
    expect: { ticket: { category: 'service_attitude', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 4 },
  },
  {
    name: '吹風機壞掉拖兩週不給退，要找消保官、PO爆料公社',
    source: THREAT,
    pack: 'ecommerce',
    locale: 'zh-TW',
    turns: ['買的吹風機壞掉，拖了兩個禮拜都不給退，再不處理我就去找消保官，還要PO上爆料公社！'],
    expect: {
      ticket: { category: ['returns_refunds', 'product_quality', 'after_sales'], grade: 'major', signals: ['regulator', 'media'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 0,
    },
  },
  {
    name: '只想知道退貨運費誰出',
    source: ANSWER,
    pack: 'ecommerce',
    locale: 'zh-TW',
    turns: ['請問退貨的運費要自己出嗎？'],
    expect: { ticket: null, handoff: false, faqId: 'return_shipping_cost', maxQuestions: 0 },
  },
  {
    name: '鮮奶打開是酸的，小孩喝了一口就吐了',
    source: 'DOMAIN.md §3 major: safety hazard, injury (pack: illness words raise food safety to major)',
    pack: 'ecommerce',
    locale: 'zh-TW',
    turns: ['昨天買的鮮奶打開就是酸的，小孩喝了一口就吐了，現在很擔心。'],
    expect: {
      ticket: { category: 'food_safety', grade: 'major', signals: ['safety'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 0,
    },
  },

  // ── en ───────────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'tracking says delivered on Monday, the parcel never came',
    source: PARCEL,
    pack: 'ecommerce',
    locale: 'en',
    turns: [
      'Tracking says my parcel was delivered on Monday but it never arrived. It is not at my door, not with the neighbours, nowhere.',
      'Send it again or refund me',
      'Order number 2026111812345',
      'The tracking number is YT2411223344556',
      '+852 9123 4567',
      'Here in the chat is fine',
      'Yes',
    ],
    expect: {
      ticket: { category: 'delivery_logistics', grade: 'ordinary', details: { order_number: '2026111812345', tracking_number: 'YT2411223344556' } },
      handoff: false,
      maxQuestions: 5,
    },
  },
  {
    name: 'a phone with a black screen; promised a call within 24 hours, nothing after two days',
    source: PHONE,
    pack: 'ecommerce',
    locale: 'en',
    turns: [
      'The phone I ordered arrived with a black screen and will not turn on. I reported it online and was told someone would contact me within 24 hours. That was two days ago and nobody has been in touch.',
      'A replacement phone',
      'Order 2026111577889',
      '13866667777',
      'Text message',
      'Yes',
    ],
    expect: {
      ticket: { category: ['product_quality', 'after_sales'], grade: 'ordinary' },
      handoff: false,
      empathyFirst: true,
      maxQuestions: 4,
    },
  },
  {
    name: 'the driver swore and threw the box over the gate',
    source: RUDE,
    pack: 'ecommerce',
    locale: 'en',
    turns: [
      'Your delivery driver swore at me and threw the box over my gate when I asked him to wait a minute.',
      'This afternoon around 2',
      'An apology',
      'Order number 2026112098765',
      "I don't have the tracking number",
      '13899990000',
      'By phone',
      'Yes',
    ],
    // The courier's conduct is a delivery complaint: the order and tracking numbers identify the driver.
    expect: { ticket: { category: 'delivery_logistics', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 6 },
  },
  {
    name: 'three weeks without a refund: social media and the consumer council by Friday',
    source: THREAT,
    pack: 'ecommerce',
    locale: 'en',
    turns: [
      'I have been waiting three weeks for a refund. If it is not in my account by Friday I am posting all of this on social media and reporting you to the consumer council.',
    ],
    expect: {
      ticket: { category: 'returns_refunds', grade: 'major', signals: ['media', 'regulator'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 0,
    },
  },
  {
    name: 'just wants to know how long a refund takes',
    source: ANSWER,
    pack: 'ecommerce',
    locale: 'en',
    turns: ['How long does a refund take?', 'Yes, thanks'],
    expect: { ticket: null, handoff: false, faqId: 'refund_timing', maxQuestions: 0 },
  },
  {
    name: 'just wants to know about cash on delivery',
    source: ANSWER,
    pack: 'ecommerce',
    locale: 'en',
    turns: ['Can I pay cash when the parcel arrives?'],
    expect: { ticket: null, handoff: false, faqId: 'cash_on_delivery', maxQuestions: 0 },
  },
];
