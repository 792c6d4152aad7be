#!/usr/bin/env bash
# deploy/install.sh: install pie-brain as a systemd service on Raspberry Pi OS (64-bit), for the user who runs
# it, from the checkout it sits in. Run it again after `git pull` to update: every step is idempotent.
#
#   git clone <pie-brain> ~/pie-brain && ~/pie-brain/deploy/install.sh
#
# Settings (environment): PIE_BRAIN_ROUTER_MODEL, PIE_BRAIN_EMBED_MODEL (the models Ollama pulls),
# PIE_BRAIN_HOME, PIE_BRAIN_BRAIN_DIR (data and brain dirs), PIE_BRAIN_INSTALL_ROOT (a root to install the
# unit and the env file under instead of /, for tests).
set -euo pipefail

MIN_NODE=22
APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="${PIE_BRAIN_INSTALL_ROOT:-}"
ROUTER_MODEL="${PIE_BRAIN_ROUTER_MODEL:-qwen2.5:1.5b}"
EMBED_MODEL="${PIE_BRAIN_EMBED_MODEL:-all-minilm}"
RUN_USER="$(id -un)"
RUN_GROUP="$(id -gn)"
RUN_UID="$(id -u)"
USER_HOME="${HOME:?HOME is not set}"
DATA_DIR="${PIE_BRAIN_HOME:-$USER_HOME/.pie-brain}"
BRAIN_DIR="${PIE_BRAIN_BRAIN_DIR:-$USER_HOME/brain}"
ENV_FILE="$ROOT/etc/pie-brain.env"
UNIT_FILE="$ROOT/etc/systemd/system/pie-brain.service"
SUDO=sudo
if [ "$RUN_UID" = 0 ] && ! command -v sudo >/dev/null; then SUDO=; fi

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'pie-brain install: %s\n' "$*" >&2
  exit 1
}
seconds() { date +%s; }
took() { printf '    (%ss)\n' "$(($(seconds) - $1))"; }

step "Checking the system"
case "$(uname -m)" in
  aarch64 | arm64 | x86_64) ;;
  *) fail "a 64-bit OS is needed (found $(uname -m)): install Raspberry Pi OS (64-bit)." ;;
esac
command -v node >/dev/null || fail "Node.js is not installed. Install Node $MIN_NODE or newer: NodeSource (https://github.com/nodesource/distributions: curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash - && sudo apt-get install -y nodejs) or the official linux-arm64 tarball from https://nodejs.org/en/download."
NODE_VERSION="$(node -p 'process.versions.node')"
if [ "${NODE_VERSION%%.*}" -lt "$MIN_NODE" ]; then
  fail "Node $NODE_VERSION is too old (Node 20 reached its end of life on 2026-04-30; Debian's apt has 18). Install Node $MIN_NODE or newer: NodeSource (https://github.com/nodesource/distributions: curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash - && sudo apt-get install -y nodejs) or the official linux-arm64 tarball from https://nodejs.org/en/download."
fi
NODE_BIN="$(command -v node)"
echo "    $(uname -m), Node $NODE_VERSION ($NODE_BIN), user $RUN_USER"
[ "$RUN_UID" = 0 ] && echo "    warning: installing for root; run this as your own user to keep pie-brain unprivileged."

step "Ollama: the router model ($ROUTER_MODEL) and the embedding model ($EMBED_MODEL)"
command -v ollama >/dev/null || fail "Ollama is not installed: curl -fsSL https://ollama.com/install.sh | sh (see https://ollama.com/download), then run this again."
for model in "$ROUTER_MODEL" "$EMBED_MODEL"; do
  started=$(seconds)
  ollama pull "$model" || fail "ollama pull $model failed: is Ollama running (systemctl status ollama) and online?"
  took "$started"
done

step "Dependencies (npm ci --omit=dev)"
cd "$APP_DIR"
# npm ci starts from scratch (and compiles better-sqlite3 where no prebuilt binary fits): skip it when the
# lock file and Node are what the last install used.
STAMP="node_modules/.pie-brain-install"
WANT="$(sha256sum package-lock.json | cut -d' ' -f1) node-$NODE_VERSION"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  echo "    up to date"
else
  started=$(seconds)
  npm ci --omit=dev --no-audit --no-fund
  echo "$WANT" >"$STAMP"
  took "$started"
fi
echo "    $(du -sm node_modules | cut -f1) MB in node_modules"

step "Build (tsc, fetched once into npm's cache: the runtime install has no compiler)"
started=$(seconds)
TS_VERSION="$(node -p "require('./package.json').devDependencies.typescript")"
npx --yes --package="typescript@$TS_VERSION" -- tsc -p tsconfig.build.json --noCheck
took "$started"

step "Data dir and brain dir (pie-brain init)"
PIE_BRAIN_HOME="$DATA_DIR" PIE_BRAIN_BRAIN_DIR="$BRAIN_DIR" node dist/main.js init

step "Secrets: $ENV_FILE"
if [ -f "$ENV_FILE" ]; then
  echo "    kept as it is"
else
  $SUDO mkdir -p "$(dirname "$ENV_FILE")"
  $SUDO install -m 600 -o "$RUN_USER" -g "$RUN_GROUP" deploy/pie-brain.env.example "$ENV_FILE"
  echo "    written from deploy/pie-brain.env.example: add a platform token there"
fi

step "systemd unit: $UNIT_FILE"
# Writable for pie-brain: its data dir, the brain dir, each configured repository and Claude Code's ~/.claude
# (a leading - lets systemd skip a path that does not exist yet).
RW_PATHS="$DATA_DIR $BRAIN_DIR -$USER_HOME/.claude"
REPOS="$(PIE_BRAIN_HOME="$DATA_DIR" node --input-type=module -e "
  const { loadConfig } = await import('$APP_DIR/dist/core/config.js');
  for (const repo of loadConfig({ env: process.env }).config.git.repos) console.log(repo.path);
")"
for repo in $REPOS; do RW_PATHS="$RW_PATHS -$repo"; done
# V8's flags change between Node releases and Node refuses to start with one it does not know: the unit keeps
# only the flags this Node accepts.
UNIT_TMP="$(mktemp)"
DROP_FLAGS="$(mktemp)"
trap 'rm -f "$UNIT_TMP" "$DROP_FLAGS"' EXIT
for flag in $(sed -n 's|^ExecStart=@NODE@ \(.*\) @APP_DIR@.*|\1|p' deploy/pie-brain.service); do
  if ! "$NODE_BIN" "$flag" -e 0 >/dev/null 2>&1; then
    echo "    note: Node $NODE_VERSION does not accept $flag; the service starts without it"
    printf 's| %s | |\n' "$flag" >>"$DROP_FLAGS"
  fi
done
sed -f "$DROP_FLAGS" -e "s|@USER@|$RUN_USER|g" -e "s|@GROUP@|$RUN_GROUP|g" -e "s|@UID@|$RUN_UID|g" -e "s|@HOME@|$USER_HOME|g" \
  -e "s|@APP_DIR@|$APP_DIR|g" -e "s|@NODE@|$NODE_BIN|g" -e "s|@DATA_DIR@|$DATA_DIR|g" -e "s|@BRAIN_DIR@|$BRAIN_DIR|g" \
  -e "s|@READ_WRITE_PATHS@|$RW_PATHS|g" deploy/pie-brain.service >"$UNIT_TMP"
$SUDO mkdir -p "$(dirname "$UNIT_FILE")"
$SUDO install -m 644 "$UNIT_TMP" "$UNIT_FILE"
# Cloud runs start in scopes of the user's own systemd, which must run without a login session.
$SUDO loginctl enable-linger "$RUN_USER"
$SUDO systemctl daemon-reload
$SUDO systemctl enable pie-brain.service
if grep -Eq '^(TELEGRAM_BOT_TOKEN|DISCORD_BOT_TOKEN|SLACK_BOT_TOKEN)=.+' "$ENV_FILE" 2>/dev/null; then
  $SUDO systemctl restart pie-brain.service
  echo "    (re)started: journalctl -u pie-brain -f"
else
  echo "    enabled; not started: no platform token in $ENV_FILE yet. Add one, then: sudo systemctl start pie-brain"
fi

step "pie-brain doctor"
set +e
(
  set -a
  # shellcheck disable=SC1090
  [ -r "$ENV_FILE" ] && . "$ENV_FILE"
  set +a
  PIE_BRAIN_HOME="$DATA_DIR" PIE_BRAIN_BRAIN_DIR="$BRAIN_DIR" node dist/main.js doctor
)
status=$?
set -e
[ "$status" = 0 ] || echo "doctor found something to fix (above); then: sudo systemctl restart pie-brain"
echo "Installed. Update later with: git pull && deploy/install.sh"
