// A tiny hyperscript: enough to build the console without a framework. Text always goes in as text nodes,
// never as HTML, so nothing the API returns can inject markup.

/**
 * The element type a tag string makes: "button.primary" → HTMLButtonElement.
 * @template {string} T
 * @typedef {T extends `${infer N}.${string}` ? (N extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[N] : HTMLElement)
 *   : T extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[T] : HTMLElement} ElementOf
 */

/**
 * @template {string} T
 * @param {T} tag  element name, optionally with classes: "button.primary.small"
 * @param {Record<string, any> | null} [props]  attributes; `on<event>` handlers; `class`; `text`
 * @param {...any} children  nodes, strings, numbers, arrays; null/false are skipped
 * @returns {ElementOf<T>}
 */
export function h(tag, props, ...children) {
  const [name, ...classes] = tag.split(".");
  const el = document.createElement(name || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = [el.className, value].filter(Boolean).join(" ");
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key in el && typeof value !== "string") /** @type {any} */ (el)[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return /** @type {any} */ (el);
}

/** @param {Node} parent @param {any[]} children */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. @param {Element} el @param {...any} children */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Short messages at the bottom of the screen. @param {string} message @param {"error" | "info"} [kind] */
export function toast(message, kind = "error") {
  const host = document.getElementById("toasts");
  if (!host) return;
  const el = h(`div.toast.${kind}`, { text: message });
  host.append(el);
  setTimeout(() => el.classList.add("leaving"), kind === "error" ? 6000 : 3000);
  setTimeout(() => el.remove(), kind === "error" ? 6400 : 3400);
}
