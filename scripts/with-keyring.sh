#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with its own, unlocked gnome-keyring (Secret Service),
# so tests and headless checks use a REAL Secret Service without touching the user's keyring.
#
#   scripts/with-keyring.sh npx vitest run test/integration/keychain.test.ts
#
# The keyring lives in throw-away XDG_DATA_HOME / XDG_RUNTIME_DIR directories (0700) removed on exit.
# Inside such a session MAILFERRY_KEYRING_SESSION=1 is set; a nested call just runs the command.
# Needs: dbus-run-session (dbus), gnome-keyring-daemon (gnome-keyring); secret-tool (libsecret-tools) for tests.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/with-keyring.sh COMMAND [ARGS...]" >&2
  exit 2
fi

if [ "${MAILFERRY_KEYRING_SESSION:-}" = "1" ] && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  exec "$@"
fi

for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring: '$tool' not found. Install it: apt-get install -y --no-install-recommends dbus gnome-keyring libsecret-tools" >&2
    exit 127
  fi
done

# Project Node (>= 22) on PATH, as for every project command.
# shellcheck source=./node-env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/node-env.sh"

tmp_root="$(mktemp -d "${TMPDIR:-/tmp}/mailferry-keyring.XXXXXX")"
chmod 0700 "$tmp_root"
mkdir -m 0700 "$tmp_root/data" "$tmp_root/runtime"
cleanup() { rm -rf -- "$tmp_root"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Not exec: the EXIT trap must run to remove the temp dirs. dbus-run-session ends the bus (and the
# keyring daemon started on it) when the inner command exits.
set +e
XDG_DATA_HOME="$tmp_root/data" \
XDG_RUNTIME_DIR="$tmp_root/runtime" \
MAILFERRY_KEYRING_SESSION=1 \
dbus-run-session -- bash -c '
  # The unlock password only protects this throw-away keyring. Without --unlock the store answers
  # "no result found" to everything.
  if ! printf %s "mailferry-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; then
    echo "with-keyring: gnome-keyring-daemon failed to start" >&2
    exit 1
  fi
  exec "$@"
' with-keyring "$@"
status=$?
set -e
exit "$status"
