// The operator dashboard: who needs a person now (the queue), one conversation in full (the
// drill-down, where an operator claims, answers and resolves a hand-off or clears a crisis),
// and the figures with their charts (Chart.js, vendored). Everything shown comes from
// /v1/operator/*: the stored readings, the stored conversation state. User text is only ever
// set as text (el()), never parsed as HTML.
"use strict";

// Okabe–Ito: told apart with the common colour-vision deficiencies.
const PALETTE = {
  anger: "#D55E00", disgust: "#CC79A7", fear: "#56B4E9", joy: "#009E73",
  sadness: "#0072B2", surprise: "#E69F00", neutral: "#999999",
};
const STATUS = {
  crisis: "in crisis", waiting: "waiting for a person", claimed: "with a person",
  open: "open (bot)", resolved: "resolved",
};
const QUEUE_POLL_MS = 5000;
const FIGURES_POLL_MS = 30000;
const state = { selected: null, queueKey: "", charts: {}, figuresKey: "" };

document.getElementById("key-slot").append(keyField());

// -- formatting ------------------------------------------------------------------------------

function age(seconds) {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1).replace(/\.0$/, "")} h`;
  return `${Math.round(seconds / 86400)} d`;
}

function clock(seconds, withDay) {
  const options = withDay ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }
                          : { hour: "2-digit", minute: "2-digit" };
  return new Date(seconds * 1000).toLocaleString("en-GB", options);
}

function signed(x) { return (x >= 0 ? "+" : "") + Number(x).toFixed(2); }

function emotionChip(emotion) {
  if (!emotion) return el("span", { class: "muted" }, "–");
  return el("span", { class: "emotion", "data-emotion": emotion },
    el("i", { "aria-hidden": "true", style: `background:${PALETTE[emotion] || "#999999"}` }), emotion);
}

function statusBadge(status) {
  return el("span", { class: `badge s-${status}`, "data-status": status }, STATUS[status] || status);
}

// -- errors and states -----------------------------------------------------------------------

function showError(exc) {
  document.getElementById("error-text").textContent = `Could not reach the server: ${exc.message}`;
  document.getElementById("error").hidden = false;
}

function clearError() { document.getElementById("error").hidden = true; }

function stateLine(kind, text) { return el("p", { class: `state ${kind}` }, text); }

// -- the queue -------------------------------------------------------------------------------

function queueQuery() {
  const params = new URLSearchParams();
  const status = document.getElementById("f-status").value;
  const emotion = document.getElementById("f-emotion").value;
  if (status) params.append("status", status);
  if (emotion) params.append("emotion", emotion);
  params.append("hours", document.getElementById("f-hours").value);
  return params.toString();
}

function countsLine(counts) {
  const box = document.getElementById("counts");
  const parts = [];
  if (counts.crisis) parts.push(el("span", { class: "badge s-crisis" }, `${counts.crisis} in crisis`));
  if (counts.waiting) parts.push(el("span", { class: "badge s-waiting" }, `${counts.waiting} waiting`));
  if (!parts.length) parts.push(el("span", { class: "muted" }, "nobody waiting"));
  box.replaceChildren(...parts);
  const live = `${counts.crisis} in crisis, ${counts.waiting} waiting for a person`;
  const region = document.getElementById("live");
  if (region.textContent !== live) region.textContent = live;
}

function queueItem(c) {
  const urgent = c.status === "crisis" || c.status === "waiting";
  return el("li", {},
    el("button", { type: "button", class: `item${urgent ? " urgent" : ""}`, "data-id": c.id,
                   "aria-current": state.selected === c.id ? "true" : "false",
                   onclick: () => openConversation(c.id) },
      el("span", { class: "row1" }, statusBadge(c.status), emotionChip(c.emotion),
         c.escalated ? el("span", { class: "tag" }, "escalated") : null,
         el("span", { class: "age", title: `started ${clock(c.created_at, true)}` }, `${age(c.age_seconds)} old`)),
      el("span", { class: "preview first" }, c.first_message || "(no message yet)"),
      c.last_message ? el("span", { class: "preview last" }, "… ", c.last_message) : null,
      el("span", { class: "row3 muted" }, `${c.turn_count} message${c.turn_count === 1 ? "" : "s"} · last ${age(c.idle_seconds)} ago · `,
         el("span", { class: "cid" }, c.id))));
}

async function refreshQueue() {
  const box = document.getElementById("queue");
  let data;
  try {
    data = await api("GET", `/v1/operator/queue?${queueQuery()}`);
  } catch (exc) {
    box.setAttribute("aria-busy", "false");
    if (!box.querySelector("ul")) box.replaceChildren(stateLine("failed", "The queue could not be loaded."));
    showError(exc);
    return;
  }
  clearError();
  countsLine(data.counts);
  box.setAttribute("aria-busy", "false");
  // Re-drawn only when something changed, so focus and scroll stay where the operator is.
  const key = JSON.stringify(data.conversations.map(c => [c.id, c.status, c.emotion, c.turn_count,
                                                          Math.round(c.age_seconds / 60)]));
  if (key === state.queueKey && box.querySelector("ul, .state.empty")) return;
  state.queueKey = key;
  if (!data.conversations.length) {
    const filtered = document.getElementById("f-status").value || document.getElementById("f-emotion").value;
    box.replaceChildren(stateLine("empty", filtered ? "No conversation matches these filters."
                                                    : "No conversations in this window yet."));
    return;
  }
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.id : null;
  box.replaceChildren(el("ul", { class: "items", "aria-label": "conversations, most urgent first" },
    ...data.conversations.map(queueItem)));
  if (focused) {
    const again = box.querySelector(`button[data-id="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

// Arrow keys move between conversations; Home and End jump.
document.getElementById("queue").addEventListener("keydown", event => {
  const items = [...document.querySelectorAll("#queue button.item")];
  const at = items.indexOf(document.activeElement);
  if (at < 0) return;
  const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  items[Math.max(0, Math.min(items.length - 1, to))].focus();
});

for (const id of ["f-status", "f-emotion", "f-hours"]) {
  document.getElementById(id).addEventListener("change", () => {
    state.queueKey = "";
    refreshQueue();
    if (id === "f-hours") refreshFigures();
  });
}
document.getElementById("filters").addEventListener("submit", event => event.preventDefault());

// -- the drill-down --------------------------------------------------------------------------

function readingLine(r) {
  return el("span", { class: "reading" }, emotionChip(r.emotion),
    el("span", {}, `valence ${signed(r.valence)}`),
    el("span", {}, `intensity ${Number(r.intensity).toFixed(2)}`),
    el("span", {}, `intent ${r.intent}`),
    r.cues.length ? el("span", {}, `cues ${r.cues.join(", ").replaceAll("_", " ")}`) : null,
    r.crisis ? el("span", { class: "badge s-crisis" }, `crisis: ${r.crisis.replaceAll("_", " ")}`) : null);
}

function transcript(data) {
  const byTurn = {};
  for (const m of data.operator_messages) (byTurn[m.after_turn] ||= []).push(m);
  const items = [];
  for (const t of data.turns) {
    items.push(el("li", { class: "turn customer" },
      el("span", { class: "who" }, `Customer · #${t.index} · ${clock(t.at, true)}`),
      el("p", { class: "said" }, t.customer), readingLine(t.reading),
      el("span", { class: "muted small" }, `escalation ${Number(t.escalation).toFixed(2)}`,
         t.strategies.length ? ` · plan ${t.strategies.join(" › ").replaceAll("_", " ")}` : "",
         t.handoff ? " · hand-off raised" : "")));
    items.push(el("li", { class: "turn bot" }, el("span", { class: "who" }, "Bot"), el("p", { class: "said" }, t.reply)));
    for (const m of byTurn[t.index] || [])
      items.push(el("li", { class: "turn operator" },
        el("span", { class: "who" }, `Operator${m.operator ? " " + m.operator : ""} · ${clock(m.at, true)}`),
        el("p", { class: "said" }, m.text)));
  }
  return el("ol", { class: "transcript", "aria-label": "the conversation, turn by turn" }, ...items);
}

function summaryBlock(data) {
  const facts = Object.entries(data.facts);
  const s = data.summary;
  return el("div", { class: "summary" },
    el("h3", {}, "Summary"),
    s.handoff ? el("p", {}, s.handoff) : s.issue ? el("p", {}, `Issue: ${s.issue}`) : el("p", { class: "muted" }, "No summary yet."),
    el("p", { class: "muted small" }, `feeling now ${signed(s.valence)} valence · escalation ${s.escalation.toFixed(2)} (peak ${s.peak_escalation.toFixed(2)})`),
    el("h3", {}, "Facts the customer gave"),
    facts.length ? el("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [el("dt", {}, k.replaceAll("_", " ")), el("dd", {}, v)]))
                 : el("p", { class: "muted" }, "None yet."));
}

function actions(data) {
  const buttons = [];
  const act = (label, path, cls) => el("button", { type: "button", class: cls || "", "data-action": path,
                                                    onclick: () => perform(data.id, path, label) }, label);
  if (data.handoff && data.handoff.status === "waiting") buttons.push(act("Claim", "claim"));
  if (data.handoff && data.handoff.status !== "resolved") buttons.push(act("Resolve", "resolve", "secondary"));
  if (data.mode === "crisis") buttons.push(act("Clear crisis", "clear-crisis", "danger"));
  const form = el("form", { class: "reply", "aria-label": "reply to the customer" },
    el("label", { for: "reply-text" }, "Reply as an operator"),
    el("textarea", { id: "reply-text", rows: "2", maxlength: "4000", required: "required" }),
    el("button", { type: "submit" }, "Send reply"));
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const text = form.querySelector("textarea").value.trim();
    if (!text) return;
    await perform(data.id, "reply", "Reply", { text });
  });
  return el("div", { class: "actions" }, el("div", { class: "buttons" }, ...buttons), form);
}

async function perform(id, path, label, body) {
  const status = document.getElementById("action-status");
  try {
    await api("POST", `/v1/operator/conversations/${encodeURIComponent(id)}/${path}`, body || {});
    state.queueKey = "";
    await openConversation(id, false);
    document.getElementById("action-status").textContent = `${label}: done.`;
    refreshQueue();
    refreshFigures();
  } catch (exc) {
    if (status) status.textContent = `${label} failed: ${exc.message}`;
  }
}

async function openConversation(id, focus = true) {
  state.selected = id;
  const section = document.getElementById("detail");
  const body = document.getElementById("detail-body");
  section.hidden = false;
  body.setAttribute("aria-busy", "true");
  if (focus) body.replaceChildren(stateLine("loading", "Loading the conversation…"));
  for (const b of document.querySelectorAll("#queue button.item"))
    b.setAttribute("aria-current", b.dataset.id === id ? "true" : "false");
  try {
    const data = await api("GET", `/v1/operator/conversations/${encodeURIComponent(id)}`);
    document.getElementById("detail-heading").replaceChildren("Conversation ", el("span", { class: "cid" }, data.id));
    body.replaceChildren(
      el("div", { class: "row1" }, statusBadge(data.status), emotionChip(data.emotion),
         el("span", { class: "muted" }, `${age(data.age_seconds)} old · ${data.turn_count} message${data.turn_count === 1 ? "" : "s"}`)),
      data.handoff ? el("p", { class: "handoff-line" }, `Hand-off (${data.handoff.status}): ${data.handoff.reason.replaceAll("_", " ")}`) : null,
      actions(data),
      el("p", { id: "action-status", class: "muted small", role: "status" }),
      summaryBlock(data),
      el("h3", {}, "Conversation"),
      transcript(data));
  } catch (exc) {
    body.replaceChildren(stateLine("failed", `This conversation could not be loaded: ${exc.message}`));
  }
  body.setAttribute("aria-busy", "false");
  if (focus) {
    const heading = document.getElementById("detail-heading");
    heading.focus({ preventScroll: true });
    section.scrollIntoView({ block: "start", behavior: "instant" });
  }
}

function closeConversation() {
  const id = state.selected;
  state.selected = null;
  document.getElementById("detail").hidden = true;
  const item = id && document.querySelector(`#queue button[data-id="${CSS.escape(id)}"]`);
  if (item) { item.setAttribute("aria-current", "false"); item.focus(); }
}

document.getElementById("close-detail").addEventListener("click", closeConversation);
document.addEventListener("keydown", event => {
  if (event.key === "Escape" && state.selected && !event.target.closest("textarea")) closeConversation();
});

// -- figures and charts ----------------------------------------------------------------------

function tile(value, label, hint, name) {
  return el("div", { class: "tile", title: hint, "data-figure": name }, el("b", {}, value), el("span", {}, label));
}

function tiles(f) {
  const t = f.totals;
  document.getElementById("tiles").replaceChildren(
    tile(t.conversations, "conversations", "conversations with a message in the window", "conversations"),
    tile(t.turns, "customer messages", "messages read and answered", "turns"),
    tile(pct(t.frustration_rate), "frustrated messages",
         `messages reading ${f.frustrated_emotions.join(" or ")}, or escalated (≥ ${f.escalation_threshold})`, "frustration_rate"),
    tile(t.escalated_conversations, "escalated conversations", `escalation reached ${f.escalation_threshold}`, "escalated_conversations"),
    tile(pct(t.handoff_rate), "handed to a person", "share of conversations with a hand-off", "handoff_rate"),
    tile(t.crisis_conversations, "crises", "conversations with a crisis hand-off", "crisis_conversations"));
  document.getElementById("tiles").setAttribute("aria-busy", "false");
}

// Every bucket of the window, empty ones too, so time runs evenly along the axis.
function buckets(f) {
  const byStart = new Map(f.series.map(b => [Math.round(b.start), b]));
  const out = [];
  for (let start = f.since; start <= f.now; start += f.bucket_seconds) {
    out.push(byStart.get(Math.round(start)) || { start, turns: 0, emotions: {}, frustration_rate: null, crisis: 0, handoffs: 0 });
  }
  return out;
}

function perLabel(seconds) {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${Math.round(seconds / 60)} min`;
}

const AXIS = { color: "#4b5563", font: { size: 11 } };

function timeAxis(labels) {
  return { ticks: { ...AXIS, autoSkip: true, maxTicksLimit: 6, maxRotation: 0 }, grid: { display: false },
           title: { display: true, text: "time (local)", ...AXIS } };
}

function draw(name, config) {
  const old = state.charts[name];
  if (old) old.destroy();
  const canvas = document.getElementById(`chart-${name}`);
  state.charts[name] = new Chart(canvas, config);
  canvas.setAttribute("aria-label", config.summary);
  canvas.textContent = config.summary;
}

function charts(f) {
  if (typeof Chart === "undefined") return;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = "system-ui, sans-serif";
  const bs = buckets(f);
  const withDay = f.now - f.since > 86400;
  const labels = bs.map(b => clock(b.start, withDay));
  const per = perLabel(f.bucket_seconds);
  document.getElementById("window-label").textContent = `· since ${clock(f.since, true)}`;
  const emotions = Object.keys(PALETTE);
  draw("mix", {
    type: "bar",
    summary: `Emotion mix per ${per}: ` + emotions.map(e => `${e} ${bs.reduce((n, b) => n + ((b.emotions || {})[e] || 0), 0)}`).join(", "),
    data: { labels, datasets: emotions.map(e => ({
      label: e, backgroundColor: PALETTE[e], borderWidth: 0,
      data: bs.map(b => (b.turns ? Math.round((((b.emotions || {})[e] || 0) / b.turns) * 1000) / 10 : null)),
    })) },
    options: { scales: { x: { stacked: true, ...timeAxis() },
                         y: { stacked: true, min: 0, max: 100, ticks: { ...AXIS, stepSize: 25, callback: v => `${v}%` },
                              title: { display: true, text: "share of turns (%)", ...AXIS } } },
               plugins: { legend: { position: "bottom", labels: { boxWidth: 12, ...AXIS } } } },
  });
  draw("frustration", {
    type: "line",
    summary: `Frustrated messages: ${pct(f.totals.frustration_rate)} over the window`,
    data: { labels, datasets: [{ label: "frustrated messages", borderColor: "#D55E00", backgroundColor: "#D55E00",
      pointRadius: 3, spanGaps: false, data: bs.map(b => (b.frustration_rate === null || b.frustration_rate === undefined ? null : Math.round(b.frustration_rate * 1000) / 10)) }] },
    options: { scales: { x: timeAxis(), y: { min: 0, max: 100, ticks: { ...AXIS, stepSize: 25, callback: v => `${v}%` },
                                             title: { display: true, text: "frustrated (% of turns)", ...AXIS } } },
               plugins: { legend: { display: false } } },
  });
  // Hand-offs and crises per day over windows of days; per bucket over a day or less.
  const daily = f.now - f.since > 2 * 86400;
  const groups = new Map();
  for (const b of bs) {
    const key = daily ? new Date(b.start * 1000).toLocaleDateString("en-GB", { month: "short", day: "numeric" })
                      : clock(b.start, withDay);
    const g = groups.get(key) || { handoffs: 0, crisis: 0 };
    g.handoffs += b.handoffs || 0;
    g.crisis += b.crisis || 0;
    groups.set(key, g);
  }
  const unit = daily ? "day" : per;
  document.getElementById("per-label").textContent = `(conversations per ${unit})`;
  const handoffs = [...groups.values()].map(g => g.handoffs);
  draw("handoffs", {
    type: "bar",
    summary: `Hand-offs ${handoffs.reduce((a, n) => a + n, 0)}, crises ${f.totals.crisis_conversations} in the window`,
    data: { labels: [...groups.keys()], datasets: [
      { label: "hand-offs", backgroundColor: "#0072B2", data: handoffs },
      { label: "crises", backgroundColor: "#D55E00", data: [...groups.values()].map(g => g.crisis) },
    ] },
    options: { scales: { x: { ...timeAxis(), title: { display: true, text: daily ? "day (local)" : "time (local)", ...AXIS } },
                         y: { beginAtZero: true, suggestedMax: 2, ticks: { ...AXIS, precision: 0 },
                              title: { display: true, text: `conversations per ${unit}`, ...AXIS } } },
               plugins: { legend: { position: "bottom", labels: { boxWidth: 12, ...AXIS } } } },
  });
  const res = f.resolutions;
  // Empty charts say so in words rather than showing bare axes.
  const empty = { mix: !f.totals.turns, frustration: !f.totals.turns, handoffs: !f.totals.turns, resolution: !res.length };
  for (const [name, isEmpty] of Object.entries(empty)) {
    document.getElementById(`chart-${name}`).closest("figure").classList.toggle("is-empty", isEmpty);
  }
  draw("resolution", {
    type: "bar",
    summary: res.length ? `${res.length} hand-offs resolved; median ${median(res.map(r => r.minutes)).toFixed(1)} minutes`
                        : "No hand-off resolved in this window",
    data: { labels: res.map(r => clock(r.raised_at, withDay)), datasets: [{ label: "minutes to resolve",
      backgroundColor: "#009E73", data: res.map(r => r.minutes) }] },
    options: { scales: { x: { ticks: { ...AXIS, autoSkip: true, maxTicksLimit: 6, maxRotation: 0 }, grid: { display: false },
                              title: { display: true, text: "hand-off raised at", ...AXIS } },
                         y: { beginAtZero: true, ticks: { ...AXIS }, title: { display: true, text: "minutes", ...AXIS } } },
               plugins: { legend: { display: false } } },
  });
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : 0;
}

async function refreshFigures() {
  try {
    const hours = document.getElementById("f-hours").value;
    const f = await api("GET", `/v1/operator/figures?hours=${hours}`);
    tiles(f);
    const key = JSON.stringify([f.since, f.totals, f.series.length, f.resolutions.length]);
    if (key !== state.figuresKey) { state.figuresKey = key; charts(f); }
    document.body.dataset.figures = "1";
  } catch (exc) {
    const box = document.getElementById("tiles");
    box.setAttribute("aria-busy", "false");
    if (!box.querySelector(".tile")) box.replaceChildren(stateLine("failed", "The figures could not be loaded."));
    showError(exc);
  }
}

document.getElementById("retry").addEventListener("click", () => { refreshQueue(); refreshFigures(); });

async function start() {
  await Promise.all([refreshQueue(), refreshFigures()]);
  document.body.dataset.loaded = "1";
  const wanted = new URLSearchParams(location.hash.slice(1)).get("c");
  if (wanted) openConversation(wanted);
  setInterval(refreshQueue, QUEUE_POLL_MS);
  setInterval(refreshFigures, FIGURES_POLL_MS);
}
start();
