/* results.js: the analysts' results page. One GET /api/v1/results per chart (each call is an
 * audit row), drawn as hand-written SVG: per question, a row per answer with one bar per group
 * (urban and rural schools side by side by default). A suppressed group is drawn as a hatched
 * band marked "hidden", never as a zero. CSV: the same call with format=csv, fetched with the
 * token and saved as a file (a link cannot carry the Authorization header). */
'use strict';

const QUESTIONS = ['initiative', 'activities', 'L1', 'L2', 'L3', 'L4', 'T1', 'T2', 'T3', 'T4', 'T5',
                   'barrier'];
const GROUPS = ['settlement', 'settlement,parent_settlement', 'district', 'grade_band', 'relation',
                'language', 'month', 'week'];

const STRINGS = {
  title: {kk: 'Aulgate — сауалнама нәтижелері', ru: 'Aulgate — результаты опроса',
          en: 'Aulgate — survey results'},
  print: {kk: 'Басып шығару', ru: 'Печать', en: 'Print'},
  token_label: {kk: 'Талдаушы токені', ru: 'Токен аналитика', en: 'Analyst token'},
  token_help: {
    kk: 'Токенді серверде «aulgate token create --role analyst --region …» командасымен жасаңыз. ' +
        'Ол тек осы қойындыда сақталады және қойынды жабылғанда өшеді.',
    ru: 'Токен создаётся на сервере командой «aulgate token create --role analyst --region …». ' +
        'Он хранится только в этой вкладке и забывается, когда вкладка закрыта.',
    en: 'Create a token on the server with “aulgate token create --role analyst --region …”. ' +
        'It is kept in this tab only and forgotten when the tab is closed.'},
  err_role: {kk: 'Бұл токен талдаушыға да, әкімшіге де тиесілі емес.',
             ru: 'Это не токен аналитика или администратора.',
             en: 'This token is neither an analyst’s nor an admin’s.'},
  err_query: {kk: 'Нәтижелерді алу мүмкін болмады: {why}',
              ru: 'Не удалось получить результаты: {why}', en: 'Could not get the results: {why}'},
  f_version: {kk: 'Сауалнама нұсқасы', ru: 'Версия опроса', en: 'Survey version'},
  f_question: {kk: 'Сұрақ', ru: 'Вопрос', en: 'Question'},
  f_group: {kk: 'Топтау', ru: 'Группировка', en: 'Grouping'},
  f_from: {kk: 'Кезең басы', ru: 'Период с', en: 'Period from'},
  f_to: {kk: 'Кезең соңы', ru: 'по', en: 'to'},
  f_region: {kk: 'Өңір', ru: 'Регион', en: 'Region'},
  show: {kk: 'Көрсету', ru: 'Показать', en: 'Show'},
  all_questions: {kk: 'Барлық сұрақтар', ru: 'Все вопросы', en: 'All questions'},
  all_regions: {kk: 'Барлық өңірлер', ru: 'Все регионы', en: 'All regions'},
  period_hint: {
    kk: 'Кезең ай не апта бойынша топтағанда ғана таңдалады; басқа топтауларда сауалнама ' +
        'нұсқасының бүкіл кезеңі көрсетіледі.',
    ru: 'Период выбирается только при группировке по месяцам или неделям; при других ' +
        'группировках показан весь срок версии опроса.',
    en: 'A period applies only when grouping by month or week; other groupings cover the whole ' +
        'survey version.'},
  g_settlement: {kk: 'Мектеп: қала / ауыл', ru: 'Школа: город / село', en: 'School: urban / rural'},
  'g_settlement,parent_settlement': {
    kk: 'Мектеп және ата-ананың өз жауабы: қала / ауыл',
    ru: 'Школа и ответ родителя: город / село', en: 'School and parent’s own answer: urban / rural'},
  g_district: {kk: 'Аудан', ru: 'Район', en: 'District'},
  g_grade_band: {kk: 'Сынып', ru: 'Класс', en: 'Grade'},
  g_relation: {kk: 'Балаға кім болады', ru: 'Кем приходится ребёнку', en: 'Relation to the child'},
  g_language: {kk: 'Сауалнама тілі', ru: 'Язык опроса', en: 'Survey language'},
  g_month: {kk: 'Ай', ru: 'Месяц', en: 'Month'},
  g_week: {kk: 'Апта', ru: 'Неделя', en: 'Week'},
  basis: {
    kk: 'Қала мен ауыл мақаладағыдай мектептің орналасуы бойынша бөлінеді (ата-ананың тұратын ' +
        'жері бойынша емес). Пайыз — топтағы осы сұраққа жауап бергендердің үлесі.',
    ru: 'Город и село различаются, как в статье, по расположению школы (а не по месту жительства ' +
        'родителя). Процент — доля ответивших на этот вопрос в группе.',
    en: 'Urban and rural are told apart by where the school is, as in the article (not where the ' +
        'parent lives). A percentage is the share of the group’s respondents to that question.'},
  k_note: {kk: 'Жауап бергені {k} адамға жетпеген топтар (және оларды есептеп шығаруға ' +
                'болмайтындай бірнеше көрші топ) жасырылады.',
           ru: 'Группы, где ответили меньше {k} человек (и столько соседних групп, чтобы их нельзя ' +
               'было вычислить), скрыты.',
           en: 'Groups with fewer than {k} respondents (and as many neighbouring groups as it takes ' +
               'that they cannot be worked out) are hidden.'},
  scope: {kk: 'Сауалнама нұсқасы {v} · {regions}', ru: 'Версия опроса {v} · {regions}',
          en: 'Survey version {v} · {regions}'},
  heading: {kk: 'Ата-аналардың мектеп өміріне қатысуы', ru: 'Участие родителей в жизни школы',
            en: 'Parents’ involvement in school life'},
  q_initiative: {kk: 'Бастамашылық деңгейі (L1–L4 ішіндегі «иә» деген ең жоғарғысы)',
                 ru: 'Уровень инициативности (высший из L1–L4 с ответом «да»)',
                 en: 'Level of initiative (the highest of L1–L4 answered yes)'},
  q_activities: {kk: 'Көмек түрлерінің саны (T1–T5 ішінде «иә» деп жауап бергендері)',
                 ru: 'Сколько видов помощи (ответов «да» среди T1–T5)',
                 en: 'How many kinds of help (T1–T5 answered yes)'},
  q_L1: {kk: 'L1. Мектеп өзі көмек сұрағанша күтеді', ru: 'L1. Ждёт, пока школа попросит о помощи',
         en: 'L1. Waits for the school to ask for help'},
  q_L2: {kk: 'L2. Мектептің тапсырмасына қатысады', ru: 'L2. Участвует в заданиях школы',
         en: 'L2. Takes part in the school’s tasks'},
  q_L3: {kk: 'L3. Мектепке ұсыныс айтады', ru: 'L3. Предлагает школе идеи',
         en: 'L3. Suggests ideas to the school'},
  q_L4: {kk: 'L4. Ұсыныс айтып, өзі жүзеге асырады', ru: 'L4. Предлагает идеи и сам их осуществляет',
         en: 'L4. Suggests ideas and carries them out'},
  q_T1: {kk: 'T1. Мектепке қаржылай көмек', ru: 'T1. Помощь школе деньгами',
         en: 'T1. Helped the school with money'},
  q_T2: {kk: 'T2. Мектепке зат беру (мысалы, кітап)', ru: 'T2. Вещи для школы (например, книги)',
         en: 'T2. Gave the school things (e.g. books)'},
  q_T3: {kk: 'T3. Моральдық қолдау', ru: 'T3. Моральная поддержка', en: 'T3. Moral support'},
  q_T4: {kk: 'T4. Ұйымдастыру ісіне көмек', ru: 'T4. Помощь в организации',
         en: 'T4. Helped organise'},
  q_T5: {kk: 'T5. Ата-ана комитеті не мектеп кеңесі', ru: 'T5. Родком или советы школы',
         en: 'T5. Parents’ committee or school council'},
  q_barrier: {kk: 'Мектеп өміріне қатысуға не кедергі', ru: 'Что мешает участвовать в жизни школы',
              en: 'What keeps parents from taking part in school life'},
  o_yes: {kk: 'Иә', ru: 'Да', en: 'Yes'},
  o_no: {kk: 'Жоқ', ru: 'Нет', en: 'No'},
  o_none: {kk: 'Ешқайсысы', ru: 'Ни один', en: 'None'},
  o_L1: {kk: 'L1 — көмек сұрағанын күтеді', ru: 'L1 — ждёт просьбы', en: 'L1 — waits to be asked'},
  o_L2: {kk: 'L2 — тапсырмаға қатысады', ru: 'L2 — участвует в заданиях',
         en: 'L2 — takes part in tasks'},
  o_L3: {kk: 'L3 — ұсыныс айтады', ru: 'L3 — предлагает идеи', en: 'L3 — suggests ideas'},
  o_L4: {kk: 'L4 — ұсынып, өзі жасайды', ru: 'L4 — предлагает и делает',
         en: 'L4 — suggests and does'},
  o_unprepared: {kk: 'Дайын емеспін', ru: 'Неуверенность', en: 'Feels unprepared'},
  o_school_job: {kk: 'Оқыту — мектеп ісі', ru: 'Учить — дело школы', en: 'It’s the school’s job'},
  o_language: {kk: 'Тіл, мәдениет', ru: 'Язык, культура', en: 'Language or culture'},
  o_no_info: {kk: 'Ақпарат, үлгі жоқ', ru: 'Нет информации', en: 'No information or examples'},
  o_not_heard: {kk: 'Мектеп тыңдамайды', ru: 'Школа не слышит', en: 'The school won’t listen'},
  o_poverty: {kk: 'Кедейлік', ru: 'Бедность', en: 'Poverty'},
  o_no_time: {kk: 'Уақыт жоқ, алыс', ru: 'Нет времени, далеко', en: 'No time or too far'},
  o_nothing: {kk: 'Ештеңе кедергі емес', ru: 'Ничего не мешает', en: 'Nothing stops me'},
  s_urban: {kk: 'Қала мектептері', ru: 'Городские школы', en: 'Urban schools'},
  s_rural: {kk: 'Ауыл мектептері', ru: 'Сельские школы', en: 'Rural schools'},
  s_unknown: {kk: 'Мектебі белгісіз', ru: 'Школа не известна', en: 'School not known'},
  p_urban: {kk: 'өзі қалада', ru: 'сам в городе', en: 'lives in a town'},
  p_rural: {kk: 'өзі ауылда', ru: 'сам в селе', en: 'lives in a village'},
  r_mother: {kk: 'Анасы', ru: 'Мама', en: 'Mother'},
  r_father: {kk: 'Әкесі', ru: 'Папа', en: 'Father'},
  r_grandparent: {kk: 'Атасы не әжесі', ru: 'Бабушка или дедушка', en: 'Grandparent'},
  r_other: {kk: 'Басқа', ru: 'Другое', en: 'Other'},
  l_kk: {kk: 'Қазақша', ru: 'Казахский', en: 'Kazakh'},
  l_ru: {kk: 'Орысша', ru: 'Русский', en: 'Russian'},
  l_en: {kk: 'Ағылшынша', ru: 'Английский', en: 'English'},
  gr_pre: {kk: 'Мектепке дейін', ru: 'Дошкольники', en: 'Pre-school'},
  respondents: {kk: '{n} адам жауап берді', ru: 'ответили: {n}', en: '{n} respondents'},
  hidden: {kk: 'жасырылған', ru: 'скрыто', en: 'hidden'},
  hidden_group: {kk: 'жасырылған: {k} адамға жетпейді не есептеп шығаруға болады',
                 ru: 'скрыто: меньше {k} или можно вычислить',
                 en: 'hidden: fewer than {k}, or could be worked out'},
  no_data: {kk: 'Бұл сұраққа әзірге жауап жоқ.', ru: 'Ответов на этот вопрос пока нет.',
            en: 'No answers to this question yet.'},
  csv: {kk: 'CSV жүктеу', ru: 'Скачать CSV', en: 'Download CSV'},
  loading: {kk: 'Жүктелуде…', ru: 'Загрузка…', en: 'Loading…'},
  footer: {
    kk: 'Мақаладағы «бастамашылықтың төмен деңгейі» (қалада 37%, ауылда 12%) дереккөзде ' +
        'анықталмаған, сондықтан мұнда есептелмейді.',
    ru: '«Низкий уровень инициативности» из статьи (37% в городе, 12% в селе) в источнике не ' +
        'определён, поэтому здесь не вычисляется.',
    en: 'The article’s “low level of initiative” (37% urban, 12% rural) has no definition in the ' +
        'source, so it is not computed here.'},
};

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const state = {me: null, regions: [], k: null, seq: 0};

const fmtNum = (n) => new Intl.NumberFormat(AG.lang() === 'en' ? 'en-GB' : 'ru-RU').format(n);
const fmtPct = (p) => `${new Intl.NumberFormat(AG.lang() === 'en' ? 'en-GB' : 'ru-RU',
                                               {maximumFractionDigits: 1}).format(p)}%`;
const tOr = (key, fallback) => (STRINGS[key] ? AG.t(key) : fallback);

function option(value, text) {
  const o = AG.el('option', text);
  o.value = value;
  return o;
}

/* The query of the filters, for question q (format: '' or 'csv'). */
function query(q, format) {
  const p = new URLSearchParams({survey: 'involvement', version: $('f-version').value, question: q,
                                 group_by: $('f-group').value, lang: AG.lang()});
  const g = $('f-group').value;
  if ((g === 'month' || g === 'week') && $('f-from').value) p.set('from', $('f-from').value);
  if ((g === 'month' || g === 'week') && $('f-to').value) p.set('to', $('f-to').value);
  if ($('f-region').value) p.set('region', $('f-region').value);
  if (format) p.set('format', format);
  return `/api/v1/results?${p}`;
}

/* A group's label and the class of its bars. */
function groupOf(g, by, i) {
  const parts = [];
  let cls = `s${i % 6}`;
  if (by.startsWith('settlement')) {
    const s = g.settlement;
    parts.push(AG.t(s === 'urban' ? 's_urban' : s === 'rural' ? 's_rural' : 's_unknown'));
    cls = s === 'urban' ? 'urban' : s === 'rural' ? 'rural' : 'unknown';
    if (by.endsWith('parent_settlement'))
      parts.push(g.parent_settlement ? AG.t(`p_${g.parent_settlement}`) : '–');
  } else if (by === 'week') {
    /* A week across two months is a group in each (its days there): say which. */
    const end = new Date(Date.parse(g.week) + 6 * 864e5).toISOString().slice(0, 7);
    parts.push(end === g.week.slice(0, 7) ? g.week : `${g.week} (${g.month.slice(0, 7)})`);
  } else {
    const key = by;
    const v = g[key];
    const name = g[`${key}_name`];
    if (name) parts.push(name);
    else if (key === 'relation') parts.push(tOr(`r_${v}`, v));
    else if (key === 'language') parts.push(tOr(`l_${v}`, v));
    else if (key === 'grade_band') parts.push(tOr(`gr_${v}`, v || '–'));
    else parts.push(v || '–');
  }
  /* A district with urban and rural schools is a group under each. */
  if (by === 'district')
    parts.push(AG.t(g.settlement === 'urban' ? 's_urban' : g.settlement === 'rural' ? 's_rural'
                                                                               : 's_unknown'));
  if (state.regions.length !== 1) parts.unshift(g.region_name || g.region);
  return {label: parts.join(' · '), cls};
}

function optionLabel(q, o) {
  if (q === 'activities') return o;
  return tOr(`o_${o}`, o);
}

/* The answers in the order a reader expects: the survey's, else as they came. */
function optionOrder(q, groups) {
  const seen = [];
  for (const g of groups) for (const o of g.options) if (!seen.includes(o.option)) seen.push(o.option);
  const fixed = q === 'initiative' ? ['L1', 'L2', 'L3', 'L4', 'none']
              : q === 'activities' ? ['0', '1', '2', '3', '4', '5']
              : q === 'barrier' ? ['unprepared', 'school_job', 'language', 'no_info', 'not_heard',
                                   'poverty', 'no_time', 'nothing']
              : ['yes', 'no'];
  return fixed.filter((o) => seen.includes(o)).concat(seen.filter((o) => !fixed.includes(o)));
}

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/* A row per answer, a bar per group (percent of the group's respondents); a hidden group a
 * hatched band reading "hidden" across the whole row. */
function drawChart(svg, q, series, options) {
  /* Drawn at the width it is shown at, so that a unit is a pixel and text keeps its size. */
  const W = Math.max(320, Math.round(svg.getBoundingClientRect().width) || 760);
  const longest = Math.max(...options.map((o) => optionLabel(q, o).length));
  const labelW = Math.min(Math.round(W * 0.4), 20 + 7 * longest); /* ~7 px a character */
  const barH = 16;
  const gap = 3;
  const rowGap = 12;
  const plotW = W - labelW - 70;
  const rowH = series.length * (barH + gap) + rowGap;
  const H = 24 + options.length * rowH;
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', W); /* printed at this size, not stretched to the page */
  for (const p of [0, 25, 50, 75, 100]) { /* the scale, 0 to 100% */
    const x = labelW + (p * plotW) / 100;
    svg.append(svgEl('line', {x1: x, y1: 14, x2: x, y2: H, class: p ? 'grid' : 'axis'}),
               svgEl('text', {x, y: 10, class: 'tick'}, `${p}%`));
  }
  options.forEach((o, r) => {
    const y0 = 20 + r * rowH;
    svg.append(svgEl('text', {x: labelW - 8, y: y0 + (series.length * (barH + gap)) / 2 + 4,
                              class: 'opt'}, optionLabel(q, o)));
    series.forEach((s, i) => {
      const y = y0 + i * (barH + gap);
      const g = svgEl('g', {class: `bar ${s.cls}`, 'data-option': o, 'data-group': s.key});
      if (s.suppressed) {
        g.setAttribute('data-suppressed', 'true');
        g.append(svgEl('rect', {x: labelW, y, width: plotW, height: barH, class: 'hidden-band'}),
                 svgEl('text', {x: labelW + 6, y: y + barH - 4, class: 'hidden-text'},
                       AG.t('hidden')));
      } else {
        const v = s.values[o] || {count: 0, percent: 0};
        const w = Math.max(0, (v.percent * plotW) / 100);
        g.setAttribute('data-percent', v.percent);
        g.setAttribute('data-count', v.count);
        const rect = svgEl('rect', {x: labelW, y, width: w.toFixed(1), height: barH});
        rect.append(svgEl('title', {}, `${s.label}: ${fmtPct(v.percent)} (${fmtNum(v.count)})`));
        g.append(rect, svgEl('text', {x: labelW + w + 4, y: y + barH - 4, class: 'val'},
                             fmtPct(v.percent)));
      }
      svg.append(g);
    });
  });
}

/* Many groups (districts, months...): a row per group, its answers stacked to 100%; a hidden
 * group a hatched row reading "hidden". */
function drawStacked(svg, q, series, options) {
  const W = Math.max(320, Math.round(svg.getBoundingClientRect().width) || 760);
  const longest = Math.max(...series.map((s) => s.label.length + 8));
  const labelW = Math.min(Math.round(W * 0.4), 20 + 7 * longest);
  const barH = 18;
  const gap = 6;
  const plotW = W - labelW - 10;
  const H = 20 + series.length * (barH + gap);
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', W); /* printed at this size, not stretched to the page */
  for (const p of [0, 25, 50, 75, 100]) {
    const x = labelW + (p * plotW) / 100;
    svg.append(svgEl('line', {x1: x, y1: 14, x2: x, y2: H, class: p ? 'grid' : 'axis'}),
               svgEl('text', {x, y: 10, class: 'tick'}, `${p}%`));
  }
  series.forEach((s, i) => {
    const y = 18 + i * (barH + gap);
    const g = svgEl('g', {class: 'bar stacked', 'data-group': s.key});
    const n = s.suppressed ? '' : ` · ${fmtNum(s.respondents)}`;
    svg.append(svgEl('text', {x: labelW - 8, y: y + barH - 5, class: 'opt'}, s.label + n));
    if (s.suppressed) {
      g.setAttribute('data-suppressed', 'true');
      g.append(svgEl('rect', {x: labelW, y, width: plotW, height: barH, class: 'hidden-band'}),
               svgEl('text', {x: labelW + 6, y: y + barH - 5, class: 'hidden-text'},
                     AG.t('hidden')));
    } else {
      let x = labelW;
      options.forEach((o, k) => {
        const v = s.values[o] || {count: 0, percent: 0};
        const w = (v.percent * plotW) / 100;
        const seg = svgEl('g', {class: `seg o${k % 8}`, 'data-option': o,
                                'data-percent': v.percent, 'data-count': v.count});
        const rect = svgEl('rect', {x: x.toFixed(1), y, width: w.toFixed(1), height: barH});
        rect.append(svgEl('title', {}, `${s.label}, ${optionLabel(q, o)}: ${fmtPct(v.percent)}` +
                                       ` (${fmtNum(v.count)})`));
        seg.append(rect);
        if (w >= 34)
          seg.append(svgEl('text', {x: (x + w / 2).toFixed(1), y: y + barH - 5, class: 'in'},
                           fmtPct(v.percent)));
        g.append(seg);
        x += w;
      });
    }
    svg.append(g);
  });
}

async function downloadCsv(q, button) {
  button.disabled = true;
  try {
    const r = await fetch(query(q, 'csv'), {headers: {Authorization: `Bearer ${AG.token()}`},
                                             cache: 'no-store'});
    if (!r.ok) throw new AG.HttpError(r.status, r.statusText);
    const blob = await r.blob();
    const a = AG.el('a');
    a.href = URL.createObjectURL(blob);
    a.download = `results-v${$('f-version').value}-${q}-${$('f-group').value.replace(',', '-')}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  } catch (e) {
    $('status').textContent = AG.t('err_query', {why: e.message});
  } finally {
    button.disabled = false;
  }
}

function renderCard(card, q, reply) {
  const by = $('f-group').value;
  card.replaceChildren();
  const head = AG.el('div', null, 'card-head');
  head.append(AG.el('h3', AG.t(`q_${q}`)));
  const csv = AG.el('button', AG.t('csv'), 'csv');
  csv.type = 'button';
  csv.addEventListener('click', () => downloadCsv(q, csv));
  head.append(csv);
  card.append(head);
  state.k = reply.k;
  $('k-note').textContent = AG.t('k_note', {k: reply.k});
  const groups = (reply.groups || []).slice();
  if (by.startsWith('settlement')) { /* urban beside rural, in the article's order */
    const rank = (g) => ({urban: 0, rural: 1})[g.settlement] ?? 2;
    groups.sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0) ||
                          rank(a) - rank(b));
  }
  if (!groups.length) {
    card.append(AG.el('p', AG.t('no_data'), 'sub'));
    return;
  }
  const series = groups.map((g, i) => {
    const {label, cls} = groupOf(g, by, i);
    const values = {};
    for (const o of g.options) values[o.option] = o;
    /* Every level the reply has: a district's part per settlement, a week's per month. */
    const levels = reply.group_by.filter((l) => l !== 'region').map((l) => g[l] || '');
    if (state.regions.length !== 1) levels.unshift(g.region);
    return {key: levels.join('/'), label, cls, suppressed: g.suppressed,
            respondents: g.respondents, values};
  });
  const options = optionOrder(q, groups);
  const stacked = !by.startsWith('settlement') && series.length > 2;
  const legend = AG.el('ul', null, 'legend');
  if (stacked) {
    options.forEach((o, k) => {
      const li = AG.el('li');
      li.append(AG.el('span', null, `swatch o${k % 8}`), AG.el('span', optionLabel(q, o), 'name'));
      legend.append(li);
    });
    const li = AG.el('li');
    li.append(AG.el('span', null, 'swatch hatched'),
              AG.el('span', AG.t('hidden_group', {k: reply.k}), 'sub'));
    legend.append(li);
  }
  for (const s of stacked ? [] : series) {
    const li = AG.el('li', null, s.suppressed ? 'suppressed' : '');
    li.append(AG.el('span', null, `swatch ${s.suppressed ? 'hatched' : s.cls}`),
              AG.el('span', s.label, 'name'),
              AG.el('span', s.suppressed ? AG.t('hidden_group', {k: reply.k})
                                         : AG.t('respondents', {n: fmtNum(s.respondents)}), 'sub'));
    legend.append(li);
  }
  card.append(legend);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'chart'); /* its width, before drawChart() measures it */
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', AG.t(`q_${q}`));
  svg.dataset.question = q;
  card.append(svg);
  if (stacked) drawStacked(svg, q, series, options);
  else drawChart(svg, q, series, options);
}

async function load() {
  const seq = ++state.seq;
  const qs = $('f-question').value ? [$('f-question').value] : QUESTIONS;
  const box = $('charts');
  $('status').textContent = '';
  const g = $('f-group').value;
  const periodOn = g === 'month' || g === 'week';
  $('f-from').disabled = $('f-to').disabled = !periodOn;
  $('heading').textContent = AG.t('heading');
  const regionText = $('f-region').value ? $('f-region').selectedOptions[0].textContent
                   : state.regions.length ? state.regions.map((r) => r.name).join(', ')
                   : AG.t('all_regions');
  $('scope').textContent = AG.t('scope', {v: $('f-version').value, regions: regionText});
  box.replaceChildren();
  box.dataset.state = 'loading';
  const cards = qs.map((q) => {
    const c = AG.el('article', null, 'qcard');
    c.dataset.question = q;
    c.append(AG.el('h3', AG.t(`q_${q}`)), AG.el('p', AG.t('loading'), 'sub'));
    box.append(c);
    return c;
  });
  /* One at a time: the gateway reads results on a connection of its own, with a short queue. */
  for (let i = 0; i < qs.length; i++) {
    try {
      const reply = await AG.api(query(qs[i], ''));
      if (seq !== state.seq) return;
      renderCard(cards[i], qs[i], reply);
    } catch (e) {
      if (seq !== state.seq) return;
      if (e.status === 401) return signOut(AG.t('err_refused', {why: e.message}));
      cards[i].replaceChildren(AG.el('h3', AG.t(`q_${qs[i]}`)),
                               AG.el('p', AG.t('err_query', {why: e.message}), 'error'));
    }
  }
  box.dataset.state = 'ready';
}

function fillSelects() {
  const q = $('f-question').value;
  $('f-question').replaceChildren(option('', AG.t('all_questions')),
                                  ...QUESTIONS.map((x) => option(x, AG.t(`q_${x}`))));
  $('f-question').value = q;
  const g = $('f-group').value || 'settlement';
  $('f-group').replaceChildren(...GROUPS.map((x) => option(x, AG.t(`g_${x}`))));
  $('f-group').value = g;
  const r = $('f-region').value;
  const own = state.me && state.me.regions.length;
  $('f-region').replaceChildren(...(own ? [] : [option('', AG.t('all_regions'))]),
                                ...state.regions.map((x) => option(x.code, x.name)));
  $('f-region').value = r;
  if ($('f-region').selectedIndex < 0) $('f-region').selectedIndex = 0;
  $('f-region-label').hidden = !!own && state.regions.length < 2;
}

/* The regions the token covers, with their names: from the region-level reply of one question
 * (names only; no figure of it is shown). */
async function loadRegions() {
  const p = new URLSearchParams({survey: 'involvement', version: $('f-version').value,
                                 question: 'L1', lang: AG.lang()});
  try {
    const r = await AG.api(`/api/v1/results?${p}`);
    const names = new Map(r.groups.map((g) => [g.region, g.region_name || g.region]));
    for (const code of state.me.regions) if (!names.has(code)) names.set(code, code);
    state.regions = [...names].map(([code, name]) => ({code, name}));
  } catch (e) {
    state.regions = state.me.regions.map((code) => ({code, name: code}));
  }
}

async function start(me) {
  state.me = me;
  $('print').hidden = false;
  await loadRegions();
  fillSelects();
  await load();
}

function stop() {
  state.seq++;
  state.me = null;
  $('print').hidden = true;
}

function relabel() {
  if (!state.me) return;
  fillSelects();
  loadRegions().then(() => { fillSelects(); load(); });
}

$('print').addEventListener('click', () => window.print());
$('filters').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
$('f-group').addEventListener('change', load);
$('f-version').addEventListener('change', load);
$('f-question').addEventListener('change', load);
$('f-region').addEventListener('change', load);
const signOut = AG.signInPage({
  strings: STRINGS, roles: ['analyst', 'admin'], content: 'results', start, stop, relabel});
