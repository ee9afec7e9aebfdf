"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useReducer, useState, type ChangeEvent } from "react";

import { api, call } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";

import { sentence } from "./Field";
import { Picture } from "./Picture";
import {
  ACCEPTED_TYPES,
  advance,
  declaredType,
  MAX_UPLOAD_LABEL,
  percentSent,
  pollInterval,
  refuseFile,
  STATUS_LABEL,
  uploadBody,
  type SendEvent,
  type Sending,
} from "./uploadFlow";

type Upload = Schemas["UploadView"];

export const uploadsKey = (artworkId: string) => ["uploads", artworkId] as const;

type Props = {
  artwork: Schemas["ArtworkView"];
  /** Called when an image settles, so the page reloads the work (images, review hold, version). */
  onSettled: () => void;
};

/**
 * The work's images: upload new ones and follow each through processing.
 * The file goes straight to storage with the form the API signs; the API
 * then reads the bytes and says whether it is an image it can use.
 */
export function ArtworkImages({ artwork, onSettled }: Props) {
  const queryClient = useQueryClient();
  const [sending, dispatch] = useReducer(sendingReducer, {});
  const closed = artwork.status === "archived" || artwork.status === "sold";

  const uploads = useQuery({
    queryKey: uploadsKey(artwork.id),
    queryFn: () => call(() => api.GET("/api/uploads", { params: { query: { artwork_id: artwork.id } } })),
  });

  async function send(file: File) {
    const localId = crypto.randomUUID();
    const refusal = refuseFile(file);
    if (refusal) {
      dispatch({ localId, start: { phase: "failed", name: file.name, message: refusal } });
      return;
    }
    dispatch({ localId, start: { phase: "starting", name: file.name } });
    const step = (event: SendEvent) => dispatch({ localId, event });
    try {
      const created = await call(() =>
        api.POST("/api/uploads", {
          params: { header: { "Idempotency-Key": localId } },
          body: {
            artwork_id: artwork.id,
            filename: file.name,
            content_type: declaredType(file)!,
            size_bytes: file.size,
          },
        }),
      );
      step({ type: "created", uploadId: created.id, total: file.size });
      await postForm(created.form, file, (loaded, total) => step({ type: "progress", loaded, total }));
      step({ type: "sent" });
      const arrived = await call(() =>
        api.POST("/api/uploads/{id}/complete", { params: { path: { id: created.id } } }),
      );
      step({ type: "completed" });
      queryClient.setQueryData<Upload[]>(uploadsKey(artwork.id), (list) => [
        arrived,
        ...(list ?? []).filter((u) => u.id !== arrived.id),
      ]);
      dispatch({ localId, forget: true });
    } catch (error) {
      step({ type: "failed", message: error instanceof UploadFailed ? error.message : describeError(error) });
    }
  }

  function choose(event: ChangeEvent<HTMLInputElement>) {
    const files = Array.from(event.target.files ?? []);
    event.target.value = "";
    for (const file of files) void send(file);
  }

  const inFlight = Object.entries(sending);
  const list = uploads.data ?? [];
  const firstReady = list.findLast((u) => u.status === "ready")?.id;

  return (
    <section aria-labelledby="images-heading" className="flex flex-col gap-4">
      <h2 id="images-heading" className="font-serif text-xl">
        Images
      </h2>
      {artwork.held_for_review && <HeldNotice published={artwork.status === "published"} />}
      {closed ? (
        <p className="text-sm text-stone-600">Images cannot be added to an {artwork.status} work.</p>
      ) : (
        <div>
          <label
            htmlFor="add-image"
            className="flex cursor-pointer flex-col items-center gap-1 rounded-md border-2 border-dashed border-stone-300 bg-white px-4 py-6 text-center hover:border-stone-500 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-stone-900"
          >
            <span className="font-medium text-stone-900">Add image</span>
            <span id="add-image-hint" className="text-sm text-stone-600">
              JPEG, PNG, WebP or TIFF, up to {MAX_UPLOAD_LABEL}
            </span>
          </label>
          <input
            id="add-image"
            type="file"
            aria-label="Add image"
            aria-describedby="add-image-hint"
            accept={ACCEPTED_TYPES.join(",")}
            multiple
            onChange={choose}
            className="sr-only"
          />
        </div>
      )}

      {inFlight.length > 0 && (
        <ul className="flex flex-col gap-3" aria-label="Images being sent">
          {inFlight.map(([localId, state]) => (
            <SendingRow key={localId} state={state} onDismiss={() => dispatch({ localId, forget: true })} />
          ))}
        </ul>
      )}

      {uploads.isPending ? (
        <div className="h-24 animate-pulse rounded-md bg-stone-200 motion-reduce:animate-none" aria-hidden="true" />
      ) : uploads.isError ? (
        <p role="alert" className="text-sm text-red-800">
          The images could not be loaded. {describeError(uploads.error)}{" "}
          <button type="button" className="underline" onClick={() => void uploads.refetch()}>
            Try again
          </button>
        </p>
      ) : list.length === 0 && inFlight.length === 0 ? (
        <p className="text-sm text-stone-600">No images yet. Works with a clear photograph sell far better.</p>
      ) : (
        <ul className="flex flex-col gap-3" aria-label="Uploaded images">
          {list.map((upload) => (
            <UploadRow
              key={upload.id}
              upload={upload}
              title={artwork.title}
              cover={upload.id === firstReady}
              onSettled={onSettled}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function HeldNotice({ published }: { published: boolean }) {
  return (
    <div role="status" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950">
      <p className="font-medium">Held for review: this image looks like another artist&rsquo;s work.</p>
      <p className="mt-1">
        A moderator will compare them. Until then the work stays hidden from collectors
        {published ? "." : " and cannot be published."}
      </p>
    </div>
  );
}

function SendingRow({ state, onDismiss }: { state: Sending; onDismiss: () => void }) {
  return (
    <li className="rounded-md border border-stone-200 bg-white p-3">
      <p className="truncate text-sm font-medium text-stone-900">{state.name}</p>
      {state.phase === "failed" ? (
        <div className="mt-1 flex items-start justify-between gap-3">
          <p role="alert" className="text-sm text-red-800">
            Not uploaded: {state.message}
          </p>
          <button type="button" onClick={onDismiss} className="text-sm text-stone-700 underline">
            Dismiss
          </button>
        </div>
      ) : (
        <>
          <p className="mt-1 text-sm text-stone-700">Uploading</p>
          <progress
            aria-label="Upload progress"
            max={100}
            value={percentSent(state)}
            className="mt-2 h-2 w-full overflow-hidden rounded-full accent-stone-900 [&::-moz-progress-bar]:bg-stone-900 [&::-webkit-progress-bar]:bg-stone-200 [&::-webkit-progress-value]:bg-stone-900"
          />
        </>
      )}
    </li>
  );
}

// The longest wait setTimeout keeps to (about 24 days); a longer one fires at once.
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

/** Whether the moment `at` (ms since the epoch) is past; the component
 * renders again when it passes. */
function usePassed(at: number): boolean {
  const [now, setNow] = useState(Date.now);
  const passed = at < now;
  useEffect(() => {
    if (passed || !Number.isFinite(at)) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.min(at - now + 1, LONGEST_TIMEOUT_MS));
    return () => clearTimeout(timer);
  }, [at, now, passed]);
  return passed;
}

function UploadRow(props: { upload: Upload; title: string; cover: boolean; onSettled: () => void }) {
  const { upload, title, cover, onSettled } = props;
  const queryClient = useQueryClient();
  const live = useQuery({
    queryKey: ["upload", upload.id],
    queryFn: () => call(() => api.GET("/api/uploads/{id}", { params: { path: { id: upload.id } } })),
    initialData: upload,
    enabled: upload.status === "processing",
    refetchInterval: (query) => pollInterval(query.state.data),
  });
  const current = live.data ?? upload;

  useEffect(() => {
    if (upload.status !== "processing" || current.status === "processing") return;
    queryClient.setQueryData<Upload[]>(uploadsKey(upload.artwork_id), (list) =>
      list?.map((u) => (u.id === current.id ? current : u)),
    );
    onSettled();
  }, [current, upload.status, upload.artwork_id, queryClient, onSettled]);

  const expired = usePassed(current.status === "pending" ? new Date(current.expires_at).getTime() : Infinity);

  return (
    <li className="flex gap-3 rounded-md border border-stone-200 bg-white p-3">
      <div className="w-16 shrink-0 overflow-hidden rounded bg-stone-100">
        {current.status === "ready" && current.image ? (
          <Picture
            variants={current.image.variants}
            alt={`${title}${cover ? " (cover)" : ""}`}
            sizes="64px"
            placeholder={current.image.palette[0]?.hex}
            className="aspect-[4/5] h-auto w-full object-cover"
          />
        ) : (
          <div className="aspect-[4/5] w-full" aria-hidden="true" />
        )}
      </div>
      <div className="min-w-0 flex-1">
        <p className="truncate text-sm font-medium text-stone-900">{current.filename}</p>
        <p aria-live="polite" className="mt-1 flex flex-wrap items-center gap-2 text-sm">
          <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_TONE[current.status]}`}>
            {STATUS_LABEL[current.status]}
          </span>
          {cover && <span className="text-xs text-stone-600">Cover image</span>}
          {current.status === "processing" && <span className="text-stone-600">Checking and resizing…</span>}
        </p>
        {current.status === "rejected" && current.rejection_reason && (
          <p className="mt-1 text-sm text-red-800">{sentence(current.rejection_reason)}</p>
        )}
        {expired && <p className="mt-1 text-sm text-stone-600">The file never arrived. Add it again.</p>}
      </div>
    </li>
  );
}

const STATUS_TONE: Record<Upload["status"], string> = {
  pending: "bg-stone-100 text-stone-800",
  processing: "bg-sky-100 text-sky-900",
  ready: "bg-emerald-100 text-emerald-900",
  rejected: "bg-red-100 text-red-900",
};

type SendingAction =
  | { localId: string; start: Sending }
  | { localId: string; event: SendEvent }
  | { localId: string; forget: true };

function sendingReducer(state: Record<string, Sending>, action: SendingAction): Record<string, Sending> {
  if ("start" in action) return { ...state, [action.localId]: action.start };
  const current = state[action.localId];
  if (!current) return state;
  if ("forget" in action) {
    const { [action.localId]: _, ...rest } = state;
    return rest;
  }
  return { ...state, [action.localId]: advance(current, action.event) };
}

class UploadFailed extends Error {}

/**
 * Sends the file with XMLHttpRequest rather than fetch: only it reports
 * upload progress.
 */
function postForm(
  form: Schemas["PresignedUpload"],
  file: File,
  onProgress: (loaded: number, total: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(form.method || "POST", form.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new UploadFailed(storageMessage(xhr)));
    };
    xhr.onerror = () => reject(new UploadFailed("the file could not be sent. Check your connection and try again."));
    xhr.send(uploadBody(form.fields, file, file.name));
  });
}

function storageMessage(xhr: XMLHttpRequest): string {
  try {
    const problem = JSON.parse(xhr.responseText) as { detail?: string };
    if (problem.detail) return problem.detail;
  } catch {
    // Storage services answer in XML; the status says enough.
  }
  return xhr.status === 403 ? "the upload form expired. Add the image again." : `storage refused the file (${xhr.status}).`;
}
