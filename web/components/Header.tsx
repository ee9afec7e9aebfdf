"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";

import { cartCount, useCart } from "@/lib/cart";
import { signOut, useSession } from "@/lib/session";

import { NotificationBell } from "./NotificationBell";

export function Header() {
  const { status, user } = useSession();
  const queryClient = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();

  async function leave() {
    await signOut();
    queryClient.clear();
    router.push("/");
  }

  const cart = useCart();
  const inCart = cartCount(cart.data);
  const links = [
    { href: "/search/", label: "Search", show: true },
    { href: "/studio/", label: "Studio", show: user?.role === "artist" || user?.role === "admin" },
    { href: "/collection/", label: "Collection", show: Boolean(user) },
    { href: "/collections/", label: "Collections", show: Boolean(user) },
    { href: "/orders/", label: "Orders", show: Boolean(user) },
    { href: "/offers/", label: "Offers", show: Boolean(user) },
    { href: "/messages/", label: "Messages", show: Boolean(user) },
    { href: "/operations/", label: "Operations", show: user?.role === "moderator" || user?.role === "admin" },
    { href: "/cart/", label: inCart > 0 ? `Cart (${inCart})` : "Cart", show: Boolean(user) },
    { href: "/account/security/", label: "Account", show: Boolean(user) },
  ].filter((link) => link.show);

  return (
    <header className="sticky top-0 z-30 border-b border-stone-200 bg-white">
      <nav
        aria-label="Main"
        className="mx-auto grid max-w-7xl grid-cols-[1fr_auto] items-center gap-x-6 px-4 sm:grid-cols-[auto_1fr_auto] sm:px-6"
      >
        {/* No prefetching from the header: on a slow link its pages would
            compete with the one being opened, and each is a small static
            file that loads quickly when asked for. */}
        <Link href="/" prefetch={false} className="py-3 font-serif text-2xl font-semibold tracking-tight">
          Atelier
        </Link>
        {/* On phones the links get a row of their own under the name, so none hide behind a menu. */}
        <ul className="col-span-2 -mx-4 flex gap-1 overflow-x-auto border-t border-stone-100 px-3 text-sm sm:order-none sm:col-span-1 sm:mx-0 sm:border-0 sm:px-0 max-sm:order-last">
          {links.map((link) => {
            const current = pathname === link.href || pathname.startsWith(link.href);
            return (
              <li key={link.href}>
                <Link
                  href={link.href}
                  prefetch={false}
                  aria-current={current ? "page" : undefined}
                  className="block rounded-md px-3 py-2.5 whitespace-nowrap text-stone-700 hover:bg-stone-100 hover:text-stone-900 aria-[current=page]:font-medium aria-[current=page]:text-stone-900 sm:py-2"
                >
                  {link.label}
                </Link>
              </li>
            );
          })}
        </ul>
        <div className="flex min-h-9 min-w-40 items-center justify-end gap-2 text-sm sm:gap-3">
          {status === "signed-in" && user ? (
            <>
              <NotificationBell userId={user.id} />
              <span className="hidden max-w-40 truncate text-stone-600 md:inline" title={user.email}>
                {user.display_name}
              </span>
              <button type="button" onClick={() => void leave()} className="btn-secondary px-4 py-1.5">
                Sign out
              </button>
            </>
          ) : status === "signed-out" ? (
            <>
              <Link
                href="/signin/"
                prefetch={false}
                className="rounded-md px-2 py-1.5 text-stone-800 hover:bg-stone-100 hover:text-stone-900"
              >
                Sign in
              </Link>
              <Link href="/signup/" prefetch={false} className="btn-primary px-4 py-1.5">
                Join
              </Link>
            </>
          ) : null}
        </div>
      </nav>
    </header>
  );
}
