import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/config.js';
import { RuleBlockedError, withRuleNotes } from '../../../core/contracts/rule-gate.js';
import { enabledPacks } from '../../../core/rule-packs/enabled-packs.js';
import { RuleChecker } from '../../../core/rule-packs/rule-checker.js';
import { loadUserPacks, parseUserPack } from '../../../core/rule-packs/user-packs.js';
import { tempDir, testConfig } from '../../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

let folders = 0;
/** A folder of pack files, as an owner would write them into the data dir. */
function packsDir(files: Record<string, string>): string {
  folders += 1;
  const folder = join(dir.path, `packs-${folders}`);
  mkdirSync(folder, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  return folder;
}

const HOUSE_RULES = `
id: house
description: What stays inside the house
rules:
  - id: intranet
    severity: error
    pattern: '\\b[a-z0-9-]+\\.corp\\.example\\b'
    message: internal host names stay inside
    applies: [output, brain]
  - id: prod
    severity: warning
    pattern: 'deploy(ing)? to prod'
    ignoreCase: true
    message: production deploys need a second pair of eyes
`;

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('user rule packs', () => {
  it('an error rule stops a text with its message; a warning lets it pass with a note', () => {
    const packs = loadUserPacks(packsDir({ 'house.yaml': HOUSE_RULES }));
    const hits: unknown[] = [];
    const checker = new RuleChecker({ packs, onHit: (hit, taskId) => hits.push({ ...hit, taskId }) });

    const blocked = checker.guardReply({ text: 'The build server is ci-01.corp.example.', footer: 'local · 12 tok' }, 4);
    expect(blocked).toEqual({ text: '⛔ I held back this message: internal host names stay inside (rule house/intranet).' });
    expect(() => checker.enforce('brain', 'log in to ci-01.corp.example and fix it', 5)).toThrow(RuleBlockedError);
    // Not where the rule does not apply: the owner may name the host in a command.
    expect(checker.enforce('command', '/memory save ci-01.corp.example is the build server', 6)).toEqual({
      text: '/memory save ci-01.corp.example is the build server',
      notes: [],
    });

    const noted = checker.guardReply({ text: 'Deploying to PROD now.' }, 7);
    expect(noted.text).toBe('Deploying to PROD now.\n\n⚠️ production deploys need a second pair of eyes');
    expect(checker.enforce('command', '/handoff deploy to prod', 8).notes).toEqual(['production deploys need a second pair of eyes']);
    // The same note from the command and from the brain prompt, or a note that itself matches, shows once.
    const twice = withRuleNotes(withRuleNotes({ text: 'ok' }, ['production deploys need a second pair of eyes']), [
      'production deploys need a second pair of eyes',
    ]);
    expect(twice.text).toBe('ok\n\n⚠️ production deploys need a second pair of eyes');

    expect(hits).toEqual([
      {
        pack: 'house',
        rule: 'intranet',
        severity: 'error',
        surface: 'output',
        message: 'internal host names stay inside',
        count: 1,
        taskId: 4,
      },
      {
        pack: 'house',
        rule: 'intranet',
        severity: 'error',
        surface: 'brain',
        message: 'internal host names stay inside',
        count: 1,
        taskId: 5,
      },
      {
        pack: 'house',
        rule: 'prod',
        severity: 'warning',
        surface: 'output',
        message: 'production deploys need a second pair of eyes',
        count: 1,
        taskId: 7,
      },
      {
        pack: 'house',
        rule: 'prod',
        severity: 'warning',
        surface: 'command',
        message: 'production deploys need a second pair of eyes',
        count: 1,
        taskId: 8,
      },
    ]);
  });

  it('a secret is redacted before user rules look, so a rule cannot be tripped (or a note written) by it', () => {
    const packs = enabledPacks({
      config: testConfig({
        rules: {
          dir: packsDir({
            'digits.yaml': 'id: digits\nrules:\n  - {id: long-number, severity: error, pattern: "[0-9]{10}", message: no long numbers}\n',
          }),
        },
      }),
      paths: { home: dir.path },
      secrets: ['1234567890'],
      secretFiles: [],
    }).packs;
    const checker = new RuleChecker({ packs });
    expect(checker.guardReply({ text: 'the code is 1234567890' }, null)).toEqual({ text: 'the code is [REDACTED: configured secret]' });
    expect(checker.guardReply({ text: 'call 5550001111' }, null).text).toBe(
      '⛔ I held back this message: no long numbers (rule digits/long-number).',
    );
  });

  it('patterns run in linear time: a pattern that would backtrack forever cannot stall the Pi', () => {
    const packs = loadUserPacks(
      packsDir({ 'slow.yaml': "id: slow\nrules:\n  - {id: nested, severity: warning, pattern: '^(a+)+$', message: only a's}\n" }),
    );
    const checker = new RuleChecker({ packs });
    // With a backtracking engine this input takes longer than the age of the universe; RE2 reads it once.
    expect(checker.check('output', `${'a'.repeat(50_000)}!`).hits).toEqual([]);
    expect(checker.check('output', 'a'.repeat(50_000)).notes).toEqual(["only a's"]);
  });

  it('files are read in name order, .yaml and .yml alike; other files and a missing folder are no packs', () => {
    const folder = packsDir({
      'b.yml': 'id: second\nrules:\n  - {id: x, severity: warning, pattern: x, message: x}\n',
      'a.yaml': 'id: first\nrules:\n  - {id: y, severity: warning, pattern: y, message: y}\n',
      'notes.txt': 'not a pack',
    });
    expect(loadUserPacks(folder).map((pack) => [pack.id, pack.source])).toEqual([
      ['first', join(folder, 'a.yaml')],
      ['second', join(folder, 'b.yml')],
    ]);
    expect(loadUserPacks(join(dir.path, 'no-such-folder'))).toEqual([]);
  });

  it('a broken pack is refused with one line per problem, naming the file and the key', () => {
    const file = 'packs/bad.yaml';
    expect(problemsOf(() => parseUserPack('id: [unclosed', file))).toEqual([expect.stringMatching(/^packs\/bad\.yaml: not valid YAML: /)]);
    expect(
      problemsOf(() =>
        parseUserPack(
          'id: bad pack\ncolour: red\nrules:\n  - {id: r1, severity: fatal, pattern: x, message: m}\n  - {id: r2, severity: error, message: m}\n',
          file,
        ),
      ),
    ).toEqual([
      'packs/bad.yaml: id: expected letters, digits, "-", "_" or "." (at most 63), found string "bad pack"',
      'packs/bad.yaml: rules.0.severity: expected one of "error", "warning", found string "fatal"',
      'packs/bad.yaml: rules.1.pattern: expected string, found nothing',
      'packs/bad.yaml: (top level): unknown key "colour"',
    ]);
    expect(
      problemsOf(() =>
        parseUserPack(
          [
            'id: p',
            'rules:',
            '  - {id: a, severity: error, pattern: "(unclosed", message: m}',
            '  - {id: b, severity: error, pattern: "x*", message: m}',
            '  - {id: c, severity: error, pattern: "(?<=a)b", message: m}',
            '  - {id: a, severity: warning, pattern: "ok", message: m}',
          ].join('\n'),
          file,
        ),
      ),
    ).toEqual([
      expect.stringMatching(/^packs\/bad\.yaml: rules\.0\.pattern: not a valid RE2 pattern \(.*missing closing \)/),
      'packs/bad.yaml: rules.1.pattern: it matches empty text, so it would hit every message',
      expect.stringMatching(/^packs\/bad\.yaml: rules\.2\.pattern: not a valid RE2 pattern/),
      'packs/bad.yaml: rules.3.id: "a" is used twice in this pack',
    ]);
  });

  it('every broken file of the folder is reported at once, and a pack may not take a built-in id', () => {
    const folder = packsDir({
      'one.yaml': 'id: one\nrules: []\n',
      'two.yaml': 'id: secrets\nrules:\n  - {id: x, severity: warning, pattern: x, message: x}\n',
    });
    expect(problemsOf(() => loadUserPacks(folder))).toEqual([
      expect.stringMatching(/one\.yaml: rules: too small: expected array to have >=1 items/i),
    ]);
    writeFileSync(join(folder, 'one.yaml'), 'id: one\nrules:\n  - {id: x, severity: warning, pattern: x, message: x}\n');
    const config = testConfig({ rules: { dir: folder } });
    expect(problemsOf(() => enabledPacks({ config, paths: { home: dir.path }, secrets: [], secretFiles: [] }))).toEqual([
      `${join(folder, 'two.yaml')}: the pack id "secrets" is taken (built-in)`,
    ]);
  });

  it('rules.disabled turns packs off, built-in or user, and says what is off', () => {
    const folder = packsDir({ 'house.yaml': HOUSE_RULES });
    const config = testConfig({ rules: { dir: folder, disabled: ['secrets', 'house', 'nothing-here'] } });
    const { packs, warnings } = enabledPacks({ config, paths: { home: dir.path }, secrets: ['s3cret'], secretFiles: [] });
    expect(packs.map((pack) => pack.id)).toEqual(['commands']);
    expect(warnings).toEqual([
      'rules.disabled: the secrets pack is off, so replies are not scrubbed of tokens and keys',
      'rules.disabled: no rule pack is called "nothing-here" (ignored)',
    ]);
    const defaults = enabledPacks({
      config: testConfig({ rules: { dir: folder } }),
      paths: { home: dir.path },
      secrets: [],
      secretFiles: [],
    });
    expect(defaults.packs.map((pack) => pack.id)).toEqual(['secrets', 'commands', 'house']);
    expect(defaults.warnings).toEqual([]);
  });

  it('user packs live in $PIE_BRAIN_HOME/rule-packs unless rules.dir says otherwise', () => {
    const home = join(dir.path, 'home-default');
    mkdirSync(join(home, 'rule-packs'), { recursive: true });
    writeFileSync(join(home, 'rule-packs', 'house.yaml'), HOUSE_RULES);
    const { packs } = enabledPacks({ config: testConfig(), paths: { home }, secrets: [], secretFiles: [] });
    expect(packs.map((pack) => pack.id)).toEqual(['secrets', 'commands', 'house']);
  });
});
