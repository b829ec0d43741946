import type { LabelPolicy, LabelPolicyInfo } from '../../shared/contract.js';

interface Props {
  policies: LabelPolicyInfo[];
  policy: LabelPolicy;
  keywords: boolean;
  /** Whether the source offers Gmail's labels (X-GM-EXT-1). */
  gmailLabels: boolean;
  disabled?: boolean;
  onPolicy: (policy: LabelPolicy) => void;
  onKeywords: (keywords: boolean) => void;
}

/**
 * How Gmail labels become folders: a radio group (arrow keys move between the choices) and the keyword
 * checkbox. Every explanation is always shown, so choosing does not move the table below.
 */
export function LabelPolicyChoice({ policies, policy, keywords, gmailLabels, disabled = false, onPolicy, onKeywords }: Props) {
  return (
    <fieldset className="policy" disabled={disabled}>
      <legend>Gmail labels</legend>
      {policies.map((p) => (
        <div key={p.id} className="policy-option">
          <label className="check-label">
            <input type="radio" name="label-policy" value={p.id} checked={p.id === policy} aria-describedby={`policy-${p.id}`} onChange={() => onPolicy(p.id)} />
            {p.title} ({p.summary})
          </label>
          <p id={`policy-${p.id}`} className="field-note">
            {p.description}
          </p>
        </div>
      ))}
      <div className="policy-option">
        <label className="check-label">
          <input type="checkbox" checked={keywords} aria-describedby="policy-keywords" onChange={(e) => onKeywords(e.target.checked)} />
          Also keep every label as a keyword
        </label>
        <p id="policy-keywords" className="field-note">
          {gmailLabels
            ? 'Each copy also carries all its labels as IMAP keywords, when the destination allows keywords.'
            : 'This source does not offer Gmail’s labels (X-GM-EXT-1): it has no labels to keep, and one copy per message is refused when the migration starts.'}
        </p>
      </div>
    </fieldset>
  );
}
