/** A labelled input with its error right beside it (aria-invalid + aria-describedby), for the add-camera flow. */
import { useId } from 'react';
import type { JSX } from 'react';

export interface FormFieldProps {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  error?: string | undefined;
  hint?: string;
  type?: 'text' | 'password' | 'url' | 'number';
  placeholder?: string;
  autoComplete?: string;
  wide?: boolean;
}

export function FormField(props: FormFieldProps): JSX.Element {
  const id = useId();
  const hasError = props.error !== undefined && props.error !== '';
  return (
    <label className={`field${props.wide ? ' field-wide' : ''}`} data-field={props.name}>
      <span>{props.label}</span>
      <input
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? 'off'}
        aria-invalid={hasError}
        aria-describedby={hasError ? `${id}-error` : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint !== undefined && <span className="hint">{props.hint}</span>}
      {hasError && (
        <span className="field-error" id={`${id}-error`} data-error-for={props.name} role="alert">
          {props.error}
        </span>
      )}
    </label>
  );
}

export function Spinner(props: { label: string }): JSX.Element {
  return (
    <span className="spinner-line" role="status">
      <span className="spinner" aria-hidden="true" />
      {props.label}
    </span>
  );
}
