"use client";

import { useQuery } from "@tanstack/react-query";

import { api, call } from "./api/client";
import type { Schemas } from "./api/types";
import { useSession } from "./session";

export type Cart = Schemas["CartView"];

export const cartKey = (userId: string | null) => ["cart", userId] as const;

/** The signed-in collector's cart; idle for visitors. */
export function useCart() {
  const userId = useSession((s) => (s.status === "signed-in" ? (s.user?.id ?? null) : null));
  return useQuery({
    queryKey: cartKey(userId),
    queryFn: ({ signal }) => call(() => api.GET("/api/cart", { signal })),
    enabled: userId !== null,
  });
}

export function putCartItem(artworkId: string, quantity: number): Promise<Cart> {
  return call(() => api.PUT("/api/cart/items/{artwork_id}", { params: { path: { artwork_id: artworkId } }, body: { quantity } }));
}

export function removeCartItem(artworkId: string): Promise<void> {
  return call(() => api.DELETE("/api/cart/items/{artwork_id}", { params: { path: { artwork_id: artworkId } } })).then(
    () => undefined,
  );
}

/** How many works the cart holds (each edition counted once). */
export function cartCount(cart: Cart | undefined): number {
  if (!cart) return 0;
  return cart.groups.reduce((sum, group) => sum + group.lines.length, 0) + cart.unavailable.length;
}

/** How many of a work a buyer may put in the cart: one of a unique work, up to 20 copies of an edition. */
export const MAX_COPIES = 20;
