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

    def overall(self, lane: str) -> tuple[str, float, float]:
        """The overall key of ``lane`` with its rate and burst.

        ``lane`` is core.delivery.budgets.Lane: ``"paid"`` for paid broadcasts has a
        budget of its own; free broadcasts share interactive traffic's.
        """
        if lane == "paid":
            return "global_paid", self.paid_per_second * self.overall_margin, self.paid_burst
        return "global", self.global_per_second * self.overall_margin, self.global_burst

    def buckets(self, chat_id: int, lane: str) -> tuple[list[str], list[float], list[float]]:
        """The keys a send to ``chat_id`` must take a slot on, with their rates and bursts."""
        key, rate, burst = self.overall(lane)
        keys, rates, bursts = [key], [rate], [burst]
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

