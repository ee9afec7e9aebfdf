"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const SECTIONS = [
  { href: "/studio/", label: "Works" },
  { href: "/studio/insights/", label: "Insights" },
  { href: "/studio/sales/", label: "Sales" },
  { href: "/studio/offers/", label: "Offers" },
  { href: "/studio/shipping/", label: "Shipping" },
  { href: "/studio/payouts/", label: "Payouts" },
] as const;

/** The studio's sections: works, their insights, sales, offers, shipping terms and payouts. */
export function StudioNav() {
  const pathname = usePathname();
  const here = (href: string) =>
    href === "/studio/" ? pathname === "/studio/" || pathname === "/studio" : pathname.startsWith(href.slice(0, -1));
  return (
    <nav aria-label="Studio" className="-mx-1 overflow-x-auto">
      <ul className="flex gap-1 border-b border-stone-200 text-sm">
        {SECTIONS.map((section) => (
          <li key={section.href}>
            <Link
              href={section.href}
              prefetch={false}
              aria-current={here(section.href) ? "page" : undefined}
              className="-mb-px block border-b-2 border-transparent px-3 py-2 whitespace-nowrap text-stone-700 hover:text-stone-900 aria-[current=page]:border-stone-900 aria-[current=page]:font-medium aria-[current=page]:text-stone-900"
            >
              {section.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
