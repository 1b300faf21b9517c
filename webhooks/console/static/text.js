// Text with its entities as a Telegram client draws it. Offsets count UTF-16 code
// units, as JavaScript strings do, so they index the text directly.

import { el } from "./dom.js";

export function formatted(text, entities, onCommand) {
  const root = el("div", { class: "text" });
  if (!text) return root;
  const cuts = new Set([0, text.length]);
  for (const e of entities || []) { cuts.add(e.offset); cuts.add(Math.min(text.length, e.offset + e.length)); }
  const points = [...cuts].sort((a, b) => a - b);
  let spoilerId = 0;
  const spoilerOf = new Map();
  for (let i = 0; i < points.length - 1; i++) {
    const start = points[i];
    const end = points[i + 1];
    const piece = text.slice(start, end);
    const active = (entities || []).filter((e) => e.offset <= start && e.offset + e.length >= end);
    let node = document.createTextNode(piece);
    // Innermost first; links and blocks outermost.
    const order = ["code", "pre", "bold", "italic", "underline", "strikethrough", "spoiler", "mention", "hashtag",
      "cashtag", "bot_command", "email", "phone_number", "url", "text_link", "text_mention", "blockquote"];
    active.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
    for (const e of active) {
      let wrap;
      switch (e.type) {
        case "bold": wrap = el("b"); break;
        case "italic": wrap = el("i"); break;
        case "underline": wrap = el("u"); break;
        case "strikethrough": wrap = el("s"); break;
        case "code": wrap = el("code"); break;
        case "pre": wrap = el("pre"); break;
        case "blockquote": wrap = el("span", { class: "quote" }); break;
        case "spoiler": {
          if (!spoilerOf.has(e)) spoilerOf.set(e, ++spoilerId);
          wrap = el("span", { class: "spoiler", "data-spoiler": spoilerOf.get(e), title: "Spoiler: click to show" });
          break;
        }
        case "url": wrap = el("a", { href: safeUrl(text.slice(e.offset, e.offset + e.length)), target: "_blank", rel: "noopener" }); break;
        case "text_link": wrap = el("a", { href: safeUrl(e.url), target: "_blank", rel: "noopener", title: e.url }); break;
        case "email": wrap = el("a", { href: `mailto:${text.slice(e.offset, e.offset + e.length)}` }); break;
        case "bot_command": {
          const command = text.slice(e.offset, e.offset + e.length);
          wrap = el("a", { href: "#", "data-command": command, onclick: (ev) => { ev.preventDefault(); onCommand(command); } });
          break;
        }
        case "mention": case "hashtag": case "cashtag": case "text_mention": wrap = el("a", { href: "#", onclick: (ev) => ev.preventDefault() }); break;
        default: wrap = null;
      }
      if (wrap) { wrap.append(node); node = wrap; }
    }
    root.append(node);
  }
  root.addEventListener("click", (ev) => {
    const spoiler = ev.target.closest(".spoiler");
    if (!spoiler) return;
    root.querySelectorAll(`.spoiler[data-spoiler="${spoiler.dataset.spoiler}"]`).forEach((s) => s.classList.add("open"));
  });
  return root;
}

export function safeUrl(url) {
  return /^(https?|tg|mailto):/i.test(url || "") ? url : "#";
}
