import type { Schemas } from "@/lib/api/types";

type Upload = Schemas["UploadView"];

export const ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/webp", "image/tiff"] as const;
// The server's default MAX_UPLOAD_BYTES; the server still checks the real one.
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
export const MAX_UPLOAD_LABEL = `${MAX_UPLOAD_BYTES / (1024 * 1024)} MB`;

const BY_EXTENSION: Record<string, (typeof ACCEPTED_TYPES)[number]> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  tif: "image/tiff",
  tiff: "image/tiff",
};

/**
 * The type to declare for a file: what the browser says, or what its name
 * says when the browser does not know. Only the server reads the bytes, so a
 * page renamed `.jpg` passes here and is refused there, with its reason.
 */
export function declaredType(file: { name: string; type: string }): (typeof ACCEPTED_TYPES)[number] | null {
  const type = file.type.toLowerCase();
  const accepted = ACCEPTED_TYPES.find((known) => known === type);
  if (accepted) return accepted;
  if (type) return null;
  return BY_EXTENSION[file.name.split(".").pop()?.toLowerCase() ?? ""] ?? null;
}

/** Why a file cannot be sent at all, or null when it can. */
export function refuseFile(file: { name: string; type: string; size: number }): string | null {
  if (!declaredType(file)) return "Choose a JPEG, PNG, WebP or TIFF image.";
  if (file.size === 0) return "This file is empty.";
  if (file.size > MAX_UPLOAD_BYTES) return `Images can be at most ${MAX_UPLOAD_LABEL}.`;
  return null;
}

/** One file on its way from the artist's machine to the server. */
export type Sending =
  | { phase: "starting"; name: string }
  | { phase: "sending"; name: string; uploadId: string; loaded: number; total: number }
  | { phase: "completing"; name: string; uploadId: string }
  | { phase: "done"; name: string; uploadId: string }
  | { phase: "failed"; name: string; message: string };

export type SendEvent =
  | { type: "created"; uploadId: string; total: number }
  | { type: "progress"; loaded: number; total: number }
  | { type: "sent" }
  | { type: "completed" }
  | { type: "failed"; message: string };

/**
 * The client's part of an upload: ask for a form, send the file, say it has
 * arrived. From then on the server's status (processing, ready, rejected)
 * tells the rest. Events that do not fit the phase are ignored, so a late
 * progress event cannot undo a failure.
 */
export function advance(state: Sending, event: SendEvent): Sending {
  if (event.type === "failed") {
    return state.phase === "done" ? state : { phase: "failed", name: state.name, message: event.message };
  }
  switch (state.phase) {
    case "starting":
      return event.type === "created"
        ? { phase: "sending", name: state.name, uploadId: event.uploadId, loaded: 0, total: event.total }
        : state;
    case "sending":
      if (event.type === "progress") {
        return { ...state, loaded: Math.min(event.loaded, event.total), total: event.total };
      }
      if (event.type === "sent") return { phase: "completing", name: state.name, uploadId: state.uploadId };
      return state;
    case "completing":
      return event.type === "completed" ? { phase: "done", name: state.name, uploadId: state.uploadId } : state;
    default:
      return state;
  }
}

/** Percent sent, for the progress bar. */
export function percentSent(state: Sending): number {
  if (state.phase === "sending") return state.total > 0 ? Math.round((state.loaded / state.total) * 100) : 0;
  return state.phase === "completing" || state.phase === "done" ? 100 : 0;
}

export const STATUS_LABEL: Record<Schemas["UploadStatus"], string> = {
  pending: "Uploading",
  processing: "Processing",
  ready: "Ready",
  rejected: "Rejected",
};

/**
 * How often to ask for an upload's status: every second while the server
 * processes it. A pending one is waiting for its file, which only the page
 * sending it can change.
 */
export function pollInterval(upload: Upload | undefined): number | false {
  return upload?.status === "processing" ? 1000 : false;
}

/** The multipart body the upload form expects: its fields in order, then the file. */
export function uploadBody(fields: Record<string, string>, file: Blob, filename: string): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  body.append("file", file, filename);
  return body;
}
