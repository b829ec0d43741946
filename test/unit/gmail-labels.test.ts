import { describe, expect, it } from 'vitest';
import { encodeModifiedUtf7, isArchived, labelKeywords, primaryPlace, userLabels } from '../../src/main/engine/plan/gmail-labels.js';

describe('Gmail labels', () => {
  it.each([
    [[], true],
    [['\\Important'], true],
    [['\\Starred', '\\Important'], true],
    [['\\Inbox'], false],
    [['\\Sent', '\\Important'], false],
    [['\\Draft'], false],
    [['Work/Projects'], false],
    [['\\Starred', 'Receipts'], false],
  ])('isArchived(%j) = %s', (labels, archived) => expect(isArchived(labels)).toBe(archived));

  it.each([
    [['Work', '\\Inbox', '\\Sent'], { kind: 'inbox' }],
    [['Work', '\\Sent'], { kind: 'sent' }],
    [['\\Draft', 'Zeta'], { kind: 'drafts' }],
    [['Zeta', 'Alpha/Sub', '\\Important'], { kind: 'label', name: 'Alpha/Sub' }],
    [['\\Starred'], { kind: 'archive' }],
  ])('primaryPlace(%j)', (labels, place) => expect(primaryPlace(labels)).toEqual(place));

  it('turns user labels into keyword atoms', () => {
    expect(userLabels(['\\Inbox', 'Work', '\\Starred'])).toEqual(['Work']);
    expect(labelKeywords(['\\Inbox', 'Work/Projects', 'Family & Friends', 'Reçus', '(x)', 'Work/Projects'])).toEqual([
      'Work/Projects', 'Family_&-_Friends', 'Re&AOc-us', '_x_',
    ]);
    // The RFC 3501 example and Gmail's German Drafts folder name.
    expect(encodeModifiedUtf7('~peter/mail/台北/日本語')).toBe('~peter/mail/&U,BTFw-/&ZeVnLIqe-');
    expect(encodeModifiedUtf7('Entwürfe')).toBe('Entw&APw-rfe');
  });
});
