// What the rule packs cost each message: guardReply on a short reply, a long one and a 50 KB digest, with
// and without secrets, and the commands pack on a code snippet; and what the first user pack costs. JSON lines.
import { commandsPack } from '../core/rule-packs/commands-pack.js';
import { RuleChecker } from '../core/rule-packs/rule-checker.js';
import { secretsPack } from '../core/rule-packs/secrets-pack.js';
import { parseUserPack } from '../core/rule-packs/user-packs.js';
import { percentile, report } from './report.js';

const SECRETS = ['pb-configured-Secret-4711', 'another-configured-value-0815', 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp'];
const loadStarted = performance.now();
const USER_PACK = parseUserPack(
  [
    'id: house',
    'rules:',
    "  - {id: intranet, severity: error, pattern: '\\b[a-z0-9-]+\\.corp\\.example\\b', message: internal hosts stay inside}",
    "  - {id: prod, severity: warning, pattern: '(?i)deploy(ing)? to prod', message: a second pair of eyes}",
  ].join('\n'),
  'bench',
);
// The first user pack loads re2js: the one-time cost a data dir with user packs pays at start.
report('rule-packs', 'first_user_pack_ms', performance.now() - loadStarted, 'ms');

const checker = new RuleChecker({ packs: [secretsPack(SECRETS), commandsPack(['/etc/pie-brain/telegram.token']), USER_PACK] });

const PARAGRAPH =
  'Attention-based models route tokens through experts; this paper measures the cost of routing on small devices ' +
  'and finds that a 1.5B model answers within 400 ms on a Raspberry Pi 4 when the prompt prefix is cached. ';
const SHORT = 'Saved the note "routing on small devices" to ~/brain/inbox/2026-11-24-routing.md.';
const LONG = PARAGRAPH.repeat(20); // ~4 KB: a long chat answer
const DIGEST = `*arXiv digest*\n\n${Array.from({ length: 50 }, (_, i) => `${i + 1}. ${PARAGRAPH.repeat(5)}`).join('\n\n')}`; // ~50 KB
const WITH_SECRETS = `${LONG}\nexport ANTHROPIC_API_KEY=sk-ant-api03-Zx9Qm2Lk7Vb4Nc1Rt8Yw3Pe6Ha5Sd0Fg and ${SECRETS[0]}\n`;
const SNIPPET = `import json, statistics\n${'values = [x * 1.5 for x in range(100)]\nprint(statistics.mean(values))\n'.repeat(30)}`;

function measure(name: string, run: () => unknown, iterations: number, extra: Record<string, unknown> = {}): void {
  for (let i = 0; i < Math.min(50, iterations); i += 1) run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  report('rule-packs', `${name}_p50`, percentile(times, 50), 'ms', extra);
  report('rule-packs', `${name}_p99`, percentile(times, 99), 'ms', extra);
}

measure('reply_short', () => checker.guardReply({ text: SHORT }, null), 5000, { chars: SHORT.length });
measure('reply_long', () => checker.guardReply({ text: LONG }, null), 2000, { chars: LONG.length });
measure('reply_with_secrets', () => checker.guardReply({ text: WITH_SECRETS }, null), 2000, { chars: WITH_SECRETS.length });
measure('digest', () => checker.guardReply({ text: DIGEST }, null), 200, { chars: DIGEST.length });
measure('run_snippet', () => checker.check('run', SNIPPET), 2000, { chars: SNIPPET.length });
const rules = [secretsPack(SECRETS), commandsPack([]), USER_PACK].reduce((n, pack) => n + pack.rules.length, 0);
report('rule-packs', 'rules', rules, 'rules');
