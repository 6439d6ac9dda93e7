/* ag.js: what the gateway's pages (/ops/, /results/, /school/) share.
 *
 * - the token: typed once, kept in sessionStorage (this tab only, gone when it closes), sent as
 *   Authorization: Bearer on every call;
 * - AG.signInPage(): the sign-in form, Sign out, the language buttons, and whoami checked
 *   against the roles the page serves;
 * - AG.stream(): Server-Sent Events read through fetch() and a stream reader, because
 *   EventSource cannot send an Authorization header, and a token in the URL would end up in
 *   logs and history (docs/decisions.md, "The console");
 * - AG.t(): the UI strings of a page in kk, ru and en, switched by its language buttons;
 * - AG.spark(): a sparkline drawn as SVG, no library.
 * No inline script or style anywhere: the pages' Content-Security-Policy forbids both.
 */
'use strict';

const AG = (() => {
  const TOKEN_KEY = 'aulgate.token';
  const LANG_KEY = 'aulgate.lang';
  const LANGS = ['kk', 'ru', 'en'];
  let strings = {};
  let lang = 'kk';

  /* The sign-in's strings, the same on every page; a page adds title, token_label, token_help
   * and err_role (who the page is for). */
  const COMMON = {
    logout: {kk: 'Шығу', ru: 'Выйти', en: 'Sign out'},
    token_placeholder: {kk: 'ag_…', ru: 'ag_…', en: 'ag_…'},
    sign_in: {kk: 'Кіру', ru: 'Войти', en: 'Sign in'},
    err_refused: {kk: 'Шлюз токенді қабылдамады: {why}', ru: 'Шлюз отклонил токен: {why}',
                  en: 'The gateway refused the token: {why}'},
    err_network: {kk: 'Шлюзге қосылу мүмкін болмады.', ru: 'Не удалось связаться со шлюзом.',
                  en: 'Could not reach the gateway.'},
  };

  class HttpError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  const token = () => sessionStorage.getItem(TOKEN_KEY);
  const setToken = (t) => sessionStorage.setItem(TOKEN_KEY, t);
  const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

  /* fetch() with the token; JSON back. A refusal becomes an HttpError carrying the gateway's
   * own {"error": ...} text. */
  async function api(path, options = {}) {
    const headers = Object.assign({Accept: 'application/json'}, options.headers || {});
    if (token()) headers.Authorization = 'Bearer ' + token();
    const r = await fetch(path, Object.assign({}, options, {headers, cache: 'no-store'}));
    let body = null;
    try {
      body = await r.json();
    } catch (e) {
      body = null;
    }
    if (!r.ok) throw new HttpError(r.status, (body && body.error) || r.statusText);
    return body;
  }

  /* Reads an SSE stream at path until signal aborts it: onEvent(name, data) per event. Resolves
   * when the server ends the stream; rejects with an HttpError on a refusal. */
  async function readEvents(path, signal, onEvent) {
    const r = await fetch(path, {
      headers: {Accept: 'text/event-stream', Authorization: 'Bearer ' + token()},
      cache: 'no-store',
      signal,
    });
    if (!r.ok) {
      let msg = r.statusText;
      try {
        msg = (await r.json()).error || msg;
      } catch (e) { /* not JSON */ }
      throw new HttpError(r.status, msg);
    }
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return;
      buf += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let name = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) onEvent(name, data.join('\n'));
      }
    }
  }

  /* Keeps an SSE stream open: reconnects after 1, 2, 4 ... 10 s, and when no event came for
   * stallMs (a stream the network silently lost). onState('live'|'retry'|'refused', err).
   * Returns a function that stops it. */
  function stream(path, {onEvent, onState, stallMs = 5000}) {
    let stopped = false;
    let ctl = null;
    let delay = 1000;
    let watchdog = null;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => ctl && ctl.abort(), stallMs);
    };
    (async () => {
      while (!stopped) {
        ctl = new AbortController();
        arm();
        try {
          await readEvents(path, ctl.signal, (name, data) => {
            arm();
            delay = 1000;
            onState('live');
            onEvent(name, data);
          });
        } catch (e) {
          if (e instanceof HttpError && (e.status === 401 || e.status === 403)) {
            clearTimeout(watchdog);
            onState('refused', e);
            return;
          }
        }
        clearTimeout(watchdog);
        if (stopped) return;
        onState('retry');
        await new Promise((res) => setTimeout(res, delay));
        delay = Math.min(delay * 2, 10000);
      }
    })();
    return () => {
      stopped = true;
      clearTimeout(watchdog);
      if (ctl) ctl.abort();
    };
  }

  /* The page's strings: table[key] = {kk, ru, en}, beside COMMON. Elements with data-t="key" get
   * the text, data-t-placeholder="key" the placeholder, data-t-title="key" the title. */
  function setStrings(table) {
    strings = Object.assign({}, COMMON, table);
  }

  function t(key, vars) {
    const e = strings[key];
    let s = e ? e[lang] || e.en : key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split('{' + k + '}').join(String(v));
    return s;
  }

  function setLang(l) {
    lang = LANGS.includes(l) ? l : 'kk';
    localStorage.setItem(LANG_KEY, lang);
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
    for (const el of document.querySelectorAll('[data-t-placeholder]'))
      el.placeholder = t(el.dataset.tPlaceholder);
    for (const el of document.querySelectorAll('[data-t-title]')) el.title = t(el.dataset.tTitle);
    for (const b of document.querySelectorAll('[data-lang]'))
      b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    document.title = t('title');
  }

  /* The language kept from last time, else the browser's first of kk, ru, en, else kk. */
  function initialLang() {
    const kept = localStorage.getItem(LANG_KEY);
    if (LANGS.includes(kept)) return kept;
    for (const l of navigator.languages || []) {
      const short = l.slice(0, 2).toLowerCase();
      if (LANGS.includes(short)) return short;
    }
    return 'kk';
  }

  const SVG = 'http://www.w3.org/2000/svg';

  /* Draws values (numbers, null for a gap) into the <svg> el as a line over a filled area, the
   * last point marked; the y axis from 0 to the maximum (or floor). */
  function spark(el, values, {floor = 1} = {}) {
    const w = 240;
    const h = 48;
    const pad = 3;
    el.setAttribute('viewBox', `0 0 ${w} ${h}`);
    el.setAttribute('preserveAspectRatio', 'none');
    while (el.firstChild) el.removeChild(el.firstChild);
    const pts = values.map((v, i) => [i, v]).filter(([, v]) => v !== null && v !== undefined);
    if (pts.length < 2) return;
    const max = Math.max(floor, ...pts.map(([, v]) => v));
    const x = (i) => pad + (i * (w - 2 * pad)) / Math.max(1, values.length - 1);
    const y = (v) => h - pad - (v * (h - 2 * pad)) / max;
    const line = pts.map(([i, v], k) => `${k ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    const area = document.createElementNS(SVG, 'path');
    area.setAttribute('d', `${line.join('')}L${x(pts[pts.length - 1][0]).toFixed(1)},${h - pad}` +
                               `L${x(pts[0][0]).toFixed(1)},${h - pad}Z`);
    area.setAttribute('class', 'spark-area');
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', line.join(''));
    path.setAttribute('class', 'spark-line');
    const [li, lv] = pts[pts.length - 1];
    const dot = document.createElementNS(SVG, 'circle');
    dot.setAttribute('cx', x(li).toFixed(1));
    dot.setAttribute('cy', y(lv).toFixed(1));
    dot.setAttribute('r', '2.5');
    dot.setAttribute('class', 'spark-dot');
    el.append(area, path, dot);
  }

  /* The sign-in every page shares. The page has #login (holding #login-form, #token and
   * #login-error), #logout, the language buttons ([data-lang]) and its own content (id content),
   * hidden until whoami says the token's role is one of roles. start(me) fills the content (may
   * be async; if it throws, the page signs out saying why), stop() undoes what start did (timers,
   * streams), relabel() redraws after a language change. Returns signOut(message), for a refusal
   * the page meets later. */
  function signInPage({strings: table, roles, content, start, stop = () => {}, relabel = () => {}}) {
    const $ = (id) => document.getElementById(id);
    const signOut = (message) => {
      stop();
      clearToken();
      $(content).hidden = true;
      $('logout').hidden = true;
      $('login').hidden = false;
      $('login-error').textContent = message || '';
      $('token').focus();
    };
    const open = async () => {
      try {
        const me = await api('/api/v1/whoami');
        if (!roles.includes(me.role)) return signOut(t('err_role'));
        $('login').hidden = true;
        $(content).hidden = false;
        $('logout').hidden = false;
        await start(me);
      } catch (e) {
        signOut(e instanceof HttpError ? t('err_refused', {why: e.message}) : t('err_network'));
      }
    };
    setStrings(table);
    setLang(initialLang());
    for (const b of document.querySelectorAll('[data-lang]'))
      b.addEventListener('click', () => { setLang(b.dataset.lang); relabel(); });
    $('login-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      $('login-error').textContent = '';
      setToken($('token').value.trim());
      $('token').value = '';
      open();
    });
    $('logout').addEventListener('click', () => signOut(''));
    if (token()) open();
    else signOut('');
    return signOut;
  }

  /* An element with text, for building tables without innerHTML. */
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  return {
    HttpError, token, api, stream, t, signInPage, lang: () => lang, spark, el,
  };
})();
