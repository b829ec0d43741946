/** Where the window is. No router library: a handful of views, switched by state. */
export type Route =
  | { name: 'mailboxes' }
  | { name: 'add' }
  | { name: 'import' }
  | { name: 'edit'; id: string }
  | { name: 'preview'; id: string }
  | { name: 'detail'; id: string }
  | { name: 'settings' };

export type Navigate = (route: Route) => void;
