import type { InfiniteData } from "@tanstack/react-query";

import type { Schemas } from "./api/types";

export type Conversation = Schemas["ConversationView"];
export type Message = Schemas["MessageView"];
export type MessagePage = Schemas["MessagePage"];
export type MessagePages = InfiniteData<MessagePage>;

/** As the API counts them, once normalised. */
export const MAX_MESSAGE_CHARS = 4000;

export const conversationKeys = {
  /** The inbox: what a new message anywhere makes stale. */
  inbox: ["conversations"] as const,
  one: (id: string) => ["conversation", id] as const,
  messages: (id: string) => ["conversation", id, "messages"] as const,
};

/** The other side of a conversation, as the person looking at it sees it. */
export function otherParty(conversation: Pick<Conversation, "collector" | "artist">, me: string): Schemas["Party"] {
  return conversation.collector.user_id === me ? conversation.artist : conversation.collector;
}

/**
 * Message ids are UUIDv7, which sort as text in the order they were made: a
 * read mark at or after a message means it was read, whether or not that
 * message is among those loaded.
 */
export function isReadUpTo(messageId: string, lastReadId: string | null | undefined): boolean {
  return Boolean(lastReadId) && lastReadId!.toLowerCase() >= messageId.toLowerCase();
}

/** The pages (newest first, as the API sends them) with a message added at the top unless it is there already. */
export function withMessage(pages: MessagePages | undefined, message: Message): MessagePages | undefined {
  if (!pages || pages.pages.length === 0) return pages;
  if (pages.pages.some((page) => page.items.some((item) => item.id === message.id))) return pages;
  const [first, ...rest] = pages.pages;
  // Newest first: the message goes where its id sorts, nearly always the top.
  const items = [...first!.items, message].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return { ...pages, pages: [{ ...first!, items }, ...rest] };
}

/** Oldest first, as a conversation reads, without repeats. */
export function chronological(pages: MessagePages | undefined): Message[] {
  const seen = new Set<string>();
  const out: Message[] = [];
  for (const page of pages?.pages ?? []) {
    for (const message of page.items) {
      if (seen.has(message.id)) continue;
      seen.add(message.id);
      out.push(message);
    }
  }
  return out.reverse();
}

/** How many characters the API will count: line breaks as one, surrounding space trimmed. */
export function messageLength(text: string): number {
  return [...text.replace(/\r\n?/g, "\n").trim()].length;
}
