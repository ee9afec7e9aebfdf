"use client";

import { useId, type KeyboardEvent } from "react";

import type { FieldControl } from "./Field";

type Props = {
  control: FieldControl;
  /** What one chip is called, for the remove buttons ("Remove tag coast"). */
  noun: string;
  values: string[];
  text: string;
  onValues: (values: string[]) => void;
  onText: (text: string) => void;
  suggestions?: string[];
  placeholder?: string;
};

/**
 * Labels as chips. Typing a comma or pressing Enter turns the text into a
 * chip; text left in the box is still sent, so pasting "coast, sea" works.
 */
export function ChipsInput({ control, noun, values, text, onValues, onText, suggestions, placeholder }: Props) {
  const listId = useId();

  function add(raw: string) {
    const labels = raw
      .split(",")
      .map((label) => label.trim())
      .filter((label) => label && !values.some((v) => v.toLowerCase() === label.toLowerCase()));
    if (labels.length > 0) onValues([...values, ...labels]);
  }

  function change(next: string) {
    const cut = next.lastIndexOf(",");
    if (cut === -1) {
      onText(next);
      return;
    }
    add(next.slice(0, cut));
    onText(next.slice(cut + 1).trimStart());
  }

  function key(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter" && text.trim()) {
      event.preventDefault();
      add(text);
      onText("");
    } else if (event.key === "Backspace" && !text && values.length > 0) {
      onValues(values.slice(0, -1));
    }
  }

  return (
    <div className="mt-1 flex flex-wrap items-center gap-2 rounded-md border border-stone-300 bg-white px-2 py-1.5 focus-within:border-stone-900 focus-within:ring-1 focus-within:ring-stone-900 has-[[aria-invalid=true]]:border-red-700">
      {values.length > 0 && (
        <ul className="contents" aria-label={`Chosen ${noun}s`}>
          {values.map((value) => (
            <li key={value} className="flex items-center gap-1 rounded-full bg-stone-100 py-0.5 pr-1 pl-3 text-sm text-stone-900">
              {value}
              <button
                type="button"
                onClick={() => onValues(values.filter((v) => v !== value))}
                aria-label={`Remove ${noun} ${value}`}
                className="rounded-full px-1.5 text-stone-600 hover:bg-stone-200 hover:text-stone-900"
              >
                <span aria-hidden="true">×</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        {...control}
        value={text}
        onChange={(e) => change(e.target.value)}
        onKeyDown={key}
        onBlur={() => {
          if (text.trim()) {
            add(text);
            onText("");
          }
        }}
        list={suggestions ? listId : undefined}
        placeholder={placeholder}
        autoComplete="off"
        className="min-w-32 flex-1 border-0 bg-transparent px-1 py-1 text-stone-900 placeholder:text-stone-500 focus:outline-none"
      />
      {suggestions && (
        <datalist id={listId}>
          {suggestions.map((suggestion) => (
            <option key={suggestion} value={suggestion} />
          ))}
        </datalist>
      )}
    </div>
  );
}
