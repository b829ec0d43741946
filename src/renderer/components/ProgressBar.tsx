import { percent } from '../format.js';

/** A bar with its numbers beside it; width fixed so nothing moves while the numbers change. */
export function ProgressBar({ label, fraction, text }: { label: string; fraction: number; text: string }) {
  const clamped = Math.max(0, Math.min(1, fraction));
  return (
    <div className="bar-row">
      <div className="bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.floor(clamped * 100)} aria-valuetext={`${percent(clamped)}, ${text}`}>
        <div className="bar-fill" style={{ transform: `scaleX(${clamped})` }} />
      </div>
      <span className="bar-text num">{text}</span>
    </div>
  );
}
