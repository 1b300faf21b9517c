// The sandbox console: a small Telegram client for the stand-in Telegram.
// Reads /sandbox/world, /sandbox/chat, /sandbox/panel; acts with /sandbox/send,
// /sandbox/press, /sandbox/pay-invoice; hears changes on /sandbox/events (SSE).
// Plain ES modules, no build step: dom.js, text.js (entities), inspector.js (the side panel).

import { $, ago, api, avatar, colorOf, dayOf, el, fail, hhmm, initials, kb, toast } from "./dom.js";
import { renderPanel } from "./inspector.js";
import { formatted, safeUrl } from "./text.js";

const state = {
  world: null,
  chat: null, // {chatId, threadId, kind: "private" | "group", title}
  messages: new Map(), // message_id -> item, of the open chat
  more: false,
  commands: [],
  reply: null,
  attachment: null,
  queries: new Map(), // query ids this page sent -> button text
  answers: new Map(), // query id -> answer that came before the press returned
  unread: new Map(), // "chat:thread" -> count
  operatorId: null,
  suggestIndex: 0,
};

const key = (chatId, threadId) => `${chatId}:${threadId ?? ""}`;

function previewText(last) {
  if (!last) return "";
  const labels = { photo: "🖼 Photo", document: "📎 File", invoice: "🧾 Invoice", voice: "🎤 Voice", video: "🎬 Video",
    sticker: "Sticker", animation: "GIF" };
  const text = last.text || labels[last.kind] || last.kind;
  return (last.from_bot ? "" : "You: ") + text;
}


// --- the chat list ---

async function loadWorld() {
  state.world = await api("/sandbox/world");
  const select = document.querySelector('[data-testid="new-user-language"]');
  if (!select.options.length) {
    for (const l of state.world.languages) select.append(el("option", { value: l.code }, l.name));
  }
  renderOperators();
  renderList();
  if (state.chat) renderHeader();
}

function badge(chatId, threadId) {
  const count = state.unread.get(key(chatId, threadId)) || 0;
  return count ? el("span", { class: "badge hot", "data-testid": "unread" }, String(count)) : null;
}

function isOpen(chatId, threadId) {
  return state.chat && state.chat.chatId === chatId && (state.chat.threadId ?? null) === (threadId ?? null);
}

function renderList() {
  const users = $("users");
  users.replaceChildren();
  for (const u of state.world.users) {
    const handle = u.username ? `@${u.username}` : "";
    users.append(el("li", {
      class: `item${isOpen(u.chat_id, null) ? " active" : ""}`, "data-testid": "chat-item",
      "data-chat-id": u.chat_id, "data-kind": "private", title: `${u.name} ${handle} · ${u.chat_id}`,
      onclick: () => openChat({ chatId: u.chat_id, threadId: null, kind: "private" }),
    }, avatar(u.name, u.chat_id), el("div", { class: "body" },
      el("div", { class: "top" }, el("span", { class: "name" }, u.name), el("span", { class: "when" }, ago(u.last && u.last.at))),
      el("div", { class: "top" }, el("span", { class: "preview" }, u.last ? previewText(u.last) : (handle || "new chat")),
        badge(u.chat_id, null)))));
  }
  $("no-users").hidden = state.world.users.length > 0;
  const groups = $("groups");
  groups.replaceChildren();
  for (const g of state.world.groups) {
    const li = el("li", { class: "group" });
    li.append(el("div", {
      class: `item${isOpen(g.chat_id, null) ? " active" : ""}`, "data-testid": "chat-item", "data-chat-id": g.chat_id,
      "data-kind": "group", onclick: () => openChat({ chatId: g.chat_id, threadId: null, kind: "group" }),
    }, avatar(g.title, g.chat_id), el("div", { class: "body" },
      el("div", { class: "top" }, el("span", { class: "name" }, g.title), el("span", { class: "when" }, ago(g.last && g.last.at))),
      el("div", { class: "top" }, el("span", { class: "preview" }, g.is_forum ? "General · control center" : previewText(g.last)),
        badge(g.chat_id, null)))));
    if (g.topics.length) {
      const topics = el("ul", { class: "topics" });
      for (const t of g.topics) {
        const icon = el("span", { class: "topic-icon" }, initials(t.name)[0]);
        icon.style.background = `#${(t.icon_color || 7322096).toString(16).padStart(6, "0")}`;
        topics.append(el("li", {
          class: `item${isOpen(g.chat_id, t.topic_id) ? " active" : ""}`, "data-testid": "topic-item",
          "data-chat-id": g.chat_id, "data-thread-id": t.topic_id, title: t.name,
          onclick: () => openChat({ chatId: g.chat_id, threadId: t.topic_id, kind: "group" }),
        }, icon, el("div", { class: "body" },
          el("div", { class: "top" }, el("span", { class: "name" }, t.name), t.closed ? el("span", { class: "closed", title: "closed" }, "🔒") : null),
          el("div", { class: "top" }, el("span", { class: "preview" }, previewText(t.last) || "no messages"), badge(g.chat_id, t.topic_id)))));
      }
      li.append(topics);
    }
    groups.append(li);
  }
}

function renderOperators() {
  const select = $("operator");
  const current = state.operatorId || Number(localStorage.getItem("console.operator")) || null;
  select.replaceChildren();
  for (const op of state.world.operators) {
    select.append(el("option", { value: op.id }, `${op.name} · ${op.role}`));
  }
  const ids = state.world.operators.map((o) => o.id);
  state.operatorId = ids.includes(current) ? current : ids[0] || null;
  if (state.operatorId) select.value = String(state.operatorId);
}

// --- one chat ---

function chatInfo() {
  const c = state.chat;
  if (!c || !state.world) return null;
  if (c.kind === "private") return state.world.users.find((u) => u.chat_id === c.chatId) || null;
  return state.world.groups.find((g) => g.chat_id === c.chatId) || null;
}

function renderHeader() {
  const c = state.chat;
  const info = chatInfo();
  $("as-wrap").hidden = c.kind !== "group";
  $("chat-avatar").replaceWith(avatar(info ? (info.name || info.title) : "?", c.chatId));
  $("app").querySelector(".chat-head .avatar").id = "chat-avatar";
  if (c.kind === "private") {
    const lang = info && info.language_code ? ` · ${info.language_code}` : "";
    $("chat-title").textContent = info ? info.name : String(c.chatId);
    $("chat-sub").textContent = `${info && info.username ? "@" + info.username + " · " : ""}chat with @${state.world.bot.username}${lang} · id ${c.chatId}`;
  } else {
    const topic = info && c.threadId ? info.topics.find((t) => t.topic_id === c.threadId) : null;
    $("chat-title").textContent = topic ? topic.name : (info ? info.title : String(c.chatId));
    $("chat-sub").textContent = topic ? `topic in ${info.title}${topic.closed ? " · closed" : ""}`
      : "General · operators run the control center here (/admin)";
  }
}

async function openChat(target, fromHash = false) {
  state.chat = target;
  state.messages = new Map();
  state.reply = null;
  state.unread.delete(key(target.chatId, target.threadId));
  if (!fromHash) history.replaceState(null, "", `#chat=${target.chatId}${target.threadId ? `&thread=${target.threadId}` : ""}`);
  $("app").dataset.view = "chat";
  $("welcome").hidden = true;
  $("composer").hidden = false;
  renderReply();
  renderHeader();
  renderList();
  $("messages").replaceChildren();
  await Promise.all([loadMessages(), loadCommands(), loadPanel()]);
  if (window.matchMedia("(min-width: 721px)").matches) $("input").focus();
}

async function loadMessages(before) {
  const c = state.chat;
  if (!c) return;
  const params = new URLSearchParams({ chat_id: c.chatId });
  if (c.threadId) params.set("thread_id", c.threadId);
  if (before) params.set("before", before);
  const data = await api(`/sandbox/chat?${params}`);
  if (!isOpen(data.chat_id, data.thread_id)) return;
  for (const m of data.messages) state.messages.set(m.message_id, m);
  state.more = data.more;
  renderMessages(!before);
}

function isOut(m) {
  if (m.from_bot) return false;
  return state.chat.kind === "private" ? m.sender_id === state.chat.chatId : true;
}

function renderMessages(scroll) {
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  box.replaceChildren();
  if (state.more) {
    const oldest = Math.min(...state.messages.keys());
    box.append(el("button", { class: "older", onclick: () => loadMessages(oldest) }, "Show older messages"));
  }
  let day = null;
  const sorted = [...state.messages.values()].sort((a, b) => a.message_id - b.message_id);
  for (const m of sorted) {
    const d = dayOf(m.date);
    if (d !== day) { box.append(el("div", { class: "day" }, d)); day = d; }
    box.append(renderMessage(m));
  }
  const empty = state.chat.kind === "private" && sorted.length === 0;
  $("start").hidden = !empty;
  $("compose-row").hidden = empty;
  if (scroll || nearBottom) box.scrollTop = box.scrollHeight;
}

function renderMessage(m) {
  if (m.kind === "service") {
    return el("div", { class: "service", "data-testid": "service", "data-message-id": m.message_id }, m.service);
  }
  const out = isOut(m);
  const bubble = el("div", { class: "bubble" });
  if (!out && state.chat.kind === "group") {
    const name = el("div", { class: "sender" }, m.sender || "");
    name.style.color = colorOf(m.sender_id || 0);
    bubble.append(name);
  }
  if (m.forwarded) bubble.append(el("div", { class: "forwarded" }, "Forwarded message"));
  if (m.reply_to) {
    bubble.append(el("div", { class: "quote-box", "data-testid": "reply-quote", onclick: () => flash(m.reply_to.message_id) },
      el("div", {}, el("b", {}, m.reply_to.sender || ""), el("span", {}, m.reply_to.text || ""))));
  }
  if (m.file) bubble.append(renderFile(m.file));
  if (m.invoice) {
    bubble.append(el("div", { class: "invoice", "data-testid": "invoice" },
      el("div", { class: "price" }, m.invoice.price), el("h4", {}, m.invoice.title), el("p", {}, m.invoice.description)));
  }
  const text = formatted(m.text, m.entities, sendText);
  const meta = el("span", { class: "meta" },
    m.edited ? el("span", { class: "edited", "data-testid": "edited-mark" }, "edited") : null,
    hhmm(m.date), out ? " ✓✓" : "");
  if (m.text) { text.append(meta); bubble.append(text); } else bubble.append(el("div", { class: "text" }, meta));
  const node = el("div", {
    class: `msg ${out ? "out" : "in"}`, "data-testid": "message", "data-message-id": m.message_id,
    "data-from": m.from_bot ? "bot" : "person", "data-kind": m.kind,
  }, bubble);
  bubble.addEventListener("click", (ev) => {
    if (ev.target.closest("a, button, .spoiler")) return;
    document.querySelectorAll(".msg.picked").forEach((n) => { if (n !== node) n.classList.remove("picked"); });
    node.classList.toggle("picked");
  });
  bubble.append(el("button", { class: "reply-btn", "data-testid": "reply-button", title: "Reply", "aria-label": "Reply",
    onclick: () => { state.reply = m; renderReply(); $("input").focus(); } }, "↩"));
  const keyboard = renderKeyboard(m);
  if (keyboard) node.append(keyboard);
  return node;
}

function renderFile(file) {
  if (file.kind === "photo") {
    if (file.url) return el("img", { class: "photo", src: file.url, alt: "photo", loading: "lazy", "data-testid": "photo" });
    return el("div", { class: "placeholder", "data-testid": "photo" }, `🖼 ${file.label}${file.size ? " · " + kb(file.size) : ""}`);
  }
  const body = [el("span", { class: "icon" }, file.kind === "document" ? "📄" : "▶"),
    el("div", {}, el("b", {}, file.name || file.label), el("small", {}, [kb(file.size), file.mime_type].filter(Boolean).join(" · ")))];
  if (file.url) return el("a", { class: "file", href: file.url, download: file.name || "file", "data-testid": "document" }, body);
  return el("div", { class: "file", "data-testid": "document" }, body);
}

function renderKeyboard(m) {
  const rows = (m.reply_markup && m.reply_markup.inline_keyboard) || [];
  const all = rows.flat();
  const box = el("div", { class: "keyboard" });
  if (m.invoice && !all.some((b) => b.pay)) {
    box.append(el("div", { class: "kb-row" }, payButton(m, { text: `Pay ${m.invoice.price}`, pay: true })));
  }
  for (const row of rows) {
    const line = el("div", { class: "kb-row" });
    for (const b of row) line.append(renderButton(m, b));
    box.append(line);
  }
  return box.childNodes.length ? box : null;
}

function payButton(m, b) {
  return el("button", { class: "kb-btn success", "data-testid": "inline-button", "data-pay": "true",
    onclick: (ev) => payInvoice(m, ev.currentTarget) }, b.text);
}

function renderButton(m, b) {
  const style = b.style ? ` ${b.style}` : "";
  if (b.pay) return payButton(m, b);
  if (b.url) {
    const deep = deepLink(b.url);
    if (deep !== null && state.chat.kind === "private") {
      return el("button", { class: `kb-btn url${style}`, "data-testid": "inline-button", "data-url": b.url, title: b.url,
        onclick: () => sendText(deep ? `/start ${deep}` : "/start") }, b.text);
    }
    return el("button", { class: `kb-btn url${style}`, "data-testid": "inline-button", "data-url": b.url, title: b.url,
      onclick: () => openLink(b.url) }, b.text);
  }
  if (b.callback_data !== undefined) {
    return el("button", { class: `kb-btn${style}`, "data-testid": "inline-button", "data-callback": b.callback_data,
      onclick: (ev) => press(m, b, ev.currentTarget) }, b.text);
  }
  if (b.copy_text) {
    return el("button", { class: `kb-btn${style}`, "data-testid": "inline-button",
      onclick: () => navigator.clipboard.writeText(b.copy_text.text).then(() => toast("Copied")) }, b.text);
  }
  return el("button", { class: `kb-btn${style}`, "data-testid": "inline-button", disabled: true,
    title: "not modelled by the sandbox" }, b.text);
}

// A URL button opens a new tab, as a phone opens the browser. The tab may come back through
// t.me/<bot>?start=... (after paying): the console's /console/open page then asks, on this
// channel, for the tab that opened it to send /start <payload> as its user, as Telegram would.
const links = new BroadcastChannel("paid-desk-console");
function openLink(url) {
  if (state.chat && state.chat.kind === "private") state.opened = { chatId: state.chat.chatId, at: Date.now() };
  window.open(safeUrl(url), "_blank");
}
links.onmessage = async (event) => {
  const command = event.data && event.data.open;
  const opened = state.opened;
  if (!command || !opened || Date.now() - opened.at > 30 * 60 * 1000) return;
  state.opened = null;
  links.postMessage({ handled: command });
  try {
    await api("/sandbox/send", { method: "POST", body: { chat_id: opened.chatId, text: command } });
  } catch (e) { fail(e); }
};

// A link back into the bot (t.me/<bot>?start=...): Telegram opens the chat and sends /start with it.
function deepLink(url) {
  const bot = state.world && state.world.bot.username;
  const found = /^https?:\/\/t\.me\/([A-Za-z0-9_]+)\/?(?:\?start=([A-Za-z0-9_-]*))?$/.exec(url || "");
  if (!found || !bot || found[1].toLowerCase() !== bot.toLowerCase()) return null;
  return found[2] || "";
}

function flash(messageId) {
  const node = document.querySelector(`[data-testid="message"][data-message-id="${messageId}"]`);
  if (!node) return;
  node.scrollIntoView({ block: "center", behavior: "smooth" });
  node.classList.remove("flash");
  void node.offsetWidth;
  node.classList.add("flash");
}

function upsert(m) {
  const known = state.messages.has(m.message_id);
  state.messages.set(m.message_id, m);
  const box = $("messages");
  const existing = box.querySelector(`[data-testid="message"][data-message-id="${m.message_id}"], .service[data-message-id="${m.message_id}"]`);
  if (existing) { existing.replaceWith(renderMessage(m)); return; }
  if (known || m.message_id !== Math.max(...state.messages.keys())) { renderMessages(false); return; }
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 160;
  const days = box.querySelectorAll(".day");
  const lastDay = days[days.length - 1];
  if (!lastDay || lastDay.textContent !== dayOf(m.date)) box.append(el("div", { class: "day" }, dayOf(m.date)));
  box.append(renderMessage(m));
  $("start").hidden = true;
  $("compose-row").hidden = false;
  if (nearBottom || isOut(m)) box.scrollTop = box.scrollHeight;
}

// --- acting ---

function who() {
  return state.chat.kind === "group" ? { from_id: state.operatorId } : {};
}

async function sendText(text) {
  if (!state.chat) return;
  try {
    await api("/sandbox/send", { method: "POST", body: { chat_id: state.chat.chatId, thread_id: state.chat.threadId, text, ...who() } });
  } catch (e) { fail(e); }
}

async function send() {
  const input = $("input");
  const text = input.value;
  if (!text.trim() && !state.attachment) return;
  const body = { chat_id: state.chat.chatId, thread_id: state.chat.threadId, text: text || null, ...who() };
  if (state.reply) body.reply_to_message_id = state.reply.message_id;
  if (state.attachment) body.attachment = state.attachment;
  $("send").disabled = true;
  try {
    await api("/sandbox/send", { method: "POST", body });
    input.value = "";
    state.reply = null;
    state.attachment = null;
    renderReply();
    autosize();
    hideSuggest();
  } catch (e) { fail(e); } finally { $("send").disabled = false; }
}

async function press(m, b, button) {
  button.disabled = true;
  try {
    const data = await api("/sandbox/press", { method: "POST",
      body: { chat_id: m.chat_id, message_id: m.message_id, data: b.callback_data, ...who() } });
    state.queries.set(data.query_id, b.text);
    const early = state.answers.get(data.query_id);
    if (early) showAnswer(early);
  } catch (e) { fail(e); } finally { setTimeout(() => { button.disabled = false; }, 400); }
}

async function payInvoice(m, button) {
  button.disabled = true;
  const paying = toast("Paying with Telegram Stars…");
  try {
    const data = await api("/sandbox/pay-invoice", { method: "POST", body: { chat_id: m.chat_id, message_id: m.message_id } });
    if (data.paid) toast(`Paid ${m.invoice ? m.invoice.price : ""}`);
    else toast(`The bot declined: ${data.error_message || "no reason given"}`, "error");
  } catch (e) { fail(e); } finally { button.disabled = false; paying.remove(); }
}

function showAnswer(answer) {
  if (!state.queries.has(answer.query_id)) return;
  state.queries.delete(answer.query_id);
  if (answer.text) toast(answer.text, answer.show_alert ? "alert" : "");
}

function renderReply() {
  const r = state.reply;
  $("replying").hidden = !r;
  if (r) {
    $("replying-name").textContent = `Reply to ${r.sender || ""}`;
    $("replying-text").textContent = r.text || (r.file && r.file.label) || r.kind;
  }
  const a = state.attachment;
  $("attached").hidden = !a;
  if (a) {
    $("attached-kind").textContent = a.kind === "photo" ? "Photo" : "File";
    $("attached-name").textContent = `${a.file_name} · ${kb(a.size)} · add a caption, then send`;
  }
}

// Photos are sent compressed, as Telegram clients do; anything else as a file.
async function attach(file) {
  if (!file || !state.chat) return;
  const photo = /^image\/(jpeg|png|webp|gif)$/.test(file.type);
  let blob = file;
  let width = 0;
  let height = 0;
  if (photo && file.type !== "image/gif") {
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, 1280 / Math.max(bitmap.width, bitmap.height));
      width = Math.round(bitmap.width * scale);
      height = Math.round(bitmap.height * scale);
      const canvas = el("canvas", { width, height });
      canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
      blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.87));
    } catch (e) { blob = file; }
  }
  const form = new FormData();
  form.append("file", blob, photo && blob !== file ? file.name.replace(/\.\w+$/, "") + ".jpg" : file.name);
  try {
    const stored = await api("/sandbox/files", { method: "POST", form });
    state.attachment = { kind: photo ? "photo" : "document", unique_id: stored.unique_id, width, height,
      file_name: file.name, size: stored.size };
    renderReply();
    $("input").focus();
  } catch (e) { fail(e); }
}

// --- commands, as the bot registered them with setMyCommands ---

async function loadCommands() {
  const c = state.chat;
  const params = new URLSearchParams({ chat_id: c.chatId });
  if (c.kind === "group" && state.operatorId) params.set("from_id", state.operatorId);
  try {
    const data = await api(`/sandbox/commands?${params}`);
    if (state.chat === c) state.commands = data.commands;
  } catch (e) { state.commands = []; }
}

function showSuggest(all) {
  const text = $("input").value;
  const typed = /^\/(\w*)$/.exec(text);
  const list = all ? state.commands : (typed ? state.commands.filter((c) => c.command.startsWith(typed[1].toLowerCase())) : []);
  const box = $("suggest");
  box.replaceChildren();
  if (!list.length) { box.hidden = true; return; }
  state.suggestIndex = Math.min(state.suggestIndex, list.length - 1);
  list.forEach((c, i) => box.append(el("li", {
    class: i === state.suggestIndex ? "sel" : "", "data-testid": "command-suggestion", "data-command": c.command,
    onmousedown: (ev) => { ev.preventDefault(); hideSuggest(); $("input").value = ""; sendText(`/${c.command}`); },
  }, el("b", {}, `/${c.command}`), el("span", {}, c.description))));
  box.hidden = false;
}

function hideSuggest() { $("suggest").hidden = true; state.suggestIndex = 0; }

function autosize() {
  const input = $("input");
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}

// --- the inspector ---

let panelTimer = null;
function schedulePanel(delay = 400) {
  clearTimeout(panelTimer);
  panelTimer = setTimeout(loadPanel, delay);
}

async function loadPanel() {
  const c = state.chat;
  if (!c || $("app").classList.contains("no-panel") && window.matchMedia("(max-width: 1180px)").matches) return;
  const params = new URLSearchParams({ chat_id: c.chatId });
  if (c.threadId) params.set("thread_id", c.threadId);
  let p;
  try { p = await api(`/sandbox/panel?${params}`); } catch (e) { return; }
  if (state.chat !== c) return;
  $("panel-body").replaceChildren(...renderPanel(p, c));
}

// --- live updates: server-sent events from Postgres LISTEN/NOTIFY ---

let worldTimer = null;
function scheduleWorld() {
  clearTimeout(worldTimer);
  worldTimer = setTimeout(() => loadWorld().catch(() => {}), 250);
}

function setLive(live) {
  const node = $("live");
  node.textContent = live ? "live" : "reconnecting…";
  node.className = `live ${live ? "on" : "off"}`;
}

function resync() {
  scheduleWorld();
  if (state.chat) { loadMessages().catch(() => {}); schedulePanel(50); }
}

function listen() {
  const source = new EventSource("/sandbox/events");
  source.addEventListener("hello", (ev) => { const d = JSON.parse(ev.data); setLive(d.live); if (d.live) resync(); });
  source.addEventListener("live", () => { setLive(true); resync(); });
  source.addEventListener("offline", () => setLive(false));
  source.addEventListener("message", (ev) => {
    const m = JSON.parse(ev.data);
    if (state.chat && isOpen(m.chat_id, m.thread_id)) upsert(m);
    else if (m.op === "insert" && m.from_bot && m.kind !== "service") {
      const k = key(m.chat_id, m.thread_id);
      state.unread.set(k, (state.unread.get(k) || 0) + 1);
    }
    if (state.chat && state.chat.chatId === m.chat_id) schedulePanel();
    scheduleWorld();
  });
  source.addEventListener("gone", (ev) => {
    const d = JSON.parse(ev.data);
    if (state.chat && state.chat.chatId === d.chat_id && state.messages.delete(d.message_id)) renderMessages(false);
  });
  source.addEventListener("chats", scheduleWorld);
  source.addEventListener("answer", (ev) => {
    const a = JSON.parse(ev.data);
    if (a.kind !== "callback_query") return;
    if (state.queries.has(a.query_id)) showAnswer(a);
    else { state.answers.set(a.query_id, a); if (state.answers.size > 50) state.answers.delete(state.answers.keys().next().value); }
  });
  source.onerror = () => setLive(false);
}

// --- wiring the page ---

function fromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const chatId = Number(params.get("chat"));
  if (!chatId) return null;
  const threadId = Number(params.get("thread")) || null;
  return { chatId, threadId, kind: chatId > 0 ? "private" : "group" };
}

function wire() {
  $("send").addEventListener("click", send);
  $("start").addEventListener("click", () => sendText("/start"));
  const input = $("input");
  input.addEventListener("input", () => { autosize(); state.suggestIndex = 0; showSuggest(false); });
  input.addEventListener("blur", () => setTimeout(hideSuggest, 150));
  input.addEventListener("keydown", (ev) => {
    const open = !$("suggest").hidden;
    const items = [...$("suggest").children];
    if (open && (ev.key === "ArrowDown" || ev.key === "ArrowUp")) {
      ev.preventDefault();
      state.suggestIndex = (state.suggestIndex + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      showSuggest(false);
    } else if (open && ev.key === "Tab") {
      ev.preventDefault();
      input.value = `/${items[state.suggestIndex].dataset.command} `;
      hideSuggest();
    } else if (ev.key === "Enter" && !ev.shiftKey) {
      ev.preventDefault();
      if (open && items[state.suggestIndex] && /^\/\w*$/.test(input.value)) {
        input.value = `/${items[state.suggestIndex].dataset.command}`;
        hideSuggest();
      }
      send();
    } else if (ev.key === "Escape") hideSuggest();
  });
  $("commands-button").addEventListener("click", () => { $("suggest").hidden ? showSuggest(true) : hideSuggest(); });
  $("attach-button").addEventListener("click", () => $("attach-input").click());
  $("attach-input").addEventListener("change", (ev) => { attach(ev.target.files[0]); ev.target.value = ""; });
  $("replying-cancel").addEventListener("click", () => { state.reply = null; renderReply(); });
  $("attached-cancel").addEventListener("click", () => { state.attachment = null; renderReply(); });
  $("operator").addEventListener("change", (ev) => {
    state.operatorId = Number(ev.target.value);
    localStorage.setItem("console.operator", String(state.operatorId));
    if (state.chat) loadCommands();
  });
  $("back").addEventListener("click", () => { $("app").dataset.view = "list"; });
  const app = $("app");
  if (window.matchMedia("(max-width: 1180px)").matches) app.classList.add("no-panel");
  $("panel-toggle").addEventListener("click", () => { app.classList.toggle("no-panel"); loadPanel(); });
  $("panel-close").addEventListener("click", () => app.classList.add("no-panel"));
  setInterval(() => { if (state.chat && !document.hidden) loadPanel(); }, 5000);

  const dialog = $("new-user");
  $("new-user-button").addEventListener("click", () => {
    $("new-user-form").reset();
    $("new-user-error").hidden = true;
    dialog.showModal();
  });
  $("new-user-cancel").addEventListener("click", () => dialog.close());
  $("new-user-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    const body = Object.fromEntries(form.entries());
    try {
      const user = await api("/sandbox/users", { method: "POST", body });
      dialog.close();
      await loadWorld();
      openChat({ chatId: user.chat_id, threadId: null, kind: "private" });
    } catch (e) {
      $("new-user-error").textContent = e.message;
      $("new-user-error").hidden = false;
    }
  });
  window.addEventListener("hashchange", () => {
    const target = fromHash();
    if (!target) $("app").dataset.view = "list";
    else if (!isOpen(target.chatId, target.threadId)) openChat(target, true);
  });
}

async function main() {
  wire();
  try { await loadWorld(); } catch (e) { fail(e); }
  const target = fromHash();
  if (target) openChat(target, true);
  listen();
}

main();
