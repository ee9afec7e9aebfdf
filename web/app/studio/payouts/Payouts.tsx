"use client";

import { useSearchParams } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";

import { PageSkeleton } from "@/components/PageSkeleton";
import { ErrorState } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { formatMoney } from "@/lib/money";

import { NeedsProfile, StudioGate } from "../StudioGate";
import { StudioNav } from "../StudioNav";

export const payoutsKey = ["me", "payouts"] as const;

export function Payouts() {
  return <StudioGate>{(user) => (user.artist_id ? <PayoutsOverview /> : <NeedsProfile />)}</StudioGate>;
}

function PayoutsOverview() {
  // The provider sends the artist back here with `?done=1` after onboarding.
  const back = useSearchParams().get("done") === "1";
  const payouts = useQuery({
    queryKey: payoutsKey,
    queryFn: ({ signal }) => call(() => api.GET("/api/me/payouts", { signal })),
    staleTime: 0,
    refetchOnWindowFocus: true,
  });
  const connect = useMutation({
    mutationFn: () => call(() => api.POST("/api/me/payouts/account")),
    // Onboarding happens at the provider, which sends the artist back here.
    onSuccess: (answer) => window.location.assign(answer.onboarding_url),
  });

  return (
    <div className="flex flex-col gap-8">
      <StudioNav />
      <div>
        <h1 className="font-serif text-3xl">Payouts</h1>
        <p className="mt-1 max-w-2xl text-stone-600">
          Your share of each sale is captured when you accept the order, held until the order completes (the buyer has it
          and the protection period has passed), then paid out to your payout account.
        </p>
      </div>
      {payouts.isPending ? (
        <PageSkeleton label="Loading your payouts…">
          <div aria-hidden="true" className="h-48 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
        </PageSkeleton>
      ) : payouts.isError ? (
        <ErrorState error={payouts.error} onRetry={() => void payouts.refetch()} />
      ) : (
        <>
          {payouts.data.notice && (
            <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950">
              {payouts.data.notice}
            </p>
          )}
          <Account
            account={payouts.data.account ?? null}
            back={back}
            pending={connect.isPending || connect.isSuccess}
            error={connect.isError ? describeError(connect.error) : null}
            onConnect={() => connect.mutate()}
          />
          <Balances balances={payouts.data.balances} />
        </>
      )}
    </div>
  );
}

type AccountProps = {
  account: Schemas["PayoutAccountView"] | null;
  back: boolean;
  pending: boolean;
  error: string | null;
  onConnect: () => void;
};

function Account({ account, back, pending, error, onConnect }: AccountProps) {
  const state = !account ? "Not connected" : account.payouts_enabled ? "Connected: payouts are enabled" : "Connected: not enabled yet";
  return (
    <section aria-labelledby="account-heading" className="rounded-lg border border-stone-200 bg-white p-5">
      <h2 id="account-heading" className="font-serif text-xl">
        Payout account
      </h2>
      <p className="mt-1 text-stone-800">{state}</p>
      {account && account.requirements.length > 0 && (
        <p className="mt-1 text-sm text-stone-600">Still needed: {account.requirements.join(", ")}.</p>
      )}
      {back && account?.payouts_enabled && (
        <p role="status" className="mt-2 text-sm text-emerald-800">
          Your payout account is set up.
        </p>
      )}
      {!account?.payouts_enabled && (
        <button type="button" className="btn-primary mt-4" disabled={pending} onClick={onConnect}>
          {pending ? "Opening…" : account ? "Continue setting up" : "Connect a payout account"}
        </button>
      )}
      {error && (
        <p role="alert" className="mt-3 text-sm text-red-700">
          {error}
        </p>
      )}
    </section>
  );
}

function Balances({ balances }: { balances: Schemas["Balance"][] }) {
  return (
    <section aria-labelledby="balance-heading">
      <h2 id="balance-heading" className="font-serif text-xl">
        Balance
      </h2>
      {balances.length === 0 ? (
        <p className="mt-2 text-stone-600">No sales yet: your balance appears here after your first accepted order.</p>
      ) : (
        <table className="mt-3 w-full max-w-2xl border-collapse text-sm">
          <caption className="sr-only">Your balance by currency</caption>
          <thead>
            <tr className="border-b border-stone-300 text-left">
              <th scope="col" className="py-2 pr-4 font-medium">
                Currency
              </th>
              <th scope="col" className="py-2 pr-4 text-right font-medium">
                Pending
              </th>
              <th scope="col" className="py-2 pr-4 text-right font-medium">
                Available
              </th>
              <th scope="col" className="py-2 text-right font-medium">
                Paid out
              </th>
            </tr>
          </thead>
          <tbody>
            {balances.map((balance) => (
              <tr key={balance.pending.currency} className="border-b border-stone-200">
                <th scope="row" className="py-2 pr-4 text-left font-normal">
                  {balance.pending.currency}
                </th>
                <td className="py-2 pr-4 text-right tabular-nums">{formatMoney(balance.pending)}</td>
                <td className="py-2 pr-4 text-right tabular-nums">{formatMoney(balance.available)}</td>
                <td className="py-2 text-right tabular-nums">{formatMoney(balance.paid_out)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <dl className="mt-4 grid max-w-2xl gap-2 text-sm text-stone-600 sm:grid-cols-[auto_1fr] sm:gap-x-4">
        <dt className="font-medium text-stone-800">Pending</dt>
        <dd>Captured for orders that have not completed yet: the buyer can still report a problem.</dd>
        <dt className="font-medium text-stone-800">Available</dt>
        <dd>Owed for completed orders and waiting to be paid out, for instance until your payout account is enabled.</dd>
        <dt className="font-medium text-stone-800">Paid out</dt>
        <dd>Sent to your payout account.</dd>
      </dl>
    </section>
  );
}
