/**
 * The command table of the fake Gmail server: which commands exist, in which states they are valid,
 * and the small ones answered inline (CAPABILITY, NOOP, ID, LOGOUT, NAMESPACE, IDLE, XYZZY). Writes
 * (APPEND, STORE, COPY, MOVE, CREATE ...) answer NO [CANNOT]: the fake is a read-only source.
 */
import { handleAuthenticate, handleLogin } from './auth.js';
import { handleFetch } from './fetch.js';
import {
  handleClose, handleEnable, handleExamineSelect, handleList, handleLsub, handleQuota, handleStatus,
} from './mailbox-commands.js';
import { postAuthCapabilities, preAuthCapabilities } from './options.js';
import type { Command } from './parser.js';
import { handleSearch } from './search.js';
import type { Session, SessionState } from './session.js';

type Handler = (s: Session, cmd: Command) => Promise<void>;

export const READ_ONLY = 'NO [CANNOT] This fake Gmail is a read-only source. (Failure)';
const ANY = new Set<SessionState>(['notauth', 'auth', 'selected']);
export const AUTHED = new Set<SessionState>(['auth', 'selected']);
const SELECTED = new Set<SessionState>(['selected']);
const NOTAUTH = new Set<SessionState>(['notauth']);

export const HANDLERS: Record<string, [Set<SessionState>, Handler]> = {
  CAPABILITY: [ANY, async (s, c) => {
    await s.untagged(`CAPABILITY ${(s.state === 'notauth' ? preAuthCapabilities(s.ctx.opts) : postAuthCapabilities(s.ctx.opts)).join(' ')}`);
    await s.tagged(c.tag, 'OK Thats all she wrote! (Success)');
  }],
  NOOP: [ANY, (s, c) => s.tagged(c.tag, 'OK Success')],
  XYZZY: [ANY, async (s, c) => {
    await s.untagged('OK Nothing happens.');
    await s.tagged(c.tag, 'OK Success');
  }],
  ID: [ANY, async (s, c) => {
    await s.untagged('ID ("name" "GImap" "vendor" "Google, Inc." "support-url" "https://support.google.com/mail")');
    await s.tagged(c.tag, 'OK Success');
  }],
  LOGOUT: [ANY, async (s, c) => {
    await s.untagged('BYE LOGOUT Requested');
    await s.tagged(c.tag, 'OK 73 good day (Success)');
    s.end();
  }],
  STARTTLS: [NOTAUTH, (s, c) => s.tagged(c.tag, 'BAD Unknown command')],
  LOGIN: [NOTAUTH, handleLogin],
  AUTHENTICATE: [NOTAUTH, handleAuthenticate],
  NAMESPACE: [AUTHED, async (s, c) => {
    await s.untagged('NAMESPACE (("" "/")) NIL NIL');
    await s.tagged(c.tag, 'OK Success');
  }],
  ENABLE: [AUTHED, handleEnable],
  LIST: [AUTHED, (s, c) => handleList(s, c, 'LIST')],
  XLIST: [AUTHED, (s, c) => handleList(s, c, 'XLIST')],
  LSUB: [AUTHED, handleLsub],
  STATUS: [AUTHED, handleStatus],
  SELECT: [AUTHED, (s, c) => handleExamineSelect(s, c, false)],
  EXAMINE: [AUTHED, (s, c) => handleExamineSelect(s, c, true)],
  GETQUOTAROOT: [AUTHED, handleQuota],
  GETQUOTA: [AUTHED, handleQuota],
  IDLE: [AUTHED, async (s, c) => {
    await s.continuation('idling');
    for (;;) {
      const line = await s.readLine();
      if (line === undefined) return;
      if (line.toUpperCase() === 'DONE') break;
    }
    await s.tagged(c.tag, 'OK IDLE terminated (Success)');
  }],
  FETCH: [SELECTED, (s, c) => handleFetch(s, c, false)],
  'UID FETCH': [SELECTED, (s, c) => handleFetch(s, c, true)],
  SEARCH: [SELECTED, (s, c) => handleSearch(s, c, false)],
  'UID SEARCH': [SELECTED, (s, c) => handleSearch(s, c, true)],
  CLOSE: [SELECTED, handleClose],
  UNSELECT: [SELECTED, handleClose],
};
for (const name of ['APPEND', 'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE']) {
  HANDLERS[name] = [AUTHED, (s, c) => s.tagged(c.tag, READ_ONLY)];
}
for (const name of ['STORE', 'UID STORE', 'COPY', 'UID COPY', 'MOVE', 'UID MOVE', 'EXPUNGE', 'UID EXPUNGE']) {
  HANDLERS[name] = [SELECTED, (s, c) => s.tagged(c.tag, READ_ONLY)];
}
