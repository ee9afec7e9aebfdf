"use client";

import { useMutation } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";

import { Field, FormAlert, fieldMessages, formMessage } from "@/components/Field";
import { api, call } from "@/lib/api/client";
import type { User } from "@/lib/api/types";
import { updateUser } from "@/lib/session";

const FIELDS = new Set(["name", "slug", "bio", "location"]);

/** A profile address from a name: "Anna Müller-Ruiz" → "anna-muller-ruiz". */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

export function CreateProfileForm({ user }: { user: User }) {
  const [name, setName] = useState(user.display_name);
  const [slug, setSlug] = useState<string | null>(null);
  const [bio, setBio] = useState("");
  const [location, setLocation] = useState("");
  const attempt = useRef<{ key: string; body: string } | null>(null);
  const address = slug ?? slugify(name);

  const create = useMutation({
    mutationFn: async () => {
      const body = { name: name.trim(), slug: address, bio: bio.trim(), location: location.trim() || null };
      const serialised = JSON.stringify(body);
      // Retrying the same submission reuses its key, so a lost answer cannot make a second profile.
      if (attempt.current?.body !== serialised) attempt.current = { key: crypto.randomUUID(), body: serialised };
      const key = attempt.current.key;
      await call(() => api.POST("/api/artists", { params: { header: { "Idempotency-Key": key } }, body }));
      return call(() => api.GET("/api/me"));
    },
    onSuccess: updateUser,
  });
  const errors = fieldMessages(create.error);
  const alert = formMessage(create.error, (field) => FIELDS.has(field));
  const slugTaken = create.error && !errors.slug && /slug/.test(alert ?? "") ? alert : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <div className="mx-auto max-w-xl">
      <h1 className="font-serif text-3xl">Create your artist profile</h1>
      <p className="mt-2 text-stone-600">
        Collectors find your works through your profile. You can change everything but the address later.
      </p>
      <form onSubmit={submit} noValidate className="mt-8 flex flex-col gap-5">
        <FormAlert message={slugTaken ? null : alert} />
        <Field label="Artist name" error={errors.name}>
          {(c) => (
            <input
              {...c}
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              maxLength={120}
              autoComplete="name"
              className="field-input"
            />
          )}
        </Field>
        <Field
          label="Profile address"
          error={errors.slug ?? slugTaken}
          help={`Your page will be /artists/${address || "your-name"}/. Lower-case letters, digits and hyphens.`}
        >
          {(c) => (
            <input
              {...c}
              value={address}
              onChange={(e) => setSlug(e.target.value)}
              required
              minLength={3}
              maxLength={60}
              autoCapitalize="none"
              spellCheck={false}
              className="field-input"
            />
          )}
        </Field>
        <Field label="Bio" error={errors.bio} help="Your practice, training and what you make, in a few sentences.">
          {(c) => (
            <textarea
              {...c}
              value={bio}
              onChange={(e) => setBio(e.target.value)}
              rows={5}
              maxLength={5000}
              className="field-input"
            />
          )}
        </Field>
        <Field label="Location" error={errors.location} help="City and country, e.g. Glasgow, Scotland.">
          {(c) => (
            <input
              {...c}
              value={location}
              onChange={(e) => setLocation(e.target.value)}
              maxLength={120}
              autoComplete="address-level2"
              className="field-input"
            />
          )}
        </Field>
        <div>
          <button type="submit" className="btn-primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create profile"}
          </button>
        </div>
      </form>
    </div>
  );
}
