#!/usr/bin/env bash
# Debian packages the tests need: Dovecot (real IMAP servers started by the tests themselves, never the
# system service), gnome-keyring + dbus (a real Secret Service), Chromium (renderer tests), isync (mbsync,
# the peer the benchmark compares with; dsync comes with Dovecot), openssl (test certificates), GNU time
# (peak RSS). Installs only what is missing.
#
# Courier-IMAP and Cyrus (the other destination families, test/support/courier.ts and cyrus.ts):
# dovecot-imapd, courier-imap and cyrus-imapd each "Conflict: imap-server", so installing one REMOVES
# the others. Only their non-conflicting parts are installed; courier-imap and cyrus-imapd themselves
# are unpacked into .tools/imap-servers/ (dpkg-deb -x, no dpkg database entry), matched to the installed
# courier-base / cyrus-common version and unpacked again when that changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.tools/imap-servers"

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

need=()
command -v dovecot >/dev/null || need+=(dovecot-imapd)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v secret-tool >/dev/null || need+=(libsecret-tools)
command -v dbus-run-session >/dev/null || need+=(dbus)
command -v chromium >/dev/null || need+=(chromium)
command -v mbsync >/dev/null || need+=(isync)
command -v openssl >/dev/null || need+=(openssl)
# GNU time: the peak RSS of a CLI run (the memory bound test and the benchmark).
[ -x /usr/bin/time ] || need+=(time)
# util-linux's unshare runs Courier in a private mount namespace; it is Essential, but be explicit.
command -v unshare >/dev/null || need+=(util-linux)
for pkg in cyrus-common cyrus-admin cyrus-clients sasl2-bin courier-base courier-authdaemon courier-authlib-userdb; do
  installed "$pkg" || need+=("$pkg")
done

# NAME of a private package whose unpacked copy is missing or was made for another version of the
# installed package it must match (DEP): "courier-imap:courier-base", "cyrus-imapd:cyrus-common".
stale=()
for pair in courier-imap:courier-base cyrus-imapd:cyrus-common; do
  name="${pair%%:*}" dep="${pair#*:}" dir="$cache/${pair%%-*}"
  want="$(dpkg-query -W -f='${Version}' "$dep" 2>/dev/null || true)"
  [ -n "$want" ] && [ "$(cat "$dir/.made-for" 2>/dev/null)" = "$dep $want" ] || stale+=("$name")
done

[ "${#need[@]}" -eq 0 ] && [ "${#stale[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${need[*]} ${stale[*]}. Run this script as root (sudo bash scripts/system-deps.sh)." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Never let a package start its service (Debian's convention; the tests start their own servers).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# Added by mailferry scripts/system-deps.sh: services are started by the tests only.\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 0755 /usr/sbin/policy-rc.d
fi
apt-get update -qq >/dev/null
if [ "${#need[@]}" -gt 0 ]; then
  echo "Installing ${need[*]} ..." >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Unpacks apt's NAME into .tools/imap-servers/<family>. Its binaries need exactly the DEP they were
# built with ("Depends: DEP (= version)"), so DEP is moved to that version first if it differs.
unpack_private() {
  local name="$1" dep="$2" family="${1%%-*}" dir deb wanted
  dir="$downloads/$name"
  mkdir "$dir"
  chown _apt "$dir" 2>/dev/null || true # apt's download sandbox user writes there
  (cd "$dir" && apt-get download -qq "$name" >/dev/null)
  deb="$(ls "$dir/${name}"_*.deb)"
  wanted="$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -n "s/^ *$dep (= \(.*\))\$/\1/p")"
  if [ -n "$wanted" ] && [ "$(dpkg-query -W -f='${Version}' "$dep")" != "$wanted" ]; then
    apt-get install -y -qq --no-install-recommends "$dep=$wanted" >/dev/null
  fi
  echo "Unpacking $(basename "$deb") into $cache/$family ..." >&2
  rm -rf -- "${cache:?}/$family"
  mkdir -p "$cache/$family"
  dpkg-deb -x "$deb" "$cache/$family"
  echo "$dep $(dpkg-query -W -f='${Version}' "$dep")" >"$cache/$family/.made-for"
}
downloads="$(mktemp -d)"
chmod 0755 "$downloads" # apt's sandbox user (_apt) must reach the folders inside
trap 'rm -rf -- "$downloads"' EXIT
for name in "${stale[@]}"; do
  case "$name" in
    courier-imap) unpack_private courier-imap courier-base ;;
    cyrus-imapd) unpack_private cyrus-imapd cyrus-common ;;
  esac
done

# The whole point of unpacking privately: Dovecot must still be the installed IMAP server.
dovecot --version >/dev/null
[ -x /usr/lib/dovecot/imap ] || { echo "Dovecot's imap binary is gone (/usr/lib/dovecot/imap): reinstall dovecot-imapd" >&2; exit 1; }
