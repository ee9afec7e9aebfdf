"use client";

import Link from "next/link";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Field, fieldMessages } from "@/components/Field";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { MAX_MESSAGE_CHARS, conversationKeys, messageLength } from "@/lib/messages";
import { useRequireSignIn } from "@/lib/signin";
import { useSession } from "@/lib/session";

type Artwork = Schemas["ArtworkView"];

/**
 * A question to the artist about this work. It opens a conversation (or
 * continues the one already about the work) that both then find in
 * Messages. Visitors are sent to sign in first; the artist never sees it
 * on their own work.
 */
export function AskArtist({ artwork }: { artwork: Artwork }) {
  const queryClient = useQueryClient();
  const requireSignIn = useRequireSignIn();
  const user = useSession((s) => (s.status === "signed-in" ? s.user : null));
  const [open, setOpen] = useState(false);
  const [body, setBody] = useState("");
  const ask = useMutation({
    mutationFn: (text: string) => call(() => api.POST("/api/conversations", { body: { artwork_id: artwork.id, body: text } })),
    onSuccess: () => {
      setBody("");
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: conversationKeys.inbox });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 409) setOpen(false);
    },
  });

  const own = user?.artist_id != null && user.artist_id === artwork.artist.id;
  // The API says so too (409) for a work whose artist cannot be written to.
  const refused = ask.error instanceof ApiError && ask.error.status === 409;
  if (own) return null;

  const fields = fieldMessages(ask.error);
  const failure = ask.error && !fields.body ? describeError(ask.error) : null;
  const length = messageLength(body);
  const sent = ask.data;

  return (
    <section aria-labelledby="ask-heading" className="flex flex-col gap-3">
      <h2 id="ask-heading" className="sr-only">
        Ask the artist
      </h2>
      {!open && !refused && (
        <div>
          <button
            type="button"
            className="btn-secondary"
            onClick={() => {
              ask.reset();
              void requireSignIn().then((signedIn) => signedIn && setOpen(true));
            }}
          >
            Ask the artist
          </button>
        </div>
      )}
      {open && (
        <form
          noValidate
          className="flex flex-col gap-3 rounded-md border border-stone-200 bg-white p-4"
          onSubmit={(event) => {
            event.preventDefault();
            if (length > 0 && !ask.isPending) ask.mutate(body);
          }}
        >
          <Field
            label={`Your question for ${artwork.artist.name}`}
            error={fields.body}
            help={`${length.toLocaleString()} / ${MAX_MESSAGE_CHARS.toLocaleString()} characters`}
          >
            {(control) => (
              <textarea
                {...control}
                rows={3}
                value={body}
                onChange={(event) => setBody(event.target.value)}
                className="field-input resize-y"
              />
            )}
          </Field>
          <div className="flex flex-wrap gap-3">
            <button type="submit" className="btn-primary" disabled={length === 0 || ask.isPending}>
              {ask.isPending ? "Sending…" : "Send question"}
            </button>
            <button type="button" className="btn-secondary" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <div role="status" className="text-sm empty:hidden">
        {sent && !open && (
          <p className="text-stone-800">
            Sent to {artwork.artist.name}.{" "}
            <Link href={`/messages/?c=${sent.conversation.id}`} className="font-medium underline underline-offset-2">
              Open the conversation
            </Link>
          </p>
        )}
      </div>
      {failure && (
        <p role="alert" className="text-sm text-red-700">
          {failure}
        </p>
      )}
    </section>
  );
}
