import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml } from '../../src/main/engine/report/html/escape.js';

describe('escapeHtml', () => {
  it.each([
    ['plain', 'plain'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['"><img src=x onerror=alert(1)>', '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'],
    ["it's & more", 'it&#39;s &amp; more'],
    ['&amp; already', '&amp;amp; already'],
    ['Ünïcødé 日本', 'Ünïcødé 日本'],
  ])('%s', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe('html``', () => {
  it('escapes every interpolated string, in text and in attributes', () => {
    const label = '<b onclick="x()">Work</b>';
    const out = html`<td title="${label}">${label}</td>`.toString();
    expect(out).toBe('<td title="&lt;b onclick=&quot;x()&quot;&gt;Work&lt;/b&gt;">&lt;b onclick=&quot;x()&quot;&gt;Work&lt;/b&gt;</td>');
    expect(out).not.toContain('<b');
  });

  it('keeps nested templates and arrays of them as HTML, and escapes the values inside them', () => {
    const rows = ['a<1', 'b&2'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${rows}</ul>`.toString()).toBe('<ul><li>a&lt;1</li><li>b&amp;2</li></ul>');
  });

  it('renders numbers, and nothing for null, undefined and false', () => {
    expect(html`${1234}|${null}|${undefined}|${false}|${0}`.toString()).toBe('1234||||0');
  });

  it('does not take an object that only looks like HTML for SafeHtml', () => {
    const fake = { toString: () => '<script>' };
    expect(html`${fake}`.toString()).toBe('&lt;script&gt;');
    expect(html`${new SafeHtml('<hr>')}`.toString()).toBe('<hr>');
  });
});
