/**
 * Files and the start script of a private Courier-IMAP 5 (Debian's courier-imap, unpacked by
 * scripts/system-deps.sh); courier.ts does the process work.
 *
 * courier-authlib hard-codes /etc/courier/authdaemonrc, /etc/courier/userdb.dat and
 * /run/courier/authdaemon/socket, so the script runs in a private mount namespace (server-process.ts)
 * and binds the instance's own folders over /etc/courier and /run/courier. Layout of ROOT:
 *   ROOT/etc/        -> /etc/courier: authdaemonrc, userdb (+ .dat made by makeuserdb), imapd.pem
 *   ROOT/run/        -> /run/courier: authdaemon/socket, the TLS session cache
 *   ROOT/imapd.env   what differs from Debian's /etc/courier/imapd and imapd-ssl (read from the package)
 *   ROOT/home/<user>/Maildir   each account (Maildir++, owned by the mail owner of dovecot-env.ts)
 *   ROOT/tls/        the throw-away CA and server certificate; ROOT/courier.log  everything logged
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { MailOwner } from './dovecot-env.js';
import type { TestUser } from './imap-test-server.js';

export function courierHome(root: string, user: string): string {
  return join(root, 'home', user);
}

/**
 * userdb source lines ("addr<TAB>field=value|..."). {SHA256} is one of authlib's password schemes and
 * needs no crypt(3); the passwords are the tests' throw-away ones.
 */
export function renderUserdb(root: string, users: readonly TestUser[], owner: MailOwner): string {
  return users
    .map(({ user, password }) => {
      const home = courierHome(root, user);
      const hash = createHash('sha256').update(password, 'utf8').digest('base64');
      return `${user}\tuid=${owner.uid}|gid=${owner.gid}|home=${home}|mail=${join(home, 'Maildir')}|systempw={SHA256}${hash}\n`;
    })
    .join('');
}

/** Only userdb, one daemon: the machine's /etc/courier/authdaemonrc (authpam) is never read. */
export const AUTHDAEMONRC = `authmodulelist="authuserdb"
daemons=1
authdaemonvar=/run/courier/authdaemon
DEBUG_LOGIN=0
DEFAULTOPTIONS=""
LOGGEROPTS=""
`;

/**
 * Overrides of Debian's imapd / imapd-ssl defaults: only paths that would leave the instance (the
 * others already point into /etc/courier, which is ROOT/etc here).
 */
export const IMAPD_ENV = `TLS_CACHEFILE=/run/courier/tlscache
`;

/**
 * The script server-process.ts runs as PID 1 of the namespace: $1 ROOT, $2 the unpacked package,
 * $3 the plain port, $4 the TLS port. It does what Debian's /usr/lib/courier/imapd and imapd-ssl init
 * scripts do (same environment, ulimit, couriertcpd arguments), without courierlogger (which would
 * daemonize) and listening on 127.0.0.1 only. Output goes to courier.log.
 */
export const START_SCRIPT = `set -e
mount --bind "$1/etc" /etc/courier
mount --bind "$1/run" /run/courier
set -a
. "$2/etc/courier/imapd"
. "$2/etc/courier/imapd-ssl"
. "$1/imapd.env"
set +a
(set -a; . /etc/courier/authdaemonrc; exec /usr/lib/courier/courier-authlib/authdaemond) &
imaplogin="$2/usr/lib/courier/courier/imaplogin"
imapd="$2/usr/bin/imapd"
tcpd() { exec /usr/sbin/couriertcpd -address=127.0.0.1 -maxprocs="$MAXDAEMONS" -maxperip="$MAXPERIP" $TCPDOPTS "$@"; }
umask "$IMAP_UMASK"
[ -z "$IMAP_ULIMITD" ] || ulimit -v "$IMAP_ULIMITD"
(IMAP_STARTTLS="$IMAPDSTARTTLS" tcpd "$3" "$imaplogin" "$imapd" "$MAILDIRPATH") &
(IMAP_TLS=1 tcpd "$4" "$COURIERTLS" -server -tcpd -user=courier "$imaplogin" "$imapd" "$MAILDIRPATH") &
wait
`;

/** Courier's subscription list: one IMAP name per line, in the Maildir root. */
export function renderSubscriptions(folders: readonly string[]): string {
  return folders.map((f) => `INBOX.${f}\n`).join('');
}

/** A folder name maildirmake -f can take and the tests mean literally: printable ASCII, no hierarchy. */
export function checkFolderName(name: string): void {
  if (!/^[A-Za-z0-9 _-]+$/.test(name)) throw new Error(`unsupported Courier folder name ${JSON.stringify(name)}`);
}
