/* ops.js: the operators' console. Figures from the /api/v1/events stream (one event a second),
 * the live sessions polled from /api/v1/sessions every 3 s while the tab is visible (each call
 * is an audit row: a hidden tab does not fill the trail), the database's state from /healthz. */
'use strict';

const STRINGS = {
  title: {kk: 'Aulgate — оператор консолі', ru: 'Aulgate — консоль оператора',
          en: 'Aulgate — operator console'},
  token_label: {kk: 'Оператор токені', ru: 'Токен оператора', en: 'Operator token'},
  token_help: {
    kk: 'Токенді серверде «aulgate token create --role operator» командасымен жасаңыз. Ол тек осы ' +
        'қойындыда сақталады және қойынды жабылғанда өшеді.',
    ru: 'Токен создаётся на сервере командой «aulgate token create --role operator». Он хранится ' +
        'только в этой вкладке и забывается, когда вкладка закрыта.',
    en: 'Create a token on the server with “aulgate token create --role operator”. It is kept in ' +
        'this tab only and forgotten when the tab is closed.'},
  err_role: {kk: 'Бұл токен операторға да, әкімшіге де тиесілі емес.',
             ru: 'Это не токен оператора или администратора.',
             en: 'This token is neither an operator’s nor an admin’s.'},
  conn_live: {kk: 'Нақты уақытта', ru: 'В реальном времени', en: 'Live'},
  conn_retry: {kk: 'Қайта қосылуда…', ru: 'Переподключение…', en: 'Reconnecting…'},
  conn_off: {kk: 'Байланыс жоқ', ru: 'Нет связи', en: 'Not connected'},
  hops_rate: {kk: 'Секундына қадам', ru: 'Шагов в секунду', en: 'Hops per second'},
  last_2min: {kk: 'соңғы 2 минут', ru: 'последние 2 минуты', en: 'last 2 minutes'},
  latency: {kk: 'Жауап уақыты, p95', ru: 'Время ответа, p95', en: 'Reply time, p95'},
  latency_sub: {kk: 'осы минутта: p50 {p50} · p99 {p99} мс', ru: 'эта минута: p50 {p50} · p99 {p99} мс',
                en: 'this minute: p50 {p50} · p99 {p99} ms'},
  latency_none: {kk: 'осы минутта қадам болған жоқ', ru: 'в эту минуту шагов не было',
                 en: 'no hops this minute'},
  ms: {kk: 'мс', ru: 'мс', en: 'ms'},
  errors: {kk: 'Сәтсіз қадамдар', ru: 'Сбойные шаги', en: 'Failed hops'},
  errors_sub: {kk: '15 минутта {n}: дерекқор жауап бермеді не мерзім өтті',
               ru: 'за 15 минут {n}: база не ответила или истёк срок',
               en: '{n} in 15 min: database unavailable or past the deadline'},
  timeouts: {kk: 'Уақыты өтіп үзілген', ru: 'Прервано по тайм-ауту', en: 'Timed out'},
  timeouts_sub: {kk: 'аяқталған {n} сессиядан', ru: 'из {n} завершённых сеансов',
                 en: 'of {n} sessions ended'},
  live: {kk: 'Белсенді сессиялар', ru: 'Активные сеансы', en: 'Live sessions'},
  live_sub: {kk: '15 минутта басталғаны: {n}', ru: 'начато за 15 минут: {n}',
             en: '{n} started in 15 min'},
  hops_total: {kk: '15 минуттағы қадамдар', ru: 'Шагов за 15 минут', en: 'Hops in 15 min'},
  db: {kk: 'Дерекқор', ru: 'База данных', en: 'Database'},
  db_up: {kk: 'Істеп тұр', ru: 'Работает', en: 'Up'},
  db_down: {kk: 'Қолжетімсіз', ru: 'Недоступна', en: 'Down'},
  db_connecting: {kk: 'Қосылуда', ru: 'Подключается', en: 'Connecting'},
  db_stalled: {kk: 'Тұрып қалды', ru: 'Зависла', en: 'Stalled'},
  db_sub: {kk: 'кезектегі жауаптар: {n} · қайта қосылу: {r}',
           ru: 'ответов в очереди: {n} · переподключений: {r}',
           en: '{n} answers waiting · {r} reconnects'},
  sessions_title: {kk: 'Белсенді сессиялар: ең ұзақ үнсіз тұрғандары жоғарыда',
                   ru: 'Активные сеансы: дольше всех бездействующие сверху',
                   en: 'Live sessions, longest idle first'},
  col_carrier: {kk: 'Байланыс операторы', ru: 'Оператор связи', en: 'Carrier'},
  col_session: {kk: 'Сессия', ru: 'Сеанс', en: 'Session'},
  col_number: {kk: 'Нөмір', ru: 'Номер', en: 'Number'},
  col_lang: {kk: 'Тіл', ru: 'Язык', en: 'Lang.'},
  col_screen: {kk: 'Экран', ru: 'Экран', en: 'Screen'},
  col_hops: {kk: 'Қадам', ru: 'Шаги', en: 'Hops'},
  col_age: {kk: 'Ұзақтығы', ru: 'Длится', en: 'Age'},
  col_idle: {kk: 'Үнсіз', ru: 'Простой', en: 'Idle'},
  end: {kk: 'Аяқтау', ru: 'Завершить', en: 'End'},
  confirm: {kk: 'Сессияны аяқтау керек пе? Абонент «Сессия аяқталды. Қайта теріңіз.» деген ' +
                'хабарды көреді.',
            ru: 'Завершить сеанс? Абонент увидит «Сеанс завершён. Наберите номер снова.»',
            en: 'End this session? The caller will see “Your session has ended. Please dial again.”'},
  confirm_yes: {kk: 'Иә, аяқтау', ru: 'Да, завершить', en: 'Yes, end it'},
  cancel: {kk: 'Болдырмау', ru: 'Отмена', en: 'Cancel'},
  ended_ok: {kk: '{id} сессиясы аяқталды.', ru: 'Сеанс {id} завершён.', en: 'Session {id} ended.'},
  ended_gone: {kk: '{id} сессиясы бұрын аяқталып қойған.', ru: 'Сеанс {id} уже завершился.',
               en: 'Session {id} had already ended.'},
  end_failed: {kk: 'Сессияны аяқтау мүмкін болмады: {why}',
               ru: 'Не удалось завершить сеанс: {why}', en: 'Could not end the session: {why}'},
  no_sessions: {kk: 'Қазір белсенді сессия жоқ.', ru: 'Сейчас активных сеансов нет.',
                en: 'No live sessions right now.'},
  shown: {kk: '{live} сессияның {count} көрсетілген', ru: 'показано {count} из {live}',
          en: '{count} of {live} shown'},
  funnel_title: {kk: 'Сауалнама қай сұрақта тасталады', ru: 'На каком вопросе бросают опрос',
                 en: 'Where callers drop the survey'},
  funnel_help: {kk: 'Соңғы 15 минут: аяқталмай үзілген сессиялардың соңғы сұрағы.',
                ru: 'Последние 15 минут: последний вопрос прерванных сеансов.',
                en: 'Last 15 minutes: the last question of sessions that stopped unfinished.'},
  funnel_none: {kk: 'Тасталған сауалнама жоқ.', ru: 'Брошенных опросов нет.',
                en: 'No survey dropped.'},
  funnel_other: {kk: 'басқа сұрақтар', ru: 'другие вопросы', en: 'other questions'},
  updated: {kk: 'Жаңартылды: {time}', ru: 'Обновлено: {time}', en: 'Updated: {time}'},
};

const $ = (id) => document.getElementById(id);
const state = {
  stop: null,          /* stops the event stream */
  timers: [],
  prev: null,          /* the previous event's minutes, by t: hops per minute for the rate */
  prevAt: 0,
  rates: [],           /* hops/s of the last 120 events */
  p95s: [],            /* the current minute's p95 at each of them */
  last: null,          /* the latest event */
  sessions: null,      /* the latest /api/v1/sessions reply */
  confirming: null,    /* "carrier/id" whose row asks for confirmation */
  health: null,
};

const hopsOf = (m) => Object.values(m.hops).reduce((a, b) => a + b, 0);
const fmtNum = (n) => new Intl.NumberFormat(AG.lang() === 'en' ? 'en-GB' : 'ru-RU').format(n);
const fmtMs = (v) => (v === null || v === undefined ? '–' : v < 10 ? v.toFixed(1) : v.toFixed(0));
const pct = (a, b) => (b > 0 ? ((100 * a) / b).toFixed(a && a * 1000 < b ? 2 : 1) + ' %' : '–');

function fmtDur(s) {
  s = Math.floor(s);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
                 : `${m}:${String(s % 60).padStart(2, '0')}`;
}

function setConn(st) {
  const el = $('conn');
  el.dataset.state = st;
  el.textContent = AG.t(st === 'live' ? 'conn_live' : st === 'retry' ? 'conn_retry' : 'conn_off');
}

/* hops/s since the previous event: the growth of every minute both events hold, plus the
 * minutes new in this one (only the current and the just closed minute ever change). */
function rateFrom(ev, at) {
  const mins = ev.stats.minutes;
  const now = new Map(mins.map((m) => [m.t, hopsOf(m)]));
  let rate = null;
  if (state.prev && at > state.prevAt) {
    let grew = 0;
    for (const [t, n] of now) grew += n - (state.prev.get(t) || 0);
    rate = Math.max(0, grew) / ((at - state.prevAt) / 1000);
  }
  state.prev = now;
  state.prevAt = at;
  return rate;
}

function onStats(data) {
  const ev = JSON.parse(data);
  const rate = rateFrom(ev, performance.now());
  if (rate !== null) {
    state.rates.push(rate);
    if (state.rates.length > 120) state.rates.shift();
    const cur = ev.stats.minutes[ev.stats.minutes.length - 1];
    state.p95s.push(cur && cur.latency_ms ? cur.latency_ms.p95 : null);
    if (state.p95s.length > 120) state.p95s.shift();
  }
  state.last = ev;
  render();
}

function render() {
  const ev = state.last;
  if (!ev) return;
  const mins = ev.stats.minutes;
  const tot = ev.stats.total;
  const cur = mins[mins.length - 1];
  const rate = state.rates.length ? state.rates[state.rates.length - 1] : null;
  $('v-rate').textContent = rate === null ? '–' : rate >= 10 ? fmtNum(Math.round(rate)) : rate.toFixed(1);
  AG.spark($('sp-rate'), state.rates, {floor: 1});

  AG.spark($('sp-latency'), state.p95s, {floor: 10});
  const lat = cur && cur.latency_ms;
  $('v-latency').textContent = lat ? `${fmtMs(lat.p95)} ${AG.t('ms')}` : '–';
  $('v-latency-sub').textContent = lat ? AG.t('latency_sub', {p50: fmtMs(lat.p50), p99: fmtMs(lat.p99)})
                                       : AG.t('latency_none');

  const hops = hopsOf(tot);
  const failed = tot.hops.unavailable + tot.hops.deadline;
  $('v-errors').textContent = pct(failed, hops);
  $('v-errors-sub').textContent = AG.t('errors_sub', {n: fmtNum(failed)});
  $('card-errors').dataset.level = !hops ? '' : failed / hops > 0.05 ? 'bad' : failed ? 'warn' : 'ok';
  const ended = Object.values(tot.sessions_ended).reduce((a, b) => a + b, 0);
  const timedOut = tot.sessions_ended.idle_timeout + tot.sessions_ended.max_length;
  $('v-timeouts').textContent = pct(timedOut, ended);
  $('v-timeouts-sub').textContent = AG.t('timeouts_sub', {n: fmtNum(ended)});

  $('v-live').textContent = fmtNum(ev.live_sessions);
  $('v-live-sub').textContent = AG.t('live_sub', {n: fmtNum(tot.sessions_started)});
  $('v-hops').textContent = fmtNum(hops);

  renderFunnel(ev.stats.funnel, ev.stats.funnel_other);
  $('updated').textContent = AG.t('updated', {time: new Date(ev.now * 1000).toLocaleTimeString(
                                                 AG.lang() === 'en' ? 'en-GB' : 'ru-RU')});
}

function renderFunnel(rows, other) {
  const ol = $('funnel');
  ol.replaceChildren();
  const all = rows.map((r) => [`${r.file} · ${r.question}`, r.abandoned]);
  if (other) all.push([AG.t('funnel_other'), other]);
  if (!all.length) {
    ol.append(AG.el('li', AG.t('funnel_none'), 'sub'));
    return;
  }
  const max = Math.max(...all.map(([, n]) => n));
  for (const [label, n] of all) {
    const li = AG.el('li');
    const q = AG.el('div', null, 'q');
    q.append(AG.el('span', label), AG.el('strong', fmtNum(n)));
    const track = AG.el('div', null, 'track');
    const fill = AG.el('div', null, 'fill');
    fill.style.width = `${(100 * n) / max}%`; /* CSSOM, which the policy allows */
    track.append(fill);
    li.append(q, track);
    ol.append(li);
  }
}

function renderHealth() {
  const h = state.health;
  const card = $('card-db');
  if (!h) {
    $('v-db').textContent = '–';
    card.dataset.level = 'bad';
    return;
  }
  const key = {up: 'db_up', down: 'db_down', connecting: 'db_connecting', stalled: 'db_stalled'}[h.db];
  $('v-db').textContent = key ? AG.t(key) : h.db;
  $('v-db-sub').textContent = AG.t('db_sub', {n: fmtNum(h.pending_answers), r: fmtNum(h.db_reconnects)});
  card.dataset.level = h.db === 'up' ? 'ok' : 'bad';
}

function notice(text, kind) {
  const n = $('notice');
  n.textContent = text;
  n.dataset.kind = kind || '';
}

/* The list is polled every few seconds, so rows are patched in place, never rebuilt: a row
 * replaced between an operator's press and release of "End" loses the click. */
function sessionRow(key) {
  const tr = AG.el('tr');
  tr.dataset.key = key;
  for (const cls of ['', 'id', '', '', '', 'num', 'num', 'num']) tr.append(AG.el('td', null, cls));
  const b = AG.el('button', null, 'quiet end');
  b.type = 'button';
  b.addEventListener('click', () => { state.confirming = key; renderSessions(); });
  const act = AG.el('td', null, 'act');
  act.append(b);
  tr.append(act);
  return tr;
}

/* The question on a row of its own, under the session's. */
function confirmRow(s, key) {
  const row = AG.el('tr', null, 'confirm-row');
  row.dataset.confirmFor = key;
  const td = AG.el('td');
  td.colSpan = 9;
  const yes = AG.el('button', null, 'danger confirm-yes');
  const no = AG.el('button', null, 'confirm-no');
  yes.type = no.type = 'button';
  yes.addEventListener('click', () => endSession(s.carrier, s.id));
  no.addEventListener('click', () => { state.confirming = null; renderSessions(); });
  td.append(AG.el('span', null, 'confirm-text'), yes, ' ', no);
  row.append(td);
  return row;
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function fillRow(tr, s) {
  const screen = s.screen ? (s.file ? `${s.file} · ${s.screen}` : s.screen) : '–';
  const texts = [s.carrier, s.id, s.phone, s.lang || '–', screen, String(s.hops),
                 fmtDur(s.age_s), fmtDur(s.idle_s)];
  texts.forEach((t, i) => setText(tr.cells[i], t));
  tr.cells[1].title = s.id;
  const key = tr.dataset.key;
  const b = tr.querySelector('button.end');
  setText(b, AG.t('end'));
  b.disabled = state.confirming === key;
  tr.className = state.confirming === key ? 'confirming' : '';
}

function renderSessions() {
  const r = state.sessions;
  const tbody = document.querySelector('#sessions tbody');
  if (!r) return;
  const old = new Map();
  for (const tr of tbody.rows) {
    if (tr.dataset.key) old.set('s ' + tr.dataset.key, tr);
    else if (tr.dataset.confirmFor) old.set('c ' + tr.dataset.confirmFor, tr);
    else if (tr.classList.contains('empty')) old.set('empty', tr);
  }
  const want = [];
  if (!r.sessions.length) {
    let tr = old.get('empty');
    if (!tr) {
      tr = AG.el('tr', null, 'empty');
      const td = AG.el('td', null, 'sub');
      td.colSpan = 9;
      tr.append(td);
    }
    setText(tr.cells[0], AG.t('no_sessions'));
    want.push(tr);
  }
  for (const s of r.sessions) {
    const key = `${s.carrier}/${s.id}`;
    const tr = old.get('s ' + key) || sessionRow(key);
    fillRow(tr, s);
    want.push(tr);
    if (state.confirming === key) {
      const row = old.get('c ' + key) || confirmRow(s, key);
      const [text, yes, no] = row.querySelectorAll('span, button');
      setText(text, AG.t('confirm'));
      setText(yes, AG.t('confirm_yes'));
      setText(no, AG.t('cancel'));
      want.push(row);
    }
  }
  /* Only rows out of place move. */
  let at = tbody.firstChild;
  for (const tr of want) {
    if (tr === at) at = at.nextSibling;
    else tbody.insertBefore(tr, at);
  }
  while (at) {
    const next = at.nextSibling;
    at.remove();
    at = next;
  }
  $('sessions-count').textContent = AG.t('shown', {count: fmtNum(r.count), live: fmtNum(r.live)});
}

async function endSession(carrier, id) {
  state.confirming = null;
  try {
    await AG.api(`/api/v1/sessions/${encodeURIComponent(carrier)}/${encodeURIComponent(id)}`,
                 {method: 'DELETE'});
    notice(AG.t('ended_ok', {id}));
  } catch (e) {
    if (e.status === 404) notice(AG.t('ended_gone', {id}));
    else notice(AG.t('end_failed', {why: e.message}), 'error');
  }
  await pollSessions();
}

async function pollSessions() {
  if (document.visibilityState === 'hidden') return;
  try {
    state.sessions = await AG.api('/api/v1/sessions?limit=50');
    renderSessions();
  } catch (e) {
    if (e.status === 401) signOut(AG.t('err_refused', {why: e.message}));
  }
}

async function pollHealth() {
  try {
    const r = await fetch('/healthz', {cache: 'no-store'});
    state.health = await r.json();
  } catch (e) {
    state.health = null;
  }
  renderHealth();
}

function every(ms, fn) {
  fn();
  state.timers.push(setInterval(fn, ms));
}

function start() {
  setConn('retry');
  state.stop = AG.stream('/api/v1/events?window=15m', {
    onEvent: (name, data) => { if (name === 'stats') onStats(data); },
    onState: (st, err) => {
      setConn(st);
      if (st === 'refused') signOut(AG.t('err_refused', {why: err.message}));
    },
  });
  every(3000, pollSessions);
  every(2000, pollHealth);
  document.addEventListener('visibilitychange', pollSessions);
}

function stop() {
  if (state.stop) state.stop();
  state.stop = null;
  state.timers.forEach(clearInterval);
  state.timers = [];
  document.removeEventListener('visibilitychange', pollSessions);
  Object.assign(state, {prev: null, rates: [], p95s: [], last: null, sessions: null, confirming: null});
  setConn('off');
}

function relabel() {
  setConn($('conn').dataset.state);
  render();
  renderHealth();
  renderSessions();
}

const signOut = AG.signInPage({
  strings: STRINGS, roles: ['operator', 'admin'], content: 'console', start, stop, relabel});
