interface Props<T extends string> {
  /** The radio group's name, also the prefix of its title's id. */
  name: string;
  title: string;
  choices: ReadonlyArray<{ id: T; label: string }>;
  value: T;
  onChange: (value: T) => void;
  disabled?: boolean;
}

/** One choice among a few, as a radio group in a row (arrow keys move between them). */
export function ChoiceRow<T extends string>({ name, title, choices, value, onChange, disabled = false }: Props<T>) {
  return (
    <div className="field" role="radiogroup" aria-labelledby={`${name}-title`}>
      <span id={`${name}-title`} className="label">
        {title}
      </span>
      <div className="choice-row">
        {choices.map((c) => (
          <label key={c.id} className="check-label">
            <input type="radio" name={name} value={c.id} checked={value === c.id} disabled={disabled} onChange={() => onChange(c.id)} />
            {c.label}
          </label>
        ))}
      </div>
    </div>
  );
}
