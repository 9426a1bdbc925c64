// The /replays page: translate its labels and open an uploaded replay file (POST /api/replays).
import { setLang, normalizeLang } from "./i18n/index.js";
import { rs, applyReplayDom } from "./replay-strings.js";

window.addEventListener("DOMContentLoaded", () => {
  setLang(normalizeLang(localStorage.getItem("rts.lang")) || normalizeLang(navigator.language) || "en");
  applyReplayDom();
  const form = document.getElementById("upload-form");
  const status = document.getElementById("upload-status");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = document.getElementById("upload-file").files[0];
    if (!file) return;
    status.textContent = rs("uploading");
    status.dataset.state = "busy";
    try {
      const res = await fetch("/api/replays", { method: "POST", body: file, headers: { "Content-Type": "application/x-ndjson" } });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(body.error || res.statusText);
      status.dataset.state = "ok";
      location.href = body.url;
    } catch (e) {
      status.dataset.state = "failed";
      status.textContent = rs("upload_failed", { why: e.message });
    }
  });
});
