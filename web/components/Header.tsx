"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";

import { signOut, useSession } from "@/lib/session";

export function Header() {
  const { status, user } = useSession();
  const queryClient = useQueryClient();
  const router = useRouter();

  async function leave() {
    await signOut();
    queryClient.clear();
    router.push("/");
  }

  return (
    <header className="border-b border-stone-200 bg-white">
      <nav aria-label="Main" className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
        <Link href="/" className="font-serif text-2xl font-semibold tracking-tight">
          Atelier
        </Link>
        <ul className="flex flex-1 flex-wrap items-center gap-x-5 gap-y-1 text-sm">
          <li>
            <Link href="/search/" className="hover:underline">
              Search
            </Link>
          </li>
          {user && (user.role === "artist" || user.role === "admin") && (
            <li>
              <Link href="/studio/" className="hover:underline">
                Studio
              </Link>
            </li>
          )}
          {user && (
            <li>
              <Link href="/collection/" className="hover:underline">
                Collection
              </Link>
            </li>
          )}
        </ul>
        <div className="flex items-center gap-3 text-sm" aria-live="polite">
          {status === "signed-in" && user ? (
            <>
              <span className="hidden text-stone-600 sm:inline">{user.display_name}</span>
              <button type="button" onClick={leave} className="btn-secondary py-1.5">
                Sign out
              </button>
            </>
          ) : status === "signed-out" ? (
            <>
              <Link href="/signin/" className="hover:underline">
                Sign in
              </Link>
              <Link href="/signup/" className="btn-primary py-1.5">
                Join
              </Link>
            </>
          ) : null}
        </div>
      </nav>
    </header>
  );
}
