// Small helpers of the console page: building elements, calling the sandbox's routes,
// toasts, avatars, times and sizes as a messenger shows them.

export const $ = (id) => document.getElementById(id);
const COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: {} };
  if (options.form) init.body = options.form;
  else if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok || (data && data.ok === false)) {
    throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
  }
  return data;
}

export function toast(text, kind = "") {
  const node = el("div", { class: `toast ${kind}`, role: "status", "data-testid": "toast" }, text);
  if (kind === "alert") {
    node.append(el("button", { class: "primary", onclick: () => node.remove() }, "OK"));
  } else {
    setTimeout(() => node.remove(), kind === "error" ? 6000 : 3500);
  }
  $("toasts").append(node);
  return node;
}

export function fail(error) { toast(String(error.message || error), "error"); }

export function colorOf(id) { return COLORS[Math.abs(Number(id) || 0) % COLORS.length]; }

export function initials(name) {
  // Letters only: "Support desk (sandbox)" is "SS", not "S(".
  const words = String(name || "").match(/[\p{L}\p{N}][\p{L}\p{N}_'-]*/gu) || ["?"];
  const pick = [...words[0]][0] + (words.length > 1 ? [...words[words.length - 1]][0] : "");
  return pick.toUpperCase();
}

export function avatar(name, id, small) {
  const node = el("div", { class: small ? "avatar small" : "avatar" }, initials(name));
  node.style.background = colorOf(id);
  return node;
}

export function hhmm(iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function dayOf(iso) {
  const d = new Date(iso);
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return "Today";
  return d.toLocaleDateString([], { day: "numeric", month: "long", year: "numeric" });
}

export function ago(iso) {
  if (!iso) return "";
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  if (seconds < 60) return "now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return hhmm(iso);
  return new Date(iso).toLocaleDateString([], { day: "numeric", month: "short" });
}

export function kb(size) {
  if (!size) return "";
  return size < 1024 * 1024 ? `${Math.max(1, Math.round(size / 1024))} KB` : `${(size / 1048576).toFixed(1)} MB`;
}

