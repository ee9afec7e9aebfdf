import { StateMessage } from "@/components/StateMessage";

export default function NotFound() {
  return (
    <StateMessage title="This page does not exist" link={{ href: "/", label: "Back to discovering" }}>
      <p>The link may be mistyped, or the page may have moved.</p>
    </StateMessage>
  );
}
