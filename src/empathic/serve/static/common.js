// Shared by the chat page and the dashboard. No build step, no framework.
// User text is only ever set with textContent (el() below), never parsed as HTML.
"use strict";

const EMOTION_COLORS = {
  anger: "#d64545", disgust: "#8a6d3b", fear: "#7b4fc9", joy: "#2f9e44",
  sadness: "#3b6fd6", surprise: "#e08a00", neutral: "#868e96",
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key === "style") node.style.cssText = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function apiKey() { return localStorage.getItem("empathic-key") || ""; }

function keyField() {
  const input = el("input", { type: "password", placeholder: "API key (if the server needs one)",
                              "aria-label": "API key", class: "key" });
  input.value = apiKey();
  input.addEventListener("change", () => localStorage.setItem("empathic-key", input.value.trim()));
  return input;
}

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (apiKey()) headers["Authorization"] = "Bearer " + apiKey();
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || data.title || ("HTTP " + response.status));
  return data;
}

function pct(value) { return value === null || value === undefined ? "–" : Math.round(value * 100) + "%"; }

// A line chart of one or more series over x in [0, n). points: [{x, y, label, color}] per series.
function lineChart({ series, yMin, yMax, width = 560, height = 180, yTicks, xLabels, zeroLine }) {
  const pad = { l: 40, r: 10, t: 10, b: 24 };
  const w = width - pad.l - pad.r, h = height - pad.t - pad.b;
  const n = Math.max(1, ...series.map(s => s.points.length));
  const x = i => pad.l + (n === 1 ? w / 2 : (i * w) / (n - 1));
  const y = v => pad.t + h - ((v - yMin) / (yMax - yMin)) * h;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" });
  for (const tick of yTicks || [yMin, yMax]) {
    root.append(svg("line", { x1: pad.l, x2: width - pad.r, y1: y(tick), y2: y(tick), class: "grid" }));
    root.append(svg("text", { x: pad.l - 6, y: y(tick) + 4, "text-anchor": "end", class: "tick" },
      tick.label !== undefined ? tick.label : String(tick)));
  }
  if (zeroLine !== undefined)
    root.append(svg("line", { x1: pad.l, x2: width - pad.r, y1: y(zeroLine), y2: y(zeroLine), class: "zero" }));
  (xLabels || []).forEach((label, i) => {
    const anchor = n > 1 && i === 0 ? "start" : n > 1 && i === n - 1 ? "end" : "middle";
    if (label) root.append(svg("text", { x: x(i), y: height - 6, "text-anchor": anchor, class: "tick" }, label));
  });
  for (const s of series) {
    const pts = s.points.map((p, i) => (p.y === null || p.y === undefined ? null : [x(i), y(p.y), p]));
    let d = "";
    let pen = false;
    for (const pt of pts) {
      if (!pt) { pen = false; continue; }
      d += (pen ? "L" : "M") + pt[0].toFixed(1) + "," + pt[1].toFixed(1);
      pen = true;
    }
    if (d) root.append(svg("path", { d, class: "line", stroke: s.color, fill: "none" }));
    for (const pt of pts) {
      if (!pt) continue;
      const dot = svg("circle", { cx: pt[0], cy: pt[1], r: 4.5, fill: pt[2].color || s.color });
      dot.append(svg("title", {}, pt[2].label || ""));
      root.append(dot);
    }
  }
  return root;
}

function legend(items) {
  return el("div", { class: "legend" }, ...items.map(([label, color]) =>
    el("span", {}, el("i", { style: `background:${color}` }), label)));
}
