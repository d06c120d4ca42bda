// Type-checks the public typings as a TypeScript user would write code against them.
import express from 'express';
import session from 'express-session';
import { AuditEvent, Client, ErrorCode, GouvConnectError, Identity, auditEvent, doctor, isPageView, isStepUp, isSupportLink, safeNextPath, stepUpOptions } from 'gouvconnect';
import { auth, doctor as doctorOf, errorHandler, requiresAcr, requiresAuth, requiresGroup, loginButton } from 'gouvconnect/express';
import type { GouvConnectExpressError } from 'gouvconnect/express';

const app = express();
app.use(session({ secret: 'x', resave: false, saveUninitialized: false }));
app.use(auth({
  baseURL: 'https://app.example',
  providers: { proconnect: { environment: 'integration', client_id: 'id', client_secret: 's', policy: { acr: 'eidas1' } } },
  mapping: { groups: [{ group: 'agents', field: 'proconnect.roles', equals: 'agent_public' }] },
}));
app.get('/', (req, res) => { res.send(loginButton('proconnect', { routes: req.gouvconnect.routes })); });
const two = auth({
  baseURL: 'https://app.example',
  providers: { proconnect: { environment: 'integration', client_id: 'id', client_secret: 's' },
    prosanteconnect: { environment: 'sandbox', client_id: 'id', client_secret: 's' } },
  routes: { login: '/connexion/:provider', choose: '/connexion' },
});
const pscLogin: string | undefined = two.routes.providers.prosanteconnect?.login;
app.get('/psc', requiresAuth({ provider: 'prosanteconnect' }), (req, res) => { res.send(pscLogin ?? two.routes.entry); });
app.get('/me', requiresAuth(), requiresAcr('eidas1'), requiresGroup('agents'), (req, res) => {
  const identity: Identity | null = req.gouvconnect.identity;
  res.json({ siret: identity?.proconnect?.siret ?? null, family: identity?.family_name });
});

async function sansIo(): Promise<void> {
  const client = await Client.connect({ provider: 'prosanteconnect', environment: 'sandbox', client_id: 'a', client_secret: 'b', redirect_uri: 'https://app.example/cb' });
  const { url, pending } = client.beginLogin({ next: safeNextPath('/x') ?? '/' });
  try {
    const login = await client.completeLogin(pending, 'code=x&state=y');
    const rpps: string | null = login.identity.prosanteconnect?.rpps ?? null;
    console.log(url, rpps);
  } catch (e) {
    if (e instanceof GouvConnectError && e.code === ErrorCode.STATE_MISMATCH) console.log(e.status);
  }
}
void sansIo;

// Login events: onEvent, and the middleware as an EventEmitter.
const refusals = new Map<string, number>();
const audited = auth({
  baseURL: 'https://app.example',
  providers: { proconnect: { environment: 'integration', client_id: 'id', client_secret: 's', redirect_uri: 'https://app.example/auth/callback' } },
  onEvent: (event: AuditEvent, req) => { console.log(event.event, event.sub ?? null, req.path); },
});
audited.on('login_refused', (event) => { if (event.code) refusals.set(event.code, (refusals.get(event.code) ?? 0) + 1); });
app.use(audited);
const logoutEvent: AuditEvent = auditEvent('logout', { clientId: 'id', identity: null });
void logoutEvent;

// The going-live doctor.
async function goingLive(): Promise<boolean> {
  const report = await doctor({ provider: 'proconnect', environment: 'integration', client_id: 'a', client_secret: 'b', redirect_uri: 'https://app.example/cb' },
    { mountedRedirectUris: ['https://app.example/cb'] });
  const failed: string[] = report.checks.filter((c) => c.verdict === 'fail').map((c) => `${c.id}: ${c.fix ?? ''}`);
  console.log(report.toText(), failed);
  const all = await doctorOf({ baseURL: 'https://app.example', providers: { proconnect: { environment: 'integration', client_id: 'a', client_secret: 'b' } } });
  const mine = await audited.doctor();
  return report.ok && all.ok && mine.reports.every((r) => r.ok);
}
void goingLive;

// The login lifecycle: MFA prefer, session length, silent login, step-up.
app.use(auth({
  baseURL: 'https://app.example',
  providers: { proconnect: { environment: 'integration', client_id: 'id', client_secret: 's', session_max_age_secs: 8 * 3600, policy: { mfa: 'prefer' } } },
  silentLogin: { when: (req) => !req.path.startsWith('/api/') },
  supportURL: 'mailto:support@app.example',
}));
app.get('/virement', requiresAcr('eidas2', { mfa: true }), (req, res) => {
  const mfa: boolean = req.gouvconnect.identity?.mfa ?? false;
  const until: number | null = req.gouvconnect.sessionExpiresAt;
  res.json({ mfa, until });
});
app.post('/signature', (req, res) => {
  const identity = req.gouvconnect.identity;
  if (identity && identity.acr !== 'eidas2') { void res.gouvconnect.stepUp('eidas2', { next: '/signature' }); return; }
  res.json({ card: identity?.prosanteconnect?.auth_mode === 'CARD' });
});
async function lowLevelStepUp(client: Client, identity: Identity): Promise<number> {
  const { url } = client.beginLogin({ ...stepUpOptions(identity, 'eidas2'), next: '/x' });
  const login = await client.completeLogin('pending', 'code=x&state=y');
  console.log(url);
  return login.session_expires_at;
}
void lowLevelStepUp;
const rules: boolean[] = [isPageView('GET', { accept: 'text/html', 'x-forwarded-for': ['a', 'b'] }), isSupportLink('/aide')];
function stepped(previous: Identity, identity: Identity): boolean { return isStepUp(previous, identity); }
void rules; void stepped;

// Errors handed to the app's own error handler (errorPage: false), or the provided page.
const passing = express();
passing.use(auth({ baseURL: 'https://app.example', providers: { proconnect: { environment: 'integration', client_id: 'id', client_secret: 's' } }, errorPage: false }));
passing.use((err: GouvConnectExpressError, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  const status: number = err.status;
  const text: string = `${err.code}: ${err.userMessage}`;
  res.status(status).send(text);
});
passing.use(errorHandler({ supportURL: 'mailto:support@app.example' }));

// FranceConnect and FranceConnect+: the private keys from a file, the public keys' route, the identité pivot.
const citizens = auth({
  baseURL: 'https://app.example',
  providers: {
    franceconnect: { environment: 'sandbox', client_id: 'fc', client_secret: 's' },
    franceconnect_plus: { environment: 'sandbox', client_id: 'fcp', client_secret: 's', decryption_keys_file: '/etc/app/fcp-keys.jwks.json', policy: { acr: 'eidas3' } },
  },
  routes: { jwks: '/.well-known/fcp-jwks.json' },
});
const registerAtFcp: string | undefined = citizens.routes.jwks;
app.use(citizens);
app.get('/citoyen', requiresAuth({ provider: 'franceconnect' }), (req, res) => {
  const pivot = req.gouvconnect.identity?.franceconnect;
  const bornInFrance: boolean | null = pivot?.born_in_france ?? null;
  res.send(`${pivot?.given_names ?? ''} ${pivot?.birthdate ?? ''} ${bornInFrance} ${registerAtFcp} ${loginButton('franceconnect_plus')}`);
});
function fcpKeys(): string | null {
  const client = Client.offline({ provider: 'franceconnect_plus', environment: 'sandbox', client_id: 'a', client_secret: 'b', redirect_uri: 'https://app.example/cb', decryption_keys: '{"keys": []}' });
  return client.publicJwks();
}
void fcpKeys;
