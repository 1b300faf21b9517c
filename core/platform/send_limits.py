"""Telegram's sending limits as this deployment is configured to respect them.

The numbers come from the environment (core.platform.config); the shared
token buckets that enforce them across processes are core.delivery.budgets.
A bucket of rate r and burst b lets through at most b + r·t in any t
seconds; the defaults keep every window within Telegram's figure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SendLimits:
    global_per_second: float = 30.0
    global_burst: float = 1.0
    paid_per_second: float = 1000.0
    paid_burst: float = 1.0
    chat_per_second: float = 1.0
    chat_burst: float = 3.0
    group_per_minute: float = 20.0
    group_burst: float = 3.0
    #: A slot is taken a moment before Telegram counts the message, and the
    #: moments differ from send to send; every bucket refills this much slower
    #: than Telegram's figure so that jitter never adds up to a flood wait.
    overall_margin: float = 0.975

    def buckets(self, chat_id: int, lane: str) -> tuple[list[str], list[float], list[float]]:
        """The keys a send to ``chat_id`` must take a slot on, with their rates and bursts.

        ``lane`` is core.delivery.budgets.Lane: ``"paid"`` for paid broadcasts.
        """
        if lane == "paid":
            keys = ["global_paid"]
            rates, bursts = [self.paid_per_second * self.overall_margin], [self.paid_burst]
        else:
            keys = ["global"]
            rates, bursts = [self.global_per_second * self.overall_margin], [self.global_burst]
        if chat_id < 0:
            # b + r·60 = per minute: the burst is paid for out of the minute's allowance.
            keys.append(f"group:{chat_id}")
            rates.append(max(self.group_per_minute - self.group_burst, 1.0) / 60.0 * self.overall_margin)
            bursts.append(self.group_burst)
        else:
            keys.append(f"chat:{chat_id}")
            rates.append(self.chat_per_second * self.overall_margin)
            bursts.append(self.chat_burst)
        return keys, rates, bursts

