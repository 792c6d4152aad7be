import type { RuleSurface } from '../contracts/rule-gate.js';
import { findLiterals, findPattern, type Rule, type RulePack } from './rule.js';

export const COMMANDS_PACK = 'commands';

// Checked on code about to run on the Pi (/run, or run_code chosen by the router) and on cloud-brain prompts.
const SURFACES: readonly RuleSurface[] = ['run', 'brain'];

function blocked(id: string, message: string, ...patterns: RegExp[]): Rule {
  const finders = patterns.map((pattern) => findPattern(pattern));
  return {
    id,
    severity: 'error',
    surfaces: SURFACES,
    message,
    find: (text) => finders.flatMap((find) => find(text)).sort((a, b) => a[0] - b[0]),
  };
}

// Root or a home directory as an argument, optionally quoted, and where that argument ends.
const ROOT_OR_HOME = String.raw`["'\x60]?(?:\/\*?|~\/?\*?|\$\{?HOME\}?\/?\*?|\/home\/?\*?|\/root\/?\*?)(?:["'\x60]|[\s;&|)]|$)`;
// Up to eight more flags around the recursive one: capped, so a line of a thousand flags cannot make it backtrack.
const FLAGS = String.raw`(?:-[A-Za-z-]{1,30}\s+){0,8}`;

/**
 * Blocked patterns: a tripwire for the obvious forms, written to catch a model talked into wrecking the Pi or
 * leaking its keys; not a sandbox: code can always build the same command from pieces. Every repetition that
 * could meet another is capped, so no text makes them backtrack without bound.
 */
export const BLOCKED_COMMANDS: readonly Rule[] = [
  blocked(
    'rm-rf-root',
    'it deletes the whole file system or a home directory',
    // Shell form, also inside os.system("...") or a brain prompt: rm -rf /, rm -r -f "$HOME", rm -fr ~
    new RegExp(String.raw`\brm\s+${FLAGS}(?:-[A-Za-z]{0,10}[rR][A-Za-z]{0,10}|--recursive)\s+${FLAGS}${ROOT_OR_HOME}`),
    /--no-preserve-root\b/,
    // argv form: ["rm", "-rf", "/"]
    new RegExp(String.raw`["']rm["']\s{0,5},\s{0,5}["']-[A-Za-z]{0,10}[rR][A-Za-z]{0,10}["']\s{0,5},\s{0,5}${ROOT_OR_HOME}`),
    // Library calls on a literal root or home: shutil.rmtree('/'), fs.rmSync('/', ...)
    new RegExp(String.raw`\b(?:rmtree|rmSync|rmdirSync|rm)\s{0,5}\(\s{0,5}${ROOT_OR_HOME}`),
  ),
  blocked(
    'pipe-to-shell',
    'it runs a script fetched from the internet without looking at it',
    /\b(?:curl|wget)\b[^\n|]{0,500}\|\s{0,10}(?:sudo\s+)?(?:(?:ba|z|da|k|fi)?sh|python[0-9.]{0,5}|node|perl|ruby)\b/,
    /\b(?:ba|z)?sh\s+(?:-c\s+)?["']?(?:<\(|\$\()\s{0,10}(?:curl|wget)\b/,
  ),
  blocked(
    'ssh-keys',
    'it reads SSH keys',
    /(?:~|\$\{?HOME\}?|\/root|\/home\/[^/\s"']{1,64})\/\.ssh\b/,
    // Path.home() / ".ssh", os.homedir() + "/.ssh", join(homedir(), '.ssh')
    /(?:home\(\)|homedir\(\)|expanduser\(\s{0,5}["']~["']\s{0,5}\))\s{0,5}[,/+]\s{0,5}["'`]\/?\.ssh\b/,
  ),
  blocked(
    'disk-wipe',
    'it erases a disk (the SD card)',
    /\bmkfs(?:\.[a-z0-9]{1,10})?\s/,
    /\bdd\s[^\n]{0,300}\bof=\/dev\/(?:sd|mmcblk|nvme|hd|vd|disk)/,
    />\s{0,10}\/dev\/(?:sd[a-z]|mmcblk[0-9]|nvme[0-9]|hd[a-z]|vd[a-z])/,
    /\b(?:wipefs|blkdiscard)\s/,
  ),
  blocked('fork-bomb', 'it is a fork bomb', /:\s{0,5}\(\s{0,5}\)\s{0,5}\{\s{0,5}:\s{0,5}\|\s{0,5}:\s{0,5}&\s{0,5}\}\s{0,5};\s{0,5}:/),
  blocked(
    'credential-files',
    'it reads a file that holds passwords or keys',
    /\/etc\/shadow\b|\/etc\/pie-brain\.env\b|\.aws\/credentials\b|\.netrc\b|\.config\/gh\/hosts\.yml\b/,
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
