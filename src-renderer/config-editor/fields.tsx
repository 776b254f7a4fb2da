/**
 * Form fields bound to a JSON path of the config draft. Each shows the errors whose `path` is its own, right
 * beside it (`aria-invalid` + `aria-describedby`), so a validator message lands where the user can act on it.
 */
import { createContext, useContext, useId, useState } from 'react';
import type { JSX, ReactNode } from 'react';
import { getAt } from './json-path.js';
import { inUserWords } from './error-words.js';

export interface EditorContextValue {
  draft: unknown;
  setValue(path: string, value: unknown): void;
  errorsAt(path: string): string[];
}

export const EditorContext = createContext<EditorContextValue>({
  draft: {},
  setValue: () => {},
  errorsAt: () => [],
});

function useField(
  path: string,
  label: string,
): { value: unknown; set(v: unknown): void; errors: string[]; id: string } {
  const ctx = useContext(EditorContext);
  const id = useId();
  const errors = ctx.errorsAt(path).map((m) => inUserWords(m, path, label));
  return { value: getAt(ctx.draft, path), set: (v) => ctx.setValue(path, v), errors, id };
}

function FieldErrors(props: { id: string; path: string; errors: string[] }): JSX.Element | null {
  if (props.errors.length === 0) return null;
  return (
    <span className="field-error" id={`${props.id}-error`} data-error-for={props.path} role="alert">
      {props.errors.join(' ')}
    </span>
  );
}

interface BaseProps {
  path: string;
  label: string;
  hint?: string;
}

export function TextField(
  props: BaseProps & { placeholder?: string; name?: string; type?: 'text' | 'url'; wide?: boolean },
): JSX.Element {
  const f = useField(props.path, props.label);
  const value = typeof f.value === 'string' || typeof f.value === 'number' ? String(f.value) : '';
  return (
    <label className="field" data-path={props.path}>
      <span>{props.label}</span>
      <input
        type={props.type ?? 'text'}
        name={props.name ?? props.path}
        value={value}
        placeholder={props.placeholder}
        aria-invalid={f.errors.length > 0}
        aria-describedby={f.errors.length > 0 ? `${f.id}-error` : undefined}
        onChange={(e) => f.set(e.target.value === '' ? undefined : e.target.value)}
      />
      {props.hint !== undefined && <span className="hint">{props.hint}</span>}
      <FieldErrors id={f.id} path={props.path} errors={f.errors} />
    </label>
  );
}

/** A whole number; with `asString` kept as text in the file when it was text (the original writes `"554"`). */
export function NumberField(props: BaseProps & { min?: number; max?: number; placeholder?: string }): JSX.Element {
  const f = useField(props.path, props.label);
  const wasString = typeof f.value === 'string';
  const value = typeof f.value === 'number' || typeof f.value === 'string' ? String(f.value) : '';
  return (
    <label className="field" data-path={props.path}>
      <span>{props.label}</span>
      <input
        inputMode="numeric"
        name={props.path}
        value={value}
        placeholder={props.placeholder}
        aria-invalid={f.errors.length > 0}
        aria-describedby={f.errors.length > 0 ? `${f.id}-error` : undefined}
        onChange={(e) => {
          const text = e.target.value.trim();
          if (text === '') return f.set(undefined);
          // Keep what the user typed when it is not a number: the validator says what is wrong beside it.
          const n = Number(text);
          f.set(Number.isFinite(n) && /^-?\d+(\.\d+)?$/.test(text) ? (wasString ? text : n) : text);
        }}
      />
      {props.hint !== undefined && <span className="hint">{props.hint}</span>}
      <FieldErrors id={f.id} path={props.path} errors={f.errors} />
    </label>
  );
}

/** A checkbox; `inverted` shows "Enabled" for a file key that says `isDisabled`. */
export function CheckField(props: BaseProps & { inverted?: boolean; defaultValue?: boolean }): JSX.Element {
  const f = useField(props.path, props.label);
  const stored = typeof f.value === 'boolean' ? f.value : (props.defaultValue ?? false);
  const checked = props.inverted ? !stored : stored;
  return (
    <label className="field field-check" data-path={props.path}>
      <input
        type="checkbox"
        name={props.path}
        checked={checked}
        onChange={(e) => f.set(props.inverted ? !e.target.checked : e.target.checked)}
      />
      <span>{props.label}</span>
      {props.hint !== undefined && <span className="hint">{props.hint}</span>}
      <FieldErrors id={f.id} path={props.path} errors={f.errors} />
    </label>
  );
}

/**
 * A choice among values. With `inheritLabel`, a first option stands for "not set here" (the key is left out,
 * so a stream follows the defaults); otherwise `defaultValue` is what an absent key means.
 */
export function SelectField(
  props: BaseProps & {
    options: Array<{ value: string; label: string }>;
    defaultValue?: string;
    inheritLabel?: string;
  },
): JSX.Element {
  const f = useField(props.path, props.label);
  const value =
    typeof f.value === 'string' ? f.value : props.inheritLabel !== undefined ? '' : (props.defaultValue ?? '');
  const options =
    props.inheritLabel !== undefined ? [{ value: '', label: props.inheritLabel }, ...props.options] : props.options;
  return (
    <label className="field" data-path={props.path}>
      <span>{props.label}</span>
      <select
        name={props.path}
        value={value}
        aria-invalid={f.errors.length > 0}
        onChange={(e) => f.set(e.target.value === '' ? undefined : e.target.value)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {props.hint !== undefined && <span className="hint">{props.hint}</span>}
      <FieldErrors id={f.id} path={props.path} errors={f.errors} />
    </label>
  );
}

/**
 * A write-only secret: the API sends the redaction marker; the field shows "unchanged" and leaves the marker in
 * the draft (the server keeps the stored value) unless the user types a new one.
 */
export function SecretField(props: BaseProps & { redacted: string }): JSX.Element {
  const f = useField(props.path, props.label);
  const [editing, setEditing] = useState(false);
  const [hadStored] = useState(f.value === props.redacted);
  const isStored = f.value === props.redacted;
  const value = !isStored && typeof f.value === 'string' ? f.value : '';
  return (
    <label className="field" data-path={props.path}>
      <span>{props.label}</span>
      <input
        type="password"
        name={props.path}
        autoComplete="new-password"
        value={value}
        placeholder={isStored && !editing ? 'unchanged' : ''}
        aria-invalid={f.errors.length > 0}
        onFocus={() => setEditing(true)}
        onBlur={() => setEditing(false)}
        onChange={(e) => f.set(e.target.value === '' ? (hadStored ? props.redacted : undefined) : e.target.value)}
      />
      <span className="hint">{isStored ? 'Stored; leave empty to keep it.' : (props.hint ?? '')}</span>
      <FieldErrors id={f.id} path={props.path} errors={f.errors} />
    </label>
  );
}

export function Fields(props: { children: ReactNode }): JSX.Element {
  return <div className="fields">{props.children}</div>;
}

/** Errors at a path that has no field of its own (a list, an object): shown above that section. */
export function SectionErrors(props: { path: string }): JSX.Element | null {
  const ctx = useContext(EditorContext);
  const errors = ctx.errorsAt(props.path);
  if (errors.length === 0) return null;
  return (
    <p className="field-error" data-error-for={props.path} role="alert">
      {errors.join(' ')}
    </p>
  );
}
