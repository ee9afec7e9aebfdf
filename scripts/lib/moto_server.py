"""moto's server, with DynamoDB requests handled one at a time.

DynamoDB applies a conditional write atomically per item, and the key-value
adapter's counters, claims and token buckets rely on that. moto evaluates the
condition and writes in separate steps on a threaded server, so two
concurrent requests can both pass a condition only one should. Serialising
its DynamoDB handler restores the documented behaviour; the other services
stay concurrent (SQS long polls must not block each other).
"""

import sys
import threading

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_dynamodb = threading.Lock()
_call_action = DynamoHandler.call_action


def _serialised(self):
    with _dynamodb:
        return _call_action(self)


DynamoHandler.call_action = _serialised

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
