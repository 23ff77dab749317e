import type { ChannelDefinition } from '../engine/channels.ts';
import { definition as telegram } from './telegram/index.ts';
import { definition as line } from './line/index.ts';
import { definition as wechatOa } from './wechat-oa/index.ts';
import { definition as wecomKf } from './wecom-kf/index.ts';
import { definition as botFramework } from './bot-framework/index.ts';
import { definition as wechaty } from './wechaty/index.ts';
import { definition as smsTwilio } from './sms-twilio/index.ts';
import { definition as smsAliyun } from './sms-aliyun/index.ts';

/**
 * Every channel the service can run, one row each; each row's module lives in its own folder. The web
 * chat is always on and is not listed here (it needs the page's hub, see engine/service.ts).
 */
export const CHANNELS: readonly ChannelDefinition[] = [wechatOa, wecomKf, telegram, line, smsTwilio, smsAliyun, botFramework, wechaty];
