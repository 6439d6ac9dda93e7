/* school.js: a school's page. Sign in with the school's token; write a request in Kazakh and/or
 * Russian with the SMS and USSD budgets checked as it is typed (POST /api/v1/school/requests/
 * check, at most one call in flight, 300 ms after the last key); the requests with their counts
 * (small ones hidden by the gateway: shown as "< k"); the parents who chose to share themselves
 * for one request; the knowledge funds of the school's parents as counts. Every call is an
 * audit row, so nothing here polls. */
'use strict';

const STRINGS = {
  title: {kk: 'Aulgate — мектеп', ru: 'Aulgate — школа', en: 'Aulgate — school'},
  token_label: {kk: 'Мектеп токені', ru: 'Токен школы', en: 'School token'},
  token_help: {
    kk: 'Токенді әкімші «aulgate token create --role school --school ID» командасымен береді. ' +
        'Ол тек осы қойындыда сақталады.',
    ru: 'Токен выдаёт администратор командой «aulgate token create --role school --school ID». ' +
        'Он хранится только в этой вкладке.',
    en: 'An administrator makes the token with “aulgate token create --role school --school ID”. ' +
        'It is kept in this tab only.'},
  err_role: {kk: 'Бұл мектеп токені емес.', ru: 'Это не токен школы.', en: 'This is not a school token.'},
  new_request: {kk: 'Ата-аналарға жаңа өтініш', ru: 'Новая просьба к родителям',
                en: 'A new request to parents'},
  kind: {kk: 'Не керек', ru: 'Что нужно', en: 'What is needed'},
  k_event_help: {kk: 'Іс-шараға көмек', ru: 'Помощь на мероприятии', en: 'Help at an event'},
  k_talk: {kk: 'Өз кәсібі туралы әңгіме', ru: 'Рассказ о своей профессии', en: 'A talk about one’s work'},
  k_repair: {kk: 'Жөндеу', ru: 'Ремонт', en: 'A repair'},
  k_trip: {kk: 'Сапарға ілесу', ru: 'Сопровождение поездки', en: 'Accompanying a trip'},
  k_materials: {kk: 'Материалдар', ru: 'Материалы', en: 'Materials'},
  k_other: {kk: 'Басқа', ru: 'Другое', en: 'Other'},
  text_kk: {kk: 'Мәтін қазақша', ru: 'Текст на казахском', en: 'Text in Kazakh'},
  text_ru: {kk: 'Мәтін орысша', ru: 'Текст на русском', en: 'Text in Russian'},
  needed_on: {kk: 'Қай күні', ru: 'Когда', en: 'When'},
  people: {kk: 'Неше адам', ru: 'Сколько человек', en: 'How many people'},
  offer: {kk: 'Кімге', ru: 'Кому', en: 'To whom'},
  offer_any: {kk: 'Барлық ата-анаға', ru: 'Всем родителям', en: 'All parents'},
  o_profession: {kk: 'Кәсібі', ru: 'Профессия', en: 'Their work'},
  o_craft: {kk: 'Қолөнер', ru: 'Ремесло', en: 'A craft'},
  o_sport: {kk: 'Спорт', ru: 'Спорт', en: 'Sport'},
  o_traditions: {kk: 'Тіл мен салт-дәстүр', ru: 'Язык и традиции', en: 'Language and traditions'},
  o_transport: {kk: 'Көлік', ru: 'Транспорт', en: 'Transport'},
  o_repairs: {kk: 'Жөндеу', ru: 'Ремонт', en: 'Repairs'},
  o_cooking: {kk: 'Ас әзірлеу', ru: 'Кулинария', en: 'Cooking'},
  o_event_time: {kk: 'Іс-шараға уақыт', ru: 'Время на мероприятия', en: 'Time for events'},
  bands: {kk: 'Сыныптар (бос: барлығы)', ru: 'Классы (пусто: все)', en: 'Grades (none: all)'},
  b_pre: {kk: 'Мектепке дейін', ru: 'Дошкольники', en: 'Pre-school'},
  send: {kk: 'Жіберу', ru: 'Отправить', en: 'Send'},
  fit: {kk: 'SMS: {parts}/{max} бөлік, тағы {left} таңба · USSD экран: {ussd}',
        ru: 'SMS: {parts} из {max} частей, осталось {left} знаков · экран USSD: {ussd}',
        en: 'SMS: {parts} of {max} parts, {left} characters left · USSD screen: {ussd}'},
  fit_over: {kk: 'SMS тым ұзын: {over} таңба артық', ru: 'SMS слишком длинное: на {over} знаков больше',
             en: 'SMS too long: {over} characters over'},
  ussd_ok: {kk: 'сыяды', ru: 'помещается', en: 'fits'},
  ussd_no: {kk: 'бөліп көрсетіледі', ru: 'будет показан частями', en: 'shown in pages'},
  requests: {kk: 'Өтініштер', ru: 'Просьбы', en: 'Requests'},
  col_request: {kk: 'Өтініш', ru: 'Просьба', en: 'Request'},
  col_state: {kk: 'Күйі', ru: 'Состояние', en: 'State'},
  col_delivered: {kk: 'Жеткізілді', ru: 'Доставлено', en: 'Delivered'},
  col_help: {kk: 'Көмектеседі', ru: 'Помогут', en: 'Can help'},
  col_not_now: {kk: 'Бұл жолы емес', ru: 'Не в этот раз', en: 'Not this time'},
  col_more: {kk: 'Толығырақ', ru: 'Подробнее', en: 'Tell me more'},
  col_shared: {kk: 'Байланыс берді', ru: 'Оставили контакт', en: 'Shared contact'},
  close: {kk: 'Жабу', ru: 'Закрыть', en: 'Close'},
  close_confirm: {
    kk: 'Өтінішті жабу керек пе? Бұдан кейін SMS жіберілмейді, ата-аналар мәзірінде де көрінбейді.',
    ru: 'Закрыть просьбу? SMS больше не уйдут, и в меню родителей её не будет.',
    en: 'Close this request? No more SMS will go out, and parents’ menus will no longer list it.'},
  close_yes: {kk: 'Иә, жабу', ru: 'Да, закрыть', en: 'Yes, close it'},
  cancel: {kk: 'Болдырмау', ru: 'Отмена', en: 'Cancel'},
  close_failed: {kk: 'Өтінішті жабу мүмкін болмады: {why}', ru: 'Не удалось закрыть просьбу: {why}',
                 en: 'Could not close the request: {why}'},
  st_open: {kk: 'ашық', ru: 'открыта', en: 'open'},
  st_closed: {kk: 'жабық', ru: 'закрыта', en: 'closed'},
  st_expired: {kk: 'мерзімі өтті', ru: 'срок истёк', en: 'expired'},
  small_counts: {
    kk: '«< 3» — отбасын тануға болмайтындай шағын сан жасырылған.',
    ru: '«< 3» — малое число скрыто, чтобы нельзя было узнать семью.',
    en: '“< 3”: a small count is hidden so that no family can be recognised.'},
  shares: {kk: 'Байланысын өзі берген ата-аналар', ru: 'Родители, сами оставившие контакт',
           en: 'Parents who chose to share their contact'},
  offers: {kk: 'Ата-аналар не ұсына алады', ru: 'Что могут предложить родители',
           en: 'What parents can offer'},
  linked: {kk: 'Мектепке тіркелген ата-аналар', ru: 'Родителей привязано к школе',
           en: 'Parents linked to the school'},
};

const $ = (id) => document.getElementById(id);
const state = {me: null, requests: [], offers: null, k: 3, timer: null, checking: false,
               confirming: null /* the id of the request whose Close asks "sure?" */};

function shownCount(obj, key) {
  if (obj[key] === null) return '< ' + obj[key + '_fewer_than'];
  return String(obj[key]);
}

function renderRequests() {
  const tb = document.querySelector('#requests tbody');
  tb.replaceChildren();
  for (const r of state.requests) {
    const tr = document.createElement('tr');
    tr.append(AG.el('td', (r.text_kk || r.text_ru), 'req-text'), AG.el('td', AG.t('st_' + r.state)),
              AG.el('td', String(r.delivered), 'num'), AG.el('td', shownCount(r.answers, 'help'), 'num'),
              AG.el('td', shownCount(r.answers, 'not_now'), 'num'),
              AG.el('td', shownCount(r.answers, 'more'), 'num'));
    const td = AG.el('td', '', 'num');
    const a = AG.el('a', String(r.shared), 'shares');
    a.dataset.id = r.id;
    a.addEventListener('click', () => loadShares(r.id));
    td.append(a);
    const act = AG.el('td', null, 'act');
    if (r.state === 'open') {
      const b = AG.el('button', AG.t('close'), 'quiet close');
      b.type = 'button';
      b.dataset.id = r.id;
      b.disabled = state.confirming === r.id;
      b.addEventListener('click', () => { state.confirming = r.id; renderRequests(); });
      act.append(b);
    }
    tr.append(td, act);
    tb.append(tr);
    if (state.confirming === r.id) /* the question on a row of its own, under the request */
      tb.append(confirmRow(r.id));
  }
}

/* "Close this request?": no more SMS go out for it and parents' menus stop listing it. */
function confirmRow(id) {
  const row = AG.el('tr', null, 'confirm-row');
  const td = AG.el('td');
  td.colSpan = 8;
  const yes = AG.el('button', AG.t('close_yes'), 'danger confirm-yes');
  const no = AG.el('button', AG.t('cancel'), 'confirm-no');
  yes.type = no.type = 'button';
  yes.addEventListener('click', () => closeRequest(id));
  no.addEventListener('click', () => { state.confirming = null; renderRequests(); });
  td.append(AG.el('span', AG.t('close_confirm'), 'confirm-text'), yes, ' ', no);
  row.append(td);
  return row;
}

async function closeRequest(id) {
  state.confirming = null;
  $('req-error').textContent = '';
  try {
    await AG.api(`/api/v1/school/requests/${id}/close`, {method: 'POST'});
    await refresh();
  } catch (e) {
    $('req-error').textContent = AG.t('close_failed', {why: e.message});
    renderRequests();
  }
}

function renderOffers() {
  const ul = $('offers');
  ul.replaceChildren();
  if (!state.offers) return;
  ul.append(AG.el('li', AG.t('linked') + ': ' + shownCount(state.offers, 'linked')));
  for (const k of Object.keys(state.offers.offers).filter((x) => !x.endsWith('_fewer_than')))
    ul.append(AG.el('li', AG.t('o_' + k) + ': ' + shownCount(state.offers.offers, k)));
}

async function loadShares(id) {
  const s = await AG.api(`/api/v1/school/requests/${id}/shares`);
  const ul = $('shares');
  ul.replaceChildren();
  for (const p of s.shared)
    ul.append(AG.el('li', p.msisdn + (p.first_name ? ' — ' + p.first_name : '')));
  $('shares-card').hidden = false;
}

async function refresh() {
  const [list, offers] = await Promise.all([AG.api('/api/v1/school/requests'),
                                            AG.api('/api/v1/school/offers')]);
  state.requests = list.requests;
  state.offers = offers;
  renderRequests();
  renderOffers();
}

function form() {
  const f = new URLSearchParams();
  for (const id of ['kind', 'text_kk', 'text_ru', 'needed_on', 'people', 'offer_category'])
    if ($(id).value) f.set(id, $(id).value);
  const bands = [...document.querySelectorAll('#bands input:checked')].map((b) => b.value);
  if (bands.length) f.set('grade_bands', bands.join(','));
  return f;
}

function showFit(lang, fit) {
  const el = $('fit_' + lang);
  if (!fit || !fit.chars) {
    el.textContent = '';
    delete el.dataset.ok;
    return;
  }
  el.dataset.ok = String(fit.sms_ok);
  el.textContent = fit.sms_ok
      ? AG.t('fit', {parts: fit.parts, max: fit.max_parts, left: fit.units_left,
                     ussd: AG.t(fit.ussd_ok ? 'ussd_ok' : 'ussd_no')})
      : AG.t('fit_over', {over: -fit.units_left});
}

/* The budget check as the school types: 300 ms after the last key, one call at a time. */
function scheduleCheck() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    if (state.checking) return scheduleCheck();
    state.checking = true;
    try {
      const f = new URLSearchParams({text_kk: $('text_kk').value, text_ru: $('text_ru').value});
      const c = await AG.api('/api/v1/school/requests/check', {method: 'POST', body: f});
      $('school-name').textContent = c.school_name;
      showFit('kk', c.text_kk);
      showFit('ru', c.text_ru);
    } catch (e) { /* the next key tries again */ }
    state.checking = false;
  }, 300);
}

async function send(ev) {
  ev.preventDefault();
  $('req-error').textContent = '';
  try {
    await AG.api('/api/v1/school/requests', {method: 'POST', body: form()});
    $('text_kk').value = '';
    $('text_ru').value = '';
    showFit('kk', null);
    showFit('ru', null);
    await refresh();
  } catch (e) {
    $('req-error').textContent = e.message;
  }
}

async function start(me) {
  state.me = me;
  await refresh();
  scheduleCheck();
}

function stop() {
  state.me = null;
  $('school-name').textContent = '';
}

function relabel() {
  renderRequests();
  renderOffers();
  scheduleCheck();
}

$('req-form').addEventListener('submit', send);
$('text_kk').addEventListener('input', scheduleCheck);
$('text_ru').addEventListener('input', scheduleCheck);
AG.signInPage({
  strings: STRINGS, roles: ['school'], content: 'school', start, stop, relabel});
