"""localstripe's server on 127.0.0.1, with what Stripe's API documents for
PaymentIntents and localstripe lacks.

localstripe is a stateful stand-in for Stripe's API (a test tool, GPL-3, run
here, never shipped). Where it departs from Stripe's documented API in a way
the Stripe adapter would trip on, this restores Stripe's behaviour, and
nothing else:

- It listens on every interface (`::`); here only on 127.0.0.1.
- It pickles its whole store to /tmp/localstripe.pickle after every write,
  one file for every run on the machine; here the state is the process's own.
- Creating a PaymentIntent refuses `transfer_group` and `description`, which
  Stripe takes and returns.
- A PaymentIntent has no `amount_capturable` nor `amount_received`.
- Capturing part of an authorisation records the rest as a refund to the
  buyer; Stripe releases it, and lists only money returned as refunds.
- Capturing a payment that is not authorised fails inside localstripe with
  a 500 (no card yet, or one waiting for 3-D Secure) or succeeds (after a
  void); Stripe refuses it with a 400 naming the payment's status.

What it does not do at all is left undone, and the tests say so: it replays
no Idempotency-Key, bounds no refund by what was captured, has no Connect.
"""

import argparse
import logging
import re

from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.resources import Charge, PaymentIntent, try_convert_to_int
from localstripe.server import app


def _keep_in_memory(_store):
    pass


resources.Store.dump_to_disk = _keep_in_memory

_create_intent = PaymentIntent.__init__


def _create_intent_in_group(self, transfer_group=None, description=None, **params):
    for value in (transfer_group, description):
        if value is not None and not isinstance(value, str):
            raise UserError(400, "Bad request")
    _create_intent(self, **params)
    self.transfer_group = transfer_group
    self.description = description


PaymentIntent.__init__ = _create_intent_in_group


def _amount_capturable(intent):
    return intent.latest_charge.amount if intent.status == "requires_capture" else 0


def _amount_received(intent):
    if intent.status != "succeeded":
        return 0
    charge = intent.latest_charge
    return getattr(charge, "_amount_captured", charge.amount)


PaymentIntent.amount_capturable = property(_amount_capturable)
PaymentIntent.amount_received = property(_amount_received)


def _capture_releasing_the_rest(charge, amount, on_success=None):
    amount = charge.amount if amount is None else try_convert_to_int(amount)
    capturable = not charge.captured and charge.status == "succeeded"
    if not isinstance(amount, int) or not 0 <= amount <= charge.amount or not capturable:
        raise UserError(400, "Bad request")

    def captured():
        charge.captured = True
        charge._amount_captured = amount
        if on_success:
            on_success()

    charge._trigger_payment(on_success=captured)


Charge._capture = _capture_releasing_the_rest

_CAPTURE = re.compile(r"/v1/payment_intents/(\w+)/capture")


@web.middleware
async def _capture_only_what_is_authorised(request, handler):
    # The route holds localstripe's own capture function, so the check goes
    # in front of it rather than into it.
    match = _CAPTURE.fullmatch(request.path)
    if request.method == "POST" and match:
        intent = resources.store.get("payment_intent:" + match.group(1))
        if intent is not None and intent.status != "requires_capture":
            raise UserError(
                400,
                "This PaymentIntent could not be captured because it has a status of %s." % intent.status,
                {"code": "payment_intent_unexpected_state"},
            )
    return await handler(request)


app.middlewares.append(_capture_only_what_is_authorised)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # localstripe reports webhook deliveries on this logger.
    log = logging.getLogger("aiohttp.access")
    log.setLevel(logging.INFO)
    log.addHandler(logging.StreamHandler())
    web.run_app(app, host=args.host, port=args.port, access_log=log, print=None)


if __name__ == "__main__":
    main()
