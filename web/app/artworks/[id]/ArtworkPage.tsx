"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { AddToCollection } from "@/components/AddToCollection";
import { ArtworkGrid, GridSkeleton } from "@/components/ArtworkGrid";
import { PageSkeleton } from "@/components/PageSkeleton";
import { PaletteChips } from "@/components/PaletteChips";
import { Picture } from "@/components/Picture";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { StyleLink } from "@/components/StyleLink";
import { ToggleAction } from "@/components/ToggleAction";
import { api, call } from "@/lib/api/client";
import { ApiError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { lifespan, paletteGradient } from "@/lib/artwork";
import { withAvailability, type Availability } from "@/lib/availability";
import { formatDimensions, formatEdition, formatPrice, pluralise } from "@/lib/format";
import { useLiveChannel } from "@/lib/live-react";
import { useRouteId } from "@/lib/route";
import { useSession } from "@/lib/session";

import { useArtworkActions, useRecordView } from "./actions";
import { AskArtist } from "./AskArtist";
import { BuyBox } from "./BuyBox";
import { MakeOffer } from "./MakeOffer";

type Artwork = Schemas["ArtworkView"];

export function ArtworkPage() {
  const id = useRouteId("artworks");
  const artwork = useQuery({
    queryKey: ["artwork", id],
    queryFn: ({ signal }) => call(() => api.GET("/api/artworks/{id}", { params: { path: { id: id! } }, signal })),
    enabled: Boolean(id),
    // Availability is live: another collector may buy the work meanwhile.
    // The work's channel says so as it happens; reading it again now and
    // then covers a connection that is down.
    refetchInterval: 30_000,
    refetchOnWindowFocus: true,
  });

  const queryClient = useQueryClient();
  const [justSold, setJustSold] = useState(false);
  useLiveChannel(id && artwork.data ? `artwork:${id}` : null, (message) => {
    if (message.type === "reload") {
      void queryClient.invalidateQueries({ queryKey: ["artwork", id] });
    } else if (message.type === "event" && message.kind === "availability") {
      const change = message.data as Availability | null;
      queryClient.setQueryData<Artwork>(["artwork", id], (old) => (old ? withAvailability(old, change) : old));
      if (change?.status) setJustSold(change.status === "sold");
    }
  });

  const title = artwork.data?.title;
  const unavailable = id === null || isUnavailable(artwork.error);
  useEffect(() => {
    if (title) document.title = `${title} · Atelier`;
    else if (unavailable) document.title = "Artwork not available · Atelier";
  }, [title, unavailable]);

  if (unavailable) return <NotAvailable />;
  if (artwork.isError) return <ErrorState error={artwork.error} onRetry={() => void artwork.refetch()} />;
  if (!artwork.data) return <ArtworkSkeleton />;
  return <ArtworkDetail artwork={artwork.data} justSold={justSold && artwork.data.status === "sold"} />;
}

/** A missing id, a deleted or unpublished work, or an address that is not an
 * id at all: to the visitor these are the same thing. */
function isUnavailable(error: unknown): boolean {
  return error instanceof ApiError && (error.isNotFound || error.status === 422 || error.status === 400);
}

function NotAvailable() {
  return (
    <StateMessage title="This artwork is not available" link={{ href: "/", label: "Discover other works" }}>
      <p>It may have been withdrawn by the artist, or the link may be mistyped.</p>
    </StateMessage>
  );
}

function ArtworkDetail({ artwork, justSold }: { artwork: Artwork; justSold: boolean }) {
  const cover = artwork.images[0];
  useRecordView(artwork.id);
  const actions = useArtworkActions(artwork.id);

  return (
    <>
      <article className="grid gap-8 lg:grid-cols-[minmax(0,7fr)_minmax(0,5fr)] lg:gap-12">
        <figure className="lg:sticky lg:top-6 lg:self-start">
          <CoverImage artwork={artwork} />
          {cover && cover.palette.length > 0 && (
            <figcaption className="mt-4">
              <h2 className="sr-only">Palette</h2>
              <PaletteChips palette={cover.palette} />
            </figcaption>
          )}
        </figure>

        <div className="flex flex-col gap-6">
          <header>
            <h1 className="font-serif text-3xl font-semibold tracking-tight text-balance text-stone-900 sm:text-4xl">
              {artwork.title}
            </h1>
            <p className="mt-2 text-stone-700">
              <a href={`/artists/${artwork.artist.slug}`} className="font-medium text-stone-900 underline-offset-4 hover:underline">
                {artwork.artist.name}
              </a>
              {artwork.year ? `, ${artwork.year}` : ""}
            </p>
          </header>

          <div className="flex flex-col gap-3">
            <div className="flex flex-wrap items-center gap-3">
              <p className="text-2xl font-semibold text-stone-900">{formatPrice(artwork.price)}</p>
              <p role="status" className="empty:hidden">
                {justSold && (
                  <span className="rounded-full bg-red-700 px-3 py-1 text-sm font-semibold text-white">Just sold</span>
                )}
              </p>
            </div>
            <BuyBox artwork={artwork} />
            <MakeOffer artwork={artwork} />
          </div>

          <div>
            <div className="flex flex-wrap gap-3">
              <ToggleAction label="Save" icon="save" pressed={actions.saved} busy={actions.saving} onToggle={() => void actions.toggleSave()} />
              <ToggleAction label="Like" icon="like" pressed={actions.liked} busy={actions.liking} onToggle={() => void actions.toggleLike()} />
              <AddToCollection work={artwork} />
            </div>
            <p role="status" className="mt-2 text-sm text-red-700 empty:mt-0">
              {actions.failure}
            </p>
          </div>

          <AskArtist artwork={artwork} />

          <Facts artwork={artwork} />

          {artwork.description && (
            <section aria-labelledby="about-heading">
              <h2 id="about-heading" className="text-base font-semibold text-stone-900">
                About the work
              </h2>
              <p className="mt-2 leading-relaxed whitespace-pre-line text-stone-700">{artwork.description}</p>
            </section>
          )}

          <Keywords artwork={artwork} />
          <ArtistCard artist={artwork.artist} />
        </div>
      </article>

      <SimilarWorks id={artwork.id} />
    </>
  );
}

function CoverImage({ artwork }: { artwork: Artwork }) {
  const cover = artwork.images[0];
  const backdrop = paletteGradient(cover?.palette ?? []) ?? "#e7e5e4";
  if (!cover || cover.variants.length === 0) {
    return (
      <div
        role="img"
        aria-label={artwork.title}
        className="flex aspect-[4/5] w-full items-center justify-center rounded-md text-sm text-stone-700"
        style={{ background: backdrop }}
      >
        <span className="rounded bg-white/80 px-3 py-1">No image yet</span>
      </div>
    );
  }
  const ratio = cover.width / cover.height;
  return (
    <div
      className="mx-auto overflow-hidden rounded-md shadow-sm"
      // Tall works are held to three quarters of the screen's height, and
      // the box keeps the image's proportions before a byte has arrived.
      style={{ aspectRatio: `${cover.width} / ${cover.height}`, width: `min(100%, calc(75vh * ${ratio.toFixed(4)}))`, background: backdrop }}
    >
      <Picture
        variants={cover.variants}
        alt={artwork.title}
        sizes="(min-width: 1280px) 690px, (min-width: 1024px) calc(58vw - 3.5rem), calc(100vw - 2rem)"
        placeholder="transparent"
        priority
        className="h-full w-full object-cover"
      />
    </div>
  );
}

function Facts({ artwork }: { artwork: Artwork }) {
  const facts: [string, string][] = [
    ["Medium", artwork.medium],
    ["Category", artwork.category.name],
    ["Year", artwork.year ? String(artwork.year) : ""],
    ["Dimensions", artwork.dimensions ? formatDimensions(artwork.dimensions) : ""],
    ["Edition", formatEdition(artwork.edition)],
    ["Framing", artwork.framed ? "Framed" : "Unframed"],
    ["Signature", artwork.signature],
    ["Certificate", artwork.certificate_of_authenticity ? "Certificate of authenticity included" : ""],
    ["Ships from", artwork.shipping_origin ?? ""],
    ["Provenance", artwork.provenance],
  ];
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 border-y border-stone-200 py-4 text-sm">
      {facts
        .filter(([, value]) => value.trim() !== "")
        .map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="text-stone-600">{term}</dt>
            <dd className="text-stone-900">{value}</dd>
          </div>
        ))}
    </dl>
  );
}

function Keywords({ artwork }: { artwork: Artwork }) {
  if (artwork.styles.length === 0 && artwork.tags.length === 0) return null;
  return (
    <section aria-labelledby="keywords-heading">
      <h2 id="keywords-heading" className="text-base font-semibold text-stone-900">
        Styles and tags
      </h2>
      <ul className="mt-2 flex flex-wrap gap-2 text-sm">
        {artwork.styles.map((style) => (
          <li key={`style-${style}`}>
            <StyleLink style={style} />
          </li>
        ))}
        {artwork.tags.map((tag) => (
          <li key={`tag-${tag}`} className="rounded-full bg-stone-100 px-3 py-1 text-stone-700">
            {tag}
          </li>
        ))}
      </ul>
    </section>
  );
}

function ArtistCard({ artist }: { artist: Schemas["ArtistRef"] }) {
  const userId = useSession((s) => s.user?.id ?? null);
  const profile = useQuery({
    queryKey: ["artist", artist.slug, userId],
    queryFn: ({ signal }) => call(() => api.GET("/api/artists/{id}", { params: { path: { id: artist.slug } }, signal })),
  });
  const details = profile.data ? [lifespan(profile.data), profile.data.location].filter(Boolean).join(" · ") : "";
  return (
    <section aria-labelledby="artist-heading" className="rounded-md border border-stone-200 bg-white p-4">
      <h2 id="artist-heading" className="text-xs font-medium tracking-wide text-stone-600 uppercase">
        The artist
      </h2>
      <p className="mt-1 text-lg font-semibold">
        <a href={`/artists/${artist.slug}`} className="text-stone-900 underline-offset-4 hover:underline">
          {artist.name}
        </a>
      </p>
      <p className="min-h-5 text-sm text-stone-600">
        {details}
        {profile.data && (
          <>
            {details && " · "}
            {pluralise(profile.data.artwork_count, "work")} on Atelier
          </>
        )}
      </p>
    </section>
  );
}

function SimilarWorks({ id }: { id: string }) {
  const similar = useQuery({
    queryKey: ["similar", id],
    queryFn: ({ signal }) =>
      call(() => api.GET("/api/artworks/{id}/similar", { params: { path: { id }, query: { limit: 10 } }, signal })),
  });
  let body;
  if (similar.isPending) body = <GridSkeleton count={5} />;
  else if (similar.isError) body = <ErrorState error={similar.error} onRetry={() => void similar.refetch()} />;
  else if (similar.data.length === 0) body = <p className="text-stone-600">No similar works yet.</p>;
  else body = <ArtworkGrid works={similar.data} label="Similar works" eager={false} />;
  return (
    <section aria-labelledby="similar-heading" className="mt-16 border-t border-stone-200 pt-10">
      <h2 id="similar-heading" className="mb-6 font-serif text-2xl font-semibold text-stone-900">
        Similar works
      </h2>
      {body}
    </section>
  );
}

/** Shaped like the page, similar works included, so nothing jumps when it arrives. */
function ArtworkSkeleton() {
  return (
    <PageSkeleton label="Loading artwork…">
      <div className="grid gap-8 lg:grid-cols-[minmax(0,7fr)_minmax(0,5fr)] lg:gap-12" aria-hidden="true">
        <div className="mx-auto aspect-[4/5] max-h-[75vh] w-full animate-pulse rounded-md bg-stone-200 motion-reduce:animate-none" />
        <div className="flex flex-col gap-4">
          <div className="h-10 w-3/4 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-5 w-1/2 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-8 w-1/3 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-32 w-full animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        </div>
      </div>
      <div className="mt-16 border-t border-stone-200 pt-10">
        <div className="mb-6 h-8 w-48 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        <GridSkeleton count={5} />
      </div>
    </PageSkeleton>
  );
}
