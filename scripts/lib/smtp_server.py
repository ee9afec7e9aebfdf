"""A local SMTP server for the mail adapter's tests, on aiosmtpd.

Every message it accepts is written to a Maildir (the directory given), one
file per message, as received. Recipients at the domain `refused.test` are
refused at RCPT with a permanent 550 reply, as a server refuses a mailbox
that does not exist, so the tests can see a bounce.
"""

import argparse
import asyncio
import mailbox
import signal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session, SMTP

REFUSED_DOMAIN = "@refused.test"


class MaildirHandler:
    def __init__(self, path: str) -> None:
        self.maildir = mailbox.Maildir(path, create=True)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list) -> str:
        if address.lower().endswith(REFUSED_DOMAIN):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.maildir.add(envelope.original_content or envelope.content)
        return "250 2.0.0 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    args = parser.parse_args()
    controller = Controller(MaildirHandler(args.maildir), hostname="127.0.0.1", port=args.port)
    controller.start()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
