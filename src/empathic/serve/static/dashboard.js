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

function repairs(totals) {
  const box = document.getElementById("repairs");
  const entries = Object.entries(totals.repairs).sort((a, b) => b[1] - a[1]);
  if (!entries.length) { box.replaceChildren(el("p", { class: "empty" }, "The critic repaired nothing in this window.")); return; }
  const most = entries[0][1];
  box.replaceChildren(...entries.map(([kind, n]) => el("div", { class: "hbar" },
    el("span", { title: kind }, kind.replaceAll("_", " ")),
    el("i", { style: `width:${Math.max(4, (n / most) * 100 * 0.6)}%` }), el("b", {}, n))));
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
  const rows = list.map(c => el("tr", {},
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

function showError(exc) { document.getElementById("error").textContent = exc.message; }

async function refresh() {
  try {
    const hours = document.getElementById("hours").value;
    const data = await api("GET", `/v1/dashboard?hours=${hours}`);
    document.getElementById("error").textContent = "";
    tiles(data.stats.totals);
    rates(data.stats);
    repairs(data.stats.totals);
    handoffs(data.handoffs);
    conversations(data.conversations);
    document.body.dataset.loaded = "1";
  } catch (exc) { showError(exc); }
}

document.getElementById("hours").addEventListener("change", refresh);
refresh();
setInterval(refresh, 10000);
