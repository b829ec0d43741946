/**
 * The Settings view's values and what the app tells about itself (contract.ts re-exports them). Plain data.
 */

export interface Settings {
  /** Connections per account and side. Gmail allows 15 for all clients together. */
  connectionsPerAccount: number;
  /** How many mailboxes copy at the same time; the others wait in the queue. */
  parallelMailboxes: number;
  /** Download cap in KB/s shared by every mailbox, 0 for none. */
  bandwidthLimitKBps: number;
  /** Desktop notifications when a mailbox needs attention and when everything is done. Default on. */
  notifications: boolean;
}

/** The settings that are numbers, with their ranges. */
export type NumericSetting = Exclude<keyof Settings, 'notifications'>;

export const SETTINGS_LIMITS: Readonly<Record<NumericSetting, { min: number; max: number }>> = Object.freeze({
  connectionsPerAccount: { min: 1, max: 10 },
  parallelMailboxes: { min: 1, max: 10 },
  bandwidthLimitKBps: { min: 0, max: 10_000_000 },
});

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  connectionsPerAccount: 4,
  parallelMailboxes: 2,
  bandwidthLimitKBps: 0,
  notifications: true,
});

export interface AppInfo {
  version: string;
  /** Where the app keeps its settings file and the ledger. */
  dataDir: string;
  stateDir: string;
}
