"use strict";

const RATE_COLORS = { frustration: "#d64545", deescalation: "#2f9e44", handoff: "#7b4fc9" };
document.getElementById("key-slot").append(keyField());

function when(seconds) {
  return new Date(seconds * 1000).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

function tiles(totals) {
  const tile = (value, label, hint) => el("div", { class: "tile", title: hint }, el("b", {}, value), el("span", {}, label));
  document.getElementById("tiles").replaceChildren(
    tile(totals.conversations, "conversations", "conversations with a turn in the window"),
    tile(totals.turns, "turns", "user messages answered"),
    tile(pct(totals.frustration_rate), "frustration rate", "turns reading angry or disgusted, or escalated"),
    tile(pct(totals.deescalation_rate), `de-escalation rate (${totals.escalated_conversations} escalated)`,
         "escalated conversations whose valence recovered"),
    tile(pct(totals.handoff_rate), "hand-off rate", "conversations handed to a human"));
}

function rates(stats) {
  const box = document.getElementById("rates");
  if (!stats.series.length) { box.replaceChildren(el("p", { class: "empty" }, "No turns in this window yet.")); return; }
  const series = stats.series;
  const pick = (key, name) => series.map(b => ({ y: b[key], label: `${when(b.start)}: ${name} ${pct(b[key])} (${b.turns} turns)` }));
  const step = Math.max(1, Math.ceil(series.length / 6));
  box.replaceChildren(
    lineChart({
      series: [
        { points: pick("frustration_rate", "frustration"), color: RATE_COLORS.frustration },
        { points: pick("deescalation_rate", "de-escalation"), color: RATE_COLORS.deescalation },
        { points: pick("handoff_rate", "hand-off"), color: RATE_COLORS.handoff },
      ],
      yMin: 0, yMax: 1, yTicks: [0, 0.5, 1],
      xLabels: series.map((b, i) => (i % step === 0 ? when(b.start) : "")),
    }),
    legend([["frustration", RATE_COLORS.frustration], ["de-escalation", RATE_COLORS.deescalation],
            ["hand-off", RATE_COLORS.handoff]]),
    el("p", { class: "legend" }, `${stats.totals.turns} turns; one point per ${Math.round(stats.bucket_seconds / 60)} min with activity`));
}

const REPAIR_PALETTE = ["#e08a00", "#3b6fd6", "#d64545", "#2f9e44", "#7b4fc9", "#8a6d3b", "#868e96", "#0c8599"];

function repairs(stats) {
  const box = document.getElementById("repairs");
  const totals = stats.totals;
  const entries = Object.entries(totals.repairs).sort((a, b) => b[1] - a[1]);
  if (!entries.length) { box.replaceChildren(el("p", { class: "empty" }, "The critic repaired nothing in this window.")); return; }
  const colors = Object.fromEntries(entries.map(([kind], i) => [kind, REPAIR_PALETTE[i % REPAIR_PALETTE.length]]));
  const most = entries[0][1];
  const series = stats.series.filter(b => b.turns);
  box.replaceChildren(
    stackedBars(series, "repairs", colors, false),
    ...entries.map(([kind, n]) => el("div", { class: "hbar" },
      el("span", { title: kind }, kind.replaceAll("_", " ")),
      el("i", { style: `width:${Math.max(4, (n / most) * 100 * 0.6)}%;background:${colors[kind]}` }), el("b", {}, n))));
}

function handoffs(list) {
  const box = document.getElementById("handoffs");
  if (!list.length) { box.replaceChildren(el("p", { class: "empty" }, "No open hand-offs.")); return; }
  const rows = list.map(h => el("tr", {},
    el("td", {}, when(h.created_at)),
    el("td", {}, h.conversation_id),
    el("td", {}, h.detail.reason, h.detail.crisis ? el("span", { class: "chip bad" }, h.detail.crisis.kind) : null),
    el("td", {}, h.detail.summary),
    el("td", {}, el("button", { class: "secondary", onclick: async () => {
      try { await api("POST", `/v1/handoffs/${h.id}/resolve`); refresh(); } catch (e) { showError(e); }
    } }, "taken over"))));
  box.replaceChildren(el("table", {}, el("thead", {}, el("tr", {}, ...["raised", "conversation", "reason", "summary", ""].map(t => el("th", {}, t)))),
    el("tbody", {}, ...rows)));
}

function conversations(list) {
  const box = document.getElementById("conversations");
  if (!list.length) { box.replaceChildren(el("p", { class: "empty" }, "No conversations yet.")); return; }
  const rows = list.map(c => el("tr", { class: "clickable", title: "show this conversation", onclick: () => drill(c.id) },
    el("td", {}, c.id),
    el("td", {}, when(c.updated_at)),
    el("td", {}, c.turn_count),
    el("td", {}, c.last_emotion ? el("span", { class: "chip emotion", style: `background:${EMOTION_COLORS[c.last_emotion] || "#868e96"}` }, c.last_emotion) : "–"),
    el("td", {}, el("span", { class: "bar", title: `escalation ${c.escalation} (peak ${c.peak_escalation})` },
                   el("i", { style: `width:${Math.round(c.escalation * 100)}%;background:${c.escalation >= 0.55 ? "#d64545" : "#3b6fd6"}` }))),
    el("td", {}, el("span", { class: "badge " + c.escalation_state }, c.escalation_state.replace("_", " ")))));
  box.replaceChildren(el("table", {}, el("thead", {}, el("tr", {}, ...["conversation", "last turn", "turns", "feeling", "escalation", "state"].map(t => el("th", {}, t)))),
    el("tbody", {}, ...rows)));
}

// Stacked bars per time bucket: shares of each emotion, or counts of each repair kind.
function stackedBars(series, field, colors, normalize) {
  const width = 560, height = 180, pad = { l: 40, r: 10, t: 10, b: 24 };
  const w = (width - pad.l - pad.r) / series.length;
  const h = height - pad.t - pad.b;
  const total = b => Object.values(b[field] || {}).reduce((a, n) => a + n, 0);
  const top = normalize ? 1 : Math.max(1, ...series.map(total));
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" });
  series.forEach((b, i) => {
    let y = pad.t + h;
    const sum = total(b);
    for (const [name, color] of Object.entries(colors)) {
      const n = (b[field] || {})[name] || 0;
      if (!n) continue;
      const bar = ((normalize ? n / sum : n) / top) * h;
      y -= bar;
      const rect = svg("rect", { x: pad.l + i * w + 1, y, width: Math.max(1, w - 2), height: bar, fill: color });
      rect.append(svg("title", {}, `${when(b.start)}: ${name.replaceAll("_", " ")} ${n}`));
      root.append(rect);
    }
  });
  for (const tick of [0, 0.5, 1]) {
    const label = normalize ? pct(tick) : String(Math.round(tick * top));
    root.append(svg("text", { x: pad.l - 6, y: pad.t + h - tick * h + 4, "text-anchor": "end", class: "tick" }, label));
  }
  const step = Math.max(1, Math.ceil(series.length / 5));
  series.forEach((b, i) => {
    if (i % step === 0) root.append(svg("text", { x: pad.l + i * w + w / 2, y: height - 6, "text-anchor": "middle", class: "tick" }, when(b.start)));
  });
  return root;
}

function mix(stats) {
  const box = document.getElementById("mix");
  const series = stats.series.filter(b => b.turns);
  if (!series.length) { box.replaceChildren(el("p", { class: "empty" }, "No turns in this window yet.")); return; }
  box.replaceChildren(stackedBars(series, "emotions", EMOTION_COLORS, true), legend(Object.entries(EMOTION_COLORS)));
}

async function drill(id) {
  try {
    const data = await api("GET", `/v1/conversations/${encodeURIComponent(id)}`);
    document.getElementById("drill").hidden = false;
    document.getElementById("drill-id").textContent = id;
    const turns = data.turns;
    document.getElementById("drill-timeline").replaceChildren(lineChart({
      series: [
        { points: turns.map(t => ({ y: t.state.escalation * 2 - 1, label: `#${t.index} escalation ${t.state.escalation.toFixed(2)}` })), color: "#f08c00" },
        { points: turns.map(t => ({ y: t.reading.valence, color: EMOTION_COLORS[t.reading.ekman],
                                    label: `#${t.index} ${t.reading.ekman}, valence ${t.reading.valence.toFixed(2)}` })), color: "#1f2933" },
      ],
      yMin: -1, yMax: 1, zeroLine: 0, yTicks: [-1, 0, 1], xLabels: turns.map(t => "#" + t.index),
    }), legend([["valence (dot = emotion)", "#1f2933"], ["escalation", "#f08c00"]]));
    const rows = turns.map(t => el("tr", {},
      el("td", {}, "#" + t.index),
      el("td", {}, t.reading.text),
      el("td", {}, el("span", { class: "chip emotion", style: `background:${EMOTION_COLORS[t.reading.ekman] || "#868e96"}` }, t.reading.ekman)),
      el("td", {}, t.plan.strategies.join(" › ")),
      el("td", {}, t.reply.text),
      el("td", {}, t.reply.checks.every(c => c.passed) ? "ok" : "needs work",
         t.reply.repairs.length ? " · " + t.reply.repairs.join(", ") : "")));
    document.getElementById("drill-turns").replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ...["turn", "customer", "feeling", "strategies", "reply", "critic"].map(x => el("th", {}, x)))),
      el("tbody", {}, ...rows)));
    document.getElementById("drill").scrollIntoView({ behavior: "smooth" });
  } catch (exc) { showError(exc); }
}

async function evaluation() {
  const box = document.getElementById("evaluation");
  try {
    const report = (await api("GET", "/v1/evaluation")).report;
    if (!report) {
      box.replaceChildren(el("p", { class: "empty" }, "No evaluation report yet: run `empathic eval` where the server runs."));
      return;
    }
    const rows = Object.entries(report.headline).map(([name, figures]) => el("tr", {},
      el("td", {}, name),
      el("td", {}, Object.entries(figures).map(([k, v]) => `${k} ${typeof v === "number" ? +v.toFixed(3) : v}`).join(" · "))));
    box.replaceChildren(
      el("p", {}, el("b", {}, report.name || "report"), ` (${report.created || "?"}), files: ${report.files.join(", ")}`),
      el("table", {}, el("tbody", {}, ...rows)));
  } catch (exc) { box.replaceChildren(el("p", { class: "error" }, exc.message)); }
}

function showError(exc) { document.getElementById("error").textContent = exc.message; }

async function refresh() {
  try {
    const hours = document.getElementById("hours").value;
    const data = await api("GET", `/v1/dashboard?hours=${hours}`);
    document.getElementById("error").textContent = "";
    tiles(data.stats.totals);
    rates(data.stats);
    repairs(data.stats);
    mix(data.stats);
    handoffs(data.handoffs);
    conversations(data.conversations);
    document.body.dataset.loaded = "1";
  } catch (exc) { showError(exc); }
}

document.getElementById("hours").addEventListener("change", refresh);
refresh();
evaluation();
setInterval(refresh, 10000);
