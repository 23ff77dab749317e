import type { ChannelAdapter, ChannelDefinition, ChannelDeps } from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { BOT_FRAMEWORK, createBotFrameworkChannel } from './channel.ts';
import { createBotConnector, type AppType } from './sdk.ts';
import { clientCredentialsToken } from './aad-token.ts';

export { BOT_FRAMEWORK, createBotFrameworkChannel } from './channel.ts';

const ENV = [
  'MICROSOFT_APP_ID',
  'MICROSOFT_APP_PASSWORD',
  'MICROSOFT_APP_TENANT_ID',
  'MICROSOFT_APP_TYPE',
  'BOT_FRAMEWORK_ALLOW_ANONYMOUS',
  'BOT_FRAMEWORK_OPENID_METADATA_URL',
  'BOT_FRAMEWORK_LOGIN_URL',
] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A tenant is a GUID or a verified domain (contoso.onmicrosoft.com).
const TENANT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(?:\.[a-z0-9-]+)+)$/i;
const APP_TYPES: Record<string, AppType> = { multitenant: 'MultiTenant', singletenant: 'SingleTenant', userassignedmsi: 'UserAssignedMSI' };

const invalid = (msg: string) => new AppError('CONFIG_INVALID', msg);

/**
 * Microsoft Bot Framework (Azure Bot Service: Teams, Web Chat, Direct Line) through botbuilder's
 * CloudAdapter at POST /api/messages. Every inbound request carries a Bot Connector JWT that the SDK
 * checks; with no MICROSOFT_APP_ID the check is off, which is allowed only with
 * BOT_FRAMEWORK_ALLOW_ANONYMOUS=true (Bot Framework Emulator on this machine).
 */
export const definition: ChannelDefinition = {
  name: BOT_FRAMEWORK,
  env: ENV,
  create: (env, deps) => createBotFramework(env, deps),
};

/** `definition.create`, plus an outbound token source (tests against a fake connector; see sdk.ts). */
export function createBotFramework(
  env: Readonly<Record<string, string | undefined>>,
  deps: ChannelDeps,
  extra: { outboundToken?: () => Promise<string> } = {},
): ChannelAdapter {
  const v = (k: (typeof ENV)[number]) => env[k]?.trim() ?? '';
  const appId = v('MICROSOFT_APP_ID');
  const password = v('MICROSOFT_APP_PASSWORD');
  const tenantId = v('MICROSOFT_APP_TENANT_ID');
  const anonymousRaw = v('BOT_FRAMEWORK_ALLOW_ANONYMOUS').toLowerCase();
  if (anonymousRaw && anonymousRaw !== 'true' && anonymousRaw !== 'false') {
    throw invalid('BOT_FRAMEWORK_ALLOW_ANONYMOUS: must be true or false');
  }
  const anonymous = anonymousRaw === 'true';
  const typeRaw = v('MICROSOFT_APP_TYPE');
  const appType = typeRaw ? APP_TYPES[typeRaw.toLowerCase()] : 'MultiTenant';
  if (!appType) throw invalid('MICROSOFT_APP_TYPE: must be MultiTenant, SingleTenant or UserAssignedMSI');
  const metadataUrl = v('BOT_FRAMEWORK_OPENID_METADATA_URL');
  if (metadataUrl && !/^https?:\/\/[^\s/]+/i.test(metadataUrl)) throw invalid('BOT_FRAMEWORK_OPENID_METADATA_URL: must be an http(s) URL');
  const loginUrl = v('BOT_FRAMEWORK_LOGIN_URL') || 'https://login.microsoftonline.com';
  if (!/^https?:\/\/[^\s/]+/i.test(loginUrl)) throw invalid('BOT_FRAMEWORK_LOGIN_URL: must be an http(s) URL');

  if (!appId) {
    if (!anonymous) {
      throw invalid('MICROSOFT_APP_ID: required (the Azure Bot registration app id); set BOT_FRAMEWORK_ALLOW_ANONYMOUS=true only for the local Bot Framework Emulator');
    }
  } else {
    if (anonymous) throw invalid('BOT_FRAMEWORK_ALLOW_ANONYMOUS: must not be true when MICROSOFT_APP_ID is set');
    if (!GUID.test(appId)) throw invalid('MICROSOFT_APP_ID: must be the app registration GUID');
    if (appType === 'UserAssignedMSI') {
      if (password) throw invalid('MICROSOFT_APP_PASSWORD: must be empty for UserAssignedMSI');
    } else if (!password) {
      throw invalid(`MICROSOFT_APP_PASSWORD: required for ${appType}`);
    }
    if (appType !== 'MultiTenant' && !tenantId) throw invalid(`MICROSOFT_APP_TENANT_ID: required for ${appType}`);
  }
  if (tenantId && !TENANT.test(tenantId)) throw invalid('MICROSOFT_APP_TENANT_ID: must be a tenant GUID or domain');

  // An app password's token comes from the client-credentials grant (aad-token.ts); a managed identity's
  // from the SDK, which asks the Azure host for it.
  const outboundToken =
    extra.outboundToken ??
    (appId && password ? clientCredentialsToken({ loginBase: loginUrl, tenant: appType === 'MultiTenant' ? 'botframework.com' : tenantId, appId, password }) : undefined);
  const connector = createBotConnector({
    appId,
    appPassword: password,
    tenantId: appType === 'MultiTenant' ? '' : tenantId,
    appType,
    ...(metadataUrl ? { openIdMetadataUrl: metadataUrl } : {}),
    maxRetryAfterMs: 10_000,
    max429Retries: 2,
    requestTimeoutMs: 15_000,
    ...(outboundToken ? { outboundToken } : {}),
  });
  if (anonymous) deps.log.warn({ channel: BOT_FRAMEWORK }, 'bot-framework: authentication is OFF (BOT_FRAMEWORK_ALLOW_ANONYMOUS); loopback serviceUrl only');
  return createBotFrameworkChannel({ anonymous }, connector, deps);
}
