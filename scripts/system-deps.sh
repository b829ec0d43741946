#!/usr/bin/env bash
# Debian packages the tests need: Dovecot (real IMAP servers started by the tests themselves, never the
# system service), gnome-keyring + dbus (a real Secret Service), Chromium (renderer tests), isync (mbsync,
# the peer the benchmark compares with), openssl (test certificates). Installs only what is missing.
set -euo pipefail
need=()
command -v dovecot >/dev/null || need+=(dovecot-imapd)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v secret-tool >/dev/null || need+=(libsecret-tools)
command -v dbus-run-session >/dev/null || need+=(dbus)
command -v chromium >/dev/null || need+=(chromium)
command -v mbsync >/dev/null || need+=(isync)
command -v openssl >/dev/null || need+=(openssl)
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${need[*]}. Install them with: sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
  exit 1
fi
echo "Installing ${need[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
