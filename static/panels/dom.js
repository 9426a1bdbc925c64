// Two small DOM helpers shared by the panels.

export const $ = (id) => document.getElementById(id);

/** Create an element: attrs `class`, `text`, `data-*` (attributes), anything else as a property. */
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}
