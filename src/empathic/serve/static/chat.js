"use strict";

const state = { conversation: null, turns: [] };
const log = document.getElementById("log");
const errorBox = document.getElementById("error");
document.getElementById("key-slot").append(keyField());

async function newConversation() {
  state.conversation = (await api("POST", "/v1/conversations", {})).id;
  state.turns = [];
  log.replaceChildren();
  document.getElementById("conversation-id").textContent = state.conversation;
  drawTimeline();
  document.getElementById("detail").replaceChildren(el("p", { class: "empty" }, "No reply yet."));
}

function emotionChip(reading) {
  const top = Object.entries(reading.ed_probs).sort((a, b) => b[1] - a[1])[0];
  return el("span", { class: "chip emotion", style: `background:${EMOTION_COLORS[reading.ekman] || "#868e96"}`,
                      title: `EmpatheticDialogues: ${top[0]} ${top[1].toFixed(2)}` },
            `${reading.ekman} · ${top[0]}`);
}

function intensityBar(value) {
  return el("span", { class: "bar", title: `intensity ${value.toFixed(2)}` },
            el("i", { style: `width:${Math.round(value * 100)}%` }));
}

function showTurn(text, turn) {
  const r = turn.reading;
  const cues = [...new Set(r.cues.map(c => c.kind))];
  log.append(el("div", { class: "msg user" }, text,
    el("div", { class: "meta" }, emotionChip(r), "intensity", intensityBar(r.intensity),
       el("span", { class: "chip" }, r.intent),
       ...cues.map(c => el("span", { class: "chip" }, c)),
       r.crisis ? el("span", { class: "chip bad" }, "crisis: " + r.crisis.kind) : null)));
  const reply = turn.reply;
  const verdict = reply.checks.every(c => c.passed);
  log.append(el("div", { class: "msg bot" }, reply.text,
    el("div", { class: "meta" },
       el("span", { class: "chip" }, turn.plan.strategies.join(" › ")),
       el("span", { class: "chip" }, "empathy " + turn.plan.empathy_level),
       el("span", { class: "chip " + (verdict ? "ok" : "bad") },
          "critic: " + (verdict ? "ok" : "needs work") + (reply.repairs.length ? " · repaired " + reply.repairs.join(", ") : "")),
       el("span", { class: "chip" }, reply.source))));
  if (turn.handoff) {
    log.append(el("div", { class: "handoff" }, el("b", {}, "Hand-off raised: "), turn.handoff.summary));
  }
  log.scrollTop = log.scrollHeight;
  showDetail(turn);
}

function showDetail(turn) {
  const rows = turn.reply.checks.map(c => el("tr", {},
    el("td", {}, c.passed ? "✓" : "✗"), el("td", {}, c.name.replaceAll("_", " ")), el("td", {}, c.detail)));
  document.getElementById("detail").replaceChildren(
    el("p", {}, el("b", {}, "Strategies: "), turn.plan.strategies.join(", "),
       el("br"), el("b", {}, "Empathy: "), `${turn.plan.empathy_level} · tone ${turn.plan.tone}`,
       turn.plan.handoff ? el("span", {}, el("br"), el("b", {}, "Hand-off: "), turn.plan.handoff_reason || "yes") : null,
       el("br"), el("b", {}, "Escalation: "), turn.state.escalation.toFixed(2)),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, "check"), el("th", {}, "detail"))),
       el("tbody", {}, ...rows)));
}

function drawTimeline() {
  const box = document.getElementById("timeline");
  if (!state.turns.length) {
    box.replaceChildren(el("p", { class: "empty" }, "Each message you send adds a point."));
    return;
  }
  const valence = state.turns.map((t, i) => ({ y: t.reading.valence, color: EMOTION_COLORS[t.reading.ekman],
    label: `#${i + 1} ${t.reading.ekman}, valence ${t.reading.valence.toFixed(2)}` }));
  const intensity = state.turns.map((t, i) => ({ y: t.reading.intensity * 2 - 1,
    label: `#${i + 1} intensity ${t.reading.intensity.toFixed(2)}` }));
  const escalation = state.turns.map((t, i) => ({ y: t.state.escalation * 2 - 1,
    label: `#${i + 1} escalation ${t.state.escalation.toFixed(2)}` }));
  const chart = lineChart({
    series: [
      { points: intensity, color: "#ced4da" },
      { points: escalation, color: "#f08c00" },
      { points: valence, color: "#1f2933" },
    ],
    yMin: -1, yMax: 1, zeroLine: 0,
    yTicks: [-1, 0, 1],
    xLabels: state.turns.map((_, i) => "#" + (i + 1)),
  });
  box.replaceChildren(chart, legend([["valence (dot = emotion)", "#1f2933"], ["intensity", "#ced4da"],
    ["escalation", "#f08c00"], ...Object.entries(EMOTION_COLORS)]));
}

document.getElementById("send").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  const text = input.value;
  if (!text.trim()) return;
  errorBox.textContent = "";
  const button = document.getElementById("send-button");
  button.disabled = true;
  try {
    if (!state.conversation) await newConversation();
    const turn = await api("POST", `/v1/conversations/${encodeURIComponent(state.conversation)}/messages`, { text });
    input.value = "";
    state.turns.push(turn);
    showTurn(text, turn);
    drawTimeline();
  } catch (exc) {
    errorBox.textContent = exc.message;
  } finally {
    button.disabled = false;
    input.focus();
  }
});
document.getElementById("new").addEventListener("click", () => newConversation().catch(e => { errorBox.textContent = e.message; }));
newConversation().catch(e => { errorBox.textContent = e.message; });
