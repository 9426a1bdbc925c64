// Language registry: t(key, params) in the current UI language, with English fallback.
import en from "./en.js";
import fr from "./fr.js";
import zhTW from "./zh-TW.js";

export const LANGS = { en, fr, "zh-TW": zhTW };
let current = "en";
const listeners = [];

export function normalizeLang(tag) {
  if (!tag) return null;
  const s = String(tag).toLowerCase();
  if (s.startsWith("fr")) return "fr";
  if (s.startsWith("zh")) return "zh-TW";
  if (s.startsWith("en")) return "en";
  return null;
}

export function getLang() { return current; }

export function setLang(lang) {
  const l = normalizeLang(lang) || "en";
  if (l === current) return;
  current = l;
  for (const fn of listeners) fn(l);
}

export function onLangChange(fn) { listeners.push(fn); }

export function t(key, params) {
  let s = LANGS[current][key];
  if (s === undefined) s = en[key];
  if (s === undefined) return key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  return s;
}

/** Translate every element carrying data-i18n / data-i18n-placeholder / data-i18n-title. */
export function applyDom(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

/** A refusal reason: the server's English text, or in other languages the translation of its stable code. */
export function reason(error, code) {
  if (code && current !== "en") {
    const k = "err_" + code;
    if (LANGS[current][k] !== undefined) return LANGS[current][k];
  }
  return error || (code ? t("err_" + code) : "?");
}
