// The inspector beside a chat: the user as the bot knows them (balance, ledger), the chat's
// outbox rows and send budgets, and the system as /health counts it.

import { ago, el, hhmm } from "./dom.js";

function card(title, ...children) { return el("div", { class: "card" }, el("h4", {}, title), ...children); }

function rows(headers, items, render) {
  return el("table", { class: "mini" }, el("tr", {}, headers.map((h) => el("th", {}, h))), items.map((i) => el("tr", {}, render(i))));
}

// The cards for one /sandbox/panel answer, about the chat ``c`` ({chatId, threadId, kind}).
export function renderPanel(p, c) {
  const body = [];
  if (p.user) {
    const u = p.user;
    body.push(card(c.kind === "group" ? "Customer in this topic" : "Balance",
      el("div", { class: "balance" }, el("span", { "data-testid": "panel-balance" }, String(u.credits)), el("small", {}, " credits")),
      el("div", { class: "facts" }, el("span", { class: "tag" }, `id ${u.telegram_id}`), el("span", { class: "tag" }, u.tier),
        u.language ? el("span", { class: "tag" }, u.language) : null, el("span", { class: "tag" }, `tour: ${u.tutorial}`),
        u.pass_until ? el("span", { class: "tag" }, `pass until ${new Date(u.pass_until).toLocaleString()}`) : null,
        u.banned ? el("span", { class: "tag warn" }, "banned") : null, u.blocked_bot ? el("span", { class: "tag warn" }, "blocked the bot") : null),
      p.summary ? el("div", { class: "facts" }, el("span", { class: "tag" }, `bought ${p.summary.bought}`),
        el("span", { class: "tag" }, `spent ${p.summary.spent}`), el("span", { class: "tag" }, `messages ${p.summary.messages}`)) : null));
    body.push(card("Ledger", p.ledger.length ? rows(["when", "change", "after", "reason"], p.ledger, (e) => [
      el("td", {}, ago(e.at)), el("td", { class: `num ${e.change > 0 ? "plus" : "minus"}` }, e.kind === "pass" ? "pass" : (e.change > 0 ? `+${e.change}` : String(e.change))),
      el("td", { class: "num" }, e.balance_after ?? ""), el("td", {}, e.reason + (e.rail ? ` · ${e.rail}` : ""))]) : el("p", { class: "hint" }, "No entries yet.")));
  } else if (c.kind === "private") {
    body.push(card("Balance", el("p", { class: "hint", "data-testid": "panel-no-user" }, "Not a user of the bot yet: press START."),
      el("span", { "data-testid": "panel-balance", hidden: true }, "")));
  } else {
    body.push(card("This chat", el("p", { class: "hint" }, c.threadId ? "No customer is linked to this topic." : "The admin group's General topic: the control center.")));
  }
  body.push(card("Outbox for this chat", p.sends.length ? rows(["#", "method", "status"], p.sends, (s) => [
    el("td", {}, s.id), el("td", {}, s.method), el("td", {}, s.status, s.attempts > 1 ? ` ×${s.attempts}` : "", s.error ? el("div", { class: "err" }, s.error) : null)])
    : el("p", { class: "hint" }, "Nothing sent here yet.")));
  body.push(card("Send budgets", ...p.budgets.map((b) => {
    const share = Math.max(0, Math.min(1, b.available / b.burst));
    const bar = el("div", { class: `bar${b.blocked_until ? " blocked" : ""}` }, el("i"));
    bar.firstChild.style.width = `${Math.round(share * 100)}%`;
    return el("div", { style: "margin:4px 0 8px" }, el("div", {}, el("code", {}, b.key), " ",
      el("small", {}, `${Math.max(0, b.available).toFixed(1)}/${b.burst} · ${b.rate}/s`),
      b.blocked_until ? el("span", { class: "err" }, ` flood wait until ${hhmm(b.blocked_until)}`) : null), bar);
  }), p.flood_waits.length ? el("div", {}, el("small", {}, "Telegram refused with FLOOD_WAIT: ",
    p.flood_waits.map((f) => `${f.seconds}s at ${hhmm(f.at)}`).join(", "))) : el("small", { class: "hint" }, "No flood waits in this chat.")));
  const q = Object.entries(p.queues);
  body.push(card("System (as /health)", rows(["queue", "todo", "doing", "failed"], q, ([name, d]) => [
    el("td", {}, name), el("td", { class: "num" }, d.todo), el("td", { class: "num" }, d.doing), el("td", { class: "num" }, d.failed)]),
    el("div", { class: "facts" }, el("span", { class: "tag" }, `inbox ${p.inbox.pending} waiting · ${p.inbox.failed} failed`),
      el("span", { class: `tag${p.outbox.failed ? " warn" : ""}` }, `outbox ${p.outbox.pending} pending · ${p.outbox.failed} failed`),
      el("span", { class: "tag" }, `workers ${p.stalled.live_workers}`),
      p.stalled.jobs ? el("span", { class: "tag warn" }, `${p.stalled.jobs} stalled`) : null)));
  return body;
}
