import type { RuleSurface } from '../contracts/rule-gate.js';
import { compilePattern, findLiterals, type Rule, type RulePack } from './rule.js';

export const COMMANDS_PACK = 'commands';

// Checked on code about to run on the Pi (/run, or run_code chosen by the router) and on cloud-brain prompts.
const SURFACES: readonly RuleSurface[] = ['run', 'brain'];

function blocked(id: string, message: string, pattern: string): Rule {
  return { id, severity: 'error', surfaces: SURFACES, message, find: compilePattern(pattern) };
}

// A quote that may wrap an argument in code: os.system("rm -rf /"), ["rm", "-rf", "/"].
const Q = `["'\`]?`;
// Root or a home directory, as an argument.
const ROOT_OR_HOME = String.raw`(?:/\*?|~/?\*?|\$\{?HOME\}?/?\*?|/home/?\*?|/root/?\*?)`;
// The end of that argument.
const END = String.raw`(?:["'\x60]|[\s;&|)]|$)`;

/**
 * Blocked patterns (RE2 syntax). A tripwire for the obvious forms, written to catch a model talked into
 * wrecking the Pi or leaking its keys; not a sandbox: code can always build the same command from pieces.
 */
export const BLOCKED_COMMANDS: readonly Rule[] = [
  blocked(
    'rm-rf-root',
    'it deletes the whole file system or a home directory',
    [
      // Shell form, also inside os.system("...") or a brain prompt: rm -rf /, rm -r --no-preserve-root /, rm -fr ~
      String.raw`\brm\s+(?:-[A-Za-z-]+\s+)*(?:-[A-Za-z]*[rR][A-Za-z]*|--recursive)\s+(?:-[A-Za-z-]+\s+)*${Q}${ROOT_OR_HOME}${END}`,
      String.raw`\brm\s+[^\n]*--no-preserve-root`,
      // argv form: ["rm", "-rf", "/"]
      String.raw`["']rm["']\s*,\s*["']-[A-Za-z]*[rR][A-Za-z]*["']\s*,\s*["']${ROOT_OR_HOME}["']`,
      // Library calls on a literal root or home: shutil.rmtree('/'), fs.rmSync('/', ...)
      String.raw`\b(?:rmtree|rmSync|rmdirSync|promises\.rm|fs\.rm)\s*\(\s*["'\x60]${ROOT_OR_HOME}["'\x60]`,
    ].join('|'),
  ),
  blocked(
    'pipe-to-shell',
    'it runs a script fetched from the internet without looking at it',
    [
      String.raw`\b(?:curl|wget|fetch)\b[^\n|]*\|\s*(?:sudo\s+)?(?:ba|z|da|k|fi)?sh\b`,
      String.raw`\b(?:curl|wget)\b[^\n|]*\|\s*(?:sudo\s+)?(?:python[0-9.]*|node|perl|ruby)\b`,
      String.raw`\b(?:ba|z)?sh\s+(?:-c\s+)?["']?(?:<\(|\$\()\s*(?:curl|wget)\b`,
    ].join('|'),
  ),
  blocked(
    'ssh-keys',
    'it reads SSH keys',
    [
      String.raw`(?:~|\$\{?HOME\}?|/root|/home/[^/\s"']+)/\.ssh\b`,
      // Path.home() / ".ssh", os.homedir() + "/.ssh", join(homedir(), '.ssh')
      String.raw`(?:home\(\)|homedir\(\)|expanduser\(\s*["']~["']\s*\))\s*[,/+]\s*["'\x60]/?\.ssh\b`,
    ].join('|'),
  ),
  blocked(
    'disk-wipe',
    'it erases a disk (the SD card)',
    [
      String.raw`\bmkfs(?:\.[a-z0-9]+)?\s`,
      String.raw`\bdd\s[^\n]*\bof=/dev/(?:sd|mmcblk|nvme|hd|vd|disk)`,
      String.raw`>\s*/dev/(?:sd[a-z]|mmcblk[0-9]|nvme[0-9]|hd[a-z]|vd[a-z])`,
      String.raw`\b(?:wipefs|blkdiscard)\s`,
    ].join('|'),
  ),
  blocked('fork-bomb', 'it is a fork bomb', String.raw`:\s*\(\s*\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:`),
  blocked(
    'credential-files',
    'it reads a file that holds passwords or keys',
    String.raw`/etc/shadow\b|/etc/pie-brain\.env\b|\.aws/credentials\b|\.netrc\b|\.config/gh/hosts\.yml\b`,
  ),
];

/**
 * The built-in `commands` pack: the blocked patterns, plus the files config names for pie-brain's own
 * secrets (`telegram.tokenFile`, ...): code or a prompt that names one of them is refused.
 */
export function commandsPack(secretFiles: readonly string[]): RulePack {
  const rules = [...BLOCKED_COMMANDS];
  if (secretFiles.length) {
    rules.push({
      id: 'secret-files',
      severity: 'error',
      surfaces: SURFACES,
      message: "it reads the file that holds one of pie-brain's secrets",
      find: findLiterals(secretFiles),
    });
  }
  return { id: COMMANDS_PACK, source: 'built-in', rules };
}
