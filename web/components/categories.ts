import { useQuery } from "@tanstack/react-query";

import { api, call } from "@/lib/api/client";
import type { Schemas } from "@/lib/api/types";

export type FlatCategory = { slug: string; name: string; depth: number };

/** The category tree in reading order, each with its depth for indenting. */
export function flattenCategories(nodes: Schemas["CategoryNode"][], depth = 0): FlatCategory[] {
  return nodes.flatMap((node) => [
    { slug: node.slug, name: node.name, depth },
    ...flattenCategories(node.children, depth + 1),
  ]);
}

export function useCategories() {
  return useQuery({
    queryKey: ["categories"],
    queryFn: () => call(() => api.GET("/api/categories")),
    staleTime: 10 * 60_000,
    select: (tree) => flattenCategories(tree),
  });
}
