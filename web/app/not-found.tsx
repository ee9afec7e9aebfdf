import Link from "next/link";

import { StateMessage } from "@/components/StateMessage";

export default function NotFound() {
  return (
    <StateMessage
      title="This page does not exist"
      action={
        <Link href="/" className="btn-primary">
          Back to discovering
        </Link>
      }
    >
      <p>The link may be mistyped, or the page may have moved.</p>
    </StateMessage>
  );
}
