// Everything the page asks of the server goes through here: player intents (move, attack,
// build, …) become PROTOCOL.md `command` messages with a `ref`; orders in words, advisor
// requests, language and snapshot requests are the other client messages.

export class Intents {
  constructor(connection, serverState) {
    this.conn = connection;
    this.server = serverState;
    this.nextRef = 1;
    this.pending = new Map();    // command ref -> {action, t}
  }

  get open() { return !!this.conn.open; }

  /** Send one ACTION; false when not sent (spectator, socket down). */
  command(action) {
    if (this.server.isSpectator) return false;
    const ref = this.nextRef++;
    this.pending.set(ref, { action, t: performance.now() });
    if (this.pending.size > 200) this.pending.delete(this.pending.keys().next().value);
    return this.conn.send({ type: "command", action, ref });
  }

  /** The action a `command_result` answers (and forget it), or null. */
  settle(ref) {
    if (ref == null) return null;
    const p = this.pending.get(ref) || null;
    this.pending.delete(ref);
    return p ? p.action : null;
  }

  move(ids, x, y) { return this.command({ action: "move", units: { ids }, target: { x, y } }); }
  attackEntity(ids, entity) { return this.command({ action: "attack", units: { ids }, target: { entity } }); }
  attackPosition(ids, x, y) { return this.command({ action: "attack", units: { ids }, target: { x, y } }); }
  stop(ids) { return this.command({ action: "stop", units: { ids } }); }
  harvest(ids) { return this.command({ action: "harvest", units: { ids } }); }
  buildUnit(type, count) { return this.command({ action: "build_unit", unit_type: type, count }); }
  buildBuilding(type, x, y) { return this.command({ action: "build_building", building_type: type, position: { x, y } }); }
  launchSuperweapon(x, y) { return this.command({ action: "launch_superweapon", target: { x, y } }); }
  /** The sim's extension: cancel a queue's head item, or a construction site by its id. */
  cancel(buildingId) { return this.command({ action: "cancel", building: buildingId }); }
  /** The sim's extension: sell an own building. */
  sell(buildingId) { return this.command({ action: "sell", building: buildingId }); }

  /** An order in words; `selection`: the own unit ids selected now (what "these units" mean). */
  orderInWords(text, lang, ref, selection) {
    const m = { type: "nl", text, lang, ref };
    if (selection && selection.length) m.selection = selection.slice(0, 500);
    return this.conn.send(m);
  }
  /** Answer a `clarify` question with option `option` (answered like an order in words). */
  choose(clarifyId, option, ref) { return this.conn.send({ type: "choose", clarify_id: clarifyId, option, ref }); }
  /** Cancel one of our plans (answered by a `command_result`). */
  cancelPlan(planId) { return this.conn.send({ type: "cancel_plan", plan_id: planId, ref: this.nextRef++ }); }
  cancelOrderInWords(requestId) { return this.conn.send({ type: "cancel_nl", request_id: requestId }); }
  askAnalysis() { return this.conn.send({ type: "analysis" }); }
  setLanguage(lang) { return this.conn.send({ type: "set_language", lang }); }
  askSnapshot() { return this.conn.send({ type: "snapshot" }); }
}
