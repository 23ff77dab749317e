import type { Scenario } from './types.ts';

// Retail bank (银行客服). Cases from seed 001 (银行客户投诉处理与回访手册: 投诉分类, 初步响应) and DOMAIN.md §8
// (bank categories: products and services, staff, other), §3 (regulator and media threats), §5 (customer types).

const FEE = 'seed 001 投诉分类：收费 (a wrong fee on a card) / DOMAIN.md §8 bank products and services';
const STAFF = 'seed 001 投诉分类：服务态度 (rude staff member) / DOMAIN.md §8 other (management, staff)';
const ELDERLY = 'seed 002 窗口不收现金, told at a bank branch (elderly customer turned away from the counter)';
const THREAT = 'DOMAIN.md §3 risk signals: regulator hotline, media, lawyer';
const ANSWER = 'DOMAIN.md §5 rational customer who just wants an answer';
const URGENT = 'DOMAIN.md §3 urgent: a fault that stops normal use (money not arriving, unauthorised transactions)';

export const RETAIL_BANK: Scenario[] = [
  // ── zh-CN ────────────────────────────────────────────────────────────────────────────────────────
  {
    name: '刷卡次数已够却还被扣了信用卡年费',
    source: FEE,
    pack: 'retail-bank',
    locale: 'zh-CN',
    turns: [
      '我的信用卡这个月被扣了300元年费，可我今年刷卡早就超过12次了，按规定应该免年费的，为什么还扣？',
      '这期账单，11月5号出的',
      '把年费退给我',
      '是信用卡，没有存折，卡号尾号6688',
      '13916668888',
      '短信',
      '对',
    ],
    expect: { ticket: { category: 'fees_charges', grade: 'ordinary' }, handoff: false, maxQuestions: 5 },
  },
  {
    name: '柜员板着脸，还说“不懂就别来办”',
    source: STAFF,
    pack: 'retail-bank',
    locale: 'zh-CN',
    turns: [
      '今天上午在你们人民路支行办业务，柜员全程板着脸，我问两句她就嫌我烦，最后还来一句“不懂就别来办”。',
      '要求这位柜员给我道歉',
      '13788889999',
      '打电话',
      '是的',
    ],
    expect: { ticket: { category: 'staff_service', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 3 },
  },
  {
    name: '快八十岁的父亲取养老金，被赶去ATM自己取',
    source: ELDERLY,
    pack: 'retail-bank',
    locale: 'zh-CN',
    turns: [
      '我爸快八十了，去网点取养老金，大堂经理非让他去ATM自己取，他眼睛不好根本看不清屏幕，也没人帮他一下。',
      '前天上午',
      '以后老人能在柜台办，再给个说法',
      '13655557777',
      '电话联系',
      '没错',
    ],
    expect: { ticket: { category: 'staff_service', grade: 'ordinary' }, handoff: false, maxQuestions: 4 },
  },
  {
    name: '转错账三天没追回，要打12378、找媒体曝光',
    source: THREAT,
    pack: 'retail-bank',
    locale: 'zh-CN',
    turns: ['我转账转错了三天了，你们一直说在处理，再不给我追回来，我就打12378投诉，还要找媒体曝光！'],
    expect: {
      ticket: { category: 'transfers', grade: 'major', signals: ['regulator', 'media'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 0,
    },
  },
  {
    name: '只想知道信用卡年费怎么免',
    source: ANSWER,
    pack: 'retail-bank',
    locale: 'zh-CN',
    turns: ['信用卡年费怎么才能免掉？'],
    expect: { ticket: null, handoff: false, faqId: 'annual_fee_waiver', maxQuestions: 0 },
  },
  {
    name: '借记卡在身上却被刷了两笔八千多',
    source: URGENT,
    pack: 'retail-bank',
    locale: 'zh-CN',
    turns: [
      '我的借记卡昨晚被人刷了两笔，一共八千多，卡一直在我身上，我根本没消费过！',
      '把钱追回来，卡先帮我冻结',
      '尾号3021',
      '13511112222',
      '打电话给我',
      '对',
    ],
    expect: {
      ticket: { category: 'fraud_unauthorised', grade: 'major', details: { card_last4: '3021' } },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 4,
    },
  },

  // ── zh-TW ────────────────────────────────────────────────────────────────────────────────────────
  {
    name: '沒出國卻被收了國外交易手續費',
    source: FEE,
    pack: 'retail-bank',
    locale: 'zh-TW',
    turns: [
      '我的信用卡這期帳單多了一筆國外交易手續費，可是我根本沒有出國，也沒有在國外網站刷卡，麻煩幫我查一下。',
      '這期帳單，11月10號出的',
      '把手續費退給我',
      '是信用卡，沒有存摺帳號，卡號末四碼是4521',
      '0922333444',
      '用簡訊通知',
      '正確',
    ],
    expect: { ticket: { category: 'fees_charges', grade: 'ordinary' }, handoff: false, maxQuestions: 5 },
  },
  {
    name: '櫃檯行員很不耐煩，還叫我自己回去看合約',
    source: STAFF,
    pack: 'retail-bank',
    locale: 'zh-TW',
    turns: ['今天去你們分行辦事，櫃檯行員態度超差，講話很不耐煩，還叫我自己回去看合約。', '希望主管出面道歉', '0933456789', '打電話', '對'],
    expect: { ticket: { category: 'staff_service', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 3 },
  },
  {
    name: '盜刷申訴兩週沒下文，要去金管會申訴、找媒體爆料',
    source: THREAT,
    pack: 'retail-bank',
    locale: 'zh-TW',
    turns: ['卡片被盜刷申訴兩個禮拜了都沒下文，再不處理我就去金管會申訴，也會找媒體爆料。'],
    expect: {
      ticket: { category: 'fraud_unauthorised', grade: 'major', signals: ['regulator', 'media'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 0,
    },
  },
  {
    name: '只想知道信用卡不見了怎麼掛失',
    source: ANSWER,
    pack: 'retail-bank',
    locale: 'zh-TW',
    turns: ['請問信用卡不見了要怎麼掛失？'],
    expect: { ticket: null, handoff: false, faqId: 'report_lost_card', maxQuestions: 0 },
  },
  {
    name: '昨天轉帳給廠商，對方到現在還沒收到，今天一定要付款',
    source: URGENT,
    pack: 'retail-bank',
    locale: 'zh-TW',
    turns: [
      '我昨天下午轉帳給廠商，到現在對方還沒收到錢，我今天一定要付款，很急。',
      '請盡快幫我查清楚錢到哪裡去了',
      '帳號 0123456789012',
      '交易序號 TX20261123158',
      '0918765432',
      '在這裡通知就好',
      '對',
    ],
    expect: {
      ticket: { category: 'transfers', grade: 'urgent', details: { account_number: '0123456789012' } },
      handoff: false,
      empathyFirst: true,
      maxQuestions: 5,
    },
  },

  // ── en ───────────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'charged an overdraft fee without ever being overdrawn',
    source: FEE,
    pack: 'retail-bank',
    locale: 'en',
    turns: [
      'You charged me a 150 yuan overdraft fee this month but I was never overdrawn, my balance stayed positive the whole time.',
      'It was on my November statement, on the 3rd',
      'Refund the fee please',
      'Account number 6222021001123456',
      '13611112222',
      'Text me',
      'Yes',
    ],
    expect: { ticket: { category: 'fees_charges', grade: 'ordinary', details: { account_number: '6222021001123456' } }, handoff: false, maxQuestions: 5 },
  },
  {
    name: 'the teller sighed, would not explain the form and said to google it',
    source: STAFF,
    pack: 'retail-bank',
    locale: 'en',
    turns: [
      'The teller at your Nanjing Road branch was incredibly rude to me this morning. She sighed, refused to explain the form and told me to google it.',
      '13922334455',
      'Phone me',
      // The restatement says the customer wants "an explanation": they change it with the buttons.
      'Change something',
      "What you'd like us to do",
      'An apology, and someone who will actually explain the form to me',
      'Yes, correct',
    ],
    expect: { ticket: { category: 'staff_service', grade: 'ordinary' }, handoff: false, empathyFirst: true, maxQuestions: 3 },
  },
  {
    name: 'just wants to know how long an international transfer takes',
    source: ANSWER,
    pack: 'retail-bank',
    locale: 'en',
    turns: ['How long does it take for money I send abroad to arrive?'],
    expect: { ticket: null, handoff: false, faqId: 'international_remittance', maxQuestions: 0 },
  },
  {
    name: 'three weeks chasing a refund: lawyer and the press by Friday',
    source: THREAT,
    pack: 'retail-bank',
    locale: 'en',
    turns: [
      'I have been chasing a refund for a card payment that was taken twice for three weeks now. If it is not back in my account by Friday I am going to my lawyer and to the press.',
    ],
    expect: {
      ticket: { category: ['cards', 'fees_charges'], grade: 'major', signals: ['legal', 'media'] },
      handoff: true,
      handoffReason: 'major',
      empathyFirst: true,
      maxQuestions: 0,
    },
  },
  {
    name: 'an 85-year-old grandmother told to use the app to draw her pension',
    source: ELDERLY,
    pack: 'retail-bank',
    locale: 'en',
    turns: [
      'My grandmother is 85 and your branch told her she has to use the app to withdraw her pension. She cannot use a smartphone and nobody at the counter would help her.',
      'Last Monday',
      'Let her use the counter like before, and an apology',
      '13744556677',
      'Call me please',
      'Yes',
    ],
    expect: { ticket: { category: 'staff_service', grade: 'ordinary' }, handoff: false, maxQuestions: 4 },
  },
  {
    name: 'asks for someone real, not a bot',
    source: 'DOMAIN.md §4 first-contact ownership / README: asking for a person hands the chat to the human queue',
    pack: 'retail-bank',
    locale: 'en',
    turns: ['Can I talk to someone real please, not a bot'],
    expect: { ticket: null, handoff: true, handoffReason: 'requested', maxQuestions: 0 },
  },
];
