// Test OpenID provider for pqward's identity integration tests: oidc-provider
// (pinned in package-lock.json) on a loopback port, issuer http://127.0.0.1:<port>.
// Supports client_credentials (client_secret_post and private_key_jwt), the
// device authorization grant with refresh tokens, JWT access tokens for a
// resource indicator (RFC 8707 / RFC 9068), and admin endpoints to disable and
// enable a client. Prints one JSON line {"issuer": ...} on stdout when ready.
//
// Usage: node server.mjs [--port N] [--alg RS256|ES256] [--client-jwks FILE]
// Admin (loopback only, test use): POST /admin/disable?client_id=X, /admin/enable?client_id=X
import crypto from 'node:crypto';
import fs from 'node:fs';

import Provider from 'oidc-provider';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
    return acc;
  }, []),
);
const port = Number(args.port ?? 0);
const alg = args.alg ?? 'RS256';

// Users for the device flow, and the groups claim of users and clients.
const groups = {
  alice: ['dba'],
  bob: ['readers'],
  'nightly-agent': ['agents'],
  'key-agent': ['agents'],
};

// Clients live in the adapter (not static config) so that they can be disabled.
const clients = new Map();
const disabled = new Set();
clients.set('nightly-agent', {
  client_id: 'nightly-agent',
  client_secret: 'agent-secret-0123456789',
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_post',
});
clients.set('other-agent', {
  client_id: 'other-agent',
  client_secret: 'other-secret-0123456789',
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_post',
});
clients.set('pqward-psql', {
  client_id: 'pqward-psql',
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'none',
});
if (args['client-jwks']) {
  clients.set('key-agent', {
    client_id: 'key-agent',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: JSON.parse(fs.readFileSync(args['client-jwks'], 'utf8')),
  });
}

// A minimal in-memory adapter (all models); Client lookups honour `disabled`.
const stores = new Map();
class Adapter {
  constructor(name) {
    this.name = name;
    if (!stores.has(name)) stores.set(name, new Map());
    this.store = stores.get(name);
  }
  async upsert(id, payload, expiresIn) {
    this.store.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
  }
  async find(id) {
    if (this.name === 'Client') return disabled.has(id) ? undefined : clients.get(id);
    const e = this.store.get(id);
    if (!e || e.expiresAt < Date.now()) return undefined;
    return e.payload;
  }
  async findBy(field, value) {
    for (const [, e] of this.store) if (e.payload[field] === value && e.expiresAt >= Date.now()) return e.payload;
    return undefined;
  }
  async findByUserCode(userCode) { return this.findBy('userCode', userCode); }
  async findByUid(uid) { return this.findBy('uid', uid); }
  async consume(id) { const e = this.store.get(id); if (e) e.payload.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { this.store.delete(id); }
  async revokeByGrantId(grantId) {
    for (const [id, e] of this.store) if (e.payload.grantId === grantId) this.store.delete(id);
  }
}

function signingKey() {
  const pair = alg === 'ES256'
    ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...pair.privateKey.export({ format: 'jwk' }), kid: `test-${alg.toLowerCase()}`, alg, use: 'sig' };
}

const server = (await import('node:http')).createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  adapter: Adapter,
  clientDefaults: { id_token_signed_response_alg: alg, grant_types: ['client_credentials'], response_types: [] },
  jwks: { keys: [signingKey()] },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, groups: groups[id] ?? [] }),
  }),
  scopes: ['openid', 'offline_access', 'db'],
  clientAuthMethods: ['client_secret_post', 'private_key_jwt', 'none'],
  enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'ES256'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      // Any https resource is a JWT resource server; "short" in its name gives 2 s tokens.
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'db',
        audience: resource,
        accessTokenTTL: resource.includes('short') ? 2 : 600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg } },
      }),
    },
  },
  extraTokenClaims: (ctx, token) => ({
    groups: groups[token.accountId ?? token.clientId] ?? [],
  }),
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: { DeviceCode: 300, RefreshToken: 3600, Grant: 3600, Interaction: 600, Session: 3600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => false },
});
provider.proxy = false;

// Admin endpoints and the interactions: a one-field login form (login=<user>),
// then consent, granted automatically by posting the same form again.
provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/admin\/(disable|enable)$/);
  if (m && ctx.method === 'POST') {
    const id = ctx.query.client_id;
    if (m[1] === 'disable') disabled.add(id); else disabled.delete(id);
    ctx.body = { client_id: id, disabled: disabled.has(id) };
    return;
  }
  const i = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (i && ctx.method === 'GET') {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    ctx.type = 'html';
    ctx.body = `<form method="post" action="/interaction/${details.uid}">` +
      '<input name="login"><button type="submit">Sign in</button></form>';
    return;
  }
  if (i && ctx.method === 'POST') {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const raw = await new Promise((resolve) => {
      let data = '';
      ctx.req.on('data', (c) => { data += c; });
      ctx.req.on('end', () => resolve(data));
    });
    // Login prompt: check the one-field form. Consent prompt: grant what is missing.
    let result;
    if (details.prompt.name === 'login') {
      const login = new URLSearchParams(raw).get('login');
      if (!login || !groups[login]) {
        ctx.status = 403;
        ctx.body = 'unknown user';
        return;
      }
      result = { login: { accountId: login } };
    } else {
      const missing = details.prompt.details;
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [r, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(r, scopes.join(' '));
      }
      result = { consent: { grantId: await grant.save() } };
    }
    const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
    ctx.redirect(to);
    return;
  }
  await next();
});

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer, port: server.address().port })}\n`);
process.on('SIGTERM', () => process.exit(0));
