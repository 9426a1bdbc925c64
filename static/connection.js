// The WebSocket: automatic reconnect (exponential backoff + jitter) and ping/pong latency. Only
// `intents.js` sends through it; `main.js` routes what it receives.

export class Connection {
  constructor({ urlFn, onMessage, onStatus }) {
    this.urlFn = urlFn;           // () => ws url (re-evaluated on each attempt: room may have changed)
    this.onMessage = onMessage;
    this.onStatus = onStatus;     // (status, info) status: connecting|open|waiting|closed
    this.ws = null;
    this.attempt = 0;
    this.latency = null;
    this.pingTimer = null;
    this.retryTimer = null;
    this.closedByUs = false;
    this.sentCount = 0;
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.closedByUs = false;
    const url = this.urlFn();
    this.onStatus("connecting", { attempt: this.attempt });
    let ws;
    try { ws = new WebSocket(url); } catch (e) { this._scheduleRetry(); return; }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.onStatus("open", {});
      this._startPing();
    };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg && msg.type === "pong" && typeof msg.t === "number") {
        const rtt = performance.now() - msg.t;
        this.latency = this.latency == null ? rtt : this.latency * 0.7 + rtt * 0.3;
      }
      this.onMessage(msg);
    };
    ws.onclose = (ev) => {
      this._stopPing();
      this.latency = null;
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closedByUs) { this.onStatus("closed", { code: ev.code }); return; }
      this._scheduleRetry(ev.code);
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  _scheduleRetry(code) {
    const base = Math.min(10000, 500 * 2 ** this.attempt);
    const delay = Math.round(base / 2 + Math.random() * base / 2);  // "equal jitter"
    this.attempt++;
    this.onStatus("waiting", { delay, code, attempt: this.attempt });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  _startPing() {
    this._stopPing();
    const ping = () => this.send({ type: "ping", t: performance.now() });
    ping();
    this.pingTimer = setInterval(ping, 2000);
  }
  _stopPing() { clearInterval(this.pingTimer); this.pingTimer = null; }

  get open() { return this.ws && this.ws.readyState === WebSocket.OPEN; }

  send(obj) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(obj));
    this.sentCount++;
    return true;
  }

  /** Close and reconnect at once (e.g. to switch rooms). */
  reconnectNow() {
    if (this.ws) { const ws = this.ws; this.ws = null; ws.close(); }
    this.attempt = 0;
    this.connect();
  }

  close() {
    this.closedByUs = true;
    clearTimeout(this.retryTimer);
    if (this.ws) this.ws.close();
  }
}
