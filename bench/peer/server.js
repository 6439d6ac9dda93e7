'use strict';
// The node peer of Aulgate's benchmark (bench/run): the npm package ussd-menu-builder, used as
// its README shows (one UssdMenu, an in-memory session store), serving the same kind of menu as
// the gateway over the same `at` form: POST fields sessionId, serviceCode, phoneNumber, text;
// the reply "CON ..." or "END ..." as text/plain. The screens are the gateway's English ones.
//
// What it does NOT do, and the gateway does: nothing it is told is durable. Answers live in a
// Map of sessions in this process's memory (lost on exit, never written anywhere); no profile is
// read; no idempotency, no respondent secret, no deadline. It is the speed of a menu that keeps
// nothing, which is what the gateway's committed answers are compared with.
//
// Usage: node server.js PORT [WORKERS]
//   WORKERS 1 (the default): one process, one thread (node runs JavaScript on one thread).
//   WORKERS 2: node's cluster module, that many processes sharing the port; each has its own
//   sessions (the `at` form sends the whole path, so any worker computes the right screen).
// Listens on 127.0.0.1 only.
const cluster = require('cluster');
const http = require('http');
const querystring = require('querystring');
const UssdMenu = require('ussd-menu-builder');

const port = Number(process.argv[2] || 18081);
const workers = Number(process.argv[3] || 1);

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', () => process.exit(1));
  process.on('SIGTERM', () => {
    for (const id in cluster.workers) cluster.workers[id].kill('SIGTERM');
    process.exit(0);
  });
  return;
}

// Sessions: in memory, as in the package's README. A session the caller never ends (the
// benchmark's single-hop modes start thousands) is dropped a minute after its last hop, so the
// heap stays bounded over a long run.
const sessions = new Map();
const SESSION_TTL_MS = 60000;
setInterval(() => {
  const old = Date.now() - SESSION_TTL_MS;
  for (const [id, s] of sessions) if (s.at < old) sessions.delete(id);
}, 10000).unref();

const menu = new UssdMenu();
menu.sessionConfig({
  start: (id, cb) => {
    const s = sessions.get(id);
    if (s) s.at = Date.now();
    else sessions.set(id, { at: Date.now(), v: {} });
    cb();
  },
  get: (id, key, cb) => {
    const s = sessions.get(id);
    cb(null, s ? s.v[key] : undefined);
  },
  set: (id, key, val, cb) => {
    const s = sessions.get(id);
    if (s) s.v[key] = val;
    cb();
  },
  end: (id, cb) => {
    sessions.delete(id);
    cb();
  },
});

// A question: its screen, the inputs it accepts (a rule of the package: "*" and a regular
// expression), the state that follows. An input it does not accept shows the screen again
// (the package's default). The input that led here (the answer to the question before) is kept
// in the session under the state's name.
function question(name, text, accept, next) {
  menu.state(name, {
    run: () => {
      if (menu.val !== undefined && menu.val !== '') menu.session.set(name, menu.val);
      menu.con(text);
    },
    next: { [accept]: next },
  });
}

const YES_NO = '*^[12]$';
const yesNo = (q) => q + '\n1 Yes\n2 No';

menu.startState({
  run: () => menu.con('Тілді таңдаңыз\nВыберите язык\n1 Қазақша\n2 Русский\n3 English'),
  next: { '*^[123]$': 'main' },
});
menu.state('main', {
  run: () => {
    menu.session.set('lang', menu.val);
    menu.con('Aulgate\n1 Parent survey\n2 Today\'s tip\n3 Tips by age\n4 SMS tips\n5 Language');
  },
  next: { 1: 'intro', '*^[2-5]$': 'tip' },
});
// Survey version 4 opens with what the survey is; "Start" goes on (bench/load's third input).
menu.state('intro', {
  run: () => menu.con('A survey about school: voluntary, anonymous, 3 minutes.\n1 Start\n' +
    '2 Not now'),
  next: { 1: 'relation', 2: 'main' },
});
menu.state('tip', {
  run: () => menu.end('Read with your child for ten minutes today.'),
});
question('relation', 'Who are you to the child?\n1 Mother\n2 Father\n3 Grandparent\n4 Other',
  '*^[1-4]$', 'region');
question('region', 'Which region or city do you live in?\n1 Abai\n2 Akmola\n3 Aktobe\n' +
  '4 Almaty\n5 Atyrau\n6 East Kazakhstan\n7 Jambyl\n8 Jetisu\n9 Karaganda\n10 Kostanay\n' +
  '11 Kyzylorda\n12 Mangystau\n99 More', '*^([1-9]|1[0-2])$', 'district');
question('district', 'Which district do you live in?\n1 Abai\n2 Aksuat\n3 Ayagoz\n4 Beskaragai\n' +
  '5 Borodulikha\n6 Zhanasemey\n7 Zharma\n8 Kokpekty\n9 Makanshy\n10 Urzhar\n11 Semey city\n' +
  '12 Kurchatov city', '*^([1-9]|1[0-2])$', 'settlement');
question('settlement', 'Do you live in a town or in a village?\n1 Town or city\n2 Village',
  YES_NO, 'grade');
question('grade', 'Which grade is your child in?\n1 Not at school yet\n2 1-4\n3 5-9\n4 10-11',
  '*^[1-4]$', 'school');
question('school', 'Type the number of your child\'s school:\n0 Skip', '*^[0-9]{1,4}$', 'L1');
question('L1', yesNo('Do you usually wait for the school to ask you for help?'), YES_NO, 'L2');
question('L2', yesNo('When the school gives parents a task, do you take part?'), YES_NO, 'L3');
question('L3', yesNo('Do you suggest ideas to the school, e.g. for events?'), YES_NO, 'L4');
question('L4', yesNo('Do you suggest an idea and then carry it out yourself?'), YES_NO, 'T1');
question('T1', yesNo('This school year, have you helped the school with money?'), YES_NO, 'T2');
question('T2', yesNo('This school year, have you helped with things, e.g. books?'), YES_NO, 'T3');
question('T3', yesNo('This school year, have you given the school moral support?'), YES_NO,
  'T4');
question('T4', yesNo('This school year, have you helped organise an event?'), YES_NO, 'T5');
question('T5', yesNo('This school year, were you on the board of trustees?'), YES_NO,
  'barrier');
question('barrier', 'What keeps you from taking part in school life?\n1 I feel unprepared\n' +
  '2 It\'s the school\'s job\n3 Language or culture\n4 No info or examples\n' +
  '5 School won\'t listen\n6 Poverty\n7 No time or too far\n8 Nothing', '*^[1-8]$', 'sms');
question('sms', yesNo('Would you like free literacy tips by SMS?'), YES_NO, 'thanks');
menu.state('thanks', {
  run: () => {
    menu.session.set('thanks', menu.val);
    menu.end('Thank you! Your answers help the school work better with families.');
  },
});

function reply(res, status, text) {
  // A length, not chunks: the gateway sends one too, and aulgate-load reads replies by it.
  res.writeHead(status, {
    'Content-Type': 'text/plain',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

http
  .createServer((req, res) => {
    if (req.method !== 'POST') return reply(res, 405, 'POST only');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 4096) req.destroy();
    });
    req.on('end', () => {
      const f = querystring.parse(body);
      if (typeof f.sessionId !== 'string' || typeof f.phoneNumber !== 'string') {
        return reply(res, 400, 'sessionId and phoneNumber are required');
      }
      const args = {
        sessionId: f.sessionId,
        serviceCode: f.serviceCode,
        phoneNumber: f.phoneNumber,
        text: typeof f.text === 'string' ? f.text : '',
      };
      menu.run(args, (result) => reply(res, 200, result));
    });
  })
  .listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
