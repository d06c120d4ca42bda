'use strict';
// gouvconnect/express: the Pro Santé Connect practice picker. A health professional with several
// practices (exercices × activities) chooses, after login, the one this session acts for; the
// choice is `req.gouvconnect.identity.practice` (mapping rules can use `practice.…` paths), and
// the same page lets the user switch later. With one practice there is nothing to ask.

const crypto = require('node:crypto');
const { GouvConnectError, practices, withPractice, safeNextPath } = require('..');

const DEFAULT_PATH = '/auth/practice';
const MAX_BODY = 4096;

const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

/** How a practice reads in the chooser: labels, not codes (a code only when it has no label). */
function describe(p) {
  const profession = p.profession_label || (p.profession_code ? `Profession ${p.profession_code}` : 'Profession non précisée');
  const specialty = p.savoir_faire_label || null;
  const structure = p.name || p.commercial_name || 'Structure non précisée';
  const place = [p.postal_code, p.department_code && !p.postal_code ? `département ${p.department_code}` : null]
    .filter(Boolean).join(' ');
  const details = [p.mode_label, p.sector_label].filter(Boolean).join(' · ');
  return { profession, specialty, structure, place, details };
}

function page({ identity, list, next, token, action, current }) {
  const who = [identity.given_name, identity.family_name].filter(Boolean).join(' ');
  const items = list.map((p, i) => {
    const d = describe(p);
    const id = `practice-${i}`;
    const checked = current ? current === p.id : i === 0;
    return `<li class="gc-practice"><input type="radio" name="practice" id="${id}" value="${esc(p.id)}"${checked ? ' checked' : ''} aria-describedby="${id}-where">`
      + `<label for="${id}"><strong>${esc(d.profession)}</strong>${d.specialty ? ` — ${esc(d.specialty)}` : ''}</label>`
      + `<p id="${id}-where">${esc(d.structure)}${d.place ? `, ${esc(d.place)}` : ''}${d.details ? `<br><small>${esc(d.details)}</small>` : ''}</p></li>`;
  }).join('\n');
  return '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
    + '<meta name="viewport" content="width=device-width, initial-scale=1">'
    + '<title>Choisir votre exercice</title><style>'
    + 'body{font-family:Marianne,Arial,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;line-height:1.5}'
    + 'fieldset{border:1px solid #ddd;padding:1rem}ul{list-style:none;padding:0;margin:0}'
    + '.gc-practice{display:grid;grid-template-columns:auto 1fr;gap:0 .75rem;padding:.75rem 0;border-bottom:1px solid #eee}'
    + '.gc-practice p{grid-column:2;margin:0}input[type=radio]{width:1.25rem;height:1.25rem;margin-top:.2rem}'
    + 'input:focus-visible,button:focus-visible{outline:3px solid #0a76f6;outline-offset:2px}'
    + 'button{margin-top:1rem;padding:.6rem 1.2rem;background:#000091;color:#fff;border:0;font-size:1rem;cursor:pointer}'
    + '</style></head><body><main>'
    + '<h1>Pour quel exercice vous connectez-vous ?</h1>'
    + (who ? `<p>${esc(who)}, vous exercez dans plusieurs structures. Choisissez celle pour laquelle vous agissez pendant cette session ; vous pourrez en changer à tout moment.</p>` : '')
    + `<form method="post" action="${esc(action)}">`
    + `<input type="hidden" name="token" value="${esc(token)}">`
    + (next ? `<input type="hidden" name="next" value="${esc(next)}">` : '')
    + `<fieldset><legend>Votre exercice</legend><ul>\n${items}\n</ul></fieldset>`
    + '<button type="submit">Continuer</button></form></main></body></html>';
}

function readForm(req) {
  if (req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) return Promise.resolve(req.body);
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new GouvConnectError('invalid_request', 'practice form too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))));
    req.on('error', reject);
  });
}

function sameToken(given, expected) {
  const a = Buffer.from(String(given || ''));
  const b = Buffer.from(String(expected || ''));
  return a.length === b.length && a.length > 0 && crypto.timingSafeEqual(a, b);
}

/**
 * The picker of one auth(): `settle()` after each login, `handle()` for its route.
 * `options.practice`: `{ path }` (default `/auth/practice`), or `false` to turn the picker off
 * (the identity then never gets a `practice`).
 */
function createPracticePicker(options, { mapping, save, afterLogin }) {
  const given = options === undefined || options === null || options === true ? {} : options;
  const enabled = given !== false;
  const path = (enabled && given.path) || DEFAULT_PATH;
  if (enabled && (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//'))) {
    throw new GouvConnectError('invalid_config', `gouvconnect/express: \`practice.path\` must be a local path, not ${JSON.stringify(path)}`);
  }

  /**
   * A new login's identity with its practice settled: the only one, or the one the same person
   * had chosen before this login (a step-up keeps it); `choose` when the user must pick (never
   * after a step-up).
   */
  function settle(identity, previous, { ask = true } = {}) {
    if (!enabled || identity.provider !== 'prosanteconnect') return { identity, choose: false };
    const list = practices(identity);
    if (list.length === 1) return { identity: withPractice(identity, list[0].id), choose: false };
    const before = previous && previous.identity;
    const kept = before && before.sub === identity.sub && before.provider === identity.provider && before.practice
      && list.find((p) => p.id === before.practice.id);
    if (kept) return { identity: withPractice(identity, kept.id), choose: false };
    // A step-up goes back where it was going (the choice, if any, was kept above).
    return { identity, choose: ask && list.length > 1 };
  }

  const url = (next) => (next && next !== afterLogin ? `${path}?next=${encodeURIComponent(next)}` : path);

  async function handle(req, res) {
    const session = req.session.gouvconnect;
    const current = session && session.login;
    const list = current ? practices(current.identity) : [];
    if (!current || list.length === 0) {
      res.redirect(afterLogin);
      return;
    }
    if (req.method === 'POST') {
      const form = await readForm(req);
      if (!sameToken(form.token, session.practiceToken)) {
        throw new GouvConnectError('invalid_request', 'the practice form is stale or was not sent by this page');
      }
      // An id the identity does not hold: invalid_request (400) from the core.
      const identity = withPractice(current.identity, String(form.practice || ''));
      const mapped = mapping.apply(identity);
      Object.assign(current, { identity, fields: mapped.fields, groups: mapped.groups });
      await save(req);
      const next = form.next && safeNextPath(String(form.next)) ? String(form.next) : afterLogin;
      res.redirect(303, next);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).set('Allow', 'GET, POST').end();
      return;
    }
    if (!session.practiceToken) {
      session.practiceToken = crypto.randomBytes(24).toString('base64url');
      await save(req);
    }
    const next = req.query.next !== undefined && safeNextPath(String(req.query.next)) ? String(req.query.next) : null;
    res.set('Cache-Control', 'no-store').type('html').send(page({
      identity: current.identity, list, next, token: session.practiceToken, action: path,
      current: current.identity.practice && current.identity.practice.id,
    }));
  }

  return { enabled, path, settle, url, handle, handles: (req) => enabled && req.path === path };
}

/**
 * Middleware: a Pro Santé Connect user with several practices and none chosen yet is sent to
 * the picker first (then back here). Anyone else goes on.
 */
function requiresPractice() {
  return function gouvconnectRequiresPractice(req, res, next) {
    const ctx = req.gouvconnect;
    const identity = ctx && ctx.identity;
    if (!identity || identity.provider !== 'prosanteconnect' || identity.practice) return next();
    if (practices(identity).length < 2) return next();
    const path = (ctx.routes && ctx.routes.practice) || DEFAULT_PATH;
    return res.redirect(`${path}?next=${encodeURIComponent(req.originalUrl || req.url)}`);
  };
}

module.exports = { createPracticePicker, requiresPractice, describePractice: describe };
