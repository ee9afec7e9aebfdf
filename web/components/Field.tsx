import { useId, type ReactNode } from "react";

import { ApiError, describeError } from "@/lib/api/problem";

/** What an input needs to be labelled and tied to its help and error text. */
export type FieldControl = {
  id: string;
  "aria-invalid": boolean | undefined;
  "aria-describedby": string | undefined;
};

type Props = {
  label: string;
  /** The message to show under the input; marks it invalid. */
  error?: string | null;
  help?: ReactNode;
  className?: string;
  children: (control: FieldControl) => ReactNode;
};

/**
 * A labelled input with its help and error text. The error is announced with
 * the input (aria-describedby), so a screen reader hears why it was refused.
 */
export function Field({ label, error, help, className, children }: Props) {
  const id = useId();
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : null, help ? helpId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({ id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy })}
      {error && (
        <p id={errorId} className="field-error">
          {readable(label, error)}
        </p>
      )}
      {help && (
        <p id={helpId} className="mt-1 text-sm text-stone-600">
          {help}
        </p>
      )}
    </div>
  );
}

/**
 * The API's field messages are phrased to follow the field's name ("must be
 * at least 8 characters"); under a labelled input they read better as a
 * sentence of their own.
 */
export function sentence(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** A field message as it reads under its input: "Password must be at least 8 characters." */
export function readable(label: string, message: string): string {
  const text = message.trim();
  return /^(is|are|must|at most|at least|no such)\b/.test(text) ? sentence(`${label} ${text}`) : sentence(text);
}

/** Field messages of a failed call, by the API's dotted path. */
export function fieldMessages(error: unknown): Record<string, string> {
  return error instanceof ApiError ? error.fieldErrors : {};
}

/**
 * The message for the form as a whole: everything but field errors the form
 * shows next to their inputs. `shown` lists the paths the form places.
 */
export function formMessage(error: unknown, shown: (field: string) => boolean): string | null {
  if (!error) return null;
  if (error instanceof ApiError) {
    const fields = Object.keys(error.fieldErrors);
    if (error.status === 422 && fields.length > 0) {
      const unplaced = (error.problem.errors ?? []).filter((e) => !shown(e.field));
      if (unplaced.length === 0) return "Please correct the fields marked below.";
      return unplaced.map((e) => `${e.field}: ${e.message}`).join("; ");
    }
    if (error.status === 429) return `${error.message} Please wait a moment before trying again.`;
  }
  return describeError(error);
}

/** A form-level message, announced as soon as it appears. */
export function FormAlert({ message }: { message: string | null }) {
  return (
    <div role="alert" aria-live="assertive" className="contents">
      {message && (
        <p className="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">{sentence(message)}</p>
      )}
    </div>
  );
}
